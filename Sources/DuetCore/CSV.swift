import Foundation

/// A CSV document read as RFC 4180 describes it: comma-separated fields, a field in double quotes
/// may hold commas, line breaks and doubled quotes (`""` is one `"`); records end with LF, CRLF
/// or CR; a UTF-8 byte-order mark is skipped. The first record is the header. Duet's one CSV
/// reader: every CSV input (measurements, accuracy tables, latency tables, operator lists) is
/// read through it, so quoting means the same everywhere.
///
/// Leniencies, each documented: blank lines are skipped; unquoted fields are trimmed of spaces
/// and tabs (quoted fields are kept exactly); with `comment` set, a line starting with that
/// character (outside a quoted field) is a comment, kept in ``comments``, not a record.
/// Errors (an unterminated quote, text after a closing quote, a record with the wrong number of
/// fields) are collected and thrown together as one ``InputError`` naming file, line and column.
public struct CSVDocument: Sendable, Hashable {
    /// One record: its fields and the line it starts on (1-based, physical lines of the file).
    public struct Record: Sendable, Hashable {
        public var line: Int
        public var fields: [String]
        public init(line: Int, fields: [String]) { self.line = line; self.fields = fields }
        public subscript(_ column: Int) -> String { fields[column] }
    }

    /// One comment line: its line number and the text after the comment character.
    public struct Comment: Sendable, Hashable {
        public var line: Int
        public var text: String
    }

    /// The file the text came from (for error messages), nil for other input.
    public var file: String?
    /// The column names (the first record), trimmed.
    public var header: [String]
    /// The line of the header.
    public var headerLine: Int
    /// The records after the header, each with exactly `header.count` fields.
    public var records: [Record]
    /// Comment lines, in file order (empty unless `comment` was given).
    public var comments: [Comment]

    /// Parses `text`. `comment`: a character that starts a comment line (e.g. `#`), or nil.
    public static func parse(_ text: String, file: String? = nil, comment: Character? = nil) throws -> CSVDocument {
        var c = IssueCollector(file: file)
        let (rows, comments) = split(Array(text.utf8), comment: comment?.asciiValue, issues: &c)
        guard let first = rows.first else {
            c.add("", "the file has no header line", hint: "the first line names the columns, separated by commas")
            try c.throwIfAny()
            preconditionFailure("unreachable")
        }
        let header = first.fields
        var records: [Record] = []
        records.reserveCapacity(rows.count - 1)
        for r in rows.dropFirst() {
            if r.fields.count != header.count {
                c.add("line \(r.line)", value: preview(r.fields),
                      "expected \(header.count) fields (the header's), found \(r.fields.count)",
                      hint: "quote a field that contains a comma or a line break: \"a,b\"")
                if c.issues.count >= 20 { break }
                continue
            }
            records.append(r)
        }
        try c.throwIfAny()
        return CSVDocument(file: file, header: header, headerLine: first.line, records: records, comments: comments)
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String, comment: Character? = nil) throws -> CSVDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, message: "cannot read the file", hint: "check the path")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path, comment: comment)
    }

    /// The index of column `name`; an ``InputError`` naming the file, the option or key that
    /// asked for it (`keyPath`) and the closest column when there is none.
    public func column(_ name: String, keyPath: String = "") throws -> Int {
        if let i = header.firstIndex(of: name) { return i }
        throw InputError(file: file, keyPath: keyPath, value: name, message: "no such column",
                         hint: Suggestion.closest(to: name, in: header).map { "did you mean '\($0)'?" } ?? "the columns are \(header.joined(separator: ", "))")
    }

    /// The key path of a cell in error messages: `line N.column`.
    public func keyPath(_ record: Record, _ column: Int) -> String { "line \(record.line).\(header[column])" }

    /// Each record as a dictionary column name → field.
    public func dictionaries() -> [[String: String]] {
        records.map { Dictionary(zip(header, $0.fields), uniquingKeysWith: { a, _ in a }) }
    }

    /// Writes one field, quoting it when it holds a comma, a quote, a line break or surrounding spaces.
    public static func quote(_ field: String) -> String {
        let needs = field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            || field.first == " " || field.last == " "
        return needs ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }

    static func preview(_ fields: [String]) -> String {
        let s = fields.joined(separator: ",")
        return s.count > 80 ? String(s.prefix(77)) + "..." : s
    }

    // MARK: Tokenizer

    private static let quoteByte = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

    /// Splits bytes into records (fields decoded as UTF-8) and comment lines.
    static func split(_ bytes: [UInt8], comment: UInt8?, issues c: inout IssueCollector) -> ([Record], [Comment]) {
        var i = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        let n = bytes.count
        var line = 1
        var rows: [Record] = [], comments: [Comment] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var recordLine = 1
        var atRecordStart = true

        func endOfLine(_ k: Int) -> Int? {          // length of the line break at k, if any
            if bytes[k] == lf { return 1 }
            if bytes[k] == cr { return k + 1 < n && bytes[k + 1] == lf ? 2 : 1 }
            return nil
        }
        func trimmed(_ f: [UInt8]) -> String {
            var a = f.startIndex, b = f.endIndex
            while a < b && (f[a] == 0x20 || f[a] == 0x09) { a += 1 }
            while b > a && (f[b - 1] == 0x20 || f[b - 1] == 0x09) { b -= 1 }
            return String(decoding: f[a..<b], as: UTF8.self)
        }

        while i < n {
            if atRecordStart {
                recordLine = line
                // Blank line: skip.
                if let eol = endOfLine(i) { i += eol; line += 1; continue }
                if let comment, bytes[i] == comment {
                    var k = i + 1
                    while k < n && endOfLine(k) == nil { k += 1 }
                    comments.append(Comment(line: line, text: String(decoding: bytes[(i + 1)..<k], as: UTF8.self)))
                    i = k < n ? k + endOfLine(k)! : k
                    line += 1
                    continue
                }
                atRecordStart = false
            }
            // One field starting at i.
            var quotedField: String?
            if bytes[i] == quoteByte {
                let startLine = line
                var k = i + 1
                field.removeAll(keepingCapacity: true)
                var closed = false
                while k < n {
                    let b = bytes[k]
                    if b == quoteByte {
                        if k + 1 < n && bytes[k + 1] == quoteByte { field.append(quoteByte); k += 2; continue }
                        closed = true; k += 1; break
                    }
                    if b == lf || (b == cr && !(k + 1 < n && bytes[k + 1] == lf)) { line += 1 }
                    field.append(b); k += 1
                }
                if !closed {
                    c.add("line \(startLine).field \(fields.count + 1)", "a quoted field is never closed",
                          hint: "end the field with a double quote; write a quote inside a field as two (\"\")")
                    return (rows, comments)
                }
                quotedField = String(decoding: field, as: UTF8.self)
                // Spaces after the closing quote are tolerated; anything else is an error.
                while k < n && (bytes[k] == 0x20 || bytes[k] == 0x09) { k += 1 }
                if k < n && bytes[k] != comma && endOfLine(k) == nil {
                    var e = k
                    while e < n && bytes[e] != comma && endOfLine(e) == nil { e += 1 }
                    c.add("line \(line).field \(fields.count + 1)", value: String(decoding: bytes[k..<e], as: UTF8.self),
                          "text after the closing quote of a field", hint: "put the whole field in quotes and double the quotes inside it")
                    k = e
                }
                i = k
            } else {
                var k = i
                while k < n && bytes[k] != comma && endOfLine(k) == nil { k += 1 }
                field = Array(bytes[i..<k])
                i = k
            }
            fields.append(quotedField ?? trimmed(field))
            // Separator or end of record.
            if i < n && bytes[i] == comma {
                i += 1
                if i == n || endOfLine(i) != nil { fields.append("") }   // trailing empty field
                else { continue }
            }
            if i < n, let eol = endOfLine(i) { i += eol; line += 1 }
            rows.append(Record(line: recordLine, fields: fields))
            fields = []
            atRecordStart = true
        }
        if !fields.isEmpty { rows.append(Record(line: recordLine, fields: fields)) }
        return (rows, comments)
    }
}
