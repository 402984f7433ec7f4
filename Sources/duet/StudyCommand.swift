import ArgumentParser
import DuetCore
import DuetReport
import DuetExplore
import DuetHardware
import DuetStudy
import Foundation

struct StudyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study", abstract: "Inspect, export and copy exploration studies (SQLite files or PostgreSQL URLs); ask and tell from outside.",
        subcommands: [List.self, Show.self, Export.self, Design.self, Copy.self, Ask.self, Tell.self, Confirm.self])

    static let locationHelp: ArgumentHelp = "Study: an SQLite file, or postgresql://USER[:PASSWORD]@HOST[:PORT]/DB?study=NAME."

    /// Opens a study for reading only: nothing is written, a read-only file works.
    static func openForReading(_ text: String) async throws -> any StudyStore {
        try await openStudy(text, mode: .readOnly)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per trial; for a PostgreSQL URL without ?study=, one line per study.")
        @Argument(help: StudyCommand.locationHelp) var study: String
        func run() async throws { emit(try await render()) }

        func render() async throws -> String {
            if case .postgres(let url) = try StudyLocation(parsing: study), url.study == nil {
                var t = TextTable(columns: ["study", "complete", "feasible", "failed", "pending", "running"], numeric: Set(1..<6))
                for s in try await listPostgresStudies(url) {
                    t.append([s.name] + [s.counts.complete, s.counts.feasible, s.counts.failed, s.counts.pending, s.counts.running].map(String.init))
                }
                return t.rendered()
            }
            let s = try await StudyCommand.openForReading(study)
            let objectives = try await s.settings()?.objectives.map(\.name) ?? []
            var t = TextTable(columns: ["#", "gen", "status"] + objectives + ["violation", "seconds"], numeric: Set(0..<(objectives.count + 5)).subtracting([2]))
            var i = 0
            for try await r in s.allTrials() {
                t.append([String(i), String(r.generation), r.status.rawValue] + (r.objectives.isEmpty ? objectives.map { _ in "" } : r.objectives.map { String(format: "%.4g", $0) })
                         + [r.violation.isFinite ? String(format: "%.3g", r.violation) : "inf", String(format: "%.3f", r.seconds)])
                i += 1
            }
            try await s.close()
            return t.rendered()
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Where the study lives (passwords masked), its settings, counts, failures and best designs.")
        @Argument(help: StudyCommand.locationHelp) var study: String
        func run() async throws { emit(try await render()) }

        func render() async throws -> String {
            let s = try await StudyCommand.openForReading(study)
            var out = "study: \(s.location)\nschema: \(try await s.schemaVersion())\n"
            if let st = try await s.settings() {
                out += "config_path: \(st.configPath)\nseed: \(st.seed)\n"
                out += "objectives: \(st.objectives.map { "\($0.name) (\($0.direction.rawValue))" }.joined(separator: ", "))\n"
                if !st.budgets.isEmpty { out += "budgets: \(st.budgets.map { "\($0.name) ≤ \($0.limit)" }.joined(separator: ", "))\n" }
                if !st.accuracy.isEmpty { out += "accuracy: \(st.accuracy.map { "\($0.task)=\($0.label)" }.joined(separator: ", "))\n" }
                if !st.optimizer.isEmpty { out += "optimizer: \(st.optimizer), population \(st.population), \(st.scheduling.rawValue) scheduling\n" }
                out += "duet_version: \(st.duetVersion)\n"
            }
            let attributes = try await s.attributes()
            for (k, v) in attributes where !StudySettings.legacyKeys.contains(k) && k != "signature" && !k.hasPrefix(SurrogateQualityLog.keyPrefix) { out += "\(k): \(v)\n" }
            if let q = SurrogateQualityLog.summary(Dictionary(attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })) {
                out += "surrogate quality: \(q)\n"
            }
            let c = try await s.counts()
            out += "trials: \(c.total) (\(c.complete) complete, \(c.feasible) feasible, \(c.failed) failed, \(c.pending) pending, \(c.running) running)\n"
            var failures: [String: Int] = [:]
            try await s.forEachTrial { t in if t.status == .failed, let e = t.error { failures[e, default: 0] += 1 } }
            for (e, n) in failures.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }).prefix(5) { out += "  failure ×\(n): \(e)\n" }
            let best = try await s.bestTrials(limit: 5)
            if let st = try await s.settings(), !best.isEmpty {
                out += "best feasible designs (non-dominated, \(best.count) shown):\n"
                for t in best {
                    let values = zip(st.objectives, t.objectives).map { "\($0.name) \(JSONValue.format($1))" }.joined(separator: ", ")
                    out += "  trial \(t.generation)/\(t.slot): \(values)  \(t.design)\n"
                }
            }
            try await s.close()
            return out
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every trial as CSV or JSON.")
        @Argument(help: StudyCommand.locationHelp) var study: String
        @Option(help: "csv or json.") var format: OutputFormat = .csv
        @Option(help: "Output file (default: stdout).") var out: String?
        func run() async throws {
            let s = try await StudyCommand.openForReading(study)
            let text = try await StudyExport.render(s, format: format)
            try await s.close()
            if let out { try writeFile(text, to: out) } else { emit(text) }
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-evaluate the study's Pareto front with a trusted simulator (a second fidelity tier) and store both figures.",
            discussion: """
                COMMAND runs under /bin/sh -c once per front design (best first): stdin is one JSON object \
                {"design": {tasks, hardware}, "duet": {metrics}, "generation": G, "slot": S}; its last \
                stdout line that is a JSON object gives the peer's figures (e.g. latency_ms, energy_mj). \
                Each result is stored in the study (attribute confirm:gGsS); --show lists them again. \
                Examples/confirm/ has a command that runs SCALE-Sim on Duet's export of each design.
                """)
        @Argument(help: StudyCommand.locationHelp) var study: String
        @Option(help: "The peer's command (see the discussion).") var command: String?
        @Option(help: "At most this many front designs.") var limit: Int = 20
        @Option(name: .customLong("timeout"), help: "Seconds per design before the command is stopped.") var timeout: Double = 3600
        @Option(help: "Retries of a failed design.") var retries: Int = 0
        @Flag(help: "List the stored confirmations instead of running the command.") var show = false

        func validate() throws {
            if command == nil && !show { throw ValidationError("give --command CMD (or --show to list stored confirmations)") }
            if limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit))") }
            if !(timeout > 0) { throw ValidationError("--timeout must be positive (got \(timeout))") }
            if retries < 0 { throw ValidationError("--retries must be at least 0 (got \(retries))") }
        }

        func run() async throws {
            let s = try await openStudy(study, mode: show ? .readOnly : .open)
            let rows: [FrontConfirmation.Row]
            do {
                rows = show ? try await FrontConfirmation.stored(s)
                    : try await FrontConfirmation.run(s, command: command ?? "", timeoutSeconds: timeout, retries: retries, limit: limit)
            } catch {
                try? await s.close()
                throw error
            }
            try await s.close()
            emit(rows.isEmpty ? "no confirmations\n" : FrontConfirmation.table(rows))
        }
    }

    struct Design: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one trial's design as files: accelerator.yaml, networks/TASK.yaml, spec.yaml, trial.json and a README.",
            discussion: "The README gives the duet evaluate command that reproduces the trial's latency, energy, area and power from the files.")
        @Argument(help: StudyCommand.locationHelp) var study: String
        @Option(help: "The trial: G/S (generation/slot, as study show and the report print) or N (the # of study list).") var trial: String
        @Option(help: "Output folder (created).") var out: String
        func run() async throws {
            let selector = try StudyDesign.Selector(parsing: trial)
            let s = try await StudyCommand.openForReading(study)
            let design: StudyDesign
            do { design = try await StudyDesign.make(store: s, selector: selector, dataDir: try DataDirectory.locate()) } catch {
                try? await s.close(); throw error
            }
            try await s.close()
            try design.write(to: URL(fileURLWithPath: out))
            emit("wrote trial \(design.trial) to \(out)/: \(design.files.map(\.path).joined(separator: ", "))\n"
                 + (design.command.isEmpty ? "" : "reproduce (in \(out)): \(design.command)\n"))
        }
    }

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a whole study (settings, trials, queue) between SQLite and PostgreSQL.",
            discussion: "DST must be new or empty; running trials arrive pending. Passwords are never copied into a study.")
        @Argument(help: "Source study (file or URL).") var source: String
        @Argument(help: "Destination study (file or URL); created.") var destination: String
        func run() async throws {
            let src = try await StudyCommand.openForReading(source)
            let dst = try await openStudy(destination, mode: .create)
            let r = try await copyStudy(from: src, to: dst)
            let (from, to) = (src.location.description, dst.location.description)
            try await src.close(); try await dst.close()
            emit("copied \(r.finished) finished and \(r.pending) pending trials and \(r.attributes) entries from \(from) to \(to)\n")
        }
    }

    struct Ask: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the next designs of the study's optimizer to evaluate, as JSON (each claimed for --lease seconds).",
            discussion: """
                Evaluate them however you like, then record each with duet study tell STUDY --trial ID --metrics JSON. \
                The optimizer is replayed over the stored results; once a generation is all handed out, further asks \
                get designs drawn from the space, seeded by the study's seed (docs/FORMATS.md, "Ask and tell"). \
                A new study needs --config.
                """)
        @Argument(help: StudyCommand.locationHelp) var study: String
        @Option(help: "How many designs (1 to 10,000).") var n: Int = 1
        @Option(help: "Start a new study with this exploration config (or check that an existing one was made by it).") var config: String?
        @Option(name: .customLong("set"), help: "Override a config scalar: key.path=value (repeatable; with --config).") var overrides: [String] = []
        @Option(help: "Seconds an asked design stays claimed; untold after that, it is handed out again.") var lease: Double = 3_600

        func validate() throws {
            if !(1...10_000).contains(n) { throw ValidationError("--n must be between 1 and 10,000 (got \(n))") }
            if !(lease > 0 && lease <= 30 * 86_400) { throw ValidationError("--lease must be greater than 0 and at most 2,592,000 seconds (got \(lease))") }
            if !overrides.isEmpty && config == nil { throw ValidationError("--set needs --config") }
        }

        func run() async throws {
            let store = try await openStudy(study, mode: config == nil ? .open : .create)
            do {
                let session = try await StudyAskTell.open(store: store, config: config, overrides: overrides, dataDir: try DataDirectory.locate())
                let asked = try await session.ask(n, leaseSeconds: lease)
                try await store.close()
                emit(session.json(asked).serialized() + "\n")
            } catch {
                try? await store.close()
                throw error
            }
        }
    }

    struct Tell: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the result of an asked design (--trial), or of a design of your own (--point), in the study.",
            discussion: "METRICS is a JSON object {name: number} holding every objective and budget metric of the study's config.")
        @Argument(help: StudyCommand.locationHelp) var study: String
        @Option(help: "The id duet study ask printed.") var trial: Int?
        @Option(help: "A design of your own: a JSON object {variable: value} (a tell-only trial).") var point: String?
        @Option(help: "The results: a JSON object {name: number}.") var metrics: String?
        @Option(help: "Record the asked trial as failed with this reason instead of metrics.") var error: String?
        @Option(help: "Wall seconds the evaluation took (stored with the trial).") var seconds: Double = 0

        func validate() throws {
            if (trial == nil) == (point == nil) { throw ValidationError("give exactly one of --trial and --point") }
            if metrics == nil && error == nil { throw ValidationError("give --metrics (or --error for a failed asked trial)") }
            if point != nil && error != nil { throw ValidationError("--error fails an asked trial; a --point trial records --metrics") }
            if !(seconds >= 0 && seconds.isFinite) { throw ValidationError("--seconds must be a non-negative number (got \(seconds))") }
        }

        func run() async throws {
            let metricValues = try metrics.map { try StudyAskTell.metrics(json: $0, keyPath: "--metrics") } ?? [:]
            let pointValue = try point.map { try StudyAskTell.parse(json: $0, keyPath: "--point") }
            let store = try await openStudy(study, mode: .open)
            do {
                let session = try await StudyAskTell.open(store: store, config: nil, dataDir: try DataDirectory.locate())
                let told = if let trial {
                    try await session.tell(trial: Int64(trial), metrics: metricValues, error: error, seconds: seconds)
                } else {
                    try await session.tell(point: pointValue!, metrics: metricValues, seconds: seconds)
                }
                try await store.close()
                emit(told.json.serialized() + "\n")
            } catch {
                try? await store.close()
                throw error
            }
        }
    }
}
