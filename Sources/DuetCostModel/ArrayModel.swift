import DuetCore
import DuetHardware
import DuetWorkload

/// The PE-array level of the model: spatial folds, compute cycles, and the words each operand
/// moves between the global buffer and the array for a given layer, sub-accelerator and
/// ``SpatialMapping``, counted for the whole layer once per search; ``response`` scales the
/// counts to a global-buffer tile that splits loops the array would otherwise keep whole
/// (``TileResponse``).
///
/// Per group of a grouped convolution the layer is an independent sub-layer; groups that fit
/// the array several times over are placed as the template's mapping says (``GroupPlacement``):
/// block-diagonally (disjoint rows and columns, so every operand keeps its own feed; systolic
/// arrays), or along the rows sharing the columns (NVDLA's channel-parallel lanes: a depthwise
/// layer puts one channel per lane). Row-stationary mappings have their own model
/// (``RowStationary``).
struct ArrayModel {
    var computeCycles: Int64
    var folds: Int64
    var groupsPacked: Int
    /// Words delivered from the global buffer to the array, per operand (partial-sum re-reads in `.output`).
    var reads: [Operand: Double]
    /// Words written back to the global buffer (outputs and partial sums).
    var writes: Double
    /// Σ words × hops, for network energy.
    var hopWords: Double
    var spatial: String
    /// The spatial and array-level temporal loops of one fold (``MappingDescription``).
    var rowLoops: [MappedLoop], colLoops: [MappedLoop], peLoops: [MappedLoop]
    /// How these whole-layer figures change under a global-buffer tile.
    var response: TileResponse

    /// The figures under the tile of `tiling` (``TileResponse``).
    func figures(_ tiling: BufferTiling) -> ArrayFigures { response.figures(g: tiling.g, k: tiling.k, c: tiling.c, p: tiling.p, n: tiling.n) }

    init(loops l: LoopNest, hw: SubAccelerator) {
        if hw.mapping.rowStationary {
            self = ArrayModel(rowStationary: l, hw: hw)
            return
        }
        let m = hw.mapping
        let g = max(1, l.groups)
        let kg = max(1, l.k / g)
        func size(_ d: LoopDim) -> Int { d == .k ? kg : d.size(in: l) }
        let ar = hw.peRows, ac = hw.peCols
        let rowAxis = Axis(m.rows, m.factors, extent: ar, size: size), colAxis = Axis(m.cols, m.factors, extent: ac, size: size)
        let sr = rowAxis.used, sc = colAxis.used
        let t = m.stream.reduce(1) { $0 * size($1) }
        let foldProduct = m.folds.reduce(1) { $0 * size($1) }
        let pack: Int
        switch m.groups {
        case _ where g == 1: pack = 1
        case .block: pack = rowAxis.folds == 1 && colAxis.folds == 1 ? max(1, min(g, min(ar / sr, ac / sc))) : 1
        case .rows: pack = rowAxis.folds == 1 ? max(1, min(g, ar / sr)) : 1
        case .cols: pack = colAxis.folds == 1 ? max(1, min(g, ac / sc)) : 1
        }
        let rowFolds = rowAxis.folds, colFolds = colAxis.folds
        let groupFolds = (g + pack - 1) / pack
        let folds = Int64(rowFolds) * Int64(colFolds) * Int64(groupFolds) * Int64(foldProduct)
        // Cycles a fold pays besides streaming T: SCALE-Sim's skew on a systolic array (os
        // T + R + C − 2; ws/is 2R + C + T − 2, the full array every fold, and one cycle less in
        // all), the pipeline latency on a broadcast array.
        let overhead: Int64
        switch hw.array {
        case .systolic:
            overhead = m.stationary == .output ? Int64(ar + ac - 2) : Int64(2 * ar + ac - 2)
            computeCycles = max(1, folds * (Int64(t) + overhead) - 1)
        case .broadcast:
            overhead = Int64(hw.pipelineCycles)
            computeCycles = max(1, folds * (Int64(t) + overhead))
        }
        self.folds = folds
        groupsPacked = pack

        var reads: [Operand: Double] = [:]
        var hopWords = 0.0
        var outputDeliveries = 0.0
        var hopsPerWord: [Operand: Double] = [:]
        for x in Operand.allCases {
            // Within a fold every distinct element of X along the stream is delivered once: stream
            // loops X does not depend on reuse it from the PE (pipeline register or scratchpad).
            var words = rowAxis.delivered(x) * colAxis.delivered(x) * Double(g) * Double(foldProduct)
            words *= Double(m.stream.filter { x.isRelevant($0) }.reduce(1) { $0 * size($1) })
            if x == .input && m.windowReuse {
                // Neighbouring windows share input rows/columns: (P−1)·stride + R distinct rows, not P·R.
                let all = m.rows + m.cols + m.stream
                if all.contains(.p) && all.contains(.r) {
                    let pu = m.stream.contains(.p) ? l.p : min(l.p, m.rows.contains(.p) ? ar : ac)
                    words *= Double((pu - 1) * l.strideH + l.r) / Double(pu * l.r)
                }
                if all.contains(.q) && all.contains(.s) {
                    let qu = m.stream.contains(.q) ? l.q : min(l.q, m.rows.contains(.q) ? ar : ac)
                    words *= Double((qu - 1) * l.strideW + l.s) / Double(qu * l.s)
                }
            }
            // Hops: a systolic array passes a value along the axes it is not indexed by; a
            // broadcast array drives a bus spanning the array.
            let hops: Double
            switch hw.array {
            case .systolic:
                let rowsUsed = Double(min(sr * pack, ar)), colsUsed = Double(min(sc * pack, ac))
                let relRows = m.rows.contains { x.isRelevant($0) }, relCols = m.cols.contains { x.isRelevant($0) }
                hops = relRows && relCols ? rowsUsed / 2 : (relRows ? colsUsed : (relCols ? rowsUsed : rowsUsed + colsUsed))
            case .broadcast:
                hops = Double(ar + ac) / 2
            }
            hopWords += words * hops
            hopsPerWord[x] = hops
            if x == .output { outputDeliveries = words } else { reads[x] = words }
        }
        // Outputs: every delivery is a write; all but the final value of each output are re-read.
        let distinctOutputs = Double(l.n) * Double(l.k) * Double(l.p) * Double(l.q)
        writes = outputDeliveries
        reads[.output] = max(0, outputDeliveries - distinctOutputs)
        self.reads = reads
        self.hopWords = hopWords
        func axis(_ name: String, _ dims: [LoopDim], _ a: Axis, _ extent: Int) -> String {
            "\(name) \(m.label(dims))=\(a.total)/\(extent)" + (a.folds > 1 ? " (\(a.folds) folds)" : "")
        }
        var text = axis("rows", m.rows, rowAxis, ar) + " × " + axis("cols", m.cols, colAxis, ac)
        text += "; stream " + (m.stream.isEmpty ? "-" : m.stream.map(\.rawValue).joined(separator: "·")) + "=\(t)"
        if !m.folds.isEmpty && foldProduct > 1 { text += "; folds " + m.folds.filter { size($0) > 1 }.map { "\($0.rawValue)=\(size($0))" }.joined(separator: " ") }
        spatial = text
        rowLoops = rowAxis.loops
        colLoops = colAxis.loops
        peLoops = m.stream.map { MappedLoop($0, size($0)) }

        // A fold consumes its spatial share of a loop on the rows and columns, one step of a
        // folded loop, the whole of a streamed one. Streamed operands the loop does not index are
        // held across it (weights over a weight-stationary stream); spatially, every fold
        // re-delivers what it multicasts.
        let spatialLoops = rowLoops + colLoops
        func dim(_ d: TileLoop) -> LoopDim? {
            switch d { case .g: return nil; case .k: return .k; case .c: return .c; case .p: return .p; case .n: return .n }
        }
        let extent = TileDims { d in d == .g ? g : size(dim(d)!) }
        let streamedDims = TileDims { d in dim(d).map { m.stream.contains($0) } ?? false }
        let unit = TileDims { d -> Int in
            guard let ld = dim(d) else { return pack }
            if m.stream.contains(ld) { return size(ld) }
            if m.folds.contains(ld) { return 1 }
            let onAxes = spatialLoops.filter { $0.dim == ld }
            return onAxes.isEmpty ? size(ld) : onAxes.reduce(1) { $0 * $1.factor }
        }
        func reuse(_ x: Operand) -> TileDims<TileResponse.Reuse> {
            TileDims { d in
                guard let ld = dim(d), !x.isRelevant(ld) else { return .none }
                return streamedDims[d] ? .held : .perFold
            }
        }
        let whole = ArrayFigures(computeCycles: computeCycles, weightReads: reads[.weight] ?? 0, inputReads: reads[.input] ?? 0,
                                 outputReads: reads[.output] ?? 0, writes: writes, hopWords: hopWords)
        let spatialUnit = TileDims { d -> Int in
            guard let ld = dim(d) else { return pack }
            let onAxes = spatialLoops.filter { $0.dim == ld }
            return onAxes.isEmpty ? 1 : onAxes.reduce(1) { $0 * $1.factor }
        }
        response = TileResponse(extent: extent, computeUnit: unit, trafficUnit: unit, spatialUnit: spatialUnit, streamed: streamedDims,
                                weight: reuse(.weight), input: reuse(.input), output: reuse(.output),
                                folds: Double(folds), stream: Double(t), overhead: Double(overhead), systolic: hw.array == .systolic,
                                whole: whole, distinctOutputs: distinctOutputs,
                                weightHops: hopsPerWord[.weight] ?? 0, inputHops: hopsPerWord[.input] ?? 0,
                                outputHops: hopsPerWord[.output] ?? 0, psumReadHops: 0)
    }

    /// The readable and structured mapping of this array level under a global-buffer tiling.
    func description(_ tiling: BufferTiling) -> MappingDescription {
        var d = MappingDescription(spatial: spatial, tile: tiling.description, order: tiling.orderText, groupsPacked: groupsPacked)
        d.rowLoops = rowLoops; d.colLoops = colLoops; d.peLoops = peLoops
        d.tileExtents = TileExtents(g: tiling.g, k: tiling.k, c: tiling.c, p: tiling.p)
        if tiling.n > 0 { d.tileExtents.n = tiling.n }
        d.dramOrder = tiling.order.dims.map(\.name)
        return d
    }
}

/// One array axis: its loops, blocked (with unroll factors) or flattened (sharing the rest of
/// the axis), how many folds cover them and how many PEs one fold uses.
struct Axis {
    var folds: Int
    var used: Int
    /// Product of the loop extents on this axis.
    var total: Int
    private var factored: [(dim: LoopDim, size: Int, factor: Int)]
    private var flat: [(dim: LoopDim, size: Int)]
    private var flatExtent: Int
    private var order: [LoopDim]

    init(_ dims: [LoopDim], _ factors: [LoopDim: Int], extent: Int, size: (LoopDim) -> Int) {
        factored = dims.compactMap { d in factors[d].map { (d, size(d), $0) } }
        flat = dims.filter { factors[$0] == nil }.map { ($0, size($0)) }
        let blocked = factored.reduce(1) { $0 * $1.factor }
        flatExtent = max(1, extent / max(1, blocked))
        let flatSize = flat.reduce(1) { $0 * $1.size }
        folds = factored.reduce(1) { $0 * (($1.size + $1.factor - 1) / $1.factor) } * ((flatSize + flatExtent - 1) / flatExtent)
        used = factored.reduce(1) { $0 * min($1.size, $1.factor) } * min(flatSize, flatExtent)
        total = dims.reduce(1) { $0 * size($1) }
        order = dims
    }

    /// The loops of one fold and the PEs each spans: blocked loops their factor (capped at the
    /// loop's size), flattened loops a greedy split of the rest of the axis from the innermost.
    var loops: [MappedLoop] {
        var flatShare: [LoopDim: Int] = [:]
        var room = flatExtent
        for f in flat.reversed() {
            let n = max(1, min(f.size, room))
            flatShare[f.dim] = n
            room = max(1, room / n)
        }
        return order.map { d in
            if let f = factored.first(where: { $0.dim == d }) { return MappedLoop(d, min(f.size, f.factor)) }
            return MappedLoop(d, flatShare[d] ?? 1)
        }
    }

    /// Words of operand X delivered along this axis over all its folds: every element of the
    /// loops X depends on once, and a multicast value once per fold of the loops it does not.
    func delivered(_ x: Operand) -> Double {
        var w = 1.0
        for f in factored { w *= x.isRelevant(f.dim) ? Double(f.size) : Double((f.size + f.factor - 1) / f.factor) }
        let s = flat.reduce(1) { $0 * $1.size }
        let rel = flat.filter { x.isRelevant($0.dim) }.reduce(1) { $0 * $1.size }
        let f = (s + flatExtent - 1) / flatExtent
        let relFolds = (rel + flatExtent - 1) / flatExtent
        return w * Double(rel) * Double((f + relFolds - 1) / relFolds)
    }
}
