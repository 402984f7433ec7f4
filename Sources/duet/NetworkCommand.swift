import ArgumentParser
import DuetCore
import DuetONNX
import DuetReport
import DuetWorkload
import Foundation

struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network", abstract: "List, inspect and export networks.",
        subcommands: [List.self, Show.self, Export.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the built-in networks.")
        @Option(help: "table, json or csv.") var format: OutputFormat = .table

        func run() async throws { emit(try render()) }

        func render() throws -> String {
            var rows: [(BuiltinNetwork, NetworkAnalysis)] = []
            for b in BuiltinNetwork.all { rows.append((b, try b.network().analyze())) }
            switch format {
            case .json:
                return JSONValue.array(rows.map { b, a in
                    .obj(["name": .string(b.name), "summary": .string(b.summary), "default_input": .int(b.defaultInput),
                          "macs": .int(a.totalMACs), "params": .int(a.totalParams), "source": .string(b.source)])
                }).serialized() + "\n"
            case .table, .csv:
                var t = TextTable(columns: ["name", "input", "macs", "params", "summary"], numeric: [1, 2, 3])
                for (b, a) in rows {
                    t.append([b.name, String(b.defaultInput),
                              format == .csv ? String(a.totalMACs) : NumberFormat.si(Double(a.totalMACs)),
                              format == .csv ? String(a.totalParams) : NumberFormat.si(Double(a.totalParams)), b.summary])
                }
                return format == .csv ? t.csv() : t.rendered()
            }
        }
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

        func run() async throws { emit(try render()) }

        func render() throws -> String {
            let previous = ONNX.loaderOptions.withLock { o in defer { o.allowUnknown = o.allowUnknown || allowUnknown }; return o }
            defer { ONNX.loaderOptions.withLock { $0 = previous } }
            let net = try NetworkReference.resolve(network, options: build.buildOptions)
            let a = try net.analyze()
            return NetworkReport.render(a, format: format, bits: build.precisionBits)
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
                try writeData(try ONNX.export(net, weights: noWeights ? .none : .random(seed: seed), dynamicBatch: dynamicBatch), to: out)
                return
            }
            let text = format == "json" ? NetworkFormat.json(net) : NetworkFormat.yaml(net)
            if let out { try writeFile(text, to: out) } else { emit(text) }
        }

        /// Writes binary `data` to `path` atomically.
        func writeData(_ data: Data, to path: String) throws {
            do {
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw InputError(file: path, message: "cannot write the file: \(error.localizedDescription)", hint: "check that the folder exists and is writable")
            }
        }
    }
}

/// Renders a network analysis for `network show` and `space show --arch`.
enum NetworkReport {
    static func loops(_ l: LoopNest?) -> JSONValue {
        guard let l else { return .null }
        return .obj(["n": .int(l.n), "k": .int(l.k), "c": .int(l.c), "p": .int(l.p), "q": .int(l.q), "r": .int(l.r), "s": .int(l.s),
                     "stride": .int(l.strideH), "groups": .int(l.groups)])
    }

    static func json(_ a: NetworkAnalysis, bits: Int) -> JSONValue {
        var v = baseJSON(a, bits: bits)
        // Imported networks with placeholders say so in every output.
        if !a.network.notes.isEmpty, case .object(var fields) = v {
            fields.insert(JSONValue.Field("notes", .array(a.network.notes.map { .string($0) })), at: 3)
            v = .object(fields)
        }
        return v
    }

    static func baseJSON(_ a: NetworkAnalysis, bits: Int) -> JSONValue {
        .obj([
            "name": .string(a.network.name),
            "batch": .int(a.network.batch),
            "precision_bits": .int(bits),
            "layers": .array(a.layers.map { l in
                .obj(["name": .string(l.layer.name), "kind": .string(l.kind),
                      "input_shape": l.inputShapes.count == 1 ? .array(l.inputShapes[0].dims.map { .int($0) })
                          : .array(l.inputShapes.map { .array($0.dims.map { .int($0) }) }),
                      "output_shape": .array(l.outputShape.dims.map { .int($0) }),
                      "macs": .int(l.macs), "params": .int(l.params), "loops": loops(l.loops)])
            }),
            "totals": .obj(["macs": .int(a.totalMACs), "params": .int(a.totalParams),
                            "weight_bytes": .int(a.totalWeightBytes(bits: bits)), "activation_bytes": .int(a.totalActivationBytes(bits: bits))]),
        ])
    }

    static func render(_ a: NetworkAnalysis, format: OutputFormat, bits: Int) -> String {
        switch format {
        case .json: return json(a, bits: bits).serialized() + "\n"
        case .csv, .table:
            let csv = format == .csv
            var t = TextTable(columns: ["layer", "kind", "input", "output", "macs", "params", "n", "k", "c", "p", "q", "r", "s", "stride", "groups"],
                              numeric: Set(4...14))
            for l in a.layers {
                let lp = l.loops
                let loopCells = lp.map { [$0.n, $0.k, $0.c, $0.p, $0.q, $0.r, $0.s, $0.strideH, $0.groups].map(String.init) }
                    ?? Array(repeating: "", count: 9)
                t.append([l.layer.name, l.kind, l.inputShapes.map(\.description).joined(separator: " "), l.outputShape.description,
                          csv ? String(l.macs) : NumberFormat.grouped(l.macs), csv ? String(l.params) : NumberFormat.grouped(l.params)] + loopCells)
            }
            if csv { return t.csv() }
            let notes = a.network.notes.map { "note: \($0)\n" }.joined()
            return t.rendered() + notes + """
                \(a.network.name): \(a.layers.count) layers, \(NumberFormat.grouped(a.totalMACs)) MACs (\(NumberFormat.si(Double(a.totalMACs)))), \
                \(NumberFormat.grouped(a.totalParams)) params (\(NumberFormat.si(Double(a.totalParams)))), \
                weights \(NumberFormat.si(Double(a.totalWeightBytes(bits: bits))))B, activations \(NumberFormat.si(Double(a.totalActivationBytes(bits: bits))))B at \(bits)-bit

                """
        }
    }
}
