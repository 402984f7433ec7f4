import Foundation
import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

@Suite struct MappingSearchTests {
    let layer = LoopNest(n: 1, k: 128, c: 64, p: 28, q: 28, r: 3, s: 3)

    @Test func deterministicAndConsistent() throws {
        let hw = try accelerator("tpu:edge")
        let a = try MappingSearch.best(layer, on: hw)
        let b = try MappingSearch.best(layer, on: hw)
        #expect(a == b)
        #expect(a.latencyCycles >= a.computeCycles)
        #expect(a.utilization > 0 && a.utilization <= 1)
        #expect(a.energy.total.value > a.energy.mac.value)
    }

    @Test func energyObjectiveNeverSpendsMoreEnergy() throws {
        for ref in ["tpu:edge", "eyeriss", "nvdla:nv_small", "shidiannao"] {
            let hw = try accelerator(ref, ["global_buffer_kib=64"])
            let lat = try MappingSearch.best(layer, on: hw, objective: .latency)
            let en = try MappingSearch.best(layer, on: hw, objective: .energy)
            #expect(en.energy.total <= lat.energy.total, "\(ref)")
            #expect(lat.latencyCycles <= en.latencyCycles, "\(ref)")
        }
    }

    @Test func smallerBufferNeverReducesDRAMTraffic() throws {
        var previous = 0.0
        for kib in [4096, 256, 64, 16] {
            let c = try MappingSearch.best(layer, on: try accelerator("tpu:edge", ["global_buffer_kib=\(kib)"]), objective: .energy)
            #expect(c.traffic.dramBytes >= previous, "\(kib) KiB")
            previous = c.traffic.dramBytes
        }
    }

    @Test func bufferTooSmallForAnyTile() throws {
        // 0.5 KiB is below the tpu template's range (16–32,768 KiB): allowed explicitly.
        let hw = try accelerator("tpu:edge", ["global_buffer_kib=0.5", "allow_outside_template_ranges=true"])
        let e = #expect(throws: InputError.self) { try MappingSearch.best(LoopNest(n: 1, k: 64, c: 64, p: 56, q: 56, r: 7, s: 7), on: hw, layerName: "conv1") }
        #expect(e?.issues[0].keyPath == "global_buffer_kib")
        #expect(e?.issues[0].message.hasPrefix("the global buffer of 'tpu:edge' is too small for any tile of layer 'conv1'") == true)
    }

    @Test func dramBoundWhenBandwidthStarved() throws {
        let fast = try MappingSearch.best(layer, on: try accelerator("tpu:edge"))
        let slow = try MappingSearch.best(layer, on: try accelerator("tpu:edge", ["dram_gbps=0.01", "allow_outside_template_ranges=true"]))
        #expect(fast.bottleneck == .compute)
        #expect(slow.bottleneck == .dram)
        #expect(slow.latencyCycles > fast.latencyCycles)
    }

    @Test func cacheReturnsTheSearchResult() throws {
        let cache = MappingCache()
        let hw = try accelerator("nvdla:nv_small")
        let a = try cache.best(layer, on: hw, objective: .latency)
        let b = try cache.best(layer, on: hw, objective: .latency)
        #expect(a == b)
        #expect(cache.count == 1)
        #expect(a == (try MappingSearch.best(layer, on: hw)))
    }
}

@Suite struct ChipAndSpecTests {
    @Test func twoNetworksOnTwoSubAcceleratorsBalanceTheMakespan() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-chip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("chip.yaml").path
        try """
            name: duo
            subaccelerators:
              - {name: a, template: tpu, variant: edge}
              - {name: b, template: tpu, variant: edge}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let chip = try AcceleratorLoader(dataDir: repositoryRoot).load(file)
        let nets = try ["resnet18", "mobilenet-v2"].map { try BuiltinNetwork.named($0)!.network().analyze() }
        let r = try ChipEvaluator.evaluate(nets, on: chip)
        #expect(Set(r.networks.map(\.subAccelerator)) == ["a", "b"])   // one each: runs concurrently
        let slowest = r.networks.map(\.latency.value).max()!
        #expect(abs(r.makespan.value - slowest) < 1e-12)
        // Verdicts: a budget above the makespan is met with a positive margin, one below is not.
        let spec = Spec(budgets: [.init(metric: "latency_ms", task: nil, limit: r.makespan.milliseconds * 2),
                                  .init(metric: "latency_ms", task: "mobilenet-v2", limit: r.networks[1].latency.milliseconds / 2)])
        let v = try spec.verdicts(for: r)
        #expect(v[0].met && abs(v[0].margin - r.makespan.milliseconds) < 1e-9)
        #expect(!v[1].met && v[1].margin < 0)
        #expect(v[1].budget == "mobilenet-v2.latency_ms")
    }

    @Test func negativeBudgetIsRejected() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "budgets:\n  latency_ms: -5\n  energy_mJ: 2\n".write(toFile: file, atomically: true, encoding: .utf8)
        let e = #expect(throws: InputError.self) { try Spec.load(path: file) }
        let d = e?.issues.map(\.description) ?? []
        #expect(d.contains("\(file) at budgets.latency_ms: a budget must be positive (got '-5.0'); budgets are upper limits; remove the minus sign"))
        #expect(d.contains("\(file) at budgets.energy_mJ: unknown key 'energy_mJ'; did you mean 'energy_mj'?"))
    }
}
