import ArgumentParser
import DuetCore
import DuetExplore
import DuetHardware
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
            abstract: "Write a network (built-in, space point or file) in Duet's network format, as ONNX, or as a peer simulator's input.",
            discussion: """
                --format onnx writes an opset-17 model that onnxruntime loads and runs: random weights \
                from --seed, or with --no-weights every weight is a graph input (shape only) so a \
                runtime can feed random tensors. --format scalesim writes a SCALE-Sim config and \
                topology for --accelerator (a systolic sub-accelerator, e.g. tpu:edge) into the folder --out.
                """)
        @Argument(help: "The network.") var network: String
        @OptionGroup var build: NetworkBuildOptions
        @Option(help: "\(DuetFormats.exporters.names.joined(separator: ", ")).") var format: String = "yaml"
        @Option(help: "Output file, or folder for exports of several files (default: stdout for text).") var out: String?
        @Option(help: "The accelerator, for formats that describe hardware (scalesim, timeloop, timeloop-accelergy).") var accelerator: String?
        @Option(name: .customLong("set"), help: "Override an accelerator parameter: key=value (repeatable; with --accelerator).")
        var overrides: [String] = []
        @Option(help: "Seed of the random ONNX weights.") var seed: UInt64 = 1
        @Flag(name: .customLong("dynamic-batch"), help: "ONNX: write the batch dimension as the symbol N instead of the network's batch.")
        var dynamicBatch = false
        @Flag(name: .customLong("no-weights"), help: "ONNX: write weights as shape-only graph inputs instead of random values.")
        var noWeights = false

        func validate() throws {
            guard let e = DuetFormats.exporters.exporters.first(where: { $0.name == format }) else {
                throw ValidationError("--format must be \(DuetFormats.exporters.names.joined(separator: ", ")) (got '\(format)')")
            }
            if !e.isText && out == nil { throw ValidationError("--format \(format) needs --out FILE (\(format) is binary)") }
        }

        func run() async throws {
            let net = try NetworkReference.resolve(network, options: build.buildOptions)
            _ = try net.analyze()
            let exporter = try DuetFormats.exporters.named(format)
            if exporter.input == .networkAndSubAccelerator {
                // Peer simulators' formats: the network on --accelerator, through the registry.
                guard let accelerator else {
                    throw InputError(keyPath: "--accelerator", message: "the \(format) export describes hardware", hint: "give --accelerator NAME (e.g. eyeriss)")
                }
                let acc = try AcceleratorLoader(dataDir: try DataDirectory.locate()).load(accelerator, overrides: overrides)
                if let text = try DuetFormats.exporters.write(ExportDesign(networks: [net], accelerator: acc), format: format,
                                                              baseName: net.name, to: out) { emit(text) }
                return
            }
            if format == "onnx", let out {
                try OutputFile.write(try ONNX.export(net, weights: noWeights ? .none : .random(seed: seed), dynamicBatch: dynamicBatch), to: out)
                return
            }
            if format == "json" || format == "yaml" {
                let text = format == "json" ? NetworkFormat.json(net) : NetworkFormat.yaml(net)
                if let out { try OutputFile.write(text, to: out) } else { emit(text) }
                return
            }
            let design = ExportDesign(networks: [net])
            if let text = try DuetFormats.exporters.write(design, format: format, baseName: net.name, to: out) { emit(text) }
        }
    }
}
