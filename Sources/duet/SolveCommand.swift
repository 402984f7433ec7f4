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
            CONFIG is an exploration config (docs/FORMATS.md) with one task whose space the solver can decompose
            (nb201, fbnet), a fixed accelerator target, budgets and an accuracy source (a table, or the
            macs/params proxy). Status: optimal (proven), feasible (found, not proven), infeasible (with the
            conflicting budgets named), unknown (timeout; the best design found so far is reported).
            """)

    @Argument(help: "The config file.") var config: String
    @Option(help: "Seconds before Z3 is stopped (status unknown).") var timeout: Double = 60
    @Option(name: .customLong("set"), help: "Override a config scalar: key.path=value (repeatable).") var overrides: [String] = []
    @Option(help: "table or json.") var format: OutputFormat = .table

    func validate() throws {
        if !(timeout > 0) { throw ValidationError("--timeout must be positive (got \(timeout))") }
    }

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        let cfg = try ExploreConfig.load(path: config, overrides: overrides, dataDir: dataDir)
        if case .hardware = cfg.target { try await runChip(cfg, dataDir: dataDir); return }
        guard cfg.tasks.count == 1, let task = cfg.tasks.first, let space = task.space else {
            throw InputError(file: config, keyPath: "tasks", message: "duet solve takes exactly one task with a 'space'",
                             hint: "use duet explore for several tasks or fixed networks")
        }
        guard case .accelerator(let ref, let sets) = cfg.target else {
            throw InputError(file: config, keyPath: "target", message: "duet solve needs a fixed accelerator target",
                             hint: "write 'target: {accelerator: eyeriss}'; hardware spaces are searched by duet explore")
        }
        let chip = try AcceleratorLoader(dataDir: dataDir).load(ref, overrides: sets)
        guard chip.subAccelerators.count == 1 else {
            throw InputError(file: config, keyPath: "target.accelerator", message: "duet solve evaluates one sub-accelerator",
                             hint: "use duet explore for heterogeneous chips")
        }
        let hw = chip.subAccelerators[0]
        let start = Date()
        let decomposition = try CostDecomposition.make(space: space, on: hw)
        let hz = hw.clockMHz * 1e6
        let ms: @Sendable (Int64) -> String = { String(format: "%.4g ms", Double($0) / hz * 1e3) }
        let mj: @Sendable (Int64) -> String = { String(format: "%.4g mJ", Double($0) * 1e-12) }
        var budgets: [IntegerBudget] = []
        for (name, limit) in cfg.budgets {
            let metric = name.split(separator: ".").last.map(String.init) ?? name
            switch metric {
            case "latency_ms": budgets.append(IntegerBudget(name: name, metric: "latency_cycles", limit: Int64((limit * 1e-3 * hz).rounded(.down)), describe: ms))
            case "energy_mj": budgets.append(IntegerBudget(name: name, metric: "energy_fj", limit: Int64((limit * 1e12).rounded(.down)), describe: mj))
            default:
                throw InputError(file: config, keyPath: "budgets.\(name)", message: "duet solve supports latency_ms and energy_mj budgets",
                                 hint: "area and power do not depend on the network for a fixed accelerator; check them with duet evaluate")
            }
        }
        let solver = TableSumSolver(space: space, decomposition: decomposition, budgets: budgets, timeoutSeconds: timeout)
        let objective = cfg.objectives.first ?? (metric: "accuracy", maximize: true)
        let result: SolveResult
        switch (objective.metric, task.accuracy) {
        case ("accuracy", .table(let path, let key, let column)):
            let table = try AccuracyTable.load(path: path, key: key, column: column)
            result = try solver.maximize(table: table)
        case ("accuracy", .proxy(let p)) where p == "macs":
            result = try solver.optimize(metric: "macs", maximize: objective.maximize)
        case ("latency_ms", _): result = try solver.optimize(metric: "latency_cycles", maximize: objective.maximize)
        case ("energy_mj", _): result = try solver.optimize(metric: "energy_fj", maximize: objective.maximize)
        case ("macs", _): result = try solver.optimize(metric: "macs", maximize: objective.maximize)
        default:
            throw InputError(file: config, keyPath: "objectives[0]", value: objective.metric,
                             message: "duet solve optimizes accuracy (from a table or the macs proxy), latency_ms, energy_mj or macs",
                             hint: "external evaluators and the params proxy are not additive: use duet explore")
        }
        let seconds = Date().timeIntervalSince(start)
        let arch = result.arch.map { space.format($0) }
        var objectives: [JSONValue.Field] = []
        if let v = result.value { objectives.append(.init(objective.metric, .double(v))) }
        if let m = result.arch.map({ solver.metrics($0) }) {
            objectives.append(.init("latency_ms", .double(Double(m["latency_cycles"]!) / hz * 1e3)))
            objectives.append(.init("energy_mj", .double(Double(m["energy_fj"]!) * 1e-12)))
            objectives.append(.init("macs", .int(Int(m["macs"]!))))
        }
        let doc = JSONValue.obj([
            "status": .string(result.status.rawValue),
            "design": arch.map { .obj(["tasks": .object([.init(task.name, .string($0))]), "accelerator": .string(ref)]) } ?? .null,
            "objectives": .object(objectives),
            "bound": result.bound.map { .double($0) } ?? .null,
            "explanation": .array(result.explanation.map { .string($0) }),
            "seconds": .double(seconds),
            "accuracy_source": .string(task.accuracy.label),
            "solver_checks": .int(result.checks),
            "z3_version": .string(Z3Context.version),
        ])
        if format == .json { emit(doc.serialized() + "\n") } else {
            var out = "status: \(result.status.rawValue)\n"
            if let arch { out += "design: \(task.name) = \(arch) on \(ref)\n" }
            for f in objectives { out += "  \(f.key): \(f.value.serialized(pretty: false))\n" }
            if let b = result.bound { out += "bound: \(b)\(result.status == .optimal ? " (proven)" : "")\n" }
            for e in result.explanation { out += "  - \(e)\n" }
            out += String(format: "%.2f s\n", seconds)
            emit(out)
        }
        if result.status == .infeasible { throw ExitCode(1) }
    }
}
