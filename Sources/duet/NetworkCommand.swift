import ArgumentParser
import DuetCore
import DuetONNX
import DuetReport
import DuetWorkload

struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network", abstract: "List, inspect and export networks.",
        subcommands: [List.self, Show.self, Export.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the built-in networks.")
        @Option(help: "table, json or csv.") var format: OutputFormat = .table
        func run() async throws { emit(try NetworkReport.builtins(format: format)) }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per-layer shapes, MACs, parameters and loop bounds of a network.",
            discussion: "NETWORK is a built-in name, SPACE:ARCH, layer:KIND,k=…, or a .yaml/.json/.onnx file.")
        @Argument(help: "The network.") var network: String
        @OptionGroup var build: NetworkBuildOptions
        @Option(help: "table, json or csv.") var format: OutputFormat = .table
        @Flag(name: .customLong("allow-unknown"),
              help: "For .onnx files: count unsupported operators as zero-cost placeholders (warned on stderr, listed in the output).")
        var allowUnknown = false

        func run() async throws {
            var options = build.buildOptions
            options.allowUnknownOperators = allowUnknown
            emit(NetworkReport.render(try NetworkReference.resolve(network, options: options).analyze(), format: format, bits: build.precisionBits))
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a network (built-in, space point or file) in Duet's network format or as ONNX.",
            discussion: """
                --format onnx writes an opset-17 model that onnxruntime loads and runs: random weights \
                from --seed, or with --no-weights every weight is a graph input (shape only) so a \
                runtime can feed random tensors.
                """)
        @Argument(help: "The network.") var network: String
        @OptionGroup var build: NetworkBuildOptions
        @Option(help: "yaml, json or onnx.") var format: String = "yaml"
        @Option(help: "Output file (default: stdout; required for onnx).") var out: String?
        @Option(help: "Seed of the random ONNX weights.") var seed: UInt64 = 1
        @Flag(name: .customLong("dynamic-batch"), help: "ONNX: write the batch dimension as the symbol N instead of the network's batch.")
        var dynamicBatch = false
        @Flag(name: .customLong("no-weights"), help: "ONNX: write weights as shape-only graph inputs instead of random values.")
        var noWeights = false

        func validate() throws {
            if !["yaml", "json", "onnx"].contains(format) {
                throw ValidationError("--format must be yaml, json or onnx (got '\(format)')")
            }
            if format == "onnx" && out == nil { throw ValidationError("--format onnx needs --out FILE (ONNX is binary)") }
        }

        func run() async throws {
            let net = try NetworkReference.resolve(network, options: build.buildOptions)
            _ = try net.analyze()
            if format == "onnx", let out {
                try OutputFile.write(try ONNX.export(net, weights: noWeights ? .none : .random(seed: seed), dynamicBatch: dynamicBatch), to: out)
                return
            }
            let text = format == "json" ? NetworkFormat.json(net) : NetworkFormat.yaml(net)
            if let out { try OutputFile.write(text, to: out) } else { emit(text) }
        }
    }
}
