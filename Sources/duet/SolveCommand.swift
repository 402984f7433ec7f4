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
        let start = Date()
        // Each budget and objective metric in the decomposition's integer units, and back.
        struct Unit { var metric: String; var scale: Double; var unit: String }
        let decomposition: CostDecomposition
        let targetName: String
        var units: [String: Unit] = ["macs": Unit(metric: "macs", scale: 1, unit: "MACs")]
        if let table = try cfg.tableTarget(dataDir: dataDir) {
            decomposition = try CostDecomposition.make(space: space, table: table)
            targetName = table.name
            units["latency_ms"] = Unit(metric: "latency_ps", scale: CostDecomposition.picosecondsPerMs, unit: "ms")
        } else if case .accelerator(let ref, let sets) = cfg.target {
            let chip = try AcceleratorLoader(dataDir: dataDir).load(ref, overrides: sets)
            guard chip.subAccelerators.count == 1 else {
                throw InputError(file: config, keyPath: "target.accelerator", message: "duet solve evaluates one sub-accelerator",
                                 hint: "give a hardware space (target: {hardware: …}) to choose and assign the sub-accelerators of a chip")
            }
            let hw = chip.subAccelerators[0]
            decomposition = try CostDecomposition.make(space: space, on: hw)
            targetName = ref
            units["latency_ms"] = Unit(metric: "latency_cycles", scale: hw.clockMHz * 1e3, unit: "ms")
            units["energy_mj"] = Unit(metric: "energy_fj", scale: 1e12, unit: "mJ")
        } else {
            throw InputError(file: config, keyPath: "target", message: "duet solve needs a fixed accelerator, a latency table or a device model",
                             hint: "write 'target: {accelerator: eyeriss}', 'target: {table: FILE}' or 'target: {device: pixel3}'")
        }
        var budgets: [IntegerBudget] = []
        for (name, limit) in cfg.budgets {
            let metric = name.split(separator: ".").last.map(String.init) ?? name
            guard let u = units[metric] else {
                throw InputError(file: config, keyPath: "budgets.\(name)", message: "duet solve supports \(units.keys.filter { $0 != "macs" }.sorted().joined(separator: " and ")) budgets on this target",
                                 hint: "area and power do not depend on the network for a fixed accelerator; check them with duet evaluate")
            }
            let scale = u.scale, unit = u.unit
            budgets.append(IntegerBudget(name: name, metric: u.metric, limit: Int64((limit * scale).rounded(.down)),
                                         describe: { String(format: "%.4g \(unit)", Double($0) / scale) }))
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
        case (let m, _) where units[m] != nil:
            result = try solver.optimize(metric: units[m]!.metric, maximize: objective.maximize)
        default:
            throw InputError(file: config, keyPath: "objectives[0]", value: objective.metric,
                             message: "duet solve optimizes accuracy (from a table or the macs proxy) or \(units.keys.sorted().joined(separator: ", ")) on this target",
                             hint: "external evaluators and the params proxy are not additive: use duet explore")
        }
        let seconds = Date().timeIntervalSince(start)
        let arch = result.arch.map { space.format($0) }
        var objectives: [JSONValue.Field] = []
        if let v = result.value { objectives.append(.init(objective.metric, .double(v))) }
        if let m = result.arch.map({ solver.metrics($0) }) {
            for (name, u) in units.sorted(by: { $0.key > $1.key }) where name != "macs" {
                objectives.append(.init(name, .double(Double(m[u.metric]!) / u.scale)))
            }
            objectives.append(.init("macs", .int(Int(m["macs"]!))))
        }
        let doc = JSONValue.obj([
            "status": .string(result.status.rawValue),
            "design": arch.map { .obj(["tasks": .object([.init(task.name, .string($0))]), (cfg.target.isTableDriven ? "device" : "accelerator"): .string(targetName)]) } ?? .null,
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
            if let arch { out += "design: \(task.name) = \(arch) on \(targetName)\n" }
            for f in objectives { out += "  \(f.key): \(f.value.serialized(pretty: false))\n" }
            if let b = result.bound { out += "bound: \(b)\(result.status == .optimal ? " (proven)" : "")\n" }
            for e in result.explanation { out += "  - \(e)\n" }
            out += String(format: "%.2f s\n", seconds)
            emit(out)
        }
        if result.status == .infeasible { throw ExitCode(1) }
    }
}
