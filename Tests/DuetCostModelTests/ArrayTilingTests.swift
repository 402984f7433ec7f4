import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// The array level under a global-buffer tile (``TileResponse``): loops the tile splits are split
/// for the array too. Counted by hand on small layers, and on the ResNet-50 layer whose Timeloop
/// run exposed the gap (a channel tile of 1 returns partial sums at every channel step).
@Suite struct ArrayTilingTests {
    /// NVDLA-style weight-stationary array of 4 rows (c) × 2 columns (k), streaming n·p·q; layer
    /// k = 2, c = 4, p = 4, q = 1, 1×1: one fold of 4 streamed pixels. Whole layer: 8 weights,
    /// 16 inputs (4 channels × 4 pixels, multicast over k), 8 output writes.
    @Test func weightStationaryTilesCountedByHand() throws {
        let hw = try accelerator("nvdla", ["pe_rows=4", "pe_cols=2", "allow_outside_template_ranges=true"])
        let m = ArrayModel(loops: LoopNest(n: 1, k: 2, c: 4, p: 4, q: 1, r: 1, s: 1), hw: hw)
        let pipe = Int64(hw.pipelineCycles)
        let whole = m.response.figures(g: 1, k: 2, c: 4, p: 4)
        #expect(whole.computeCycles == 4 + pipe)
        #expect(whole.weightReads == 8 && whole.inputReads == 16 && whole.writes == 8 && whole.outputReads == 0)
        #expect(whole.computeCycles == m.computeCycles && whole.writes == m.writes)

        // Two tiles of 2 output rows: p is streamed, so the weights (held across the stream) are
        // delivered again for the second tile, which pays its own pipeline fill.
        let rows = m.response.figures(g: 1, k: 2, c: 4, p: 2)
        #expect(rows.weightReads == 16)
        #expect(rows.inputReads == 16 && rows.writes == 8)
        #expect(rows.computeCycles == 4 + 2 * pipe)

        // Two tiles of 2 channels on 4 channel rows: two folds at half the rows, and the outputs
        // (reduced over c on the rows) go back to the buffer after each: 16 writes, 8 re-reads.
        let channels = m.response.figures(g: 1, k: 2, c: 2, p: 4)
        #expect(channels.computeCycles == 2 * (4 + pipe))
        #expect(channels.weightReads == 8 && channels.inputReads == 16)
        #expect(channels.writes == 16 && channels.outputReads == 8)
    }

    /// The fold ratio of a tiled loop: 10 folded by 4 is 3 folds; tiles of 8 (8 + 2) are 2 + 1.
    @Test func foldRatioCountsTheEdgeTile() {
        #expect(TileResponse.foldRatio(10, tile: 8, unit: 4) == 1)
        #expect(TileResponse.foldRatio(10, tile: 3, unit: 4) == 4.0 / 3)
        #expect(TileResponse.foldRatio(16, tile: 16, unit: 4) == 1)
        #expect(TileResponse.foldRatio(1024, tile: 1, unit: 16) == 16)
    }

    /// ResNet-50 layer3.1.conv1 (1×1, c = 1,024 → k = 256, 14 × 14) on `eyeriss`: with a channel
    /// tile of 1 every channel step writes the 50,176 outputs back (Timeloop counted 52.0 M buffer
    /// writes for that tile; the whole-layer array model alone, 0.71 M). Weights stay in the
    /// scratchpads over the output rows, so a tile of 7 rows reads them twice.
    @Test func aChannelTileOfOneReturnsPartialSumsEveryStep() throws {
        let hw = try accelerator("eyeriss")
        let loops = LoopNest(n: 1, k: 256, c: 1024, p: 14, q: 14, r: 1, s: 1)
        let m = ArrayModel(loops: loops, hw: hw)
        let outputs = 256.0 * 14 * 14
        let one = m.response.figures(g: 1, k: 256, c: 1, p: 14)
        #expect(one.writes == outputs * 1024)
        #expect(one.outputReads == outputs * 1023)
        #expect(one.writes > 50 * m.writes)
        let half = m.response.figures(g: 1, k: 256, c: 1024, p: 7)
        #expect(half.weightReads == 2 * (m.reads[.weight] ?? 0))
        // The search's report counts the buffer traffic of the tile it chose.
        let cost = try MappingSearch.best(loops, on: hw)
        let tile = cost.mapping.tileExtents
        #expect(cost.traffic.glbWrites == m.response.figures(g: tile.g, k: tile.k, c: tile.c, p: tile.p).writes)
    }

    /// A batch that does not fit the buffer is tiled by images, whose loop runs innermost at DRAM:
    /// the footprint is one image's activations (weights whole), the DRAM words are those of the
    /// whole-batch tile, and the array re-delivers the weights it holds across images for every
    /// image tile (a row-stationary PE keeps its filter rows over the batch).
    @Test func aBatchTiledByImagesMovesTheSameDRAMWords() throws {
        let loops = LoopNest(n: 4, k: 96, c: 3, p: 55, q: 55, r: 11, s: 11, strideH: 4, strideW: 4)
        let sh = BufferTiling.Shape(loops)
        let weights = 96 * 3 * 11 * 11, inputs = 3 * ((7 - 1) * 4 + 11) * 227, outputs = 96 * 7 * 55
        #expect(BufferTiling.footprint(sh, g: 1, k: 96, c: 3, p: 7, n: 1) == weights + inputs + outputs)
        #expect(BufferTiling.footprint(sh, g: 1, k: 96, c: 3, p: 7) == weights + 4 * (inputs + outputs))
        for order in MappingSearch.orders.prefix(6) {
            let whole = BufferTiling(g: 1, k: 48, c: 3, p: 7, order: order).dramTraffic(sh)
            let images = BufferTiling(g: 1, k: 48, c: 3, p: 7, order: order, n: 1).dramTraffic(sh)
            #expect(whole.reads == images.reads && whole.writes == images.writes)
        }
        let hw = try accelerator("eyeriss")
        let m = ArrayModel(loops: loops, hw: hw)
        let oneImage = m.response.figures(g: 1, k: 96, c: 3, p: 55, n: 1)
        #expect(oneImage.weightReads == 4 * (m.reads[.weight] ?? 0))
        #expect(oneImage.inputReads == m.reads[.input] && oneImage.writes == m.writes)
        #expect(oneImage.computeCycles == m.computeCycles)
        // AlexNet CONV1 at batch 4 (the Eyeriss chip's run): 4 images of 35 input rows × 227 × 3
        // do not fit the 108 KiB buffer beside the filters; the search tiles the batch.
        let cost = try MappingSearch.best(loops, on: hw)
        let n = try #require(cost.mapping.tileExtents.n)
        #expect(n < 4)
        #expect(cost.mapping.tile.hasSuffix("n=\(n)"))
    }
}
