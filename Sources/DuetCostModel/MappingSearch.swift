import DuetCore
import DuetHardware
import DuetWorkload
import Synchronization

/// Searches global-buffer tilings (tile sizes of groups, kernels, channels and output rows under
/// the buffer's capacity — half of it when double-buffered) and DRAM-level loop orders for the
/// mapping of a layer that minimizes an ``MappingObjective``. Deterministic: candidates are visited in
/// a fixed order and ties keep the first. The array-level model is computed once per layer.
public enum MappingSearch {
    /// Tile-size candidates for an extent: the extent, its halvings, and 1 (at most ~8 values),
    /// and, where the array consumes `unit` of the loop per fold, the multiples of the unit
    /// nearest below each halving (tiles that split no fold of the array).
    /// With `perfect` (`spatial_factors: perfect`), every candidate becomes the largest tile at
    /// most its value that divides `n` and is a multiple of what the PEs unroll of the loop
    /// (`spatial`), as Timeloop's mapper's tiles are; below that, the largest divisor.
    static func candidates(_ n: Int, unit: Int = 1, perfect: Bool = false, spatial: Int = 1) -> [Int] {
        var out: [Int] = [n]
        var v = n
        while v > 1 && out.count < 7 { v = (v + 1) / 2; out.append(v) }
        if out.last != 1 { out.append(1) }
        if perfect {
            var seen = Set<Int>()
            return (out + (unit > 1 && unit < n ? [unit] : [])).map { perfectTile(n, atMost: $0, spatial: spatial) }
                .filter { seen.insert($0).inserted }.sorted(by: >)
        }
        if unit > 1 && unit < n {
            for x in out where x > unit && x % unit != 0 { out.append(x / unit * unit) }
            out.append(unit)
            var seen = Set<Int>()
            out = out.filter { seen.insert($0).inserted }.sorted(by: >)
        }
        return out
    }

    /// The largest divisor of `n` at most `m` that is a multiple of `spatial`; where there is none,
    /// the largest divisor at most `m`.
    static func perfectTile(_ n: Int, atMost m: Int, spatial: Int) -> Int {
        let f = max(1, spatial)
        var d = min(n, m)
        while d >= f {
            if n % d == 0 && d % f == 0 { return d }
            d -= 1
        }
        return largestDivisor(of: n, atMost: m)
    }

    /// The largest divisor of `n` that is at most `m` (at least 1; the Timeloop exporter's
    /// factors too).
    static func largestDivisor(of n: Int, atMost m: Int) -> Int {
        guard n > 0 else { return 1 }
        var d = max(1, min(n, m))
        while n % d != 0 { d -= 1 }
        return d
    }

    static let orders: [BufferTiling.LoopOrder] = {
        var out: [BufferTiling.LoopOrder] = []
        func permute(_ a: [BufferTiling.Dim], _ k: Int) {
            if k == a.count { out.append(BufferTiling.LoopOrder(a)); return }
            var a = a
            for i in k..<a.count { a.swapAt(k, i); permute(a, k + 1); a.swapAt(k, i) }
        }
        permute(BufferTiling.Dim.allCases, 0)
        return out
    }()

    /// How many cost evaluations a search of `loops` on `hw` performs (for benchmarks).
    public static func evaluationCount(_ loops: LoopNest, on hw: SubAccelerator) -> Int {
        let sh = BufferTiling.Shape(loops)
        let response = ArrayModel(loops: loops, hw: hw).response
        let unit = response.trafficUnit, spatial = response.spatialUnit
        let perfect = hw.spatialFactors == .perfect
        return (sh.n > 1 ? candidates(sh.n, perfect: perfect).count : 1)
            * (sh.g > 1 ? candidates(sh.g, unit: unit.g, perfect: perfect, spatial: spatial.g).count : 1)
            * candidates(sh.kg, unit: unit.k, perfect: perfect, spatial: spatial.k).count
            * candidates(sh.c, unit: unit.c, perfect: perfect, spatial: spatial.c).count * orders.count
    }

    /// The best mapping of a compute layer, or an ``InputError`` when no tile fits the buffer.
    /// With `residency`, resident operands move no DRAM words and the tiles share the buffer with
    /// the resident tensors (``Residency/reservedBytes``).
    public static func best(_ loops: LoopNest, on hw: SubAccelerator, objective: MappingObjective = .latency, layerName: String = "layer",
                            residency: Residency = .none) throws -> LayerCost {
        let macs = try loops.macs()
        let context = LayerModel.Context(loops, hw, macs: macs, residency: residency)
        let sh = context.shape
        let capacityWords = max(0, Double(hw.globalBufferBytes) - residency.reservedBytes) * 8 / Double(hw.precisionBits) / (hw.doubleBuffer ? 2 : 1)
        var best: (score: Double, tiling: BufferTiling)?
        let unit = context.array.response.trafficUnit
        let perfect = hw.spatialFactors == .perfect, spatial = context.array.response.spatialUnit
        let gs = sh.g > 1 ? candidates(sh.g, unit: unit.g, perfect: perfect, spatial: spatial.g) : [1]
        let ks = candidates(sh.kg, unit: unit.k, perfect: perfect, spatial: spatial.k)
        let cs = candidates(sh.c, unit: unit.c, perfect: perfect, spatial: spatial.c)
        // Perfect row tiles by the largest row tile that fits (index: rows that fit).
        let perfectRows = perfect ? (0...sh.p).map { $0 == 0 ? 1 : perfectTile(sh.p, atMost: $0, spatial: spatial.p) } : []
        // Images per tile: the whole batch, or fewer where the batch does not fit (their loop runs
        // innermost at DRAM: no more DRAM words, more weight deliveries to the array).
        let ns = sh.n > 1 ? candidates(sh.n, perfect: perfect).map { $0 == sh.n ? 0 : $0 } : [0]
        for n in ns {
            for g in gs {
                for k in ks {
                    for c in cs {
                        // The largest row tile that fits (footprint grows monotonically in p).
                        guard Double(BufferTiling.footprint(sh, g: g, k: k, c: c, p: 1, n: n)) <= capacityWords else { continue }
                        var lo = 1, hi = sh.p
                        while lo < hi {
                            let mid = (lo + hi + 1) / 2
                            if Double(BufferTiling.footprint(sh, g: g, k: k, c: c, p: mid, n: n)) <= capacityWords { lo = mid } else { hi = mid - 1 }
                        }
                        if perfect { lo = perfectRows[lo] }
                        // Orders that run the same loops more than once in the same order move the same
                        // words, so score the same: only the first of them can win (ties keep the first).
                        let tile = BufferTiling.Tile(BufferTiling(g: g, k: k, c: c, p: lo, order: orders[0]), sh)
                        let array = context.array.response.figures(g: g, k: k, c: c, p: lo, n: n)
                        var seen = SeenKeys()
                        for order in orders {
                            guard seen.insert(tile.repeatedLoops(order)) else { continue }
                            let s = LayerModel.score(LayerModel.quick(context, array: array, traffic: tile.traffic(order)), objective)
                            if best == nil || s < best!.score { best = (s, BufferTiling(g: g, k: k, c: c, p: lo, order: order, n: n)) }
                        }
                    }
                }
            }
        }
        guard let found = best?.tiling else {
            let need = Double(BufferTiling.footprint(sh, g: 1, k: 1, c: 1, p: 1, n: 1)) * Double(hw.precisionBits) / 8 * (hw.doubleBuffer ? 2 : 1)
            throw InputError(keyPath: "global_buffer_kib", value: String(hw.globalBufferKiB),
                             message: "the global buffer of '\(hw.name)' is too small for any tile of layer '\(layerName)' (the smallest tile needs \(Int(need.rounded(.up))) bytes\(hw.doubleBuffer ? ", double-buffered" : ""))",
                             hint: "raise global_buffer_kib to at least \(Int((need / 1024).rounded(.up)))")
        }
        return LayerModel.cost(context, found)
    }
}

/// The keys (``BufferTiling/Tile/repeatedLoops(_:)``, one byte) of the orders of one tile scored
/// so far, as a 256-bit set kept inline (no allocation in the search's inner loop).
struct SeenKeys {
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    /// Adds `key`; false when it was there already.
    mutating func insert(_ key: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(key & 63)
        func add(_ w: inout UInt64) -> Bool {
            if w & bit != 0 { return false }
            w |= bit
            return true
        }
        switch key >> 6 {
        case 0: return add(&w0)
        case 1: return add(&w1)
        case 2: return add(&w2)
        default: return add(&w3)
        }
    }
}

/// A thread-safe memo of mapping searches keyed by (layer loops, sub-accelerator, objective).
public final class MappingCache: Sendable {
    struct Key: Hashable { var loops: LoopNest; var hw: SubAccelerator; var objective: MappingObjective; var residency: Residency }
    private let table = Mutex<[Key: LayerCost]>([:])
    public init() {}

    public func best(_ loops: LoopNest, on hw: SubAccelerator, objective: MappingObjective, layerName: String = "layer",
                     residency: Residency = .none) throws -> LayerCost {
        let key = Key(loops: loops, hw: hw, objective: objective, residency: residency)
        if let hit = table.withLock({ $0[key] }) { return hit }
        let cost = try MappingSearch.best(loops, on: hw, objective: objective, layerName: layerName, residency: residency)
        table.withLock { $0[key] = cost }
        return cost
    }

    public var count: Int { table.withLock { $0.count } }
}
