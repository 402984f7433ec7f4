import Foundation

/// Output files written atomically: a reader never sees a half-written file, and a file that
/// cannot be written is an ``InputError`` naming it (exit code 2), not a trap.
public enum OutputFile {
    /// Writes `text` as UTF-8 to `path`, atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Writes `data` to `path`, atomically.
    public static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw InputError(file: path, message: "cannot write the file: \(error.localizedDescription)", hint: "check that the folder exists and is writable")
        }
    }

    /// Today's date as `YYYY-MM-DD` (UTC), as tables and reports record it.
    public static func today() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        return f.string(from: Date())
    }
}
