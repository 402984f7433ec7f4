import DuetCore
import DuetWorkload
import Foundation

/// Architectures (and optionally target values) read from a CSV file for fitting or predicting.
public struct PredictorData: Sendable {
    /// The arch strings as written in the file, in row order.
    public var archStrings: [String]
    public var archs: [Architecture]
    /// One target value per row (empty when read without a target column).
    public var targets: [Double]

    public init(archStrings: [String], archs: [Architecture], targets: [Double]) {
        self.archStrings = archStrings; self.archs = archs; self.targets = targets
    }

    /// Reads `archColumn` (the space's arch strings) and, when `target` is given, a numeric target
    /// column. Every bad row (unparsable arch, missing or non-numeric target) is reported, naming its
    /// line, in one ``InputError``.
    public static func load(csv path: String, space: any NetworkSpace, archColumn: String, target: String?) throws -> PredictorData {
        let table = try CSVFile.read(path: path)
        var issues = IssueCollector(file: path)
        guard let ai = table.header.firstIndex(of: archColumn) else {
            throw InputError(file: path, keyPath: "header", value: archColumn, message: "no such column",
                             hint: Suggestion.hint(for: archColumn, in: table.header))
        }
        var ti: Int?
        if let target {
            guard let i = table.header.firstIndex(of: target) else {
                throw InputError(file: path, keyPath: "header", value: target, message: "no such target column",
                                 hint: Suggestion.hint(for: target, in: table.header))
            }
            ti = i
        }
        var out = PredictorData(archStrings: [], archs: [], targets: [])
        for (row, line) in zip(table.rows, table.lines) {
            let where_ = "row \(line)"
            guard row.count > ai else { issues.add(where_, "the row has no '\(archColumn)' field"); continue }
            let text = row[ai]
            let arch: Architecture
            do { arch = try space.parse(text) } catch let e as InputError {
                issues.add(where_, value: text, "not a \(space.name) architecture: \(e.issues.first?.message ?? "")", hint: e.issues.first?.hint)
                continue
            }
            if let ti {
                let field = row.count > ti ? row[ti].trimmingCharacters(in: .whitespaces) : ""
                guard !field.isEmpty else { issues.add(where_, "missing value in target column '\(target!)'", hint: "fill it in or remove the row"); continue }
                guard let v = Double(field), v.isFinite else {
                    issues.add(where_, value: field, "the target column '\(target!)' is not a number", hint: "write a plain number such as 71.5")
                    continue
                }
                out.targets.append(v)
            }
            out.archStrings.append(text)
            out.archs.append(arch)
        }
        if issues.issues.count > 20 {
            let n = issues.issues.count
            var first = IssueCollector(file: path)
            for i in issues.issues.prefix(20) { first.add(InputError([i])) }
            first.add("", "\(n - 20) more bad rows not listed")
            try first.throwIfAny()
        }
        try issues.throwIfAny()
        if out.archs.isEmpty { throw InputError(file: path, message: "no data rows", hint: "the first line is the header; rows follow") }
        return out
    }
}

/// The CSV reading of the predictor commands, behind one function so that it can be swapped for a
/// shared reader: RFC 4180 fields (double-quoted fields may hold commas, doubled quotes and line
/// breaks), the first record is the header; empty lines are skipped.
enum CSVFile {
    struct Table { var header: [String]; var rows: [[String]]; var lines: [Int] }

    static func read(path: String) throws -> Table {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, message: "cannot read the CSV file", hint: "check the path")
        }
        let text = String(decoding: data, as: UTF8.self)
        var records: [[String]] = [], lines: [Int] = []
        var field = "", record: [String] = [], quoted = false, line = 1, start = 1, fieldStarted = false
        var it = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            record.append(field)
            if !(record.count == 1 && record[0].isEmpty) { records.append(record); lines.append(start) }
            record = []; field = ""; fieldStarted = false
        }
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() { if n == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = n } } else { quoted = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where !fieldStarted || field.isEmpty: quoted = true; fieldStarted = true
            case ",": record.append(field); field = ""; fieldStarted = false
            case "\r": break
            case "\n": endRecord(); line += 1; start = line
            default: field.unicodeScalars.append(c); fieldStarted = true
            }
        }
        if quoted { throw InputError(file: path, keyPath: "row \(start)", message: "a quoted field is never closed", hint: "close the field with a double quote") }
        if !field.isEmpty || !record.isEmpty { endRecord() }
        guard !records.isEmpty else { throw InputError(file: path, message: "the CSV file is empty", hint: "the first line is the header") }
        let header = records.removeFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        lines.removeFirst()
        return Table(header: header, rows: records, lines: lines)
    }
}
