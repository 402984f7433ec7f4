import DuetCore
import DuetHardware
import DuetWorkload

/// The global-buffer level of the model: a tile of the layer (g groups × k kernels × c channels
/// × p output rows, full width and full window) resident in the global buffer, and an order of
/// the four tile loops at the DRAM level. DRAM traffic of each operand = its total size × the
/// trip counts of the loops outside its innermost relevant loop that it does not depend on
/// (the classic reuse analysis of Timeloop/ZigZag-style models); inputs include the halo rows
/// each row tile re-reads.
struct BufferTiling: Sendable, Hashable {
    enum Dim: Int, CaseIterable, Sendable {
        case g, k, c, p
        /// The case's name ("g", "k", "c", "p"), without the reflection `"\(dim)"` costs.
        var name: String {
            switch self { case .g: return "g"; case .k: return "k"; case .c: return "c"; case .p: return "p" }
        }
    }
    var g: Int, k: Int, c: Int, p: Int
    /// DRAM-level loop order, outermost first.
    var order: LoopOrder
    /// Images of the batch per tile (0: the whole batch). The images of a tile loop innermost
    /// at DRAM, so splitting the batch moves no more DRAM words (each tile's weights stay while
    /// its images pass; inputs and outputs are per image anyway); it shrinks the footprint.
    var n = 0

    init(g: Int, k: Int, c: Int, p: Int, order: LoopOrder, n: Int = 0) {
        self.g = g; self.k = k; self.c = c; self.p = p; self.order = order; self.n = n
    }

    /// A permutation of the four tile loops packed in one byte: a plain value, so the mapping
    /// search's inner loop touches no reference count (shared array buffers made two threads
    /// slower than one).
    struct LoopOrder: Sendable, Hashable, ExpressibleByArrayLiteral {
        private var packed: UInt8
        init(_ dims: [Dim]) {
            precondition(dims.count == 4 && Set(dims).count == 4, "a loop order names g, k, c and p once each")
            packed = 0
            for (i, d) in dims.enumerated() { packed |= UInt8(d.rawValue) << (2 * i) }
        }
        init(arrayLiteral dims: Dim...) { self.init(dims) }
        var count: Int { 4 }
        subscript(i: Int) -> Dim { Dim(rawValue: Int((packed >> (2 * i)) & 3))! }
        var dims: [Dim] { (0..<4).map { self[$0] } }
    }

    static func relevant(_ x: Operand, _ d: Dim) -> Bool {
        switch x {
        case .weight: return d != .p
        case .input: return d != .k
        case .output: return d != .c
        }
    }

    /// Per-group layer extents.
    struct Shape {
        var g, kg, c, p, q, r, s, n, strideH, strideW, dilH, dilW: Int
        init(_ l: LoopNest) {
            g = max(1, l.groups); kg = max(1, l.k / g); c = l.c; p = l.p; q = l.q; r = l.r; s = l.s; n = l.n
            strideH = l.strideH; strideW = l.strideW; dilH = l.dilationH; dilW = l.dilationW
        }
        var inputWidth: Int { (q - 1) * strideW + (s - 1) * dilW + 1 }
        func inputRows(_ pt: Int) -> Int { (pt - 1) * strideH + (r - 1) * dilH + 1 }
        func extent(_ d: Dim) -> Int {
            switch d { case .g: return g; case .k: return kg; case .c: return c; case .p: return p }
        }
    }

    /// Words of the tile's three operands (`n` images per tile; 0: the whole batch).
    static func footprint(_ sh: Shape, g: Int, k: Int, c: Int, p: Int, n: Int = 0) -> Int {
        let images = n > 0 ? min(n, sh.n) : sh.n
        let w = g * k * c * sh.r * sh.s
        let i = images * g * c * sh.inputRows(p) * sh.inputWidth
        let o = images * g * k * p * sh.q
        return w + i + o
    }

    /// DRAM traffic in words, per operand. Arithmetic only (no allocation): the mapping search
    /// calls this for every candidate.
    struct DRAMTraffic {
        /// Weight words read (refetches included).
        var weights: Double
        /// Input words read (halo rows and refetches included).
        var inputs: Double
        /// Partial-sum words read back to be accumulated.
        var partialSumReads: Double
        /// Output and partial-sum words written.
        var outputWrites: Double
        var reads: Double { weights + inputs + partialSumReads }
        var writes: Double { outputWrites }
        /// The output channel carries partial-sum reads and all writes.
        var outputChannel: Double { partialSumReads + outputWrites }
    }

    /// DRAM traffic in words: (reads of weights + inputs + partial sums, writes of outputs).
    func dramWords(_ sh: Shape) -> (reads: Double, writes: Double) {
        let t = dramTraffic(sh)
        return (t.reads, t.writes)
    }

    func dramTraffic(_ sh: Shape) -> DRAMTraffic { Tile(self, sh).traffic(order) }

    /// What a tile's DRAM traffic needs besides the loop order: the trip count of each tile loop
    /// and each operand's total words. The mapping search builds it once per tile and asks it for
    /// every order (``traffic(_:)``), so the traffic of a (tile, order) is the same arithmetic
    /// whether it comes from here or from ``BufferTiling/dramTraffic(_:)``.
    struct Tile {
        /// Trip counts of the g, k, c and p tile loops.
        var trips: (g: Int, k: Int, c: Int, p: Int)
        var weights: Double
        var inputs: Double
        var outputs: Double

        init(_ t: BufferTiling, _ sh: Shape) {
            trips = (g: (sh.g + t.g - 1) / t.g, k: (sh.kg + t.k - 1) / t.k, c: (sh.c + t.c - 1) / t.c, p: (sh.p + t.p - 1) / t.p)
            weights = Double(sh.g * sh.kg * sh.c * sh.r * sh.s)
            inputs = Double(sh.n * sh.g * sh.c) * Double(trips.p * sh.inputRows(t.p) * sh.inputWidth)
            outputs = Double(sh.n * sh.g * sh.kg * sh.p * sh.q)
        }

        @inline(__always) func trip(_ d: Dim) -> Int {
            switch d { case .g: return trips.g; case .k: return trips.k; case .c: return trips.c; case .p: return trips.p }
        }

        /// The loops of `order` that run more than once, in order, 2 bits each from the low end.
        /// Orders of this tile with the same key move the same words: a loop that runs once
        /// multiplies no refetch and is no operand's innermost relevant loop. (Which loops run
        /// more than once is fixed for the tile, so the sequence alone tells orders apart.)
        func repeatedLoops(_ order: LoopOrder) -> UInt8 {
            var key: UInt8 = 0, n: UInt8 = 0
            for i in 0..<4 {
                let d = order[i]
                if trip(d) > 1 { key |= UInt8(d.rawValue) << (2 * n); n += 1 }
            }
            return key
        }

        func traffic(_ order: LoopOrder) -> DRAMTraffic {
            // Loops outside an operand's innermost relevant loop that it does not depend on refetch it.
            @inline(__always) func refetch(_ x: Operand) -> Double {
                var inner = -1
                for i in 0..<order.count where BufferTiling.relevant(x, order[i]) && trip(order[i]) > 1 { inner = i }
                var f = 1.0
                if inner >= 0 { for i in 0...inner where !BufferTiling.relevant(x, order[i]) { f *= Double(trip(order[i])) } }
                return f
            }
            let outWrites = outputs * refetch(.output)
            return DRAMTraffic(weights: weights * refetch(.weight), inputs: inputs * refetch(.input),
                               partialSumReads: outWrites - outputs, outputWrites: outWrites)
        }
    }

    var description: String { "g=\(g) k=\(k) c=\(c) p=\(p)" + (n > 0 ? " n=\(n)" : "") }
    var orderText: String { order.dims.map(\.name).joined(separator: ">") }
}
