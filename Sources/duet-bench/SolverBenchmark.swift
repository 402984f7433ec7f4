import ArgumentParser
import DuetCore
import DuetCostModel
import DuetExplore
import DuetHardware
import DuetSolver
import DuetWorkload
import Foundation

/// `duet-bench solve`: the exact solver against brute force on NAS-Bench-201 (a sweep of latency
/// budgets, with the accuracy table from ../shared/data) and its time to a proven optimum on
/// FBNet (9²² designs) for budgets across the range. Prints JSON.
struct SolverBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "solve", abstract: "Exact solver: agreement with brute force and time (JSON).")
    @Option(help: "Accelerator template.") var accelerator: String = "tpu:edge"
    @Option(help: "NAS-Bench-201 accuracy CSV.") var accuracy: String = "../shared/data/nb201/accuracy.csv"
    @Option(help: "Latency budgets in the sweep.") var budgets: Int = 20

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        let hw = try AcceleratorLoader(dataDir: dataDir).load(accelerator).subAccelerators[0]
        var out: [JSONValue.Field] = [.init("accelerator", .string(accelerator)), .init("z3", .string(Z3Context.version))]
        // NAS-Bench-201.
        let nb = NASBench201Space()
        var t0 = Date()
        let d = try CostDecomposition.make(space: nb, on: hw)
        out.append(.init("nb201_decomposition_seconds", .double(Date().timeIntervalSince(t0))))
        // The decomposition against the cost model on every cell.
        t0 = Date()
        var mismatches = 0
        let cache = MappingCache()
        let all = nb.enumerate()!
        for a in all {
            let r = try NetworkEvaluator.evaluate(nb.network(a).analyze(), on: hw, cache: cache)
            if r.latencyCycles != d.value("latency_cycles", a) { mismatches += 1 }
        }
        out.append(.init("nb201_cells_checked_against_cost_model", .int(all.count)))
        out.append(.init("nb201_latency_mismatches", .int(mismatches)))
        out.append(.init("nb201_cost_model_seconds_all_cells", .double(Date().timeIntervalSince(t0))))
        if let table = try? AccuracyTable.load(path: accuracy, key: "arch_str", column: "cifar10_test_acc") {
            let lat = all.map { d.value("latency_cycles", $0) }
            let lo = lat.min()!, hi = lat.max()!
            let maximizer = try TableMaximizer(TableSumSolver(space: nb, decomposition: d, budgets: []), table: table)
            var agree = 0, infeasible = 0
            var times: [Double] = []
            for i in 0..<budgets {
                let limit = i == 0 ? lo - 1 : lo + (hi - lo) * Int64(i - 1) / Int64(max(1, budgets - 2))
                let brute = zip(all, lat).filter { $0.1 <= limit }.compactMap { table[nb.format($0.0)] }.max()
                let r = try maximizer.solve([IntegerBudget(name: "latency_ms", metric: "latency_cycles", limit: limit) { "\($0)" }])
                times.append(r.seconds)
                if brute == nil && r.status == .infeasible { agree += 1; infeasible += 1 } else if r.status == .optimal && r.value == brute { agree += 1 }
            }
            out.append(.init("nb201_budgets", .int(budgets)))
            out.append(.init("nb201_agree_with_brute_force", .int(agree)))
            out.append(.init("nb201_infeasible_budgets", .int(infeasible)))
            out.append(.init("nb201_seconds_per_solve_mean", .double(times.reduce(0, +) / Double(times.count))))
            out.append(.init("nb201_seconds_per_solve_max", .double(times.max()!)))
        } else {
            out.append(.init("nb201_sweep", .string("skipped: \(accuracy) not found")))
        }
        // FBNet: maximize MACs (the additive proxy) under latency budgets across the range.
        let fb = FBNetSpace()
        t0 = Date()
        let fd = try CostDecomposition.make(space: fb, on: hw)
        out.append(.init("fbnet_decomposition_seconds", .double(Date().timeIntervalSince(t0))))
        let minLat = fd.constant["latency_cycles"]! + fd.terms["latency_cycles"]!.reduce(0) { $0 + $1.min()! }
        let maxLat = fd.constant["latency_cycles"]! + fd.terms["latency_cycles"]!.reduce(0) { $0 + $1.max()! }
        var runs: [JSONValue] = []
        for f in [0.1, 0.3, 0.5, 0.7, 0.9] {
            let limit = minLat + Int64(Double(maxLat - minLat) * f)
            let r = try TableSumSolver(space: fb, decomposition: fd,
                                       budgets: [IntegerBudget(name: "latency_ms", metric: "latency_cycles", limit: limit) { "\($0)" }],
                                       timeoutSeconds: 60).optimize(metric: "macs", maximize: true)
            runs.append(.obj(["budget_fraction": .double(f), "status": .string(r.status.rawValue), "seconds": .double(r.seconds),
                              "macs": r.value.map { .double($0) } ?? .null, "how": .string(r.explanation.first ?? "")]))
        }
        out.append(.init("fbnet_macs_under_latency", .array(runs)))
        print(JSONValue.object(out).serialized())
    }
}
