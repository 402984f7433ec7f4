import DuetCore

/// Reads one accuracy column of a CSV table keyed by arch string.
public enum AccuracyTable {
    public static func load(path: String, key: String, column: String) throws -> [String: Double] {
        try AccuracyTables().table(path: path, key: key, column: column)
    }
}

