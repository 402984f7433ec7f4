import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetExplore
@testable import DuetSolver
@testable import DuetWorkload

@Suite struct ChipSpaceCandidatesTests {
    /// The cost-model path: a tiny hardware space on two small networks; the solver's design
    /// re-evaluated in real numbers agrees with ChipEvaluator's exhaustive assignment on that chip.
    @Test func hardwareSpaceCandidatesAgreeWithTheChipEvaluator() async throws {
        var spec = ExploreConfig.HardwareSpaceSpec(minSubaccelerators: 1, maxSubaccelerators: 2, templates: ["tpu", "eyeriss"],
                                                   peRows: 8...16, peCols: 8...16, globalBufferKiB: 64...128, dramGBps: 16)
        spec.nodeNm = [28]   // one node per chip (the templates' published nodes differ)
        let nets = try ["Examples/networks/tiny-cnn.yaml", "layer:conv,k=64,c=32,p=28,q=28,r=3,s=3,stride=1,groups=1"].enumerated().map { i, ref in
            var a = try NetworkReference.resolve(ref, baseDirectory: root.path).analyze()
            a.network.name = "n\(i)"
            return a
        }
        let space = try await ChipSpaceCandidates.evaluate(spec: spec, networks: nets, dataDir: root)
        // (tpu's 3 dataflows + eyeriss's 1) × 2 row sizes × 2 column sizes × 2 buffer sizes.
        let expectedConfigs: Int = (3 + 1) * 2 * 2 * 2
        #expect(space.configs.count == expectedConfigs)
        let p = ChipAssignmentSolver(networks: ["n0", "n1"], candidates: try space.solverCandidates(), budgets: [])
        let r = try p.solve()
        #expect(r.status == .optimal)
        let d = try #require(r.design)
        let real = space.realMetrics(d)
        let h = try ChipEvaluator.evaluate(nets, on: space.accelerator(d))
        // Rounding to whole nanoseconds can rank assignments within 1 ns per network differently.
        #expect(abs(h.makespan.value - real.makespan) <= 2e-9, "ChipEvaluator \(h.makespan.value) s vs solver \(real.makespan) s")
        #expect(abs(Double(r.value!) * 1e-9 - real.makespan) <= 2e-9)
    }

    /// The task group places each configuration's result by index: two runs, and a plain
    /// sequential loop over the configurations, give the same costs, candidates and exclusion.
    @Test func parallelEvaluationEqualsASequentialLoop() async throws {
        var spec = ExploreConfig.HardwareSpaceSpec(minSubaccelerators: 1, maxSubaccelerators: 2, templates: ["tpu", "shidiannao"],
                                                   peRows: 8...16, peCols: 8...8, globalBufferKiB: 1...64, dramGBps: 8)
        spec.nodeNm = [28]   // one node per chip (the templates' published nodes differ)
        let nets = try ["Examples/networks/tiny-cnn.yaml", "layer:conv,k=64,c=64,p=56,q=56,r=3,s=3,stride=1,groups=1"].map {
            try NetworkReference.resolve($0, baseDirectory: root.path).analyze()
        }
        let a = try await ChipSpaceCandidates.evaluate(spec: spec, networks: nets, dataDir: root)
        let b = try await ChipSpaceCandidates.evaluate(spec: spec, networks: nets, dataDir: root)
        #expect(a.costs == b.costs && a.candidateConfigs == b.candidateConfigs && a.exclusion == b.exclusion)
        for k in 1...2 {
            let sequential: [[ChipSpaceCandidates.Cost]?] = a.configs.map { c in
                let hw = a.subAccelerator(c, slot: 0, count: k)
                return try? nets.map { n in
                    let r = try NetworkEvaluator.evaluate(n, on: hw)
                    return ChipSpaceCandidates.Cost(latency: r.latency.value, energy: r.energy.total.value)
                }
            }
            #expect(a.costs[k]! == sequential)
        }
    }
}
