import Foundation
import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// Layer-level scheduling (`--schedule layers`, ``LayerScheduler``): a network's layers may run
/// on different sub-accelerators; kept only when it finishes sooner than whole networks.
@Suite struct LayerSchedulingTests {
    /// Two identical branches of one network on two identical sub-accelerators: whole, they run
    /// one after the other; by layers, side by side, then the add: makespan t(a) + t(add).
    static let branches = """
        name: branches
        inputs: [{name: x, shape: [16, 16, 16]}]
        layers:
          - {name: a, op: conv, inputs: [x], out_channels: 16, kernel: 3, padding: 1}
          - {name: b, op: conv, inputs: [x], out_channels: 16, kernel: 3, padding: 1}
          - {name: s, op: add, inputs: [a, b]}
        """

    static func twin() throws -> Accelerator {
        let one = try AcceleratorLoader(dataDir: repositoryRoot).load("tpu", overrides: ["pe_rows=16", "pe_cols=16", "allow_outside_template_ranges=true"])
        var chip = one
        chip.subAccelerators.append(one.subAccelerators[0])
        chip.subAccelerators[0].name = "left"; chip.subAccelerators[1].name = "right"
        return chip
    }

    @Test func parallelBranchesRunSideBySide() throws {
        let net = try analyzedNetwork(Self.branches)
        let chip = try Self.twin()
        let whole = try ChipEvaluator.evaluate([net], on: chip)
        let split = try ChipEvaluator.evaluate([net], on: chip, scheduling: .layers)
        let layers = whole.networks[0].layers
        let clock = chip.subAccelerators[0].clockMHz * 1e6
        let t = Dictionary(uniqueKeysWithValues: layers.map { ($0.analysis.layer.name, Double($0.cost.latencyCycles) / clock) })
        #expect(abs(whole.makespan.value - (t["a"]! + t["b"]! + t["s"]!)) <= 1e-15)
        #expect(abs(split.makespan.value - (t["a"]! + t["s"]!)) <= 1e-15)
        let ls = try #require(split.layerSchedule)
        #expect(ls.used && ls.wholeMakespan == whole.makespan.value && ls.makespan == split.makespan.value)
        #expect(ls.lowerBound <= ls.makespan && ls.lowerBound > 0)
        let on = Dictionary(uniqueKeysWithValues: split.networks[0].layers.map { ($0.analysis.layer.name, $0.subAccelerator) })
        #expect(on["a"] != on["b"] && on["a"] != nil && on["b"] != nil)
        #expect(split.networks[0].subAccelerator == "left+right" && split.networks[0].latency.value == split.makespan.value)
        // The same layers' energies, less idle leakage (both sub-accelerators busier in a shorter frame).
        let layerEnergy = { (r: ChipResult) in r.networks[0].layers.reduce(0.0) { $0 + $1.cost.energy.total.value } }
        #expect(abs(layerEnergy(split) - layerEnergy(whole)) <= 1e-9 * layerEnergy(whole))
        #expect(split.energy < whole.energy)
        // The frame schedule counts each sub-accelerator's share of the split network.
        let fps = split.schedule(at: FrameRates(chip: 1_000))
        #expect(abs(fps.utilization[0] + fps.utilization[1] - 1_000 * (t["a"]! + t["b"]! + t["s"]!)) <= 1e-9)
        #expect(abs(fps.chipFPS - 1 / split.makespan.value) <= 1e-6)
    }

    /// A chain cannot be spread: the whole-network result is kept, and said so.
    @Test func aChainKeepsWholeNetworks() throws {
        let net = try analyzedNetwork("""
            name: chain
            inputs: [{name: x, shape: [16, 16, 16]}]
            layers:
              - {name: a, op: conv, out_channels: 16, kernel: 3, padding: 1}
              - {name: b, op: conv, out_channels: 16, kernel: 3, padding: 1}
            """)
        let chip = try Self.twin()
        let split = try ChipEvaluator.evaluate([net], on: chip, scheduling: .layers)
        let whole = try ChipEvaluator.evaluate([net], on: chip)
        #expect(split.makespan == whole.makespan && split.layerSchedule?.used == false)
        #expect(split.networks[0].layers.allSatisfy { $0.subAccelerator == nil })
    }

    @Test func layerSchedulingRefusesActivationResidency() throws {
        var chip = try Self.twin()
        chip.subAccelerators[1].activationResidency = true
        let e = #expect(throws: InputError.self) { _ = try ChipEvaluator.evaluate([try analyzedNetwork(Self.branches)], on: chip, scheduling: .layers) }
        #expect(e?.issues.first?.keyPath == "schedule" && e?.description.contains("'right' keeps activations on chip") == true)
    }

    /// On two sub-accelerators the bound is the best fractional split.
    @Test func twoMachineBoundSplitsTheLastJob() {
        // Jobs (a, b): (1, 4) best on the first, (4, 1) on the second, (2, 2) split: 1 + 1 = 1 + 1.
        #expect(abs(LayerScheduler.twoMachineBound([[1, 4], [4, 1], [2, 2]]) - 2) <= 1e-12)
        #expect(abs(LayerScheduler.twoMachineBound([[1, 1]]) - 0.5) <= 1e-12)
    }
}
