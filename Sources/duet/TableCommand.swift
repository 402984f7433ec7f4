import ArgumentParser
import DuetCore
import DuetCostModel
import DuetHardware
import DuetReport
import DuetWorkload
import Foundation

/// `duet table`: latency lookup tables for table-driven devices (phones, FPGAs).
struct TableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Latency lookup tables: generate, fit, predict, check coverage, convert.",
        discussion: """
            A table maps an operator signature (kind, input and output H×W×C, kernel, stride, groups,
            expand, squeeze-excite, activation, precision) to a latency in milliseconds. A network's
            latency is the table's per-inference constant plus the sum over the operators left after
            the device runtime's graph rewrites (dead code, constant folding, CSE) and fusion rules.
            Table files: .csv, .json, or .yaml in the once-for-all style.
            """,
        subcommands: [Generate.self, Fit.self, Predict.self, Check.self, Convert.self])

    // MARK: Shared helpers

    static func space(_ name: String) throws -> any NetworkSpace { try SpaceCommand.lookup(name) }

    /// Reads a CSV file (RFC 4180 quoting, any line endings) into a header and rows.
    static func readCSV(_ path: String) throws -> (header: [String], rows: [(line: Int, cells: [String])]) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw InputError(file: path, message: "cannot read the file", hint: "check the path")
        }
        var rows: [(Int, [String])] = []
        var header: [String]?
        for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            var cells: [String] = [], cur = "", quoted = false
            var it = line.makeIterator()
            while let ch = it.next() {
                if quoted {
                    if ch == "\"" {
                        // A doubled quote is a literal quote; a single one ends the field.
                        if let nx = it.next() { if nx == "\"" { cur.append("\"") } else { quoted = false; if nx == "," { cells.append(cur); cur = "" } else { cur.append(nx) } } }
                        else { quoted = false }
                    } else { cur.append(ch) }
                } else if ch == "\"" { quoted = true }
                else if ch == "," { cells.append(cur); cur = "" }
                else { cur.append(ch) }
            }
            cells.append(cur)
            if header == nil { header = cells.map { $0.trimmingCharacters(in: .whitespaces) } } else { rows.append((n + 1, cells)) }
        }
        guard let header else { throw InputError(file: path, message: "the file is empty", hint: "the first line names the columns") }
        return (header, rows)
    }

    static func column(_ name: String, in header: [String], file: String, option: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw InputError(file: file, keyPath: option, value: name, message: "no such column",
                             hint: Suggestion.closest(to: name, in: header).map { "did you mean '\($0)'?" } ?? "columns: \(header.joined(separator: ", "))")
        }
        return i
    }

    /// Architecture strings (and, when `latencyColumn` is given, measured latencies) from a CSV.
    static func readArchs(_ path: String, archColumn: String, latencyColumn: String?) throws -> [(arch: String, latency: Double?)] {
        let (header, rows) = try readCSV(path)
        let ai = try column(archColumn, in: header, file: path, option: "--arch-column")
        let li = try latencyColumn.map { try column($0, in: header, file: path, option: "--latency-column") }
        var c = IssueCollector(file: path)
        var out: [(String, Double?)] = []
        for (line, cells) in rows {
            guard cells.count == header.count else { c.add("line \(line)", value: "\(cells.count) fields", "expected \(header.count) fields"); continue }
            var lat: Double?
            if let li {
                guard let v = Double(cells[li].trimmingCharacters(in: .whitespaces)), v.isFinite, v > 0 else {
                    c.add("line \(line).\(header[li])", value: cells[li], "expected a positive latency in milliseconds"); continue
                }
                lat = v
            }
            out.append((cells[ai].trimmingCharacters(in: .whitespaces), lat))
        }
        try c.throwIfAny()
        return out
    }

    /// Lowers every architecture; bad ones are reported together with their line.
    static func lower(_ space: any NetworkSpace, _ archs: [String], device: TableDevice, what: String) throws -> [DeviceGraph] {
        var c = IssueCollector()
        var out: [DeviceGraph] = []
        out.reserveCapacity(archs.count)
        for (i, a) in archs.enumerated() {
            do { out.append(try device.lower(SpaceOperators.deviceNetwork(space, space.parse(a)))) } catch let e as InputError {
                c.add(e.under("\(what)[\(i)]"))
                if c.issues.count > 20 { break }
            }
        }
        try c.throwIfAny()
        return out
    }

    static func parseRewrites(_ list: [String]) throws -> [GraphRewrite] {
        if list == ["none"] { return [] }
        return try list.map { s in
            guard let g = GraphRewrite(rawValue: s) else {
                throw ValidationError("unknown graph rewrite '\(s)'; choose from \(GraphRewrite.allCases.map(\.rawValue).joined(separator: ", ")) or none")
            }
            return g
        }
    }

    static func parseFusion(_ list: [String]) throws -> [FusionRule] {
        if list == ["none"] { return [] }
        return try list.map { s in
            guard let f = FusionRule(rawValue: s) else {
                throw ValidationError("unknown fusion rule '\(s)'; choose from \(FusionRule.allCases.map(\.rawValue).joined(separator: ", ")) or none")
            }
            return f
        }
    }

    static func errorsJSON(_ e: TableFit.Errors) -> JSONValue {
        .obj(["networks": .int(e.count), "kendall_tau": .double(e.kendallTau), "mape_mean_pct": .double(e.meanAPE), "ape_median_pct": .double(e.medianAPE)])
    }

    static func errorsLine(_ e: TableFit.Errors) -> String {
        String(format: "%d networks: Kendall tau %.4f, APE mean %.2f%%, median %.2f%%", e.count, e.kendallTau, e.meanAPE, e.medianAPE)
    }

    /// The space's covering architectures, or `sample` random ones.
    static func architectures(_ s: any NetworkSpace, resolutions: [Int]?, sample: Int?, seed: UInt64) throws -> [Architecture] {
        guard let sample else { return SpaceOperators.coveringArchitectures(s, resolutions: resolutions) }
        guard sample >= 1 else { throw ValidationError("--sample must be at least 1") }
        var rng = SeededGenerator(seed: seed)
        return s.sample(count: sample, using: &rng)
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    static func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    static func today() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        return f.string(from: Date())
    }

    // MARK: generate

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a table for every operator of a space, network or operator list: from a device model or measured by a runner.",
            discussion: """
                Runner protocol: --runner CMD is run with /bin/sh -c once per operator; it reads one
                operator as JSON on stdin ({"key", "kind", "input": [H,W,C], "output", "kernel", "stride",
                "groups", "expand", "se", "idskip", "act", "operands", "precision"}) and prints
                {"latency_ms": …, "std_ms": …, "runs": …}. A run that fails, hangs past --timeout-s or
                prints anything else is retried --retries times, then recorded in the table's failures.
                If --out exists its entries are kept (resume) and only missing operators are measured.
                Exit code 1 when some operators could not be measured (the table is still written).
                """)
        @Option(help: "A network space (nb201, fbnet, ofa-mbv3).") var space: String?
        @Option(help: "OFA resolutions to cover (comma-separated); default: all.") var resolutions: String?
        @Option(help: "Cover N random networks of the space instead of all its operators.") var sample: Int?
        @Option(help: "Seed for --sample.") var seed: UInt64 = 0
        @Option(name: .customLong("network"), help: "A network (built-in, SPACE:ARCH, or file); repeatable.") var networks: [String] = []
        @Option(help: "A CSV of operators (as `duet table check --format csv` prints).") var operators: String?
        @Option(help: "A device model name (HardwareModels/devices) or .yaml file: fills entries and sets the rewrites and fusion rules.") var device: String?
        @Option(help: "Measure each operator with this command instead of the device model.") var runner: String?
        @Option(name: .customLong("timeout-s"), help: "Seconds one runner call may take.") var timeoutSeconds: Double = 60
        @Option(help: "Extra attempts after a failed runner call.") var retries: Int = 1
        @Option(help: "Runner calls in parallel.") var jobs: Int = 1
        @Option(help: "Output table (.csv, .json or .yaml).") var out: String
        @Option(help: "Only the first N operators (for trying a runner).") var limit: Int?
        @Option(help: "Graph rewrites of the runtime (dead_code, fold_constants, cse, or none); default: the device's, else dead_code,fold_constants.") var rewrites: String?
        @Option(help: "Fusion rules of the runtime (conv_bn, conv_act, add_act, inverted_residual, or none); default: the device's, else conv_bn,conv_act,add_act.") var fusion: String?

        func validate() throws {
            if space == nil && networks.isEmpty && operators == nil { throw ValidationError("give --space, --network or --operators") }
            if device == nil && runner == nil { throw ValidationError("give --device (model) or --runner (measure), or both") }
            if !(timeoutSeconds > 0) { throw ValidationError("--timeout-s must be positive") }
            if retries < 0 { throw ValidationError("--retries must be at least 0") }
            if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
            if LatencyTable.FileFormat(path: out) == nil { throw ValidationError("--out must end in .csv, .json or .yaml") }
        }

        func run() async throws {
            let (summary, failed) = try await execute()
            emit(summary)
            if failed > 0 { throw ExitCode(1) }
        }

        func signatures(_ behaviour: TableDevice) throws -> [OperatorSignature] {
            var set = Set<OperatorSignature>()
            if let space {
                let s = try TableCommand.space(space)
                let rs = try resolutions.map { text in
                    try text.split(separator: ",").map { t -> Int in
                        guard let r = Int(t.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--resolutions: '\(t)' is not an integer") }
                        return r
                    }
                }
                set.formUnion(try SpaceOperators.signatures(s, TableCommand.architectures(s, resolutions: rs, sample: sample, seed: seed), device: behaviour))
            }
            for (i, n) in networks.enumerated() {
                do { set.formUnion(try behaviour.lower(SpaceOperators.deviceNetwork(reference: n)).signatures) } catch let e as InputError { throw e.under("--network[\(i)]") }
            }
            if let operators {
                let (header, rows) = try TableCommand.readCSV(operators)
                var c = IssueCollector(file: operators)
                for (line, cells) in rows {
                    var f: [String: String] = [:]
                    for (h, v) in zip(header, cells) where OperatorSignature.fieldNames.contains(h) { f[h] = v.trimmingCharacters(in: .whitespaces) }
                    if let s = try c.attempt({ try OperatorSignature.from(fields: f, keyPath: "line \(line)") }) { set.insert(s) }
                }
                try c.throwIfAny()
            }
            var sigs = set.sorted()
            if let limit { sigs = Array(sigs.prefix(limit)) }
            return sigs
        }

        /// Builds the table; returns the summary and the number of failed operators.
        func execute() async throws -> (String, Int) {
            let model = try device.map { try DeviceModel.resolve($0) }
            var behaviour = model.map(TableDevice.init) ?? .tflite
            func list(_ s: String) -> [String] { s.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) }
            if let rewrites { behaviour.rewrites = try TableCommand.parseRewrites(list(rewrites)) }
            if let fusion { behaviour.fusion = try TableCommand.parseFusion(list(fusion)) }
            let sigs = try signatures(behaviour)
            guard let runner else {
                var t = model!.table(for: sigs, date: TableCommand.today())
                t.rewrites = behaviour.rewrites; t.fusion = behaviour.fusion
                t.provenance.source = "duet device model \(device!)"
                try writeFile(try t.serialized(LatencyTable.FileFormat(path: out)!), to: out)
                return ("\(t.count) operators from the \(model!.name) device model -> \(out)\n", 0)
            }
            // Measured: resume from an existing table.
            var table: LatencyTable
            if FileManager.default.fileExists(atPath: out) {
                table = try LatencyTable.load(path: out)
            } else {
                table = LatencyTable(provenance: TableProvenance(device: model?.name ?? "runner", method: "measured", date: TableCommand.today(),
                                                                 source: "runner: \(runner)"),
                                     rewrites: behaviour.rewrites, fusion: behaviour.fusion)
            }
            let kept = sigs.filter { table.contains($0) }.count
            let todo = sigs.filter { !table.contains($0) }
            let r = TableRunner(command: runner, timeoutSeconds: timeoutSeconds, retries: retries)
            let state = MeasureState(table: table, path: out, total: todo.count, progress: TableCommand.stderrIsTerminal)
            let workers = min(jobs, max(todo.count, 1))
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<workers {
                    group.addTask { while let sig = state.next(todo) { state.record(sig, await r.measure(sig)) } }
                }
            }
            try state.save(final: true)
            let result = state.snapshot()
            let failed = todo.filter { result.failures[$0.key] != nil }
            for f in failed { TableCommand.note("failed: \(f.key): \(result.failures[f.key]!)") }
            let summary = "\(sigs.count) operators: \(kept) kept from \(out), \(todo.count - failed.count) measured, \(failed.count) failed -> \(out)\n"
            return (summary, failed.count)
        }
    }

    /// Shared state of the measuring threads: the table, the next index, progress.
    final class MeasureState: @unchecked Sendable {
        private let lock = NSLock()
        private var table: LatencyTable
        private var nextIndex = 0, done = 0, failed = 0
        let path: String, total: Int, progress: Bool
        private var saveError: Error?

        init(table: LatencyTable, path: String, total: Int, progress: Bool) {
            self.table = table; self.path = path; self.total = total; self.progress = progress
        }

        func next(_ todo: [OperatorSignature]) -> OperatorSignature? {
            lock.lock(); defer { lock.unlock() }
            guard nextIndex < todo.count else { return nil }
            nextIndex += 1
            return todo[nextIndex - 1]
        }

        func record(_ sig: OperatorSignature, _ r: Result<LatencyEntry, RunnerFailure>) {
            lock.lock(); defer { lock.unlock() }
            switch r {
            case .success(let e): table.insert(e)
            case .failure(let f): table.failures[sig.key] = f.message; failed += 1
            }
            done += 1
            // Save after every result so an interrupted run loses nothing.
            do { try writeFile(try table.serialized(LatencyTable.FileFormat(path: path)!), to: path) } catch { saveError = error }
            if progress {
                let width = 30, filled = total == 0 ? width : done * width / total
                let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
                FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) measured, \(failed) failed".utf8))
                if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
            }
        }

        func save(final: Bool) throws {
            lock.lock(); defer { lock.unlock() }
            if let saveError { throw saveError }
            try writeFile(try table.serialized(LatencyTable.FileFormat(path: path)!), to: path)
        }

        func snapshot() -> LatencyTable { lock.lock(); defer { lock.unlock() }; return table }
    }

    // MARK: fit

    struct Fit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Learn per-operator latencies from measured whole networks (non-negative least squares) and print the held-out error.",
            discussion: """
                The measurements are split (seeded) into --train networks and the rest; the table
                (one latency per operator plus a per-network constant) is fitted on the training part
                minimizing relative squared error, and Kendall tau and absolute percentage error are
                printed for both parts. Networks are rewritten as the device's runtime does
                (--device's rules, or --rewrites/--fusion) before their operators are counted.
                """)
        @Option(help: "The network space of the arch column.") var space: String
        @Option(help: "CSV of measured networks.") var measurements: String
        @Option(name: .customLong("arch-column"), help: "Column with the architecture strings.") var archColumn: String
        @Option(name: .customLong("latency-column"), help: "Column with measured latency in milliseconds.") var latencyColumn: String
        @Option(help: "Output table (.csv, .json or .yaml).") var out: String?
        @Option(help: "A device model (sets rewrites and fusion rules, and the device name).") var device: String?
        @Option(help: "Graph rewrites (space- or comma-separated): dead_code, fold_constants, cse, or none.") var rewrites: String?
        @Option(help: "Fusion rules: conv_bn, conv_act, add_act, inverted_residual, or none.") var fusion: String?
        @Option(help: "Networks to fit on; the rest are held out.") var train: Int = 1000
        @Option(help: "Seed of the split.") var seed: UInt64 = 0
        @Flag(help: "Minimize absolute instead of relative squared error.") var absolute = false
        @Option(help: "Write every network's split, measured and predicted latency to this CSV.") var predictions: String?
        @Option(help: "table or json.") var format: OutputFormat = .table

        func validate() throws {
            if train < 1 { throw ValidationError("--train must be at least 1") }
            if let out, LatencyTable.FileFormat(path: out) == nil { throw ValidationError("--out must end in .csv, .json or .yaml") }
        }

        func run() async throws { emit(try render()) }

        func behaviour() throws -> (TableDevice, String) {
            let model = try device.map { try DeviceModel.resolve($0) }
            var b = model.map(TableDevice.init) ?? .tflite
            func list(_ s: String) -> [String] { s.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) }
            if let rewrites { b.rewrites = try TableCommand.parseRewrites(list(rewrites)) }
            if let fusion { b.fusion = try TableCommand.parseFusion(list(fusion)) }
            return (b, model?.name ?? latencyColumn)
        }

        func render() throws -> String {
            let s = try TableCommand.space(space)
            let (b, deviceName) = try behaviour()
            let rows = try TableCommand.readArchs(measurements, archColumn: archColumn, latencyColumn: latencyColumn)
            guard train < rows.count else {
                throw InputError(keyPath: "--train", value: "\(train)", message: "only \(rows.count) networks in \(measurements); nothing would be held out",
                                 hint: "use --train \(max(rows.count / 2, 1))")
            }
            let graphs = try TableCommand.lower(s, rows.map(\.arch), device: b, what: measurements)
            let samples = zip(graphs, rows).map { TableFit.Sample(signatures: $0.signatures, latencyMs: $1.latency!) }
            let (trainIdx, testIdx) = TableFit.split(count: samples.count, trainCount: train, seed: seed)
            let prov = TableProvenance(device: deviceName, method: "fitted", date: TableCommand.today(),
                                       source: "fitted on \(train) networks of \((measurements as NSString).lastPathComponent) column \(latencyColumn), seed \(seed)")
            let result = TableFit.fit(trainIdx.map { samples[$0] }, relative: !absolute, provenance: prov, device: b)
            func errors(_ idx: [Int]) throws -> TableFit.Errors {
                var p: [Double] = [], m: [Double] = []
                for i in idx {
                    // Operators never seen in training have no entry: predict without them (0 ms) and count them.
                    p.append(graphs[i].operators.reduce(result.table.networkOverheadMs) { $0 + (result.table[$1.signature]?.meanMs ?? 0) })
                    m.append(samples[i].latencyMs)
                }
                return TableFit.errors(predicted: p, measured: m)
            }
            let unseen = Set(testIdx.flatMap { graphs[$0].signatures }).filter { !result.table.contains($0) }
            if let predictions {
                let isTrain = Set(trainIdx)
                var tt = TextTable(columns: ["arch", "split", "measured_ms", "predicted_ms"])
                for (i, g) in graphs.enumerated() {
                    let p = g.operators.reduce(result.table.networkOverheadMs) { $0 + (result.table[$1.signature]?.meanMs ?? 0) }
                    tt.append([rows[i].arch, isTrain.contains(i) ? "train" : "test", JSONValue.format(samples[i].latencyMs), JSONValue.format(p)])
                }
                try writeFile(tt.csv(), to: predictions)
            }
            let trainErr = try errors(trainIdx), testErr = try errors(testIdx)
            if let out { try writeFile(try result.table.serialized(LatencyTable.FileFormat(path: out)!), to: out) }
            switch format {
            case .json:
                return JSONValue.obj([
                    "space": .string(s.name), "measurements": .string(measurements), "latency_column": .string(latencyColumn),
                    "seed": .int(Int(truncatingIfNeeded: seed)), "train": errorsJSONWrap(trainErr), "test": errorsJSONWrap(testErr),
                    "operators": .int(result.table.count), "network_overhead_ms": .double(result.table.networkOverheadMs),
                    "unseen_operators": .int(unseen.count),
                    "graph_rewrites": .array(b.rewrites.map { .string($0.rawValue) }), "fusion": .array(b.fusion.map { .string($0.rawValue) }),
                    "out": out.map { .string($0) } ?? .null,
                ]).serialized() + "\n"
            case .table, .csv:
                var text = "fitted \(result.table.count) operators + network constant \(String(format: "%.4f", result.table.networkOverheadMs)) ms on \(trainIdx.count) networks (seed \(seed))\n"
                text += "rewrites: \(b.rewrites.map(\.rawValue).joined(separator: ", ")); fusion: \(b.fusion.map(\.rawValue).joined(separator: ", "))\n"
                text += "train: " + TableCommand.errorsLine(trainErr) + "\n"
                text += "held out: " + TableCommand.errorsLine(testErr) + "\n"
                if !unseen.isEmpty { text += "note: \(unseen.count) operators of held-out networks never occur in training (predicted as 0 ms)\n" }
                if let out { text += "table -> \(out)\n" }
                return text
            }
        }

        func errorsJSONWrap(_ e: TableFit.Errors) -> JSONValue { TableCommand.errorsJSON(e) }
    }

    // MARK: predict

    struct Predict: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Predict network latencies from a table.",
            discussion: """
                JSON: a list of {"arch", "latency_ms"} in input order. With --latency-column the
                measured column is compared and Kendall tau and APE are printed on stderr.
                A missing entry is an error naming the operator and how to fill it.
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
            let s = try TableCommand.space(space)
            let t = try LatencyTable.load(path: table)
            let b = TableDevice(t)
            let rows: [(arch: String, latency: Double?)] = try arch.map { [($0, nil)] }
                ?? TableCommand.readArchs(archs!, archColumn: archColumn!, latencyColumn: latencyColumn)
            let graphs = try TableCommand.lower(s, rows.map(\.arch), device: b, what: archs ?? "--arch")
            let hint = "run `duet table check --space \(space) --table \(table) --format csv > missing.csv`, then `duet table generate --operators missing.csv --device DEVICE --out \(table)`"
            let reports = try graphs.map { try t.latency(of: $0, fillHint: hint) }
            let lat = reports.map(\.latencyMs)
            if explain && format == .table {
                var text = ""
                for (r, (g, rep)) in zip(rows, zip(graphs, reports)) {
                    text += "\(r.arch): \(String(format: "%.4f", rep.latencyMs)) ms (network constant \(String(format: "%.4f", rep.overheadMs)) ms)\n"
                    var tt = TextTable(columns: ["operator", "layers", "latency_ms"], numeric: [2])
                    for (op, l) in rep.operators { tt.append([op.signature.key, op.layers.joined(separator: "+"), String(format: "%.4f", l)]) }
                    text += tt.rendered()
                    text += "  \(g.deadLayers.count) dead, \(g.foldedLayers.count) folded, \(g.mergedLayers.count) merged layers\n"
                }
                return (text, nil)
            }
            var comparison: String?
            if latencyColumn != nil {
                comparison = "against \(latencyColumn!): " + TableCommand.errorsLine(TableFit.errors(predicted: lat, measured: rows.map { $0.latency! }))
            }
            switch format {
            case .json:
                return (JSONValue.array(zip(rows, lat).map { .obj(["arch": .string($0.arch), "latency_ms": .double($1)]) }).serialized() + "\n", comparison)
            case .csv, .table:
                var tt = TextTable(columns: ["arch", "latency_ms"], numeric: [1])
                for (r, l) in zip(rows, lat) { tt.append([r.arch, format == .csv ? JSONValue.format(l) : String(format: "%.4f", l)]) }
                return (format == .csv ? tt.csv() : tt.rendered(), comparison)
            }
        }
    }

    // MARK: check

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
            let s = try TableCommand.space(space)
            let t = try LatencyTable.load(path: table)
            let rs = try resolutions.map { try $0.split(separator: ",").map { v -> Int in
                guard let r = Int(v) else { throw ValidationError("--resolutions: '\(v)' is not an integer") }
                return r
            } }
            let needed = try SpaceOperators.signatures(s, TableCommand.architectures(s, resolutions: rs, sample: sample, seed: seed), device: TableDevice(t))
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
                var text = "\(s.name): \(needed.count) operators, \(needed.count - missing.count) in \(table), \(missing.count) missing\n"
                for m in missing { text += "  missing: \(m.key)" + (t.failures[m.key].map { " (measurement failed: \($0))" } ?? "") + "\n" }
                return (text, missing.isEmpty)
            }
        }
    }

    // MARK: convert

    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a table between CSV, JSON and the once-for-all YAML style (by file extension).")
        @Argument(help: "Input table.") var input: String
        @Argument(help: "Output table.") var output: String
        @Option(help: "Device name to record (for imported once-for-all tables).") var device: String?

        func run() async throws { emit(try render()) }

        func render() throws -> String {
            guard let f = LatencyTable.FileFormat(path: output) else {
                throw InputError(file: output, message: "unknown table file extension", hint: "use .csv, .json or .yaml")
            }
            var t = try LatencyTable.load(path: input)
            if let device { t.provenance.device = device }
            try writeFile(try t.serialized(f), to: output)
            return "\(t.count) entries: \(input) -> \(output)\n"
        }
    }
}

/// `duet evaluate --table FILE | --device NAME`: networks on a table-driven device. The JSON
/// keeps evaluate's top-level shape (`networks[].totals.latency_ms`, `totals.latency_ms`,
/// `energy_pj` null because tables hold no energy, `verdict`).
enum TableEvaluation {
    static func render(networks: [String], table: String?, device: String?, spec: String?, options: BuildOptions, format: OutputFormat) throws -> (String, Bool) {
        let t: LatencyTable
        let name: String
        if let table {
            t = try LatencyTable.load(path: table); name = t.provenance.device.isEmpty ? table : t.provenance.device
        } else {
            let model = try DeviceModel.resolve(device!)
            name = model.name
            var sigs = Set<OperatorSignature>()
            for n in networks { sigs.formUnion(try TableDevice(model).lower(SpaceOperators.deviceNetwork(reference: n, options: options)).signatures) }
            t = model.table(for: sigs.sorted())
        }
        var results: [(String, TableLatencyReport)] = []
        var issues = IssueCollector()
        for (i, n) in networks.enumerated() {
            do {
                // SPACE:ARCH as the device's converter sees it (NAS-Bench-201: its exported graph),
                // as `duet table fit/predict`, solve and explore do.
                let net = try SpaceOperators.deviceNetwork(reference: n, options: options)
                let g = try TableDevice(t).lower(net)
                results.append((net.name, try t.latency(of: g, fillHint: "fill it with `duet table generate --network \(n) --device DEVICE --out \(table ?? "TABLE")`")))
            } catch let e as InputError { issues.add(e.issues.allSatisfy { $0.file != nil } ? e : e.under("--network[\(i)]")) }
        }
        try issues.throwIfAny()
        let total = results.reduce(0) { $0 + $1.1.latencyMs }
        let verdicts = try spec.map { path -> [Verdict] in
            do { return try Spec.load(path: path).verdicts(tableLatencies: results.map { ($0.0, $0.1.latencyMs) }) } catch let e as InputError {
                throw e.issues.allSatisfy({ $0.file != nil }) ? e : e.inFile(path)
            }
        } ?? []
        let met = verdicts.allSatisfy(\.met)
        switch format {
        case .json:
            return (JSONValue.obj([
                "device": .obj(["name": .string(name), "table": table.map { .string($0) } ?? .null, "method": .string(t.provenance.method)]),
                "networks": .array(results.map { n, r in
                    .obj(["name": .string(n),
                          "operators": .array(r.operators.map { op, l in
                              .obj(["key": .string(op.signature.key), "kind": .string(op.signature.kind),
                                    "layers": .array(op.layers.map { .string($0) }), "latency_ms": .double(l)])
                          }),
                          "totals": .obj(["latency_ms": .double(r.latencyMs), "network_overhead_ms": .double(r.overheadMs), "energy_pj": .null])])
                }),
                "totals": .obj(["latency_ms": .double(total), "energy_pj": .null]),
                "verdict": .array(verdicts.map { v in
                    .obj(["budget": .string(v.budget), "limit": .double(v.limit), "value": .double(v.value), "margin": .double(v.margin), "met": .bool(v.met)])
                }),
            ]).serialized() + "\n", met)
        case .csv:
            var tt = TextTable(columns: ["network", "operator", "kind", "layers", "latency_ms"])
            for (n, r) in results { for (op, l) in r.operators { tt.append([n, op.signature.key, op.signature.kind, op.layers.joined(separator: "+"), JSONValue.format(l)]) } }
            return (tt.csv(), met)
        case .table:
            var out = ""
            for (n, r) in results {
                var tt = TextTable(columns: ["layers", "operator", "latency_ms"], numeric: [2])
                for (op, l) in r.operators { tt.append([op.layers.joined(separator: "+"), op.signature.kind, String(format: "%.4f", l)]) }
                out += "\(n) on \(name)\n" + tt.rendered() + String(format: "  total: %.4g ms (network constant %.4g ms)\n\n", r.latencyMs, r.overheadMs)
            }
            out += String(format: "device %@: latency %.4g ms\n", name, total)
            if !verdicts.isEmpty {
                var vt = TextTable(columns: ["budget", "limit", "value", "margin", "verdict"], numeric: [1, 2, 3])
                for v in verdicts { vt.append([v.budget, String(format: "%.4g", v.limit), String(format: "%.4g", v.value), String(format: "%.4g", v.margin), v.met ? "met" : "VIOLATED"]) }
                out += "\n" + vt.rendered()
            }
            return (out, met)
        }
    }
}
