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

    /// The search scores one order of each class of orders that move the same words (the same
    /// loops run more than once, in the same order); a search over every order, as it was before,
    /// must choose the same mapping and report the same cost, bit for bit.
    static func exhaustive(_ loops: LoopNest, on hw: SubAccelerator, objective: MappingObjective, residency: Residency) throws -> LayerCost {
        let context = LayerModel.Context(loops, hw, macs: try loops.macs(), residency: residency)
        let sh = context.shape
        let capacityWords = max(0, Double(hw.globalBufferBytes) - residency.reservedBytes) * 8 / Double(hw.precisionBits) / (hw.doubleBuffer ? 2 : 1)
        var best: (score: Double, tiling: BufferTiling)?
        let unit = context.array.response.trafficUnit
        for n in sh.n > 1 ? MappingSearch.candidates(sh.n).map({ $0 == sh.n ? 0 : $0 }) : [0] {
            for g in sh.g > 1 ? MappingSearch.candidates(sh.g, unit: unit.g) : [1] {
                for k in MappingSearch.candidates(sh.kg, unit: unit.k) {
                    for c in MappingSearch.candidates(sh.c, unit: unit.c) {
                        guard Double(BufferTiling.footprint(sh, g: g, k: k, c: c, p: 1, n: n)) <= capacityWords else { continue }
                        var lo = 1, hi = sh.p
                        while lo < hi {
                            let mid = (lo + hi + 1) / 2
                            if Double(BufferTiling.footprint(sh, g: g, k: k, c: c, p: mid, n: n)) <= capacityWords { lo = mid } else { hi = mid - 1 }
                        }
                        for order in MappingSearch.orders {
                            let tiling = BufferTiling(g: g, k: k, c: c, p: lo, order: order, n: n)
                            let s = LayerModel.score(LayerModel.quick(context, tiling), objective)
                            if best == nil || s < best!.score { best = (s, tiling) }
                        }
                    }
                }
            }
        }
        return LayerModel.cost(context, try #require(best).tiling)
    }

    @Test func skippingEquivalentOrdersKeepsTheExhaustiveChoice() throws {
        var rng = SeededGenerator(seed: 18)
        func draw(_ xs: [Int]) -> Int { xs[Int(rng.next() % UInt64(xs.count))] }
        let hws = try ["tpu:edge", "eyeriss", "nvdla:nv_small", "shidiannao"].map { try accelerator($0) }
            + [try accelerator("tpu:edge", ["global_buffer_kib=16", "double_buffer=false", "dram_channels=per_operand"])]
        var searched = 0
        for trial in 0..<40 {
            let groups = draw([1, 1, 1, 2, 4])
            let k = draw([8, 16, 24, 64, 96, 256, 512]) * groups, c = draw([3, 16, 32, 64, 128, 384])
            let p = draw([1, 7, 14, 28, 56, 112]), r = draw([1, 3, 5, 7]), stride = draw([1, 2])
            let loops = LoopNest(n: draw([1, 1, 4]), k: k, c: c, p: p, q: p, r: r, s: r, strideH: stride, strideW: stride, groups: groups)
            for hw in hws {
                for objective in [MappingObjective.latency, .energy, .edp] {
                    let residency = trial % 3 == 0 ? Residency(input: true, output: trial % 2 == 0, reservedBytes: 1024) : .none
                    guard let expected = try? Self.exhaustive(loops, on: hw, objective: objective, residency: residency) else { continue }
                    let found = try MappingSearch.best(loops, on: hw, objective: objective, residency: residency)
                    #expect(found == expected, "trial \(trial): \(loops) on \(hw.name), \(objective)")
                    searched += 1
                }
            }
        }
        #expect(searched > 500)
    }

    @Test func ordersWithTheSameRepeatedLoopsMoveTheSameWords() throws {
        let sh = BufferTiling.Shape(LoopNest(n: 2, k: 96, c: 48, p: 28, q: 28, r: 3, s: 3, groups: 2))
        for (g, k, c, p) in [(1, 48, 48, 28), (1, 24, 12, 7), (2, 6, 48, 1), (1, 1, 1, 1), (2, 48, 48, 28)] {
            let tile = BufferTiling.Tile(BufferTiling(g: g, k: k, c: c, p: p, order: MappingSearch.orders[0]), sh)
            var byKey: [UInt8: BufferTiling.DRAMTraffic] = [:]
            for order in MappingSearch.orders {
                let t = tile.traffic(order)
                let direct = BufferTiling(g: g, k: k, c: c, p: p, order: order).dramTraffic(sh)
                #expect([t.weights, t.inputs, t.partialSumReads, t.outputWrites] == [direct.weights, direct.inputs, direct.partialSumReads, direct.outputWrites])
                if let seen = byKey[tile.repeatedLoops(order)] {
                    #expect([t.weights, t.inputs, t.partialSumReads, t.outputWrites] == [seen.weights, seen.inputs, seen.partialSumReads, seen.outputWrites],
                            "tile \(g) \(k) \(c) \(p), order \(order.dims)")
                } else {
                    byKey[tile.repeatedLoops(order)] = t
                }
            }
            let repeated = [sh.g > g, sh.kg > k, sh.c > c, sh.p > p].filter { $0 }.count
            #expect(byKey.count == (1...max(1, repeated)).reduce(1, *), "one class per order of the loops that repeat")
        }
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
