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
            CONFIG is an exploration config (docs/FORMATS.md). Either one task whose space the solver can
            decompose (nb201, fbnet) on a fixed accelerator, a latency table or a device model, with budgets
            and an accuracy source (a table, or the macs proxy); or fixed-network tasks on a hardware space,
            whose sub-accelerators are chosen and assigned exactly. Status: optimal (proven), feasible
            (found, not proven), infeasible (with the conflicting budgets named), unknown (timeout; the
            best design found so far is reported).
            """)

    @Argument(help: "The config file.") var config: String
    @Option(help: "Seconds before Z3 is stopped (status unknown).") var timeout: Double = 60
    @Option(name: .customLong("set"), help: "Override a config scalar: key.path=value (repeatable).") var overrides: [String] = []
    @Option(help: "table or json.") var format: OutputFormat = .table
    @Option(help: "Solve once per value of a config scalar: key.path=v1,v2,… (e.g. budgets.latency_ms=2,3.5,5); JSON: a list.") var sweep: String?
    @Flag(name: .customLong("no-cache"), help: "Do not read or write the tabulation cache ($DUET_CACHE_DIR, $XDG_CACHE_HOME/duet or ~/.cache/duet).") var noCache = false

    func validate() throws {
        if !(timeout > 0) { throw ValidationError("--timeout must be positive (got \(timeout))") }
        if let sweep, sweep.split(separator: "=", maxSplits: 1).count != 2 { throw ValidationError("--sweep takes key.path=v1,v2,… (got '\(sweep)')") }
    }

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        let runs: [[String]] = sweep.map { s in
            let kv = s.split(separator: "=", maxSplits: 1)
            return kv[1].split(separator: ",").map { [overrides, ["\(kv[0])=\($0.trimmingCharacters(in: .whitespaces))"]].flatMap { $0 } }
        } ?? [overrides]
        var docs: [JSONValue] = [], texts: [String] = [], infeasible = false
        for sets in runs {
            let cfg = try ExploreConfig.load(path: config, overrides: sets, dataDir: dataDir)
            if case .hardware = cfg.target {
                guard sweep == nil else { throw ValidationError("--sweep works on table and accelerator targets, not hardware spaces") }
                try await runChip(cfg, dataDir: dataDir); return
            }
            let (doc, text, bad) = try solveOnce(cfg, dataDir: dataDir)
            docs.append(doc); texts.append((sweep == nil ? "" : "\(sets.last!):\n") + text); infeasible = infeasible || bad
        }
        if format == .json { emit((sweep == nil ? docs[0] : .array(docs)).serialized() + "\n") } else { emit(texts.joined(separator: "\n")) }
        if infeasible { throw ExitCode(1) }
    }

    /// One exact solve: its JSON document, its text, and whether it was infeasible.
    func solveOnce(_ cfg: ExploreConfig, dataDir: URL) throws -> (JSONValue, String, Bool) {
        let start = Date()
        let exact = try ExactSolve(config: cfg, dataDir: dataDir, timeoutSeconds: timeout, cache: noCache ? nil : TabulationCache.default)
        let result = try exact.solve()
        let (task, space, units, objective, solver, targetName) = (exact.task, exact.space, exact.units, exact.objective, exact.solver, exact.targetName)
        let seconds = Date().timeIntervalSince(start)
        let arch = result.arch.map { space.format($0) }
        var objectives: [JSONValue.Field] = []
        // The objective in the user's unit (the solver works in the decomposition's integers).
        let objectiveScale = units[objective.metric]?.scale ?? 1
        let bound = result.bound.map { $0 / objectiveScale }
        if let v = result.value { objectives.append(.init(objective.metric, objective.metric == "macs" ? .int(Int(v)) : .double(v / objectiveScale))) }
        if let m = result.arch.map({ solver.metrics($0) }) {
            for (name, u) in units.sorted(by: { $0.key > $1.key }) where name != "macs" && name != objective.metric {
                objectives.append(.init(name, .double(Double(m[u.metric]!) / u.scale)))
            }
            if objective.metric != "macs" { objectives.append(.init("macs", .int(Int(m["macs"]!)))) }
        }
        let doc = JSONValue.obj([
            "status": .string(result.status.rawValue),
            "design": arch.map { .obj(["tasks": .object([.init(task.name, .string($0))]), (cfg.target.isTableDriven ? "device" : "accelerator"): .string(targetName)]) } ?? .null,
            "objectives": .object(objectives),
            "bound": bound.map { .double($0) } ?? .null,
            "explanation": .array(result.explanation.map { .string($0) }),
            "seconds": .double(seconds),
            "accuracy_source": .string(task.accuracy.label),
            "solver_checks": .int(result.checks),
            "z3_version": .string(Z3Context.version),
            "latency_source": .string(exact.latencySource),
        ])
        var out = "status: \(result.status.rawValue)\n"
        do {
            if let arch { out += "design: \(task.name) = \(arch) on \(targetName)\n" }
            for f in objectives { out += "  \(f.key): \(f.value.serialized(pretty: false))\n" }
            out += "  latency: \(exact.latencySource)\n"
            if let b = bound { out += "bound: \(b)\(result.status == .optimal ? " (proven)" : "")\n" }
            for e in result.explanation { out += "  - \(e)\n" }
            out += String(format: "%.2f s\n", seconds)
        }
        return (doc, out, result.status == .infeasible)
    }
}
