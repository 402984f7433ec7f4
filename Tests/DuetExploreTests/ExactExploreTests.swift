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
        return (r, exact ? try ExactSolve(config: cfg, dataDir: root, timeoutSeconds: 60) : nil)
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
        // No random design dominates a front point (an independent check of exactness).
        var rng = SeededGenerator(seed: 9)
        let space = exact.space
        for _ in 0..<300 {
            let a = Architecture(space.dimensions.map { Int(rng.next() % UInt64($0.options.count)) })
            let m = exact.solver.metrics(a)
            let l = Double(m["latency_cycles"]!) / exact.units["latency_ms"]!.scale
            let p = log10(Double(m["macs"]!))
            guard l <= 0.25 else { continue }
            #expect(!zip(acc, lat).contains { p > $0.0 + 1e-12 && l < $0.1 - 1e-12 })
        }
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
            budgets: {latency_ms: 15}
            objectives: [{maximize: accuracy}, {minimize: latency_ms}]
            evaluations: 60
            population: 20
            seed: 2
            """, exact: false)
        #expect(r.trials.count == 60)
        #expect(r.trials.allSatisfy { $0.status == "complete" && $0.metrics["latency_ms"]! > 0 && $0.metrics["energy_mj"] == nil })
        #expect(r.trials.contains { $0.isFeasible })
        #expect(r.trials.allSatisfy { $0.isFeasible == ($0.metrics["latency_ms"]! <= 15) })
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
