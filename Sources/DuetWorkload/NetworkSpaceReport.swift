import DuetCore
import DuetReport
import Foundation

/// What `duet space list|show|sample` prints: the network spaces, one space's dimensions or one
/// of its architectures, a seeded sample; as a text table, JSON or CSV.
public enum NetworkSpaceReport {
    /// A space's size: exact with thousands separators when it fits an `Int`, else three digits.
    public static func cardinality(_ s: any NetworkSpace) -> String {
        s.exactCardinality.map(NumberFormat.grouped) ?? String(format: "%.3g", s.cardinality)
    }

    /// Every space Duet ships: name, dimensions, size, summary.
    public static func list(format: OutputFormat) -> String {
        let spaces = NetworkSpaces.all
        switch format {
        case .json:
            return JSONValue.array(spaces.map {
                .obj(["name": .string($0.name), "summary": .string($0.summary), "dimensions": .int($0.dimensions.count),
                      "size": $0.exactCardinality.map { .int($0) } ?? .double($0.cardinality)])
            }).serialized() + "\n"
        case .table, .csv:
            var t = TextTable(columns: ["name", "dimensions", "size", "summary"], numeric: [1, 2])
            for s in spaces { t.append([s.name, String(s.dimensions.count), format == .csv ? String(s.cardinality) : cardinality(s), s.summary]) }
            return format == .csv ? t.csv() : t.rendered()
        }
    }

    /// One space: its summary, size and the options of each dimension.
    public static func show(_ s: any NetworkSpace, format: OutputFormat) -> String {
        switch format {
        case .json:
            return JSONValue.obj([
                "name": .string(s.name), "summary": .string(s.summary),
                "size": s.exactCardinality.map { .int($0) } ?? .double(s.cardinality),
                "dimensions": .array(s.dimensions.map { .obj(["name": .string($0.name), "options": .array($0.options.map { .string($0) })]) }),
            ]).serialized() + "\n"
        case .table, .csv:
            var t = TextTable(columns: ["dimension", "options"])
            for d in s.dimensions { t.append([d.name, d.options.joined(separator: " ")]) }
            if format == .csv { return t.csv() }
            return "\(s.name): \(s.summary)\nsize: \(cardinality(s)) architectures\n\n" + t.rendered()
        }
    }

    /// One architecture of `s` (an arch string; a bad one is an ``InputError`` under `arch`) as
    /// its network's analysis, with element sizes of `bits`; JSON leads with the space, the
    /// architecture and its choices.
    public static func show(_ s: any NetworkSpace, arch text: String, bits: Int, format: OutputFormat) throws -> String {
        let a: Architecture
        do { a = try s.parse(text) } catch let e as InputError { throw e.under("arch") }
        let analysis = try s.network(a).analyze()
        if format == .json {
            var doc = NetworkReport.json(analysis, bits: bits)
            if case .object(var fields) = doc {
                fields.insert(.init("space", .string(s.name)), at: 0)
                fields.insert(.init("arch", .string(s.format(a))), at: 1)
                fields.insert(.init("choices", .array(a.choices.map { .int($0) })), at: 2)
                doc = .object(fields)
            }
            return doc.serialized() + "\n"
        }
        let head = format == .table ? "\(s.name): \(s.format(a))\n\n" : ""
        return head + NetworkReport.render(analysis, format: format, bits: bits)
    }

    /// `count` random architectures of `s` drawn with `seed` (the same seed, the same sample),
    /// each with its MACs and parameters.
    public static func sample(_ s: any NetworkSpace, count: Int, seed: UInt64, format: OutputFormat) throws -> String {
        var rng = SeededGenerator(seed: seed)
        let archs = s.sample(count: try NetworkSpaces.checkSampleCount(count), using: &rng)
        let stats = try archs.map { try s.network($0).analyze() }
        switch format {
        case .json:
            return JSONValue.obj([
                "space": .string(s.name), "seed": .int(Int(truncatingIfNeeded: seed)), "count": .int(count),
                "archs": .array(zip(archs, stats).map { a, st in
                    .obj(["arch": .string(s.format(a)), "choices": .array(a.choices.map { .int($0) }),
                          "macs": .int(st.totalMACs), "params": .int(st.totalParams)])
                }),
            ]).serialized() + "\n"
        case .table, .csv:
            // CSV names the index column `index`: a header starting with '#' reads as a comment to
            // CSV readers (`table predict --archs` skipped it).
            var t = TextTable(columns: [format == .csv ? "index" : "#", "macs", "params", "arch"], numeric: [0, 1, 2])
            for (i, (a, st)) in zip(archs, stats).enumerated() {
                t.append([String(i), format == .csv ? String(st.totalMACs) : NumberFormat.si(Double(st.totalMACs)),
                          format == .csv ? String(st.totalParams) : NumberFormat.si(Double(st.totalParams)), s.format(a)])
            }
            return format == .csv ? t.csv() : "# \(s.name), seed \(seed)\n" + t.rendered()
        }
    }
}
