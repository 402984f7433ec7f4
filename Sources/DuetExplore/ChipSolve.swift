import DuetCore
import DuetCostModel
import DuetReport
import DuetSolver
import DuetWorkload
import Foundation

/// The budgets and objective of a chip solve, in the solver's integer units, from the config.
public struct ChipSolveSetup: Sendable {
    public var budgets: [ChipBudget]
    public var objective: ChipMetric
    /// The objective's name in the config (e.g. `latency_ms`).
    public var objectiveName: String

    static let ms: @Sendable (Int64) -> String = { String(format: "%.6g ms", Double($0) * 1e-6) }
    static let mj: @Sendable (Int64) -> String = { String(format: "%.6g mJ", Double($0) * 1e-12) }
    static let mm2: @Sendable (Int64) -> String = { String(format: "%.6g mm²", Double($0) * 1e-6) }
    static let mw: @Sendable (Int64) -> String = { String(format: "%.6g mW", Double($0) * 1e-3) }

    static func limit(_ x: Double, _ scale: Double) -> Int64 { Checked.saturatingInt64(x * scale) }

    /// Checks the tasks (fixed networks only), budgets and objective of `cfg` for a chip solve.
    public static func make(_ cfg: ExploreConfig) throws -> ChipSolveSetup {
        var issues = IssueCollector(file: cfg.file)
        for (i, t) in cfg.tasks.enumerated() where t.space != nil {
            issues.add("tasks[\(i)].space", value: t.space!.name, "duet solve on a hardware space places fixed networks, not a searched space",
                       hint: "give the task 'network: NAME' (a built-in, a file, or SPACE:ARCH), or search the space with duet explore")
        }
        if cfg.scheduling == .layers, let o = cfg.objectives.first, o.metric != "latency_ms" || o.maximize {
            issues.add("objectives[0]", value: o.metric, "with 'schedule: layers' duet solve minimizes the makespan (latency_ms): layer scheduling is what shortens it",
                       hint: "write 'minimize: latency_ms' and give the other metrics as budgets, or drop 'schedule: layers' to minimize \(o.metric) exactly")
        }
        if case .hardware(let h) = cfg.target {
            for (key, v) in [("node_nm", h.nodeNm), ("clock_mhz", h.clockMHz), ("precision_bits", h.precisionBits)] where v.count > 1 {
                issues.add("target.hardware.\(key)", value: "\(v)", "duet solve takes one \(key) per chip, not a searched list",
                           hint: "give one value and solve once per choice, or search the list with duet explore")
            }
        }
        let index = Dictionary(uniqueKeysWithValues: cfg.tasks.enumerated().map { ($0.element.name, $0.offset) })
        var budgets: [ChipBudget] = []
        for (name, value) in cfg.budgets {
            let parts = name.split(separator: ".").map(String.init)
            let metric = parts.last ?? name
            if parts.count > 1 {
                guard let i = index[parts[0]] else { continue }  // the config loader already reported an unknown task
                switch metric {
                case "latency_ms": budgets.append(ChipBudget(name: name, metric: .taskLatency(i), limit: limit(value, 1e6), describe: ms))
                case "energy_mj": budgets.append(ChipBudget(name: name, metric: .taskEnergy(i), limit: limit(value, 1e12), describe: mj))
                case "fps":
                    issues.add("budgets.\(name)", value: "\(value)", "a per-task frame rate needs the schedule's utilization, which the chip solver does not encode",
                               hint: "give the chip's rate (budgets.fps: every task one frame per period), or \(parts[0]).latency_ms; duet explore takes TASK.fps")
                default:
                    issues.add("budgets.\(name)", value: "\(value)", "a per-task budget of a chip solve is TASK.latency_ms or TASK.energy_mj",
                               hint: "area and power belong to the whole chip: use area_mm2 or power_mw")
                }
                continue
            }
            switch metric {
            case "latency_ms": budgets.append(ChipBudget(name: name, metric: .makespan, limit: limit(value, 1e6), describe: ms))
            case "energy_mj": budgets.append(ChipBudget(name: name, metric: .energy, limit: limit(value, 1e12), describe: mj))
            case "area_mm2": budgets.append(ChipBudget(name: name, metric: .area, limit: limit(value, 1e6), describe: mm2))
            case "power_mw": budgets.append(ChipBudget(name: name, metric: .power, limit: limit(value, 1e3), describe: mw))
            case "pe_count": budgets.append(ChipBudget(name: name, metric: .pes, limit: limit(value, 1), describe: { "\($0) PEs" }))
            // Every task one frame per 1/fps seconds: the makespan must fit the frame time (ns, rounded down).
            case "fps": budgets.append(ChipBudget(name: name, metric: .makespan, limit: limit(1e3 / value, 1e6), describe: ms))
            case "average_power_mw":
                issues.add("budgets.\(name)", value: "\(value)", "average power at a frame rate is not linear in the chip solver's terms",
                           hint: "solve under budgets.fps and energy_mj (average power ≈ energy per frame × fps + idle leakage; it is reported), or search with duet explore")
            default: issues.add("budgets.\(name)", "unsupported budget")
            }
        }
        var objective = ChipMetric.makespan, objectiveName = "latency_ms"
        if let o = cfg.objectives.first {
            let parts = o.metric.split(separator: ".").map(String.init)
            let metric = parts.last ?? o.metric
            let task = parts.count > 1 ? index[parts[0]] : nil
            switch (metric, task) {
            case _ where o.maximize:
                issues.add("objectives[0]", value: o.metric, "duet solve on a hardware space minimizes; maximize is not supported here",
                           hint: "write 'minimize: latency_ms' (makespan), energy_mj or area_mm2")
            case ("latency_ms", nil): objective = .makespan
            case ("energy_mj", nil): objective = .energy
            case ("area_mm2", nil): objective = .area
            case ("latency_ms", let i?): objective = .taskLatency(i)
            case ("energy_mj", let i?): objective = .taskEnergy(i)
            default:
                issues.add("objectives[0]", value: o.metric, "duet solve on a hardware space minimizes latency_ms (the makespan), energy_mj or area_mm2",
                           hint: metric == "power_mw" ? "power is a ratio, not linear: give it as a budget (power_mw) and minimize energy_mj"
                               : "fixed networks have no accuracy to optimize; use duet explore to search networks")
            }
            objectiveName = o.metric
        }
        try issues.throwIfAny()
        return ChipSolveSetup(budgets: budgets, objective: objective, objectiveName: objectiveName)
    }

    /// The tasks' fixed networks, analyzed (named after their tasks).
    public static func networks(_ cfg: ExploreConfig) throws -> [NetworkAnalysis] {
        var issues = IssueCollector(file: cfg.file)
        var out: [NetworkAnalysis] = []
        let base = URL(fileURLWithPath: cfg.file).deletingLastPathComponent().path
        for (i, t) in cfg.tasks.enumerated() {
            guard let n = t.network else { continue }
            do {
                var a = try NetworkReference.resolve(n, options: BuildOptions(loaders: DuetFormats.networkLoaders()), baseDirectory: base).analyze()
                a.network.name = t.name
                out.append(a)
            } catch let e as InputError { issues.add(e.under("tasks[\(i)].network")) }
        }
        try issues.throwIfAny()
        return out
    }

    /// The objective's integer value in its user unit.
    public func objectiveValue(_ v: Int64) -> Double {
        switch objective {
        // Divisions, not multiplications by 1e-6: 73855 * 1e-6 prints as 0.07385499999999999.
        case .makespan, .taskLatency: return Double(v) / 1e6
        case .energy, .taskEnergy: return Double(v) / 1e12
        case .area: return Double(v) / 1e6
        case .pes: return Double(v)
        case .power: return Double(v) / 1e3
        }
    }
}

/// `duet solve` on a hardware space: choose the sub-accelerators of a heterogeneous chip and assign
/// the tasks' fixed networks to them exactly (NASAIC), with ``ChipAssignmentSolver``. Every
/// configuration of the space is evaluated on every network by the cost model first.
public enum ChipSolve {
    /// Evaluates the hardware space on the tasks' networks, solves, and renders the answer in
    /// `format`; the caller exits 1 when the status is infeasible.
    public static func run(_ cfg: ExploreConfig, dataDir: URL, timeoutSeconds: Double, format: OutputFormat) async throws
        -> (text: String, status: SolveResult.Status) {
        guard case .hardware(let spec) = cfg.target else { preconditionFailure("ChipSolve needs a hardware target") }
        let start = Date()
        let problem = try ChipSolveSetup.make(cfg)
        let networks = try ChipSolveSetup.networks(cfg)
        let space: ChipSpaceCandidates
        let cache = MappingCache()
        do { space = try await ChipSpaceCandidates.evaluate(spec: spec, networks: networks, dataDir: dataDir, cache: cache) } catch let e as InputError { throw e.inFile(cfg.file) }
        let candidates = try space.solverCandidates()
        if candidates.values.contains(where: \.isEmpty) {
            throw InputError(file: cfg.file, keyPath: "target.hardware", message: "no configuration of the hardware space runs every task's network"
                             + (space.exclusion.map { " (e.g. \($0))" } ?? ""),
                             hint: "widen global_buffer_kib or the PE ranges")
        }
        let evaluated = Date().timeIntervalSince(start)
        // With layer scheduling the makespan budgets bind the layer schedule, which is never longer
        // than the whole-network one: Z3 finds the fastest whole-network chip under the others.
        let layers = cfg.scheduling == .layers
        let z3Budgets = layers ? problem.budgets.filter { b in
            switch b.metric { case .makespan, .taskLatency: return false; default: return true }
        } : problem.budgets
        let solver = ChipAssignmentSolver(networks: cfg.tasks.map(\.name), candidates: candidates, budgets: z3Budgets,
                                          objective: problem.objective, timeoutSeconds: timeoutSeconds)
        let result = try solver.solve()
        var search: ChipLayerSearch.Outcome?
        if layers, let d = result.design {
            search = try ChipLayerSearch.run(cfg, space: space, networks: networks, start: d, evaluations: cfg.evaluationsGiven ? cfg.evaluations : ChipLayerSearch.defaultEvaluations, cache: cache)
        }
        let seconds = Date().timeIntervalSince(start)
        let text = try render(result, config: cfg, space: space, setup: problem, networks: networks, evaluationSeconds: evaluated,
                              seconds: seconds, format: format, layers: search)
        // A layer schedule is a heuristic: feasible when it meets the budgets, unknown when none found does.
        if layers, result.design != nil { return (text, search?.feasible == true ? .feasible : .unknown) }
        return (text, result.status)
    }

    /// Renders a chip solve in the shape of the table-sum solve output.
    static func render(_ r: ChipSolveResult, config cfg: ExploreConfig, space: ChipSpaceCandidates, setup: ChipSolveSetup,
                       networks: [NetworkAnalysis], evaluationSeconds: Double, seconds: Double, format: OutputFormat,
                       layers: ChipLayerSearch.Outcome? = nil) throws -> String {
        var design: JSONValue = .null
        var objectives: [JSONValue.Field] = []
        var explanation = r.explanation
        var heuristic: JSONValue = .null
        var lines: [String] = []
        if let d = r.design {
            let chip = space.accelerator(d)
            let idx = space.candidateConfigs[d.count]!
            let hw: [JSONValue] = chip.subAccelerators.enumerated().map { j, s in
                let c = space.configs[idx[d.slots[j]]]
                let tasks = cfg.tasks.indices.filter { d.assignment[$0] == j }.map { cfg.tasks[$0].name }
                lines.append("  \(s.name): \(c) → \(tasks.isEmpty ? "(idle)" : tasks.joined(separator: ", "))")
                return .obj(["name": .string(s.name), "template": .string(s.template), "dataflow": .string(s.dataflow.rawValue), "pe_rows": .int(s.peRows),
                             "pe_cols": .int(s.peCols), "global_buffer_kib": .double(s.globalBufferKiB), "dram_gbps": .double(s.dramGBps),
                             "tasks": .array(tasks.map { .string($0) })])
            }
            design = .obj(["tasks": .object(cfg.tasks.enumerated().map { i, t in .init(t.name, .obj(["network": .string(t.network ?? ""),
                                                                                                        "subaccelerator": .string(chip.subAccelerators[d.assignment[i]].name)])) }),
                           "hardware": .array(hw)])
            let m = space.realMetrics(d)
            objectives = [.init("latency_ms", .double(m.makespan * 1e3)), .init("energy_mj", .double(m.energy * 1e-9)),
                          .init("area_mm2", .double(m.area)), .init("power_mw", .double(m.power))]
            let schedule = space.schedule(d, rates: cfg.rates, tasks: cfg.tasks.map(\.name))
            objectives.append(.init("fps", .double(schedule.chipFPS)))
            if let p = schedule.averagePower { objectives.append(.init("average_power_mw", .double(p.value))) }
            for (i, t) in cfg.tasks.enumerated() {
                objectives.append(.init("\(t.name).latency_ms", .double(m.taskLatency[i] * 1e3)))
                objectives.append(.init("\(t.name).energy_mj", .double(m.taskEnergy[i] * 1e-9)))
            }
            // The budgets in real numbers (the solver's fixed point is conservative except for power).
            let real: [String: Double] = Dictionary(uniqueKeysWithValues: objectives.compactMap { f in
                if case .double(let v) = f.value { return (f.key, v) }; return nil
            })
            for (name, limit) in cfg.budgets where !ExploreConfig.isLowerBound(name) && (real[name] ?? 0) > limit {
                explanation.append("warning: \(name) = \(real[name]!) exceeds \(limit) in real numbers (fixed-point rounding)")
            }
            // The cost-model issue's heuristic (ChipEvaluator: exhaustive ≤ 100k assignments, else LPT) on the same chip.
            let h = try ChipEvaluator.evaluate(networks, on: chip)
            heuristic = .obj(["latency_ms": .double(h.makespan.milliseconds), "energy_mj": .double(h.energy.millijoules),
                              "assignment": .object(zip(cfg.tasks, h.networks).map { .init($0.name, .string($1.subAccelerator)) })])
        }
        let kept = r.candidatesKept.keys.sorted().map { k in
            JSONValue.Field("\(k)", .obj(["configurations": .int(space.configs.count), "run_every_network": .int(r.candidatesKept[k]!.given),
                                          "undominated": .int(r.candidatesKept[k]!.kept)]))
        }
        // The solver proves its bound on integers (1 ns, 1 fJ, 1 µm²) rounded up from the real
        // values; the design found achieves its real value, so the bound shown never exceeds it.
        let achieved = objectives.first(where: { $0.key == setup.objectiveName }).flatMap { f -> Double? in
            if case .double(let v) = f.value { return v }; return nil
        }
        let bound = r.bound.map { b in achieved.map { min($0, setup.objectiveValue(b)) } ?? setup.objectiveValue(b) }
        var layerDoc: JSONValue = .null
        var layerLines: [String] = []
        if let l = layers {
            let res = l.result
            let idx = space.candidateConfigs[l.design.count]!
            let hw: [JSONValue] = res.accelerator.subAccelerators.enumerated().map { j, s in
                let c = space.configs[idx[l.design.slots[j]]]
                let tasks = cfg.tasks.indices.filter { res.networks[$0].subAccelerator.split(separator: "+").contains(Substring(s.name)) }.map { cfg.tasks[$0].name }
                layerLines.append("  \(s.name): \(c) → \(tasks.isEmpty ? "(idle)" : tasks.joined(separator: ", "))")
                return .obj(["name": .string(s.name), "template": .string(s.template), "dataflow": .string(s.dataflow.rawValue), "pe_rows": .int(s.peRows),
                             "pe_cols": .int(s.peCols), "global_buffer_kib": .double(s.globalBufferKiB), "tasks": .array(tasks.map { .string($0) })])
            }
            let makespan = res.makespan.value, bound = res.layerSchedule?.lowerBound ?? makespan
            var fields: [JSONValue.Field] = [
                .init("method", .string("heuristic: layer schedules (HEFT) of chips reached by local search from the whole-network optimum; not a proof over all chips")),
                .init("feasible", .bool(l.feasible)),
                .init("latency_ms", .double(makespan * 1e3)), .init("energy_mj", .double(res.energy.value * 1e-9)),
                .init("area_mm2", .double(res.area.value)), .init("power_mw", .double(res.power.value)),
                .init("chip_lower_bound_ms", .double(bound * 1e3)),
                .init("gap", .double(bound > 0 ? (makespan - bound) / bound : 0)),
                .init("whole_network_optimum_ms", .double(l.wholeMakespan * 1e3)),
                .init("improvement", .double(l.wholeMakespan > 0 ? 1 - makespan / l.wholeMakespan : 0)),
                .init("chips_evaluated", .int(l.evaluations)), .init("seconds", .double(l.seconds)),
                .init("hardware", .array(hw)),
            ]
            for (i, t) in cfg.tasks.enumerated() {
                fields.append(.init("\(t.name).subaccelerators", .string(res.networks[i].subAccelerator)))
                fields.append(.init("\(t.name).latency_ms", .double(res.networks[i].latency.value * 1e3)))
            }
            layerDoc = .object(fields)
            layerLines.insert(String(format: "layer schedule (heuristic, %d chips from the whole-network optimum, %.2f s): latency_ms %.6g (%+.1f %% vs the whole-network optimum %.6g); this chip's lower bound %.6g (gap %.1f %%)",
                                     l.evaluations, l.seconds, makespan * 1e3, (makespan / max(l.wholeMakespan, 1e-30) - 1) * 100, l.wholeMakespan * 1e3,
                                     bound * 1e3, (bound > 0 ? (makespan - bound) / bound : 0) * 100) + (l.feasible ? "" : "; no chip found meets the budgets"), at: 0)
            layerLines.append(String(format: "  energy_mj %.6g, area_mm2 %.6g, power_mw %.6g", res.energy.value * 1e-9, res.area.value, res.power.value))
        }
        let doc = JSONValue.obj([
            "layer_schedule": layerDoc,
            "status": .string(r.status.rawValue),
            "design": design,
            "objectives": .object(objectives),
            "objective": .string(setup.objectiveName),
            "bound": bound.map { .double($0) } ?? .null,
            "explanation": .array(explanation.map { .string($0) }),
            "seconds": .double(seconds),
            "evaluation_seconds": .double(evaluationSeconds),
            "solver_seconds": .double(r.seconds),
            "solver_checks": .int(r.checks),
            "network_evaluations": .int(space.evaluations),
            "candidates_by_subaccelerator_count": .object(kept),
            "heuristic_on_same_chip": heuristic,
            "z3_version": .string(Z3Context.version),
        ])
        if format == .json { return doc.serialized() + "\n" }
        var out = "status: \(r.status.rawValue)\(layers == nil ? "" : " (networks whole, exact; the layer schedule below is a heuristic)")\n"
        if r.design != nil { out += "design:\n" + lines.joined(separator: "\n") + "\n" }
        for f in objectives { out += "  \(f.key): \(f.value.serialized(pretty: false))\n" }
        if let b = bound { out += "bound: \(setup.objectiveName) ≥ \(b)\(r.status == .optimal ? " (proven)" : "")\n" }
        if case .object(let h) = heuristic, let l = h.first(where: { $0.key == "latency_ms" }) {
            out += "heuristic assignment on the same chip: latency_ms \(l.value.serialized(pretty: false))\n"
        }
        for e in explanation { out += "  - \(e)\n" }
        if !layerLines.isEmpty { out += layerLines.joined(separator: "\n") + "\n" }
        out += String(format: "%.2f s (%.2f s evaluating %d network × configuration pairs, %.2f s Z3, %d checks)\n",
                      seconds, evaluationSeconds, space.evaluations, r.seconds, r.checks)
        return out
    }
}
