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

    func validate() throws {
        if !(timeout > 0 && timeout <= 86_400) { throw ValidationError("--timeout must be greater than 0 and at most 86,400 seconds (got \(timeout))") }
        if format == .csv { throw ValidationError("--format must be table or json: a solve has one design, not rows (csv: duet study export)") }
    }

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        let cfg = try ExploreConfig.load(path: config, overrides: overrides, dataDir: dataDir)
        if case .hardware = cfg.target { try await runChip(cfg, dataDir: dataDir); return }
        let start = Date()
        let exact = try ExactSolve(config: cfg, dataDir: dataDir, timeoutSeconds: timeout)
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
            "z3_version": result.usedZ3 ? .string(Z3Context.version) : .null,
        ])
        if format == .json { emit(doc.serialized() + "\n") } else {
            var out = "status: \(result.status.rawValue)\n"
            if let arch { out += "design: \(task.name) = \(arch) on \(targetName)\n" }
            for f in objectives { out += "  \(f.key): \(f.value.serialized(pretty: false))\n" }
            if let b = bound { out += "bound: \(b)\(result.status == .optimal ? " (proven)" : "")\n" }
            for e in result.explanation { out += "  - \(e)\n" }
            out += String(format: "%.2f s\n", seconds)
            emit(out)
        }
        if result.status == .infeasible { throw ExitCode(1) }
    }
}
