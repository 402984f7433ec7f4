import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// Eyeriss's row-stationary mapping (``RowStationary``), checked on layers small enough to count
/// by hand and on the ResNet-50 layer of Timeloop's Eyeriss exercise.
@Suite struct RowStationaryTests {
    /// k=2, c=1, 4×5 outputs, 3×3 filter on a 6×4 array: the two kernels' PE sets (3 filter rows
    /// each) fill the 6 rows, the 4 output rows the 4 columns; one pass of q·s = 15 MACs per PE
    /// plus the 4-cycle pipeline. Every input (6 rows × 7 columns) is read once (diagonal reuse),
    /// every weight once, every output written once.
    @Test func aSmallLayerCountedByHand() throws {
        let hw = try accelerator("eyeriss", ["pe_rows=6", "pe_cols=4"])
        let m = ArrayModel(loops: LoopNest(n: 1, k: 2, c: 1, p: 4, q: 5, r: 3, s: 3), hw: hw)
        #expect(m.rowLoops == [MappedLoop(.r, 3), MappedLoop(.k, 2)])
        #expect(m.colLoops == [MappedLoop(.p, 4)])
        #expect(m.computeCycles == 5 * 3 + 4)
        #expect(m.reads[.weight] == Double(18))
        #expect(m.reads[.input] == Double(6 * 7))
        #expect(m.reads[.output] == Double(0))
        #expect(m.writes == Double(2 * 4 * 5))
    }

    /// ResNet-50 CB2a_2 (K = C = 64, P = Q = 54, 3×3) on the 12×14 array with Timeloop's perfect
    /// factors: 3 filter rows × 4 channels down the rows, 3 output rows × 4 kernels across the
    /// columns (144 PEs, Timeloop's 746,496 cycles = MACs / 144), 16 kernels × 4 channels in the
    /// scratchpads (3·4·16 = 192 ≤ 224 filter words, 3·4 = 12 ifmap words, 16 ≤ 24 psums):
    /// 18 output-row folds × 4 channel folds = 72 passes of 54·3·16·4 cycles (+ 4 pipeline).
    @Test func resnet50CB2a2WithPerfectFactorsUses144PEs() throws {
        let hw = try accelerator("eyeriss", ["spatial_factors=perfect"])
        let loops = LoopNest(n: 1, k: 64, c: 64, p: 54, q: 54, r: 3, s: 3)
        let m = ArrayModel(loops: loops, hw: hw)
        #expect(m.rowLoops == [MappedLoop(.r, 3), MappedLoop(.c, 4)])
        #expect(m.colLoops == [MappedLoop(.p, 3), MappedLoop(.k, 4)])
        #expect(m.peLoops.prefix(2) == [MappedLoop(.k, 16), MappedLoop(.c, 4)])
        #expect(m.folds == 72)
        #expect(m.computeCycles == 72 * (54 * 3 * 16 * 4 + 4))
        #expect(abs(Double(m.computeCycles) / 746_496 - 1) < 0.001)
        // Outputs: written once per channel fold (4), read back on 3 of them.
        #expect(m.writes == Double(64 * 54 * 54 * 4))
        #expect(m.reads[.output] == Double(64 * 54 * 54 * 3))
        #expect(m.reads[.weight] == Double(64 * 64 * 9))
    }

    /// Strip-mined (the default, Eyeriss's own mapper): 54 output rows on 7 columns × 2 kernels
    /// (8 folds, the last one 5 of 7 rows) — fewer cycles than any perfect factoring.
    @Test func stripMiningFillsTheColumns() throws {
        let loops = LoopNest(n: 1, k: 64, c: 64, p: 54, q: 54, r: 3, s: 3)
        let any = ArrayModel(loops: loops, hw: try accelerator("eyeriss"))
        let perfect = ArrayModel(loops: loops, hw: try accelerator("eyeriss", ["spatial_factors=perfect"]))
        #expect(any.computeCycles < perfect.computeCycles)
        #expect(any.rowLoops.reduce(1) { $0 * $1.factor } == 12)
        #expect(any.colLoops.reduce(1) { $0 * $1.factor } == 14)
    }

    /// A depthwise layer replicates its PE sets over groups (channels) instead of leaving the array idle.
    @Test func depthwiseReplicatesOverGroups() throws {
        let hw = try accelerator("eyeriss")
        let loops = LoopNest(n: 1, k: 32, c: 1, p: 56, q: 56, r: 3, s: 3, groups: 32)
        let m = ArrayModel(loops: loops, hw: hw)
        #expect(m.groupsPacked >= 4)
        let macs = Double(try loops.macs())
        #expect(macs / (Double(m.computeCycles) * Double(hw.peCount)) > 0.5)
    }

    /// Invariants on every layer of ResNet-50 and MobileNetV2: no more MACs per cycle than PEs,
    /// every weight read at least once, every output written at least once.
    @Test(arguments: ["resnet50", "mobilenet-v2"])
    func invariantsOnWholeNetworks(_ name: String) throws {
        let hw = try accelerator("eyeriss")
        for layer in try BuiltinNetwork.named(name)!.network().analyze().layers {
            guard let loops = layer.loops, let macs = try? loops.macs(), macs > 0 else { continue }
            let m = ArrayModel(loops: loops, hw: hw)
            #expect(Double(macs) <= Double(m.computeCycles) * Double(hw.peCount), "\(layer.layer.name)")
            #expect(m.reads[.weight]! >= Double(loops.k * (loops.c) * loops.r * loops.s), "\(layer.layer.name)")
            #expect(m.writes >= Double(loops.n * loops.k * loops.p * loops.q), "\(layer.layer.name)")
        }
    }
}

/// Grouped layers on NVDLA spread their groups over the C_atomic lanes (``GroupPlacement/rows``).
@Suite struct GroupPlacementTests {
    /// The anchor: a 32-channel depthwise 3×3 layer on 110×110 outputs, NVDLA at 64 × 4.
    /// Before: 4 groups block-diagonally, 871,776 cycles. Now 32 lanes (one channel each) and
    /// the 9 window positions as folds: 9 × (12,100 + 8) cycles (MAESTRO's NVDLA-style: 133,100).
    @Test func depthwiseUsesOneLanePerChannelOnNVDLA() throws {
        let hw = try accelerator("nvdla", ["pe_rows=64", "pe_cols=4", "allow_outside_template_ranges=true"])
        let m = ArrayModel(loops: LoopNest(n: 1, k: 32, c: 1, p: 110, q: 110, r: 3, s: 3, groups: 32), hw: hw)
        #expect(m.groupsPacked == 32)
        #expect(m.computeCycles == 9 * (110 * 110 + 8))
    }

    /// A systolic array keeps block-diagonal packing: its operands flow along rows and columns.
    @Test func systolicArraysPackBlockDiagonally() throws {
        let hw = try accelerator("tpu", ["dataflow=ws", "pe_rows=32", "pe_cols=32"])
        let m = ArrayModel(loops: LoopNest(n: 1, k: 32, c: 1, p: 8, q: 8, r: 3, s: 3, groups: 32), hw: hw)
        #expect(m.groupsPacked == 3)  // ⌊32 rows / 9⌋ groups, each on its own column too
    }
}

/// `weight_prefetch` (eyeriss's default): single-buffered, the next pass's weights stream in while
/// the array works, so only activation transfers (and weight transfers that outlast the on-chip
/// work) add to the latency.
@Suite struct WeightPrefetchTests {
    @Test func weightTransfersHideBehindTheOnChipWork() throws {
        let loops = LoopNest(n: 1, k: 64, c: 64, p: 54, q: 54, r: 3, s: 3)
        let with = try MappingSearch.best(loops, on: try accelerator("eyeriss"))
        let without = try MappingSearch.best(loops, on: try accelerator("eyeriss", ["weight_prefetch=false"]))
        let c = with.components
        let onChip = max(c.compute, c.noc, c.buffer)
        let weightCycles = with.operandAccesses.dram.weights.reads * 2 / (0.48e9 / 200e6)  // 16-bit words at 0.48 GB/s, 200 MHz
        #expect(abs(c.dramHidden - min(weightCycles, onChip)) < 1e-6 * weightCycles)
        #expect(Double(with.latencyCycles) == (onChip + c.dram - c.dramHidden).rounded(.up))
        #expect(with.latencyCycles < without.latencyCycles)
        #expect(without.components.dramHidden == 0)
        #expect(with.bottleneckDescription.hasPrefix("compute + "))
        // Double-buffered, prefetch changes nothing: everything overlaps already.
        let db = try MappingSearch.best(loops, on: try accelerator("eyeriss", ["double_buffer=true"]))
        let dbNo = try MappingSearch.best(loops, on: try accelerator("eyeriss", ["double_buffer=true", "weight_prefetch=false"]))
        #expect(db.latencyCycles == dbNo.latencyCycles)
    }
}
