/// A table of rows under named columns, rendered as aligned text for terminals or as CSV (RFC 4180).
public struct TextTable: Sendable, Hashable {
    public var columns: [String]
    public var rows: [[String]]
    /// Columns whose cells are right-aligned (numbers).
    public var numeric: Set<Int>

    public init(columns: [String], rows: [[String]] = [], numeric: Set<Int> = []) {
        self.columns = columns
        self.rows = rows
        self.numeric = numeric
    }

    public mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "row has \(row.count) cells, table has \(columns.count) columns")
        rows.append(row)
    }

    /// Aligned text with a header rule.
    public func rendered() -> String {
        var widths = columns.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return numeric.contains(i) ? pad + c : c + pad
            }.joined(separator: "  ").trimmingTrailingWhitespace()
        }
        var out = line(columns) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for r in rows { out += line(r) + "\n" }
        return out
    }

    /// RFC 4180 CSV with a header row.
    public func csv() -> String {
        ([columns] + rows).map { $0.map(TextTable.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// Quotes a CSV field when it contains a comma, quote or line break.
    public static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

import Foundation

extension String {
    /// The string without trailing spaces and tabs, in linear time (a `/\s+$/` regex backtracks
    /// quadratically on a long padded line, which made rendering very long names take minutes).
    func trimmingTrailingWhitespace() -> String {
        var end = endIndex
        while end > startIndex, let c = self[index(before: end)].unicodeScalars.first, c == " " || c == "\t" { end = index(before: end) }
        return String(self[..<end])
    }
}
