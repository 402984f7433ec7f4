import ArgumentParser
import DuetCore
import DuetExplore
import DuetHardware
import DuetReport
import DuetSolver
import DuetWorkload
import Foundation

struct SolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Exact constrained optimum with Z3: the best design meeting the budgets, or a proof that none does.",
        discussion: """
            CONFIG is an exploration config (docs/FORMATS.md). Either one task whose space the solver can \
            decompose (nb201, fbnet) on a fixed accelerator, a latency table or a device model, with budgets \
            and an accuracy source (a table, or the macs proxy); or fixed-network tasks on a hardware space, \
            whose sub-accelerators are chosen and assigned exactly. Status: optimal (proven), feasible \
            (found, not proven), infeasible (with the conflicting budgets named), unknown (timeout; the \
            best design found so far is reported).
            """)

    @Argument(help: "The config file.") var config: String
    @Option(help: "Seconds before Z3 is stopped (status unknown); at most 86,400.") var timeout: Double = 60
    @Option(name: .customLong("set"), help: "Override a config scalar: key.path=value (repeatable).") var overrides: [String] = []
    @Option(help: "table or json.") var format: OutputFormat = .table
    @Option(help: "Solve once per value of a config scalar: key.path=v1,v2,… (e.g. budgets.latency_ms=2,3.5,5); JSON: a list.") var sweep: String?
    @Flag(name: .customLong("no-cache"), help: "Do not read or write the tabulation cache ($DUET_CACHE_DIR, $XDG_CACHE_HOME/duet or ~/.cache/duet).") var noCache = false

    func validate() throws {
        if !(timeout > 0 && timeout <= 86_400) { throw ValidationError("--timeout must be greater than 0 and at most 86,400 seconds (got \(timeout))") }
        if format == .csv { throw ValidationError("--format must be table or json: a solve has one design, not rows (csv: duet study export)") }
        if let sweep, sweep.split(separator: "=", maxSplits: 1).count != 2 { throw ValidationError("--sweep takes key.path=v1,v2,… (got '\(sweep)')") }
    }

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        let runs: [[String]] = sweep.map { s in
            let kv = s.split(separator: "=", maxSplits: 1)
            return kv[1].split(separator: ",").map { overrides + ["\(kv[0])=\($0.trimmingCharacters(in: .whitespaces))"] }
        } ?? [overrides]
        var docs: [JSONValue] = [], texts: [String] = [], infeasible = false
        for sets in runs {
            let cfg = try ExploreConfig.load(path: config, overrides: sets, dataDir: dataDir)
            if case .hardware = cfg.target {
                guard sweep == nil else { throw ValidationError("--sweep works on table and accelerator targets, not hardware spaces") }
                try await runChip(cfg, dataDir: dataDir); return
            }
            let start = Date()
            let exact = try await ExactSolve(config: cfg, dataDir: dataDir, timeoutSeconds: timeout, cache: noCache ? nil : TabulationCache.default)
            let result = try exact.solve()
            let (doc, text) = exact.report(result, seconds: Date().timeIntervalSince(start))
            docs.append(doc)
            texts.append((sweep == nil ? "" : "\(sets.last!):\n") + text)
            infeasible = infeasible || result.status == .infeasible
        }
        if format == .json { emit((sweep == nil ? docs[0] : .array(docs)).serialized() + "\n") } else { emit(texts.joined(separator: "\n")) }
        if infeasible { throw ExitCode(1) }
    }
}
