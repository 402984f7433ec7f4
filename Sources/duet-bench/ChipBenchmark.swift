import ArgumentParser
import DuetCore
import DuetCostModel
import DuetExplore
import DuetHardware
import DuetSolver
import DuetWorkload
import Foundation

/// `duet-bench chip`: the exact heterogeneous-chip solver (`duet solve` on a hardware space)
/// against (a) brute force over the undominated candidates, (b) the cost-model issue's heuristic
/// assignment (ChipEvaluator) on the chip the solver chose, and (c) random search and NSGA-II
/// over the same hardware space (`duet explore` with the same fixed networks and budgets) given
/// as many chip evaluations as the solver evaluated (configuration, slot count) pairs. Prints JSON.
struct ChipBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chip", abstract: "Exact chip design vs brute force, heuristic assignment and search (JSON).")
    @Option(help: "Seeds per search optimizer.") var seeds: Int = 3
    @Option(help: "Area budgets (mm²), comma-separated.") var areas: String = "2,6"
    @Option(help: "Z3 timeout per solve, seconds.") var timeout: Double = 300
    @Option(help: "Search evaluations as a multiple of the solver's (configuration, count) evaluations.") var searchMultiple: Int = 1
    @Flag(help: "Only the 12-network instance (3^12 assignments per 3-slot chip: ChipEvaluator falls back to LPT).") var many = false

    /// The hardware space of Examples/nasaic-two-tasks/config.yaml.
    static let hardware = """
        target:
          hardware:
            subaccelerators: [2, 3]
            templates: [tpu, eyeriss, nvdla, shidiannao]
            node_nm: 28
            pe_rows: [8, 64]
            pe_cols: [8, 64]
            global_buffer_kib: [64, 1024]
            dram_gbps: 16
        """

    static let instances: [(name: String, networks: [String])] = [
        ("resnet18+mobilenet-v2", ["resnet18", "mobilenet-v2"]),
        ("resnet18+mobilenet-v2+mobilenet-v3-large", ["resnet18", "mobilenet-v2", "mobilenet-v3-large"]),
    ]

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        let path = FileManager.default.currentDirectoryPath + "/chip-bench.yaml"
        var runs: [JSONValue] = []
        let manyNets = (0..<4).flatMap { _ in ["resnet18", "mobilenet-v2", "mobilenet-v3-large"] }
        for inst in many ? [("4x(resnet18+mobilenet-v2+mobilenet-v3-large)", manyNets)] : Self.instances {
            for area in areas.split(separator: ",").compactMap({ Double($0) }) {
                let tasks = inst.networks.enumerated().map { "  - {name: t\($0.offset), network: \($0.element)}" }.joined(separator: "\n")
                let yaml = "tasks:\n\(tasks)\n\(Self.hardware)\nbudgets:\n  area_mm2: \(area)\nobjectives:\n  - minimize: latency_ms\n"
                let cfg = try ExploreConfig.load(text: yaml, path: path, dataDir: dataDir)
                guard case .hardware(let spec) = cfg.target else { continue }
                let nets = try ChipSolveSetup.networks(cfg)
                let setup = try ChipSolveSetup.make(cfg)
                // The exact solver: evaluate every configuration at each count, then Z3.
                var t0 = Date()
                let space = try await ChipSpaceCandidates.evaluate(spec: spec, networks: nets, dataDir: dataDir)
                let evalSeconds = Date().timeIntervalSince(t0)
                let cands = try space.solverCandidates()
                let budget = setup.budgets[0]
                let solver = ChipAssignmentSolver(networks: cfg.tasks.map(\.name), candidates: cands, budgets: setup.budgets, objective: setup.objective,
                                                  timeoutSeconds: timeout)
                t0 = Date()
                let r = try solver.solve()
                let solveSeconds = Date().timeIntervalSince(t0)
                let pairs = space.candidateConfigs.values.reduce(0) { $0 + $1.count }
                var fields: [JSONValue.Field] = [
                    .init("instance", .string(inst.name)), .init("area_mm2_budget", .double(area)),
                    .init("configurations", .int(space.configs.count)), .init("configuration_count_pairs", .int(pairs)),
                    .init("undominated", .object(r.candidatesKept.keys.sorted().map { .init("\($0)", .int(r.candidatesKept[$0]!.kept)) })),
                    .init("exact_status", .string(r.status.rawValue)), .init("exact_checks", .int(r.checks)),
                    .init("exact_evaluation_seconds", .double(evalSeconds)), .init("exact_z3_seconds", .double(solveSeconds)),
                ]
                var exactMs: Double?
                if let d = r.design {
                    let m = space.realMetrics(d)
                    exactMs = m.makespan * 1e3
                    let chip = space.accelerator(d)
                    fields.append(.init("exact_makespan_ms", .double(m.makespan * 1e3)))
                    fields.append(.init("exact_area_mm2", .double(m.area)))
                    fields.append(.init("exact_chip", .array(chip.subAccelerators.enumerated().map { j, s in
                        .string("\(space.configs[space.candidateConfigs[d.count]![d.slots[j]]]) ← "
                                + cfg.tasks.indices.filter { d.assignment[$0] == j }.map { inst.networks[$0] }.joined(separator: ", "))
                    })))
                    // (b) The heuristic assignment on the same chip.
                    let h = try ChipEvaluator.evaluate(nets, on: chip)
                    fields.append(.init("heuristic_same_chip_makespan_ms", .double(h.makespan.milliseconds)))
                    // (a) Brute force over the undominated candidates (multisets × assignments), when small enough.
                    t0 = Date()
                    if let brute = bruteForce(solver, budget: budget, limit: 50_000_000) {
                        fields.append(.init("brute_force_seconds", .double(Date().timeIntervalSince(t0))))
                        fields.append(.init("brute_force_makespan_ns", .int(Int(brute))))
                        fields.append(.init("exact_makespan_ns", .int(Int(r.value!))))
                        fields.append(.init("brute_force_agrees", .bool(brute == r.value!)))
                    } else {
                        fields.append(.init("brute_force", .string("skipped: more than 5e7 designs")))
                    }
                }
                // (c) Search over the same hardware space with as many chip evaluations.
                for optimizer in ["random", "nsga2"] {
                    var bests: [JSONValue] = []
                    var times: [Double] = []
                    for seed in 1...max(1, seeds) {
                        let sc = try ExploreConfig.load(text: yaml + "optimizer: \(optimizer)\nevaluations: \(pairs * searchMultiple)\npopulation: 50\nseed: \(seed)\n",
                                                        path: path, dataDir: dataDir)
                        t0 = Date()
                        let res = try await ExploreRun(exploration: try CoExploration(config: sc, dataDir: dataDir), study: nil).run()
                        times.append(Date().timeIntervalSince(t0))
                        let best = res.trials.filter { $0.violation <= 0 }.compactMap { $0.metrics["latency_ms"] }.min()
                        bests.append(best.map { .double($0) } ?? .null)
                        if let best, let exactMs, best < exactMs * (1 - 1e-6) {
                            fields.append(.init("WARNING", .string("\(optimizer) seed \(seed) found \(best) ms < exact \(exactMs) ms")))
                        }
                    }
                    fields.append(.init("\(optimizer)_evaluations", .int(pairs * searchMultiple)))
                    fields.append(.init("\(optimizer)_best_makespan_ms", .array(bests)))
                    fields.append(.init("\(optimizer)_seconds_mean", .double(times.reduce(0, +) / Double(times.count))))
                    if let exactMs {
                        let ratios = bests.compactMap { v -> Double? in if case .double(let x) = v { return x / exactMs }; return nil }
                        fields.append(.init("\(optimizer)_best_over_exact", .array(ratios.map { .double($0) })))
                    }
                }
                runs.append(.object(fields))
                FileHandle.standardError.write(Data("done: \(inst.name) area \(area)\n".utf8))
            }
        }
        print(JSONValue.obj(["z3": .string(Z3Context.version), "hardware_space": .string("Examples/nasaic-two-tasks (2-3 subs, 4 templates, 8-64 PEs, 64-1024 KiB, 16 GB/s)"),
                             "runs": .array(runs)]).serialized())
    }

    /// The smallest makespan (ns) over every multiset of undominated candidates per slot count
    /// and every assignment, under `budget`; nil when there are more than `limit` designs.
    func bruteForce(_ s: ChipAssignmentSolver, budget: ChipBudget, limit: Double) -> Int64? {
        let n = s.networks.count
        var total = 0.0
        var kept: [Int: [Int]] = [:]
        for (k, cs) in s.candidates {
            let u = ChipAssignmentSolver.undominated(cs)
            kept[k] = u
            // multisets of size k from |u|, times k^n assignments
            var m = 1.0
            for i in 0..<k { m *= Double(u.count + i) / Double(i + 1) }
            total += m * pow(Double(k), Double(n))
        }
        guard total <= limit else { return nil }
        var best: Int64?
        for k in s.candidates.keys.sorted() {
            let u = kept[k]!
            var pick = [Int](repeating: 0, count: k)
            while true {
                let slots = pick.map { u[$0] }
                var a = [Int](repeating: 0, count: n)
                while true {
                    if let m = try? s.metrics(of: ChipDesign(count: k, slots: slots, assignment: a)), m.meets(budget),
                       best == nil || m.makespanNs < best! { best = m.makespanNs }
                    var i = 0
                    while i < n { a[i] += 1; if a[i] < k { break }; a[i] = 0; i += 1 }
                    if i == n { break }
                }
                // Next non-decreasing tuple.
                var j = k - 1
                while j >= 0 && pick[j] == u.count - 1 { j -= 1 }
                if j < 0 { break }
                pick[j] += 1
                for t in (j + 1)..<k { pick[t] = pick[j] }
            }
        }
        return best
    }
}
