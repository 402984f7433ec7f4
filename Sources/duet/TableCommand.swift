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
        abstract: "Latency lookup tables: generate, fit, detect fusion rules, predict, check coverage, convert.",
        discussion: """
            A table maps an operator signature (kind, input and output H×W×C, kernel, stride, groups, \
            expand, squeeze-excite, activation, precision) to a latency in milliseconds. A network's \
            latency is the table's per-inference constant plus the sum over the operators left after \
            the device runtime's graph rewrites (dead code, constant folding, CSE) and fusion rules. \
            Table files: .csv, .json, or .yaml in the once-for-all style.
            """,
        subcommands: [Generate.self, Fit.self, DetectRules.self, Predict.self, Check.self, Convert.self])

    static func ints(_ text: String?, _ option: String) throws -> [Int]? {
        try text.map { try $0.split(separator: ",").map { t in
            guard let v = Int(t.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("\(option): '\(t)' is not an integer") }
            return v
        } }
    }

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
            var g = TableGeneration(out: out)
            (g.space, g.resolutions, g.sample, g.seed, g.networks, g.operators) = (try space.map(NetworkSpaces.lookup), try TableCommand.ints(resolutions, "--resolutions"),
                                                                                 sample, seed, networks, operators)
            (g.device, g.runner, g.timeoutSeconds, g.retries, g.jobs, g.repeats, g.maxSpread) = (device, runner, timeoutSeconds, retries, jobs, repeats, maxSpread)
            (g.limit, g.rewrites, g.fusion) = (limit, rewrites, fusion)
            let tty = isatty(2) == 1
            let r = try await g.run(progress: { if tty { note($0.terminalLine) } })
            for f in r.failures { note(f + "\n") }
            emit(r.summary)
            if !r.failures.isEmpty { throw ExitCode(1) }
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

        func run() async throws {
            var job = TableFitJob(space: try NetworkSpaces.lookup(space), measurements: measurements, archColumn: archColumn,
                                  latencyColumn: latencyColumn, train: train, deviceName: latencyColumn)
            try job.setDevice(device, rewrites: rewrites, fusion: fusion)
            (job.seed, job.references, job.relative, job.folds, job.date) = (seed, references, !absolute, folds, OutputFile.today())
            emit(try job.runAndRender(format: format, spaceLabel: space, out: out, predictions: predictions))
        }
    }

    struct DetectRules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "detect-rules",
            abstract: "Find the device's fusion rules by measuring each rule's operators as one graph and one by one.",
            discussion: """
                As nn-Meter's fusion-rule tester: for each rule (conv_bn, conv_act, add_act, inverted_residual) the \
                runner times the operators as one graph ({"graph": [...]} on stdin, docs/FORMATS.md) and each \
                operator alone, in interleaved rounds. A rule is fused when sum(parts) - graph > --alpha x the \
                smaller part (default 0.5: halfway between no saving and a free secondary operator). Cases within \
                2 standard errors of the threshold get more rounds (up to --max-rounds). Prints the table and \
                `fusion: LIST`; --out writes LIST for `duet table fit|generate --fusion "$(cat FILE)"`. A runner \
                failure is exit 2.
                """)
        @Option(help: "Command timing one operator or graph (the runner protocol).") var runner: String
        @Option(name: .customLong("timeout-s"), help: "Seconds one runner call may take.") var timeoutSeconds: Double = 60
        @Option(help: "Extra attempts after a failed runner call.") var retries: Int = 1
        @Option(help: "Rounds per rule (each: the graph and every part once).") var rounds: Int = 3
        @Option(name: .customLong("max-rounds"), help: "Rounds at most for a rule whose verdict is unclear.") var maxRounds: Int = 8
        @Option(help: "Fused when the saving exceeds this fraction of the smaller part's time.") var alpha: Double = 0.5
        @Option(help: "Rules to test (comma-separated); default: all.") var rules: String?
        @Option(help: "Feature map height and width of the test operators.") var hw: Int = 28
        @Option(help: "Input channels.") var cin: Int = 16
        @Option(help: "Output channels of the convolution.") var cout: Int = 32
        @Option(help: "Middle channels of the inverted-residual block.") var expand: Int = 96
        @Option(help: "Convolution kernel size.") var kernel: Int = 3
        @Option(help: "Activation of the tests.") var act: String = "relu"
        @Option(help: "Write the detected rules (the --fusion value) to this file.") var out: String?
        @Option(help: "table or json.") var format: OutputFormat = .table

        func validate() throws {
            if !(timeoutSeconds > 0) { throw ValidationError("--timeout-s must be positive") }
            if retries < 0 { throw ValidationError("--retries must be ≥ 0") }
            if rounds < 2 || maxRounds < rounds { throw ValidationError("--rounds must be ≥ 2 and --max-rounds ≥ --rounds") }
            if !(alpha > 0 && alpha < 1) { throw ValidationError("--alpha must be between 0 and 1") }
            if min(hw, cin, cout, expand, kernel) < 1 { throw ValidationError("--hw, --cin, --cout, --expand and --kernel must be ≥ 1") }
        }

        func run() async throws {
            var d = FusionRuleDetection()
            (d.alpha, d.minRounds, d.maxRounds) = (alpha, rounds, maxRounds)
            let r = TableRunner(command: runner, timeoutSeconds: timeoutSeconds, retries: retries)
            let cases = try FusionRuleDetection.testCases(hw: hw, cin: cin, cout: cout, kernel: kernel, expand: expand, activation: act, rules: rules)
            let tty = isatty(2) == 1
            let verdicts = try await d.run(cases, timer: { await r.time($0) }, progress: { done, total in
                if tty { note("\r\(done)/\(total) timings") }
            })
            if tty { note("\n") }
            if let out { try OutputFile.write(FusionRuleDetection.fusionOption(FusionRuleDetection.rules(verdicts)) + "\n", to: out) }
            emit(d.render(verdicts, format: format, runner: runner))
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
            var p = TablePrediction(space: try NetworkSpaces.lookup(space), spaceLabel: space, tablePath: table)
            (p.arch, p.archs, p.archColumn, p.latencyColumn, p.explain) = (arch, archs, archColumn, latencyColumn, explain)
            let (text, comparison) = try p.render(format: format)
            emit(text)
            if let comparison { note(comparison + "\n") }
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
            var c = TableCoverage(space: try NetworkSpaces.lookup(space), tablePath: table)
            (c.resolutions, c.sample, c.seed) = (try TableCommand.ints(resolutions, "--resolutions"), sample, seed)
            let (text, complete) = try c.render(format: format)
            emit(text)
            if !complete { throw ExitCode(1) }
        }
    }

    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Convert a table between CSV, JSON and the once-for-all YAML style (by file extension).")
        @Argument(help: "Input table.") var input: String
        @Argument(help: "Output table.") var output: String
        @Option(help: "Device name to record (for imported once-for-all tables).") var device: String?

        func run() async throws { emit(try LatencyTable.convert(input, to: output, device: device)) }
    }
}
