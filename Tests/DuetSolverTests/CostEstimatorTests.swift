import DuetCore
import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetSolver
@testable import DuetWorkload

/// The cost-estimator seam: each implementation gives the figures its model gave before it was
/// one (the analytical model's per-layer results, a device table's per-operator entries), the
/// decomposition through it equals the one written against the model directly, and a
/// non-additive estimator is refused by exact solving.
@Suite struct CostEstimatorTests {
    @Test func analyticalEstimatesAreTheNetworkEvaluatorsFigures() throws {
        let hw = try edge()
        let net = try NetworkReference.resolve("mobilenet-v2").analyze()
        let r = try NetworkEvaluator.evaluate(net, on: hw)
        let est = AnalyticalEstimator(hw, name: "tpu:edge")
        let e = try est.estimate(.network(net))
        #expect(est.isAdditive && !est.mayFuseLayers && est.targetName == "tpu:edge")
        #expect(e.totals["latency_ms"] == r.latency.milliseconds)
        #expect(e.totals["energy_mj"] == r.energy.total.millijoules)
        #expect(e.units.count == r.layers.count)
        for (u, l) in zip(e.units, r.layers) {
            #expect(u.layer == l.analysis.layer.name)
            #expect(u.metrics["latency_cycles"] == l.cost.latencyCycles)
            #expect(u.metrics["energy_fj"] == Int64((l.cost.energy.total.value * 1000).rounded()))
            #expect(u.metrics["macs"] == Int64(l.cost.macs))
        }
        #expect(try est.fixedPointTotal(.network(net))["latency_cycles"] == r.latencyCycles)
        // latency_ms = cycles / (clock MHz × 1000).
        let m = try #require(est.fixedPoint("latency_ms"))
        #expect(abs(Double(r.latencyCycles) / m.scale - r.latency.milliseconds) <= 1e-12 * r.latency.milliseconds)
    }

    /// What `CostDecomposition.make(space:on:)` computed before the estimator seam: the cost
    /// model's per-layer results turned into units by hand.
    func decompositionAsBefore(_ space: any NetworkSpace, _ hw: SubAccelerator) throws -> CostDecomposition {
        let cache = MappingCache()
        return try CostDecomposition.make(space: space, metrics: ["latency_cycles", "energy_fj", "macs"]) { choices in
            let r = try NetworkEvaluator.evaluate(space.network(Architecture(choices)).analyze(), on: hw, cache: cache)
            return r.layers.map { l in
                (l.analysis.layer.name, ["latency_cycles": l.cost.latencyCycles,
                                         "energy_fj": Int64((l.cost.energy.total.value * 1000).rounded()), "macs": Int64(l.cost.macs)])
            }
        }
    }

    @Test(arguments: ["nb201", "fbnet"])
    func analyticalDecompositionIsUnchanged(_ name: String) throws {
        let space = try #require(NetworkSpaces.named(name))
        let hw = try edge()
        let before = try decompositionAsBefore(space, hw)
        let after = try CostDecomposition.make(space: space, on: hw)
        #expect(after.kind == before.kind)
        #expect(after.metrics == before.metrics)
        #expect(after.constant == before.constant)
        #expect(after.terms == before.terms)
        #expect(after.adds == before.adds)
    }

    @Test func tableEstimatesAreTheTablesFigures() throws {
        let target = TableTarget(model: try DeviceModel.resolve("pixel3", dataDirectory: root))
        #expect(target.isAdditive && target.mayFuseLayers && target.identity != nil)
        for space in [NASBench201Space() as any NetworkSpace, FBNetSpace()] {
            var rng = SeededGenerator(seed: 9)
            for arch in space.sample(count: 8, using: &rng) {
                let r = try target.latency(space, arch)
                let e = try target.estimate(.point(space, arch))
                #expect(e.totals["latency_ms"] == r.latencyMs)
                #expect(e.units.count == r.operators.count + 1)
                let sum = e.units.reduce(Int64(0)) { $0 + ($1.metrics["latency_ps"] ?? 0) }
                #expect(try target.fixedPointTotal(.point(space, arch))["latency_ps"] == sum)
                // Fixed point rounds per operator: within half a picosecond per unit of the real sum.
                #expect(abs(Double(sum) - r.latencyMs * 1e9) <= Double(e.units.count) * 0.5 + 1)
                // A network is estimated like the point it is (the device's converter sees the same graph).
                let net = try SpaceOperators.deviceNetwork(space, arch).analyze()
                #expect(try target.estimate(.network(net)).totals["latency_ms"] == r.latencyMs)
            }
        }
    }

    /// A learned whole-network cost, as a predictor gives one: no units.
    struct WholeNetworkEstimator: CostEstimator {
        var targetName: String { "whole.json" }
        var costSource: String { "predicted (a whole-network regression)" }
        var isAdditive: Bool { false }
        var fixedPoint: [FixedPointMetric] { [FixedPointMetric(userMetric: "latency_ms", metric: "latency_ps", scale: 1e9, unit: "ms")] }
        func estimate(_ subject: CostSubject) throws -> CostEstimate { CostEstimate(totals: ["latency_ms": 1], units: []) }
    }

    @Test func aNonAdditiveEstimatorIsRefused() async throws {
        let e = await #expect(throws: InputError.self) {
            try await CostDecomposition.make(space: FBNetSpace(), estimator: WholeNetworkEstimator())
        }
        let issue = try #require(e?.issues.first)
        #expect(issue.keyPath == "target")
        #expect(issue.value == "whole.json")
        #expect(issue.message.hasPrefix("predicted (a whole-network regression) estimates a network's cost as a whole"))
        #expect(issue.hint?.contains("duet explore") == true)
    }
}
