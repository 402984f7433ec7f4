import DuetCore
import Foundation

/// Reading and writing tables as CSV, JSON and (see `LatencyTable+OFA.swift`) the once-for-all YAML style.
extension LatencyTable {
    /// File formats of a table, chosen by extension.
    public enum FileFormat: String, Sendable, CaseIterable {
        case csv, json, ofa
        /// `.csv` → csv, `.json` → json, `.yaml`/`.yml` → ofa; nil otherwise.
        public init?(path: String) {
            switch (path as NSString).pathExtension.lowercased() {
            case "csv": self = .csv
            case "json": self = .json
            case "yaml", "yml": self = .ofa
            default: return nil
            }
        }
    }

    static let valueColumns = ["mean_ms", "std_ms", "count"]

    // MARK: CSV

    /// CSV text: `#` comment lines with the provenance, the network overhead and failures, then a
    /// header `key,kind,input,…,precision,mean_ms,std_ms,count` and one row per entry sorted by key.
    public func csv() -> String {
        var s = "# duet latency table\n"
        s += "# device: \(oneLine(provenance.device))\n# method: \(oneLine(provenance.method))\n"
        s += "# date: \(oneLine(provenance.date))\n# source: \(oneLine(provenance.source))\n"
        s += "# network_overhead_ms: \(JSONValue.format(networkOverheadMs))\n"
        s += "# graph_rewrites: \(rewrites.map(\.rawValue).joined(separator: " "))\n"
        s += "# fusion: \(fusion.map(\.rawValue).joined(separator: " "))\n"
        for k in failures.keys.sorted() { s += "# failed: \(k): \(oneLine(failures[k]!))\n" }
        s += (["key"] + OperatorSignature.fieldNames + Self.valueColumns).joined(separator: ",") + "\n"
        for e in entries {
            s += ([e.signature.key] + e.signature.fieldValues + [JSONValue.format(e.meanMs), JSONValue.format(e.stdMs), String(e.count)])
                .map(CSVDocument.quote).joined(separator: ",") + "\n"
        }
        return s
    }

    private func oneLine(_ s: String) -> String {
        s.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    /// Parses CSV written by ``csv()`` (read by DuetCore's ``CSVDocument``, so quoted fields are
    /// RFC 4180; `#` lines carry the metadata; the `key` column is optional; columns may come in
    /// any order); every bad row is reported with its line number.
    public static func parseCSV(_ text: String, file: String? = nil) throws -> LatencyTable {
        var c = IssueCollector(file: file)
        var prov = TableProvenance(device: "", method: "")
        var overhead = 0.0
        var failures: [String: String] = [:]
        var rewrites: [GraphRewrite] = [.deadCode, .foldConstants], fusion: [FusionRule] = [.convBN, .convAct, .addAct]
        var table = LatencyTable(provenance: prov)
        let doc: CSVDocument
        do { doc = try CSVDocument.parse(text, file: file, comment: "#") } catch let e as InputError {
            if e.issues.count == 1, e.issues[0].message == "the file has no header line" {
                throw InputError(file: file, message: "no header line",
                                 hint: "a table CSV starts with key,\(OperatorSignature.fieldNames.joined(separator: ",")),mean_ms,std_ms,count")
            }
            throw e
        }
        for comment in doc.comments {
            let body = comment.text.trimmingCharacters(in: .whitespaces)
            guard let colon = body.firstIndex(of: ":") else { continue }
            let name = String(body[..<colon]), value = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            let n = comment.line
            switch name {
            case "device": prov.device = value
            case "method": prov.method = value
            case "date": prov.date = value
            case "source": prov.source = value
            case "network_overhead_ms":
                if let v = Double(value), v >= 0, v.isFinite { overhead = v }
                else { c.add("line \(n).network_overhead_ms", value: value, "expected a non-negative number of milliseconds") }
            case "graph_rewrites":
                rewrites = []
                for w in value.split(separator: " ") {
                    if let g = GraphRewrite(rawValue: String(w)) { rewrites.append(g) }
                    else { c.add("line \(n).graph_rewrites", value: String(w), "unknown graph rewrite", hint: Suggestion.hint(for: String(w), in: GraphRewrite.allCases.map(\.rawValue))) }
                }
            case "fusion":
                fusion = []
                for w in value.split(separator: " ") {
                    if let f = FusionRule(rawValue: String(w)) { fusion.append(f) }
                    else { c.add("line \(n).fusion", value: String(w), "unknown fusion rule", hint: Suggestion.hint(for: String(w), in: FusionRule.allCases.map(\.rawValue))) }
                }
            case "failed":
                if let sep = value.range(of: ": ") { failures[String(value[..<sep.lowerBound])] = String(value[sep.upperBound...]) }
            default: break
            }
        }
        let h = doc.header
        let need = OperatorSignature.fieldNames + ["mean_ms"]
        let missing = need.filter { !h.contains($0) }
        if !missing.isEmpty {
            throw InputError(file: file, keyPath: "line \(doc.headerLine)", value: h.joined(separator: ","),
                             message: "the header lacks column(s) \(missing.joined(separator: ", "))",
                             hint: "the header is " + (["key"] + OperatorSignature.fieldNames + valueColumns).joined(separator: ","))
        }
        for r in doc.records {
            let path = "line \(r.line)"
            var fields: [String: String] = [:]
            var values: [String: String] = [:]
            var key: String?
            for (name, v) in zip(h, r.fields) {
                if name == "key" { key = v } else if valueColumns.contains(name) { values[name] = v } else { fields[name] = v }
            }
            guard let sig = try c.attempt({ try OperatorSignature.from(fields: fields, keyPath: path) }) else { continue }
            if let key, !key.isEmpty, key != sig.key {
                c.add(path + ".key", value: key, "the key does not match the row's fields (\(sig.key))", hint: "delete the key column or fix the fields")
                continue
            }
            guard let mean = Double(values["mean_ms"] ?? ""), mean >= 0, mean.isFinite else {
                c.add(path + ".mean_ms", value: values["mean_ms"], "expected a non-negative number of milliseconds"); continue
            }
            var std = 0.0, count = 0
            if let s = values["std_ms"], !s.isEmpty {
                guard let v = Double(s), v >= 0, v.isFinite else { c.add(path + ".std_ms", value: s, "expected a non-negative number of milliseconds"); continue }
                std = v
            }
            if let s = values["count"], !s.isEmpty {
                guard let v = Int(s), v >= 0 else { c.add(path + ".count", value: s, "expected a non-negative integer"); continue }
                count = v
            }
            if table.contains(sig) { c.add(path, value: sig.key, "duplicate entry", hint: "keep one row per operator"); continue }
            table.insert(LatencyEntry(sig, meanMs: mean, stdMs: std, count: count))
        }
        try c.throwIfAny()
        table.provenance = prov
        table.networkOverheadMs = overhead
        table.rewrites = rewrites
        table.fusion = fusion
        for (k, v) in failures where table[key: k] == nil { table.failures[k] = v }
        return table
    }

    // MARK: JSON

    /// The JSON document: `{"format": "duet-latency-table", "version": 1, "provenance": {…},
    /// "network_overhead_ms", "entries": [{"key", fields…, "mean_ms", "std_ms", "count"}], "failures": [{"key", "error"}]}`.
    public func json() -> JSONValue {
        .obj([
            "format": .string("duet-latency-table"), "version": .int(1),
            "provenance": .obj(["device": .string(provenance.device), "method": .string(provenance.method),
                                "date": .string(provenance.date), "source": .string(provenance.source)]),
            "network_overhead_ms": .double(networkOverheadMs),
            "graph_rewrites": .array(rewrites.map { .string($0.rawValue) }),
            "fusion": .array(fusion.map { .string($0.rawValue) }),
            "entries": .array(entries.map { e in
                var f: [JSONValue.Field] = [.init("key", .string(e.signature.key))]
                for (n, v) in zip(OperatorSignature.fieldNames, e.signature.fieldValues) { f.append(.init(n, .string(v))) }
                f += [.init("mean_ms", .double(e.meanMs)), .init("std_ms", .double(e.stdMs)), .init("count", .int(e.count))]
                return .object(f)
            }),
            "failures": .array(failures.keys.sorted().map { .obj(["key": .string($0), "error": .string(failures[$0]!)]) }),
        ])
    }

    /// Parses the document written by ``json()``.
    public static func parseJSON(_ text: String, file: String? = nil) throws -> LatencyTable {
        let root = try ConfigNode.parse(yaml: text, file: file)
        let d = Diagnostics(file: file)
        let r = ConfigReader(root, diagnostics: d)
        _ = r.choice("format", in: ["duet-latency-table"])
        if let v = r.int("version", min: 1), v != formatVersion {
            d.add("version", value: String(v), "unsupported table version (this Duet reads version \(formatVersion))",
                  hint: v > formatVersion ? "the table was written by a newer Duet; regenerate it with this one or upgrade Duet" : nil)
        }
        var prov = TableProvenance(device: "", method: "")
        if let p = r.object("provenance") {
            prov.device = p.string("device") ?? ""; prov.method = p.string("method") ?? ""
            prov.date = p.string("date") ?? ""; prov.source = p.string("source") ?? ""
            p.finish()
        }
        var table = LatencyTable(provenance: prov, networkOverheadMs: r.double("network_overhead_ms", min: 0, max: validLatencyMs.high) ?? 0)
        if let ws = r.strings("graph_rewrites") {
            table.rewrites = []
            for (i, w) in ws.enumerated() {
                if let g = GraphRewrite(rawValue: w) { table.rewrites.append(g) }
                else { d.add(r.keyPath("graph_rewrites") + "[\(i)]", value: w, "unknown graph rewrite", hint: Suggestion.hint(for: w, in: GraphRewrite.allCases.map(\.rawValue))) }
            }
        }
        if let ws = r.strings("fusion") {
            table.fusion = []
            for (i, w) in ws.enumerated() {
                if let f = FusionRule(rawValue: w) { table.fusion.append(f) }
                else { d.add(r.keyPath("fusion") + "[\(i)]", value: w, "unknown fusion rule", hint: Suggestion.hint(for: w, in: FusionRule.allCases.map(\.rawValue))) }
            }
        }
        for e in r.objects("entries", required: true) ?? [] {
            var fields: [String: String] = [:]
            for n in OperatorSignature.fieldNames { if let v = e.string(n) { fields[n] = v } }
            let key = e.string("key")
            let mean = e.double("mean_ms", required: true, min: 0, max: validLatencyMs.high)
            let std = e.double("std_ms", min: 0, max: validLatencyMs.high) ?? 0
            let count = e.int("count", min: 0) ?? 0
            e.finish()
            guard let sig = try d.collector.attempt({ try OperatorSignature.from(fields: fields, keyPath: e.path) }), let mean else { continue }
            if let key, key != sig.key { d.add(e.keyPath("key"), value: key, "the key does not match the entry's fields (\(sig.key))"); continue }
            if table.contains(sig) { d.add(e.path, value: sig.key, "duplicate entry"); continue }
            table.insert(LatencyEntry(sig, meanMs: mean, stdMs: std, count: count))
        }
        for f in r.objects("failures") ?? [] {
            if let k = f.string("key", required: true), let m = f.string("error", required: true), table[key: k] == nil { table.failures[k] = m }
            f.finish()
        }
        r.finish()
        try d.throwIfAny()
        return table
    }

    // MARK: Files

    /// Text of the table in `format`.
    public func serialized(_ format: FileFormat) throws -> String {
        switch format {
        case .csv: return csv()
        case .json: return json().serialized() + "\n"
        case .ofa: return try ofaYAML()
        }
    }

    /// Writes the table to `path` in the format its extension names (`.csv`, `.json`, `.yaml`),
    /// atomically; another extension is an ``InputError`` naming the file.
    public func save(to path: String) throws {
        guard let format = FileFormat(path: path) else {
            throw InputError(file: path, message: "unknown table file extension", hint: "use .csv, .json or .yaml")
        }
        try OutputFile.write(try serialized(format), to: path)
    }

    /// `duet table convert`: reads `input`, records `device` when given (imported once-for-all
    /// tables name none), writes `output` in the format of its extension; returns the line printed.
    public static func convert(_ input: String, to output: String, device: String? = nil) throws -> String {
        guard FileFormat(path: output) != nil else { throw InputError(file: output, message: "unknown table file extension", hint: "use .csv, .json or .yaml") }
        var t = try load(path: input)
        if let device { t.provenance.device = device }
        try t.save(to: output)
        return "\(t.count) entries: \(input) -> \(output)\n"
    }

    /// Reads a table file, choosing the format by extension (`.csv`, `.json`, `.yaml` for the
    /// once-for-all style).
    public static func load(path: String) throws -> LatencyTable {
        guard let format = FileFormat(path: path) else {
            throw InputError(file: path, value: (path as NSString).pathExtension, message: "unknown table file extension",
                             hint: "use .csv, .json or .yaml (once-for-all style)")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw InputError(file: path, message: "cannot read the table file", hint: "check the path")
        }
        let table: LatencyTable
        switch format {
        case .csv: table = try parseCSV(text, file: path)
        case .json: table = try parseJSON(text, file: path)
        case .ofa: table = try parseOFA(text, file: path)
        }
        try table.checkValues(file: path)
        return table
    }
}
