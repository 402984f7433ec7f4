import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func accelerator(_ ref: String, _ overrides: [String] = []) throws -> SubAccelerator {
    try AcceleratorLoader(dataDir: repositoryRoot).load(ref, overrides: overrides).subAccelerators[0]
}

/// Compute cycles of the systolic template against SCALE-Sim's closed form (see
/// ../shared/notes/REFERENCE-FIGURES.md, verified there against SCALE-Sim 3.0.0's per-layer
/// compute_cycles): ceil(Sr/AR)·ceil(Sc/AC)·(per-fold cycles) − 1.
@Suite struct SystolicComputeCyclesTests {
    static func scaleSim(_ df: String, k: Int, c: Int, p: Int, q: Int, r: Int, s: Int, ar: Int, ac: Int) -> Int64 {
        let (sr, sc, t): (Int, Int, Int)
        switch df {
        case "os": (sr, sc, t) = (p * q, k, r * s * c)
        case "ws": (sr, sc, t) = (r * s * c, k, p * q)
        default: (sr, sc, t) = (r * s * c, p * q, k)
        }
        let perFold = df == "os" ? t + ar + ac - 2 : 2 * ar + ac + t - 2
        return Int64(((sr + ar - 1) / ar) * ((sc + ac - 1) / ac) * perFold - 1)
    }

    @Test(arguments: ["ws", "os", "is"])
    func matchesClosedForm(dataflow: String) throws {
        let shapes = [(64, 64, 56, 56, 3, 3), (256, 64, 56, 56, 1, 1), (64, 3, 112, 112, 7, 7), (1000, 2048, 1, 1, 1, 1), (7, 5, 3, 4, 2, 3)]
        for (ar, ac) in [(32, 32), (128, 128), (8, 16)] {
            let hw = try accelerator("tpu", ["dataflow=\(dataflow)", "pe_rows=\(ar)", "pe_cols=\(ac)"])
            for (k, c, p, q, r, s) in shapes {
                let loops = LoopNest(n: 1, k: k, c: c, p: p, q: q, r: r, s: s)
                let m = ArrayModel(loops: loops, hw: hw)
                #expect(m.computeCycles == Self.scaleSim(dataflow, k: k, c: c, p: p, q: q, r: r, s: s, ar: ar, ac: ac),
                        "\(dataflow) \(ar)x\(ac) k\(k) c\(c) p\(p) q\(q) r\(r) s\(s)")
            }
        }
    }

    @Test func weightStationaryTrafficByHand() throws {
        // K=64, C·R·S=576 on 32×32, P·Q=3136: 18 row folds × 2 column folds.
        let hw = try accelerator("tpu", ["pe_rows=32", "pe_cols=32"])
        let m = ArrayModel(loops: LoopNest(n: 1, k: 64, c: 64, p: 56, q: 56, r: 3, s: 3), hw: hw)
        let weights: Double = 576 * 64, inputs: Double = 576 * 2 * 3136
        let writes: Double = 18 * 64 * 3136, rereads: Double = 17 * 64 * 3136
        #expect(m.reads[.weight] == weights)      // each weight loaded once
        #expect(m.reads[.input] == inputs)        // inputs re-streamed per column fold
        #expect(m.writes == writes)               // one partial sum per row fold
        #expect(m.reads[.output] == rereads)      // all but the first re-read
    }

    @Test func depthwiseGroupsArePackedBlockDiagonally() throws {
        // 3×3 depthwise over 96 channels: a group needs 9 rows × 1 column, so ⌊32/9⌋ = 3 fit at once.
        let hw = try accelerator("tpu", ["pe_rows=32", "pe_cols=32"])
        let dw = LoopNest(n: 1, k: 96, c: 1, p: 56, q: 56, r: 3, s: 3, groups: 96)
        let m = ArrayModel(loops: dw, hw: hw)
        #expect(m.groupsPacked == 3)
        let expected: Int64 = 32 * (2 * 32 + 32 + 3136 - 2) - 1   // ⌈96/3⌉ = 32 group folds
        #expect(m.computeCycles == expected)
        let macs: Double = 96 * 9 * 3136
        let util = macs / (Double(m.computeCycles) * 1024)
        #expect(util > 3.0 / 1024 * 8)   // ZigZag's tpu_like runs depthwise on 1 of 1,024 PEs
    }

    @Test func rowStationaryReusesInputRowsDiagonally() throws {
        // Eyeriss: rows r·k, cols p, stream c·q·s with window reuse.
        let hw = try accelerator("eyeriss")
        let l = LoopNest(n: 1, k: 4, c: 1, p: 14, q: 14, r: 3, s: 3)
        let m = ArrayModel(loops: l, hw: hw)
        // rows r·k = 12 (one fold), cols p = 14: every input row of the (14−1)+3 = 16 rows once,
        // each of width (14−1)+3 = 16: 256 words, against 3·14·3·14 = 1,764 without reuse.
        #expect(abs(m.reads[.input]! - 256) < 1e-9)
    }
}

@Suite struct BufferTilingTests {
    @Test func wholeLayerTileMovesEachOperandOnce() {
        let l = LoopNest(n: 1, k: 16, c: 8, p: 10, q: 10, r: 3, s: 3)
        let sh = BufferTiling.Shape(l)
        let t = BufferTiling(g: 1, k: 16, c: 8, p: 10, order: [.g, .k, .c, .p])
        let (reads, writes) = t.dramWords(sh)
        let expectedReads: Double = 16 * 8 * 9 + 8 * 12 * 12
        #expect(reads == expectedReads)
        #expect(writes == 1600)
    }

    @Test func reuseAnalysisForTiledLoops() {
        // k split in 2, c split in 2, p split in 2 (halo: 5+2 = 7 input rows per tile), order k>c>p.
        let l = LoopNest(n: 1, k: 16, c: 8, p: 10, q: 10, r: 3, s: 3)
        let sh = BufferTiling.Shape(l)
        let t = BufferTiling(g: 1, k: 8, c: 4, p: 5, order: [.g, .k, .c, .p])
        let (reads, writes) = t.dramWords(sh)
        let weights: Double = 16 * 8 * 9           // p innermost: weights stay
        let inputs: Double = 2 * (8 * 2 * 7 * 12)  // re-read for each of the 2 k tiles
        let outputs: Double = 16 * 100
        let outWrites = outputs * 2                // c outside p: partial sums spill once per c tile
        #expect(reads == weights + inputs + (outWrites - outputs))
        #expect(writes == outWrites)
    }
}

/// The structured mapping (what exporters to Timeloop, ZigZag and MAESTRO read) says the same as
/// the readable one.
@Suite struct StructuredMappingTests {
    @Test func loopsPerLevelMatchTheArrayAndTheTile() throws {
        // nvdla (ws, rows c, cols k) at 64 × 4: a 3×3 conv with 32 channels and 16 kernels puts
        // c=32 on 32 of 64 rows and k=4 on the 4 columns (4 folds); n·p·q stream through.
        let hw = try accelerator("nvdla", ["pe_rows=64", "pe_cols=4", "allow_outside_template_ranges=true"])
        let cost = try MappingSearch.best(LoopNest(n: 1, k: 16, c: 32, p: 10, q: 12, r: 3, s: 3), on: hw)
        let m = cost.mapping
        #expect(m.rowLoops == [MappedLoop(.c, 32)])
        #expect(m.colLoops == [MappedLoop(.k, 4)])
        #expect(m.peLoops == [MappedLoop(.n, 1), MappedLoop(.p, 10), MappedLoop(.q, 12)])
        #expect(m.tile == "g=\(m.tileExtents.g) k=\(m.tileExtents.k) c=\(m.tileExtents.c) p=\(m.tileExtents.p)")
        #expect(m.dramOrder.joined(separator: ">") == m.order)
        #expect(Set(m.dramOrder) == ["g", "k", "c", "p"])
    }

    @Test func aFlattenedAxisIsSplitFromItsInnermostLoop() throws {
        // tpu ws rows [c, r, s] flattened on 32 rows: s=3, r=3, then c gets ⌊32/9⌋ = 3.
        let hw = try accelerator("tpu", ["dataflow=ws", "pe_rows=32", "pe_cols=32"])
        let m = ArrayModel(loops: LoopNest(n: 1, k: 64, c: 64, p: 8, q: 8, r: 3, s: 3), hw: hw)
        #expect(m.rowLoops == [MappedLoop(.c, 3), MappedLoop(.r, 3), MappedLoop(.s, 3)])
        #expect(m.colLoops == [MappedLoop(.k, 32)])
    }
}
