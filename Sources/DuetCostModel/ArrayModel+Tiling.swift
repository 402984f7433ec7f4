import DuetWorkload

/// The array-level figures of a layer under one global-buffer tile: what ``ArrayModel`` counts
/// for the whole layer, corrected for the loops the tile splits.
///
/// The array processes one buffer tile at a time, so a loop the tile splits is split for the
/// array too: a tile smaller than what one fold of the array consumes along a loop (its spatial
/// share, and the scratchpad block of a row-stationary PE) leaves PEs idle and adds folds; a
/// streamed loop split into tiles costs one fold (pipeline fill, systolic skew) per tile; and an
/// operand the array keeps across the folds of a loop it does not depend on (weights over a
/// weight-stationary array's streamed pixels, a row-stationary PE's filter rows over its output-row
/// folds, partial sums over an output-stationary array's streamed channels) is delivered again
/// for every tile of that loop. With the tile equal to the whole layer nothing changes.
struct ArrayFigures {
    /// Cycles of the array's work (folds, fill and drain).
    var computeCycles: Int64
    /// Words delivered from the global buffer per operand (partial-sum re-reads in `output`).
    var weightReads: Double, inputReads: Double, outputReads: Double
    /// Words written back to the global buffer (outputs and partial sums).
    var writes: Double
    /// Σ words × hops (network energy).
    var hopWords: Double
    var reads: Double { weightReads + inputReads + outputReads }
}

/// The loops a buffer tile may split: groups, kernels per group, channels, output rows
/// (``BufferTiling``'s DRAM loops) and images of the batch.
enum TileLoop: Int, CaseIterable {
    case g, k, c, p, n
}

/// One value per ``TileLoop``.
struct TileDims<T> {
    var g, k, c, p, n: T
    init(g: T, k: T, c: T, p: T, n: T) { self.g = g; self.k = k; self.c = c; self.p = p; self.n = n }
    init(_ f: (TileLoop) -> T) { g = f(.g); k = f(.k); c = f(.c); p = f(.p); n = f(.n) }
    @inline(__always) subscript(d: TileLoop) -> T {
        switch d { case .g: return g; case .k: return k; case .c: return c; case .p: return p; case .n: return n }
    }
}

/// How ``ArrayModel``'s whole-layer counts respond to a buffer tile (see ``ArrayFigures``).
struct TileResponse {
    /// How an operand's deliveries respond to splitting one tile loop.
    enum Reuse: UInt8 {
        /// The operand depends on the loop (each element delivered once either way).
        case none
        /// Delivered once per fold of the loop: scales with the fold count.
        case perFold
        /// Kept in the array across all folds of the loop: delivered again for every tile.
        case held
    }

    /// Per-group extents of the tile loops.
    var extent: TileDims<Int>
    /// What one fold consumes of each loop, for the fold count of compute (spatial share; the
    /// whole extent for a streamed loop, so each tile is one fold).
    var computeUnit: TileDims<Int>
    /// What one fold consumes of each loop, for deliveries (spatial share × scratchpad block).
    var trafficUnit: TileDims<Int>
    /// What the PEs unroll of each loop at once (1 for a loop run in time): a tile that divides
    /// its loop and is a multiple of this is a mapping Timeloop can express (`perfect` factors).
    var spatialUnit: TileDims<Int>
    /// Loops streamed through the array within a fold (their tiles add fill, not streaming time).
    var streamed: TileDims<Bool>
    var weight: TileDims<Reuse>, input: TileDims<Reuse>, output: TileDims<Reuse>
    /// Whole-layer folds, streaming cycles per fold and fixed cycles per fold (pipeline, skew).
    var folds: Double, stream: Double, overhead: Double
    /// Systolic arrays count one cycle less (the last fold's drain overlaps nothing).
    var systolic: Bool
    /// Whole-layer figures (``ArrayModel``).
    var whole: ArrayFigures
    /// Distinct output words: the deliveries of outputs less these are partial-sum re-reads.
    var distinctOutputs: Double
    /// Hops per delivered word, per operand (outputs: per word written; partial sums read back:
    /// per word re-read, where the network carries them separately).
    var weightHops: Double, inputHops: Double, outputHops: Double, psumReadHops: Double

    static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / max(1, b) }

    /// Folds of a loop of `extent` cut into tiles of `tile`, each folded by `unit`, relative to
    /// folding the whole loop by `unit`.
    @inline(__always) static func foldRatio(_ extent: Int, tile: Int, unit: Int) -> Double {
        guard tile < extent else { return 1 }
        let full = extent / tile, rem = extent % tile
        let tiled = full * ceilDiv(tile, unit) + (rem > 0 ? ceilDiv(rem, unit) : 0)
        return Double(tiled) / Double(ceilDiv(extent, unit))
    }

    /// The figures under a tile of `g` groups × `k` kernels × `c` channels × `p` output rows ×
    /// `n` images (0: the whole batch).
    func figures(g: Int, k: Int, c: Int, p: Int, n: Int = 0) -> ArrayFigures {
        let images = n > 0 ? n : extent.n
        let tile = TileDims(g: g, k: k, c: c, p: p, n: images)
        if g >= extent.g && k >= extent.k && c >= extent.c && p >= extent.p && images >= extent.n { return whole }
        var computeRatio = 1.0, streamTiles = 1.0
        var wf = 1.0, inf = 1.0, of = 1.0
        for d in TileLoop.allCases where tile[d] < extent[d] {
            let trips = Double(Self.ceilDiv(extent[d], tile[d]))
            if streamed[d] { streamTiles *= trips } else { computeRatio *= Self.foldRatio(extent[d], tile: tile[d], unit: computeUnit[d]) }
            let perFold = Self.foldRatio(extent[d], tile: tile[d], unit: trafficUnit[d])
            @inline(__always) func factor(_ r: Reuse) -> Double {
                switch r { case .none: return 1; case .perFold: return perFold; case .held: return trips }
            }
            wf *= factor(weight[d]); inf *= factor(input[d]); of *= factor(output[d])
        }
        let compute = folds * computeRatio * (stream + streamTiles * overhead) - (systolic ? 1 : 0)
        let writes = whole.writes * of
        let outputReads = max(0, writes - distinctOutputs)
        let w = whole.weightReads * wf, i = whole.inputReads * inf
        return ArrayFigures(computeCycles: max(whole.computeCycles, Int64(compute.rounded(.up))),
                            weightReads: w, inputReads: i, outputReads: outputReads, writes: writes,
                            hopWords: w * weightHops + i * inputHops + writes * outputHops + outputReads * psumReadHops)
    }
}
