import Foundation
import Synchronization
import Testing
@testable import DuetCore
@testable import DuetExplore
@testable import DuetSearch
@testable import DuetWorkload

/// `optimizer: z3` (the exact Pareto front) and `hybrid` (NSGA-II seeded with it), and table
/// targets in explore configs.
@Suite struct ExactExploreTests {
    static let config = """
        name: exact
        tasks:
          - name: cifar10
            space: nb201
            accuracy: proxy:macs
        target:
          accelerator: tpu:edge
        budgets:
          latency_ms: 0.25
        objectives:
          - maximize: accuracy
          - minimize: latency_ms
        evaluations: 200
        population: 20
        seed: 4
        """

    func run(_ optimizer: String, _ text: String = config, exact: Bool = true) async throws -> (ExploreResult, ExactSolve?) {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, text + "\noptimizer: \(optimizer)\n")
        let cfg = try ExploreConfig.load(path: path, dataDir: root)
        let ex = try CoExploration(config: cfg, dataDir: root)
        let r = try await ExploreRun(exploration: ex, study: nil).run()
        return (r, exact ? try await ExactSolve(config: cfg, dataDir: root, timeoutSeconds: 60) : nil)
    }

    @Test func z3ProposesTheExactParetoFront() async throws {
        let (r, e) = try await run("z3")
        let exact = try #require(e)
        let optimum = try exact.solve()
        #expect(optimum.status == .optimal)
        #expect(r.trials.count >= 2)
        #expect(r.trials.allSatisfy { $0.isFeasible })
        // The first point is the proven optimum; each later one is cheaper and less accurate.
        let acc = r.trials.map { $0.objectives[0] }, lat = r.trials.map { $0.objectives[1] }
        #expect(abs(acc[0] - log10(optimum.value!)) < 1e-9)
        for i in 1..<r.trials.count {
            #expect(lat[i] < lat[i - 1])
            #expect(acc[i] < acc[i - 1])
        }
        // Brute force over all 15,625 cells: the Pareto front of (max MACs, min latency cycles)
        // under the budget, by the decomposition, has exactly the front's values.
        let space = exact.space, limit = Int64((0.25 * exact.units["latency_ms"]!.scale).rounded(.down))
        let points = space.enumerate()!.map { a -> (macs: Int64, cycles: Int64) in
            let m = exact.solver.metrics(a)
            return (m["macs"]!, m["latency_cycles"]!)
        }.filter { $0.cycles <= limit }
        let brute = Set(points.filter { p in !points.contains { q in q.macs >= p.macs && q.cycles <= p.cycles && (q.macs > p.macs || q.cycles < p.cycles) } }
            .map { "\($0.macs)/\($0.cycles)" })
        let found = Set(r.trials.map { t -> String in
            let design = try! JSONSerialization.jsonObject(with: Data(t.design.utf8)) as! [String: Any]
            let m = try! exact.space.parse((design["tasks"] as! [String: Any])["cifar10"] as! String)
            let v = exact.solver.metrics(m)
            return "\(v["macs"]!)/\(v["latency_cycles"]!)"
        })
        #expect(found == brute)
    }

    @Test func hybridStartsFromTheExactDesigns() async throws {
        let (r, e) = try await run("hybrid")
        let exact = try #require(e)
        let optimum = try exact.solve()
        #expect(r.evaluations == 200)
        let best = try #require(r.best)
        #expect(abs(best.objectives[0] - log10(optimum.value!)) < 1e-9)
        // The seeds are in the first generation.
        #expect(r.trials.filter { $0.generation == 0 }.contains { abs($0.objectives[0] - log10(optimum.value!)) < 1e-9 })
    }

    @Test func tableTargetsGiveLatencyOnly() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, """
            tasks: [{name: a, space: fbnet}]
            target: {device: pixel3}
            budgets: {latency_ms: 20, energy_mj: 1}
            objectives: [{maximize: accuracy}, {minimize: area_mm2}]
            """)
        let e = #expect(throws: InputError.self) { try ExploreConfig.load(path: path, dataDir: root) }
        let text = e?.description ?? ""
        #expect(text.contains("budgets.energy_mj"))
        #expect(text.contains("objectives[1]"))
        #expect(text.contains("latency only"))
        let missing = try writeConfig(dir, "tasks: [{name: a, space: nb201}]\ntarget: {table: nowhere.json}\n")
        let e2 = #expect(throws: InputError.self) { try ExploreConfig.load(path: missing, dataDir: root) }
        #expect(e2?.description.contains("target.table") == true)
    }

    @Test func exploreOnADeviceModel() async throws {
        let (r, _) = try await run("nsga2", """
            name: dev
            tasks:
              - {name: net, space: fbnet, accuracy: proxy:macs}
            target: {device: pixel3}
            budgets: {latency_ms: 50}
            objectives: [{maximize: accuracy}, {minimize: latency_ms}]
            evaluations: 60
            population: 20
            seed: 2
            """, exact: false)
        #expect(r.trials.count == 60)
        #expect(r.trials.allSatisfy { $0.status == "complete" && $0.metrics["latency_ms"]! > 0 && $0.metrics["energy_mj"] == nil })
        #expect(r.trials.contains { $0.isFeasible })
        // 50 ms: the calibrated Pixel 3 model puts FBNet (224×224) at about 25–150 ms.
        #expect(r.trials.allSatisfy { $0.isFeasible == ($0.metrics["latency_ms"]! <= 50) })
    }

    /// The progress line's hypervolume: present once a trial is feasible, within (0, 1.1^m].
    @Test func progressReportsHypervolume() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, Self.config.replacingOccurrences(of: "evaluations: 200", with: "evaluations: 60") + "\noptimizer: nsga2\n"), dataDir: root)
        let seen = Mutex<[ExploreProgress]>([])
        _ = try await ExploreRun(exploration: try CoExploration(config: cfg, dataDir: root), study: nil).run { p in seen.withLock { $0.append(p) } }
        let last = try #require(seen.withLock { $0.last })
        #expect(last.evaluations == 60)
        let hv = try #require(last.hypervolume)
        #expect(hv > 0 && hv <= 1.1 * 1.1 + 1e-9)
        #expect(seen.withLock { $0 }.allSatisfy { ($0.feasible == 0) == ($0.hypervolume == nil) })
    }
}
