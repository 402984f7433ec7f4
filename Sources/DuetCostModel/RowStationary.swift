import DuetCore
import DuetHardware
import DuetWorkload

/// Eyeriss's row-stationary dataflow (Chen et al., ISCA 2016; JSSC 2017) at the PE-array level,
/// with the scratchpad blocking Timeloop's Eyeriss constraints allow.
///
/// A PE runs a 1-D convolution: one filter row (s weights) over one input row, producing one
/// output row (q outputs, s MACs each). A *PE set* puts the r filter rows of a kernel on r PE
/// rows and output rows on PE columns: PE (i, j) convolves filter row i with input row
/// j·stride + i, so an input row is shared along a diagonal and partial sums add up a column.
/// The array holds `rr` (= r, or a part of it when r exceeds the rows) × `fp` of these and
/// replicates them: `fy` times down the rows over channels, kernels or groups (channel and
/// filter-row partial sums add up the column), `fx` times across the columns over kernels or
/// groups. Each PE keeps `nK` kernels × `nC` channels of filter rows in its weight scratchpad
/// (s·nC·nK words), `nC` input windows in its input scratchpad (s·nC words) and `nK` partial sums
/// in its partial-sum scratchpad, so one *pass* is q·s·nC·nK cycles.
///
/// Passes run g > k > c > n > p (outermost first): a pass's filter rows stay in the weight
/// scratchpads while the array sweeps the batch and the output-row folds, so every weight is read
/// from the global buffer once; inputs are read once per kernel fold (with the diagonal reuse:
/// (fp−1)·stride + rr input rows per chunk of fp output rows); each output is written once per
/// channel fold and filter-row fold, and read back to be accumulated on all but the first.
///
/// The choice (which loop replicates, fy, fp, fx, nC, nK) minimizes the array-level time
/// (compute, and global-buffer and network transfers at their bandwidths), then the words moved.
/// With `spatial_factors: perfect` the spatial factors divide their loops (Timeloop's mapper);
/// otherwise loops are strip-mined and the last fold may leave PEs idle (Eyeriss's own mapper).
enum RowStationary {
    /// One candidate mapping.
    struct Choice: Equatable {
        var rr = 1, fp = 1
        var y: LoopDim? = nil, fy = 1
        var yGroups = false
        var x: LoopDim? = nil, fx = 1
        var xGroups = false
        var nC = 1, nK = 1
    }

    /// Per-group extents of the layer.
    struct Extents {
        var n, g, k, c, p, q, r, s, strideH, strideW, dilH, dilW: Int
        init(_ l: LoopNest) {
            g = max(1, l.groups); k = max(1, l.k / g); c = l.c; p = l.p; q = l.q; r = l.r; s = l.s; n = l.n
            strideH = l.strideH; strideW = l.strideW; dilH = l.dilationH; dilW = l.dilationW
        }
    }

    /// The figures of one choice (the ``ArrayModel`` fields).
    struct Figures {
        var compute: Int64
        var folds: Int64
        var weights: Double, inputs: Double, psumReads: Double, writes: Double
        var moved: Double { weights + inputs + psumReads + writes }
    }

    static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / max(1, b) }

    /// The unroll factors a loop of `extent` may take on at most `room` PEs: every value up to
    /// the room (`any`), or the divisors of the extent (`perfect`); largest first.
    static func factors(_ extent: Int, room: Int, _ mode: SpatialFactors) -> [Int] {
        let top = max(1, min(extent, room))
        switch mode {
        case .any:
            // The largest factor and those that fold the loop evenly: a smaller non-divisor never
            // beats the largest with the same fold count.
            var out = [top]
            for f in stride(from: top - 1, through: 1, by: -1) where ceilDiv(extent, f) > ceilDiv(extent, f + 1) || extent % f == 0 { out.append(f) }
            return out
        case .perfect:
            return (1...top).reversed().filter { extent % $0 == 0 }
        }
    }

    static func figures(_ e: Extents, _ ch: Choice, hw: SubAccelerator) -> Figures {
        let cSpatial = ch.y == .c ? ch.fy : 1
        let kSpatial = (ch.y == .k ? ch.fy : 1) * (ch.x == .k ? ch.fx : 1)
        let gSpatial = (ch.yGroups ? ch.fy : 1) * (ch.xGroups ? ch.fx : 1)
        let fr = ceilDiv(e.r, ch.rr), fpFolds = ceilDiv(e.p, ch.fp)
        let fc = ceilDiv(ceilDiv(e.c, cSpatial), ch.nC), fk = ceilDiv(ceilDiv(e.k, kSpatial), ch.nK)
        let fg = ceilDiv(e.g, gSpatial)
        let folds = Int64(e.n) * Int64(fr) * Int64(fpFolds) * Int64(fc) * Int64(fk) * Int64(fg)
        let pass = Int64(e.q) * Int64(e.s) * Int64(ch.nC) * Int64(ch.nK) + Int64(hw.pipelineCycles)
        // Inputs per channel and pass: the rows of a chunk of fp output rows and rr filter rows.
        let chunkRows = Double((ch.fp - 1) * e.strideH + (ch.rr - 1) * e.dilH + 1)
        let width = Double((e.q - 1) * e.strideW + (e.s - 1) * e.dilW + 1)
        let channelsRead = Double(fc * ch.nC * cSpatial)  // ≥ c: the last fold's idle lanes read nothing, but keep the fold
        let inputs = Double(e.n) * Double(e.g) * min(Double(e.c), channelsRead) * Double(fpFolds) * chunkRows * width * Double(fk) * Double(fr)
        let weights = Double(e.g) * Double(e.k) * Double(e.c) * Double(e.r) * Double(e.s)
        let outputs = Double(e.n) * Double(e.g) * Double(e.k) * Double(e.p) * Double(e.q)
        let writes = outputs * Double(fc) * Double(fr)
        return Figures(compute: max(1, folds * pass), folds: folds, weights: weights, inputs: inputs, psumReads: writes - outputs, writes: writes)
    }

    /// The best choice for a layer on `hw` and its figures.
    static func search(_ l: LoopNest, hw: SubAccelerator) -> (Choice, Figures) {
        let e = Extents(l)
        let rows = hw.peRows, cols = hw.peCols
        let bitsPerWord = max(1, hw.precisionBits)
        let wWords = max(1, hw.rfWeightBytes * 8 / bitsPerWord), iWords = max(1, hw.rfInputBytes * 8 / bitsPerWord)
        let oWords = max(1, hw.rfOutputBytes * 8 / bitsPerWord)
        let mode = hw.spatialFactors
        // Replication candidates: (loop, is groups, extent).
        var reps: [(dim: LoopDim?, groups: Bool, extent: Int)] = [(nil, false, 1), (.c, false, e.c), (.k, false, e.k)]
        if e.g > 1 { reps.append((nil, true, e.g)) }
        var best: (Choice, Figures, score: Double, moved: Double)?
        for rr in factors(e.r, room: rows, mode).prefix(mode == .any ? 1 : 64) {
            for yr in reps {
                let yOptions = yr.dim == nil && !yr.groups ? [1] : factors(yr.extent, room: rows / rr, mode)
                for fy in yOptions.prefix(4) {
                    for fp in factors(e.p, room: cols, mode).prefix(6) {
                        for xr in reps where xr.dim != .c && (xr.dim == nil || xr.dim != yr.dim) && !(xr.groups && yr.groups) {
                            let xOptions = xr.dim == nil && !xr.groups ? [1] : factors(xr.extent, room: cols / fp, mode)
                            for fx in xOptions.prefix(3) {
                                var ch = Choice(rr: rr, fp: fp, y: yr.dim, fy: fy, yGroups: yr.groups, x: xr.dim, fx: fx, xGroups: xr.groups)
                                let kLeft = ceilDiv(e.k, (ch.y == .k ? fy : 1) * (ch.x == .k ? fx : 1))
                                let cLeft = ceilDiv(e.c, ch.y == .c ? fy : 1)
                                let kMax = max(1, min(kLeft, oWords, wWords / max(1, e.s)))
                                for nK in factors(kLeft, room: kMax, mode).prefix(3) {
                                    let cMax = max(1, min(cLeft, iWords / max(1, e.s), wWords / max(1, e.s * nK)))
                                    ch.nK = nK
                                    ch.nC = factors(cLeft, room: cMax, mode)[0]
                                    let f = figures(e, ch, hw: hw)
                                    let words = f.moved
                                    let time = max(Double(f.compute), words / hw.glbWordsPerCycle, words / hw.nocWordsPerCycle)
                                    if best == nil || time < best!.score || (time == best!.score && words < best!.moved) {
                                        best = (ch, f, time, words)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (best!.0, best!.1)
    }
}

extension ArrayModel {
    /// The array level under Eyeriss's row-stationary dataflow (``RowStationary``).
    init(rowStationary l: LoopNest, hw: SubAccelerator) {
        let (ch, f) = RowStationary.search(l, hw: hw)
        let e = RowStationary.Extents(l)
        computeCycles = f.compute
        folds = f.folds
        groupsPacked = (ch.yGroups ? ch.fy : 1) * (ch.xGroups ? ch.fx : 1)
        reads = [.weight: f.weights, .input: f.inputs, .output: f.psumReads]
        writes = f.writes
        hopWords = (f.weights + f.inputs + f.psumReads + f.writes) * Double(hw.peRows + hw.peCols) / 2
        func name(_ d: LoopDim?, _ groups: Bool) -> String { groups ? "g" : (d?.rawValue ?? "") }
        var rowLoops = [MappedLoop(.r, ch.rr)]
        if let y = ch.y, ch.fy > 1 { rowLoops.append(MappedLoop(y, ch.fy)) }
        var colLoops = [MappedLoop(.p, ch.fp)]
        if let x = ch.x, ch.fx > 1 { colLoops.append(MappedLoop(x, ch.fx)) }
        self.rowLoops = rowLoops
        self.colLoops = colLoops
        peLoops = [MappedLoop(.k, ch.nK), MappedLoop(.c, ch.nC), MappedLoop(.q, e.q), MappedLoop(.s, e.s)]
        // A pass consumes its spatial share of g, k, c and p, the scratchpad block (nK, nC) and
        // one image; weights stay in the scratchpads across images and output-row folds (held
        // over n and p), inputs are read once per kernel fold, partial sums written once per
        // channel fold.
        let kSpatial = (ch.y == .k ? ch.fy : 1) * (ch.x == .k ? ch.fx : 1), cSpatial = ch.y == .c ? ch.fy : 1
        let gSpatial = (ch.yGroups ? ch.fy : 1) * (ch.xGroups ? ch.fx : 1)
        let hops = Double(hw.peRows + hw.peCols) / 2
        response = TileResponse(
            extent: TileDims(g: e.g, k: e.k, c: e.c, p: e.p, n: e.n),
            computeUnit: TileDims(g: gSpatial, k: kSpatial, c: cSpatial, p: ch.fp, n: 1),
            trafficUnit: TileDims(g: gSpatial, k: kSpatial * ch.nK, c: cSpatial * ch.nC, p: ch.fp, n: 1),
            spatialUnit: TileDims(g: gSpatial, k: kSpatial, c: cSpatial, p: ch.fp, n: 1),
            streamed: TileDims(g: false, k: false, c: false, p: false, n: false),
            weight: TileDims(g: .none, k: .none, c: .none, p: .held, n: .held),
            input: TileDims(g: .none, k: .perFold, c: .none, p: .none, n: .none),
            output: TileDims(g: .none, k: .none, c: .perFold, p: .none, n: .none),
            folds: Double(f.folds), stream: Double(e.q * e.s * ch.nC * ch.nK), overhead: Double(hw.pipelineCycles), systolic: false,
            whole: ArrayFigures(computeCycles: f.compute, weightReads: f.weights, inputReads: f.inputs, outputReads: f.psumReads,
                                writes: f.writes, hopWords: hopWords),
            distinctOutputs: f.writes - f.psumReads,
            weightHops: hops, inputHops: hops, outputHops: hops, psumReadHops: hops)
        let usedRows = ch.rr * ch.fy, usedCols = ch.fp * ch.fx
        var text = "row-stationary: rows r=\(ch.rr)" + (ch.fy > 1 ? "·\(name(ch.y, ch.yGroups))=\(ch.fy)" : "") + " (\(usedRows)/\(hw.peRows))"
        text += " × cols p=\(ch.fp)" + (ch.fx > 1 ? "·\(name(ch.x, ch.xGroups))=\(ch.fx)" : "") + " (\(usedCols)/\(hw.peCols))"
        text += "; PE k=\(ch.nK) c=\(ch.nC) q·s=\(e.q * e.s); \(f.folds) passes"
        spatial = text
    }
}
