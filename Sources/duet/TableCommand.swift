import ArgumentParser
import DuetCore
import DuetCostModel
import DuetHardware
import DuetReport
import DuetWorkload
import Foundation

/// `duet table`: latency lookup tables for table-driven devices (phones, FPGAs). Parses, calls
/// DuetHardware/DuetCostModel, prints.
struct TableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Latency lookup tables: generate, fit, predict, check coverage, convert.",
        discussion: """
            A table maps an operator signature (kind, input and output H×W×C, kernel, stride, groups, \
            expand, squeeze-excite, activation, precision) to a latency in milliseconds. A network's \
            latency is the table's per-inference constant plus the sum over the operators left after \
            the device runtime's graph rewrites (dead code, constant folding, CSE) and fusion rules. \
            Table files: .csv, .json, or .yaml in the once-for-all style.
            """,
        subcommands: [Generate.self, Fit.self, Predict.self, Check.self, Convert.self])

    static func ints(_ text: String?, _ option: String) throws -> [Int]? {
        try text.map { try $0.split(separator: ",").map { t in
            guard let v = Int(t.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("\(option): '\(t)' is not an integer") }
            return v
        } }
    }

    static func today() -> String { let f = ISO8601DateFormatter(); f.formatOptions = [.withFullDate]; return f.string(from: Date()) }
    static func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
    static func save(_ t: LatencyTable, _ path: String) throws { try writeFile(try t.serialized(LatencyTable.FileFormat(path: path)!), to: path) }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a table for every operator of a space, network or operator list: from a device model or measured by a runner.",
            discussion: """
                Runner protocol (docs/FORMATS.md): --runner CMD is run with /bin/sh -c per operator, reads \
                the operator as JSON on stdin and prints {"latency_ms", "std_ms", "runs"}. Replies whose \
                std/mean exceeds --max-spread are measured again (up to --repeats calls, pooled). Failures \
                are retried --retries times, then recorded in the table. An existing --out is resumed. \
                Progress (done/total, rate, ETA) on stderr when it is a terminal. Exit 1 when some failed.
                """)
        @Option(help: "A network space (nb201, fbnet, fbnet-c100, ofa-mbv3).") var space: String?
        @Option(help: "OFA resolutions to cover (comma-separated); default: all.") var resolutions: String?
        @Option(help: "Cover N random networks of the space instead of all its operators.") var sample: Int?
        @Option(help: "Seed for --sample.") var seed: UInt64 = 0
        @Option(name: .customLong("network"), help: "A network (built-in, SPACE:ARCH, or file); repeatable.") var networks: [String] = []
        @Option(help: "A CSV of operators (as `duet table check --format csv` prints).") var operators: String?
        @Option(help: "A device model name (HardwareModels/devices) or .yaml file: fills entries and sets the rules.") var device: String?
        @Option(help: "Measure each operator with this command instead of the device model.") var runner: String?
        @Option(name: .customLong("timeout-s"), help: "Seconds one runner call may take.") var timeoutSeconds: Double = 60
        @Option(help: "Extra attempts after a failed runner call.") var retries: Int = 1
        @Option(help: "Runner calls in parallel.") var jobs: Int = 1
        @Option(help: "Runner calls per operator at most while its spread is above --max-spread.") var repeats: Int = 3
        @Option(name: .customLong("max-spread"), help: "Relative spread (std/mean) accepted without repeating.") var maxSpread: Double = 0.05
        @Option(help: "Output table (.csv, .json or .yaml).") var out: String
        @Option(help: "Only the first N operators (for trying a runner).") var limit: Int?
        @Option(help: "Graph rewrites (dead_code, fold_constants, cse, or none); default: the device's, else dead_code,fold_constants.") var rewrites: String?
        @Option(help: "Fusion rules (conv_bn, conv_act, add_act, inverted_residual, or none); default: the device's, else conv_bn,conv_act,add_act.") var fusion: String?

        func validate() throws {
            if space == nil && networks.isEmpty && operators == nil { throw ValidationError("give --space, --network or --operators") }
            if device == nil && runner == nil { throw ValidationError("give --device (model) or --runner (measure), or both") }
            if !(timeoutSeconds > 0) { throw ValidationError("--timeout-s must be positive") }
            if retries < 0 || jobs < 1 || repeats < 1 { throw ValidationError("--retries must be ≥ 0, --jobs and --repeats ≥ 1") }
            if !(maxSpread >= 0) { throw ValidationError("--max-spread must be non-negative") }
            if LatencyTable.FileFormat(path: out) == nil { throw ValidationError("--out must end in .csv, .json or .yaml") }
        }

        func run() async throws {
            let (summary, failed) = try await execute()
            emit(summary)
            if failed > 0 { throw ExitCode(1) }
        }

        /// Builds the table; returns the summary and the number of failed operators.
        func execute() async throws -> (String, Int) {
            let model = try device.map { try DeviceModel.resolve($0) }
            let rules = try (model.map(TableDevice.init) ?? .tflite).with(rewrites: rewrites, fusion: fusion)
            let sigs = try SpaceOperators.requested(space: space.map(SpaceCommand.lookup), resolutions: TableCommand.ints(resolutions, "--resolutions"),
                                                    sample: sample, seed: seed, networks: networks, operators: operators, device: rules, limit: limit)
            guard let runner else {
                var t = model!.table(for: sigs, date: TableCommand.today())
                (t.rewrites, t.fusion, t.provenance.source) = (rules.rewrites, rules.fusion, "duet device model \(device!)")
                try TableCommand.save(t, out)
                return ("\(t.count) operators from the \(model!.name) device model -> \(out)\n", 0)
            }
            let table = FileManager.default.fileExists(atPath: out) ? try LatencyTable.load(path: out)
                : LatencyTable(provenance: TableProvenance(device: model?.name ?? "runner", method: "measured", date: TableCommand.today(), source: "runner: \(runner)"),
                               rewrites: rules.rewrites, fusion: rules.fusion)
            let todo = sigs.filter { !table.contains($0) }
            var m = TableMeasurement(runner: TableRunner(command: runner, timeoutSeconds: timeoutSeconds, retries: retries), jobs: jobs)
            (m.maxRepeats, m.maxRelativeSpread) = (repeats, maxSpread)
            let path = out, terminal = isatty(2) == 1
            let r = try await m.run(todo, into: table, save: { try TableCommand.save($0, path) }, progress: { p in
                guard terminal else { return }
                FileHandle.standardError.write(Data(("\r" + p.line + (p.done == p.total ? "\n" : "")).utf8))
            })
            for f in r.failed { TableCommand.note("failed: \(f.key): \(r.table.failures[f.key]!)") }
            let noisy = r.measured.filter { r.table[$0].map { $0.meanMs > 0 && $0.stdMs / $0.meanMs > maxSpread } ?? false }.count
            let summary = "\(sigs.count) operators: \(sigs.count - todo.count) kept from \(out), \(r.measured.count) measured"
                + " (\(noisy) with spread above \(JSONValue.format(maxSpread * 100)) %), \(r.failed.count) failed -> \(out)\n"
            return (summary, r.failed.count)
        }
    }

    struct Fit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Learn per-operator latencies from measured whole networks and print the held-out error.",
            discussion: """
                The measurements are split (seeded) into --train networks and the rest. Runtime rules: --device's, \
                --rewrites/--fusion, or else chosen by k-fold cross-validation (each candidate's CV error printed). \
                Without --reference the table is a non-negative least-squares fit (relative error); with \
                --reference (tables, or CSVs whose other numeric columns are devices measured on the same \
                networks) it is a few-shot fit with the reference devices as prior (docs/FORMATS.md).
                """)
        @Option(help: "The network space of the arch column.") var space: String
        @Option(help: "CSV of measured networks.") var measurements: String
        @Option(name: .customLong("arch-column"), help: "Column with the architecture strings.") var archColumn: String
        @Option(name: .customLong("latency-column"), help: "Column with measured latency in milliseconds.") var latencyColumn: String
        @Option(help: "Output table (.csv, .json or .yaml).") var out: String?
        @Option(help: "A device model (sets rewrites and fusion rules, and the device name).") var device: String?
        @Option(help: "Graph rewrites: dead_code, fold_constants, cse, or none (default: chosen by cross-validation).") var rewrites: String?
        @Option(help: "Fusion rules: conv_bn, conv_act, add_act, inverted_residual, or none (default: chosen).") var fusion: String?
        @Option(name: .customLong("reference"), help: "A reference device table or measurements CSV (repeatable): few-shot fit.") var references: [String] = []
        @Option(help: "Networks to fit on; the rest are held out (all of them: nothing held out).") var train: Int = 1000
        @Option(help: "Seed of the split and the cross-validation folds.") var seed: UInt64 = 0
        @Option(help: "Folds of the rule cross-validation.") var folds: Int = 5
        @Flag(help: "Minimize absolute instead of relative squared error.") var absolute = false
        @Option(help: "Write every network's split, measured and predicted latency to this CSV.") var predictions: String?
        @Option(help: "table or json.") var format: OutputFormat = .table

        func validate() throws {
            if train < 1 { throw ValidationError("--train must be at least 1") }
            if folds < 2 { throw ValidationError("--folds must be at least 2") }
            if let out, LatencyTable.FileFormat(path: out) == nil { throw ValidationError("--out must end in .csv, .json or .yaml") }
        }

        func run() async throws { emit(try render()) }

        func render() throws -> String {
            let model = try device.map { try DeviceModel.resolve($0) }
            var job = TableFitJob(space: try SpaceCommand.lookup(space), measurements: measurements, archColumn: archColumn,
                                  latencyColumn: latencyColumn, train: train, deviceName: model?.name ?? latencyColumn)
            if model != nil || rewrites != nil || fusion != nil {
                job.rules = try (model.map(TableDevice.init) ?? .tflite).with(rewrites: rewrites, fusion: fusion)
            }
            (job.seed, job.references, job.relative, job.folds, job.date) = (seed, references, !absolute, folds, TableCommand.today())
            let r = try job.run()
            if let predictions { try writeFile(r.predictionsCSV, to: predictions) }
            if let out { try TableCommand.save(r.table, out) }
            if format == .json {
                return r.json(extra: [.init("space", .string(space)), .init("measurements", .string(measurements)), .init("latency_column", .string(latencyColumn)),
                                      .init("seed", .int(Int(truncatingIfNeeded: seed))), .init("out", out.map { .string($0) } ?? .null)]).serialized() + "\n"
            }
            return "latency: fitted (seed \(seed))\n" + r.text + (out.map { "table -> \($0)\n" } ?? "")
        }
    }

    struct Predict: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Predict network latencies from a table.",
            discussion: """
                JSON: a list of {"arch", "latency_ms"} in input order. With --latency-column the measured column \
                is compared and Kendall tau and APE are printed on stderr. A missing entry is an error naming it.
                """)
        @Option(help: "The network space.") var space: String
        @Option(help: "The table (.csv, .json or .yaml).") var table: String
        @Option(help: "One architecture string.") var arch: String?
        @Option(help: "CSV with architecture strings.") var archs: String?
        @Option(name: .customLong("arch-column"), help: "Column of --archs with the architectures.") var archColumn: String?
        @Option(name: .customLong("latency-column"), help: "Column of --archs with measured latency (ms) to compare against.") var latencyColumn: String?
        @Option(help: "table, json or csv.") var format: OutputFormat = .table
        @Flag(help: "List each network's device operators and their latencies (table format).") var explain = false

        func validate() throws {
            if (arch == nil) == (archs == nil) { throw ValidationError("give exactly one of --arch and --archs") }
            if archs != nil && archColumn == nil { throw ValidationError("--archs needs --arch-column") }
            if arch != nil && latencyColumn != nil { throw ValidationError("--latency-column works with --archs") }
        }

        func run() async throws {
            let (text, comparison) = try render()
            emit(text)
            if let comparison { TableCommand.note(comparison) }
        }

        func render() throws -> (String, String?) {
            let s = try SpaceCommand.lookup(space)
            let t = try LatencyTable.load(path: table)
            let nets = try archs.map { try MeasuredNetworks.load(path: $0, archColumn: archColumn!, columns: latencyColumn.map { [$0] } ?? []) }
            let names = nets?.archs ?? [arch!]
            let graphs = try SpaceOperators.lower(s, names, device: TableDevice(t), what: archs ?? "--arch")
            let hint = "run `duet table check --space \(space) --table \(table) --format csv > missing.csv`, then `duet table generate --operators missing.csv --device DEVICE --out \(table)`"
            let reports = try graphs.map { try t.latency(of: $0, fillHint: hint) }
            if explain && format == .table {
                return (zip(names, zip(graphs, reports)).map { a, gr in
                    var tt = TextTable(columns: ["operator", "layers", "latency_ms"], numeric: [2])
                    for (op, l) in gr.1.operators { tt.append([op.signature.key, op.layers.joined(separator: "+"), String(format: "%.4f", l)]) }
                    return "\(a): \(String(format: "%.4f", gr.1.latencyMs)) ms (network constant \(String(format: "%.4f", gr.1.overheadMs)) ms)\n" + tt.rendered()
                        + "  \(gr.0.deadLayers.count) dead, \(gr.0.foldedLayers.count) folded, \(gr.0.mergedLayers.count) merged layers\n"
                }.joined(), nil)
            }
            let lat = reports.map(\.latencyMs)
            let comparison = latencyColumn.map { c in
                let e = TableFit.errors(predicted: lat, measured: nets!.latencyMs[c]!)
                return "against \(c): " + String(format: "%d networks: Kendall tau %.4f, APE mean %.2f%%, median %.2f%%", e.count, e.kendallTau, e.meanAPE, e.medianAPE)
            }
            if format == .json { return (JSONValue.array(zip(names, lat).map { .obj(["arch": .string($0), "latency_ms": .double($1)]) }).serialized() + "\n", comparison) }
            var tt = TextTable(columns: ["arch", "latency_ms"], numeric: [1])
            for (a, l) in zip(names, lat) { tt.append([a, format == .csv ? JSONValue.format(l) : String(format: "%.4f", l)]) }
            return (format == .csv ? tt.csv() : "latency: from \(t.provenance.method.isEmpty ? "table" : t.provenance.method) table \(table)\n" + tt.rendered(), comparison)
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the operators of a space that a table lacks (exit code 1 when any).",
            discussion: "With --format csv the list can be given to `duet table generate --operators FILE`.")
        @Option(help: "The network space.") var space: String
        @Option(help: "The table (.csv, .json or .yaml).") var table: String
        @Option(help: "OFA resolutions to check (comma-separated); default: all.") var resolutions: String?
        @Option(help: "Check N random networks of the space instead of all its operators.") var sample: Int?
        @Option(help: "Seed for --sample.") var seed: UInt64 = 0
        @Option(help: "table, json or csv.") var format: OutputFormat = .table

        func run() async throws {
            let (text, complete) = try render()
            emit(text)
            if !complete { throw ExitCode(1) }
        }

        func render() throws -> (String, Bool) {
            let s = try SpaceCommand.lookup(space)
            let t = try LatencyTable.load(path: table)
            let needed = try SpaceOperators.requested(space: s, resolutions: TableCommand.ints(resolutions, "--resolutions"), sample: sample, seed: seed, device: TableDevice(t))
            let missing = needed.filter { !t.contains($0) }
            switch format {
            case .json:
                return (JSONValue.obj(["space": .string(s.name), "table": .string(table), "operators": .int(needed.count),
                                       "missing": .array(missing.map { .string($0.key) })]).serialized() + "\n", missing.isEmpty)
            case .csv:
                var tt = TextTable(columns: ["key"] + OperatorSignature.fieldNames)
                for m in missing { tt.append([m.key] + m.fieldValues) }
                return (tt.csv(), missing.isEmpty)
            case .table:
                return ("\(s.name): \(needed.count) operators, \(needed.count - missing.count) in \(table), \(missing.count) missing\n"
                    + missing.map { m in "  missing: \(m.key)" + (t.failures[m.key].map { " (measurement failed: \($0))" } ?? "") + "\n" }.joined(), missing.isEmpty)
            }
        }
    }

    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Convert a table between CSV, JSON and the once-for-all YAML style (by file extension).")
        @Argument(help: "Input table.") var input: String
        @Argument(help: "Output table.") var output: String
        @Option(help: "Device name to record (for imported once-for-all tables).") var device: String?

        func run() async throws { emit(try render()) }

        func render() throws -> String {
            guard LatencyTable.FileFormat(path: output) != nil else { throw InputError(file: output, message: "unknown table file extension", hint: "use .csv, .json or .yaml") }
            var t = try LatencyTable.load(path: input)
            if let device { t.provenance.device = device }
            try TableCommand.save(t, output)
            return "\(t.count) entries: \(input) -> \(output)\n"
        }
    }
}
