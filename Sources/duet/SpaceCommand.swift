import ArgumentParser
import DuetCore
import DuetReport
import DuetWorkload

struct SpaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "space", abstract: "Network search spaces: list, inspect, decode and sample.",
        subcommands: [List.self, Show.self, Sample.self])

    static func lookup(_ name: String) throws -> any NetworkSpace {
        guard let s = NetworkSpaces.named(name) else {
            throw InputError(keyPath: "space", value: name, message: "unknown network space", hint: Suggestion.hint(for: name, in: NetworkSpaces.names))
        }
        return s
    }

    static func cardinalityText(_ s: any NetworkSpace) -> String {
        s.exactCardinality.map(NumberFormat.grouped) ?? String(format: "%.3g", s.cardinality)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the network spaces.")
        @Option(help: "table, json or csv.") var format: OutputFormat = .table
        func run() async throws { emit(render()) }
        func render() -> String {
            let spaces = NetworkSpaces.all
            switch format {
            case .json:
                return JSONValue.array(spaces.map {
                    .obj(["name": .string($0.name), "summary": .string($0.summary), "dimensions": .int($0.dimensions.count),
                          "size": $0.exactCardinality.map { .int($0) } ?? .double($0.cardinality)])
                }).serialized() + "\n"
            case .table, .csv:
                var t = TextTable(columns: ["name", "dimensions", "size", "summary"], numeric: [1, 2])
                for s in spaces { t.append([s.name, String(s.dimensions.count), format == .csv ? String(s.cardinality) : cardinalityText(s), s.summary]) }
                return format == .csv ? t.csv() : t.rendered()
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a space, or decode one architecture of it.")
        @Argument(help: "The space (nb201, fbnet, ofa-mbv3, nasaic).") var space: String
        @Option(help: "An architecture string of the space; shows its network.") var arch: String?
        @Option(name: .customLong("precision-bits"), help: "Bits per element for byte counts.") var precisionBits: Int = 8
        @Option(help: "table, json or csv.") var format: OutputFormat = .table

        func run() async throws { emit(try render()) }

        func render() throws -> String {
            let s = try SpaceCommand.lookup(space)
            if let arch {
                let a: Architecture
                do { a = try s.parse(arch) } catch let e as InputError { throw e.under("arch") }
                let analysis = try s.network(a).analyze()
                if format == .json {
                    var doc = NetworkReport.json(analysis, bits: precisionBits)
                    if case .object(var fields) = doc {
                        fields.insert(.init("space", .string(s.name)), at: 0)
                        fields.insert(.init("arch", .string(s.format(a))), at: 1)
                        fields.insert(.init("choices", .array(a.choices.map { .int($0) })), at: 2)
                        doc = .object(fields)
                    }
                    return doc.serialized() + "\n"
                }
                let head = format == .table ? "\(s.name): \(s.format(a))\n\n" : ""
                return head + NetworkReport.render(analysis, format: format, bits: precisionBits)
            }
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
                return "\(s.name): \(s.summary)\nsize: \(SpaceCommand.cardinalityText(s)) architectures\n\n" + t.rendered()
            }
        }
    }

    struct Sample: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Draw random architectures of a space (seeded).")
        @Argument(help: "The space.") var space: String
        @Option(help: "How many architectures.") var count: Int = 10
        @Option(help: "Random seed; the same seed gives the same sample.") var seed: UInt64 = 0
        @Option(help: "table, json or csv.") var format: OutputFormat = .table

        func validate() throws {
            do { _ = try NetworkSpaces.checkSampleCount(count) } catch let e as InputError { throw ValidationError(e.description) }
        }

        func run() async throws { emit(try render()) }

        func render() throws -> String {
            let s = try SpaceCommand.lookup(space)
            var rng = SeededGenerator(seed: seed)
            let archs = s.sample(count: count, using: &rng)
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
}

import Foundation
