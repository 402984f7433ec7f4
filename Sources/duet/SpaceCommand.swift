import ArgumentParser
import DuetCore
import DuetReport
import DuetWorkload

struct SpaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "space", abstract: "Network search spaces: list, inspect, decode and sample.",
        subcommands: [List.self, Show.self, Sample.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the network spaces.")
        @Option(help: "table, json or csv.") var format: OutputFormat = .table
        func run() async throws { emit(NetworkSpaceReport.list(format: format)) }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a space, or decode one architecture of it.")
        @Argument(help: "The space (nb201, fbnet, ofa-mbv3, nasaic).") var space: String
        @Option(help: "An architecture string of the space; shows its network.") var arch: String?
        @Option(name: .customLong("precision-bits"), help: "Bits per element for byte counts.") var precisionBits: Int = 8
        @Option(help: "table, json or csv.") var format: OutputFormat = .table

        func run() async throws {
            let s = try NetworkSpaces.lookup(space)
            emit(try arch.map { try NetworkSpaceReport.show(s, arch: $0, bits: precisionBits, format: format) } ?? NetworkSpaceReport.show(s, format: format))
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

        func run() async throws { emit(try NetworkSpaceReport.sample(try NetworkSpaces.lookup(space), count: count, seed: seed, format: format)) }
    }
}
