import DuetCore
import DuetHardware
import Foundation

/// Fitting per-operator latencies from end-to-end network measurements, and the error metrics
/// used to judge a table (Kendall τ-b, absolute percentage error).
public enum TableFit {
    /// One measured network: its device operators and its measured latency in milliseconds.
    public struct Sample: Sendable, Hashable {
        public var signatures: [OperatorSignature]
        public var latencyMs: Double
        public init(signatures: [OperatorSignature], latencyMs: Double) { self.signatures = signatures; self.latencyMs = latencyMs }
    }

    /// Solves min ‖W(Ax − b)‖² subject to x ≥ 0 with W = diag(1/b) when `relative` (so each
    /// network's error counts in percent) or W = I: Lawson and Hanson's active-set method on the
    /// normal equations (exact; collinear columns, e.g. operators every network has once, are
    /// handled: a column whose gradient is zero never enters). At most `maxIterations` outer
    /// steps. Deterministic.
    public static func nnls(rows: [[Double]], targets: [Double], relative: Bool = true, maxIterations: Int = 10_000) -> [Double] {
        guard let p = rows.first?.count else { return [] }
        var g = [Double](repeating: 0, count: p * p), h = [Double](repeating: 0, count: p)
        for (r, y) in zip(rows, targets) {
            let w = relative && y > 0 ? 1 / (y * y) : 1
            let nz = r.indices.filter { r[$0] != 0 }
            for i in nz {
                h[i] += w * r[i] * y
                for j in nz { g[i * p + j] += w * r[i] * r[j] }
            }
        }
        return nnls(gram: g, h, p, maxIterations: maxIterations)
    }

    /// min ½xᵀGx − hᵀx subject to x ≥ 0 (G = AᵀWA, h = AᵀWb), Lawson–Hanson.
    static func nnls(gram g: [Double], _ h: [Double], _ p: Int, maxIterations: Int) -> [Double] {
        let scale = max((0..<p).map { g[$0 * p + $0] }.max() ?? 1, 1e-300)
        let tol = 1e-10 * max(h.map(abs).max() ?? 1, 1e-300)
        var x = [Double](repeating: 0, count: p)
        var passive = [Bool](repeating: false, count: p)
        func gradient() -> [Double] { (0..<p).map { i in h[i] - (0..<p).reduce(0) { $0 + g[i * p + $1] * x[$1] } } }
        /// Unconstrained minimizer on the passive set (a tiny ridge keeps collinear sets solvable).
        func solvePassive() -> [Double] {
            let idx = (0..<p).filter { passive[$0] }
            let k = idx.count
            var a = [Double](repeating: 0, count: k * k), b = idx.map { h[$0] }
            for (r, i) in idx.enumerated() { for (c, j) in idx.enumerated() { a[r * k + c] = g[i * p + j] } ; a[r * k + r] += 1e-12 * scale }
            // Cholesky solve.
            for i in 0..<k {
                for j in 0...i {
                    var sum = a[i * k + j]
                    for t in 0..<j { sum -= a[i * k + t] * a[j * k + t] }
                    if i == j { a[i * k + i] = sum > 0 ? sum.squareRoot() : 1e-150 } else { a[i * k + j] = sum / a[j * k + j] }
                }
            }
            for i in 0..<k { var s = b[i]; for t in 0..<i { s -= a[i * k + t] * b[t] }; b[i] = s / a[i * k + i] }
            for i in stride(from: k - 1, through: 0, by: -1) { var s = b[i]; for t in (i + 1)..<k { s -= a[t * k + i] * b[t] }; b[i] = s / a[i * k + i] }
            var z = [Double](repeating: 0, count: p)
            for (r, i) in idx.enumerated() { z[i] = b[r] }
            return z
        }
        var iterations = 0
        var skip = Set<Int>()          // entered and left at once without moving x (rounding): not retried until x moves
        while iterations < maxIterations {
            let w = gradient()
            guard let j = (0..<p).filter({ !passive[$0] && !skip.contains($0) && w[$0] > tol }).max(by: { w[$0] < w[$1] }) else { break }
            passive[j] = true
            let before = x
            while iterations < maxIterations {
                iterations += 1
                let z = solvePassive()
                let bad = (0..<p).filter { passive[$0] && z[$0] <= 0 }
                if bad.isEmpty { x = z; break }
                let alpha = bad.map { x[$0] / (x[$0] - z[$0]) }.min()!
                for i in 0..<p where passive[i] { x[i] += alpha * (z[i] - x[i]) }
                for i in 0..<p where passive[i] && x[i] <= 1e-15 * scale.squareRoot() { passive[i] = false; x[i] = 0 }
                if !passive.contains(true) { break }
            }
            if x == before { skip.insert(j) } else { skip.removeAll() }
        }
        return x.map { max($0, 0) }
    }

    /// The result of ``fit(_:overheadFeature:relative:provenance:)``.
    public struct Result: Sendable {
        /// The fitted table (entries with `count` 0: fitted, not measured).
        public var table: LatencyTable
        /// How many training networks contained each entry.
        public var support: [String: Int]
    }

    /// Learns a table: one non-negative latency per distinct signature plus a non-negative
    /// per-network constant, by (relative) non-negative least squares over `samples`.
    public static func fit(_ samples: [Sample], relative: Bool = true, provenance: TableProvenance, device: TableDevice) -> Result {
        var index: [OperatorSignature: Int] = [:]
        var sigs: [OperatorSignature] = []
        var supportCount: [Int] = []
        // One dictionary lookup per operator; rows as sparse (column, count) lists.
        let sparse: [[(Int, Double)]] = samples.map { s in
            var counts: [Int: Double] = [:]
            for sig in s.signatures {
                let i: Int
                if let j = index[sig] { i = j } else { i = sigs.count; index[sig] = i; sigs.append(sig); supportCount.append(0) }
                counts[i, default: 0] += 1
            }
            for i in counts.keys { supportCount[i] += 1 }
            return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        let p = sigs.count + 1
        var g = [Double](repeating: 0, count: p * p), h = [Double](repeating: 0, count: p)
        for (r, smp) in zip(sparse, samples) {
            let y = smp.latencyMs
            let w = relative && y > 0 ? 1 / (y * y) : 1
            let row = r + [(p - 1, 1.0)]
            for (i, a) in row {
                h[i] += w * a * y
                for (j, b) in row { g[i * p + j] += w * a * b }
            }
        }
        let x = nnls(gram: g, h, p, maxIterations: 10_000)
        var table = LatencyTable(provenance: provenance, networkOverheadMs: x.last ?? 0, rewrites: device.rewrites, fusion: device.fusion)
        var support: [String: Int] = [:]
        for (i, sig) in sigs.enumerated() { table.insert(LatencyEntry(sig, meanMs: x[i])); support[sig.key] = supportCount[i] }
        return Result(table: table, support: support)
    }

    // MARK: Metrics

    /// Kendall's τ-b between two equally long series (ties handled as scipy does), in O(n log n)
    /// (Knight 1966). NaN when fewer than two points or one series is constant.
    public static func kendallTau(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "series must have equal length")
        let n = x.count
        guard n >= 2 else { return .nan }
        var idx = Array(0..<n)
        idx.sort { x[$0] != x[$1] ? x[$0] < x[$1] : y[$0] < y[$1] }
        func pairs(_ k: Int) -> Int { k * (k - 1) / 2 }
        var tiesX = 0, tiesXY = 0
        var i = 0
        while i < n {
            var j = i + 1
            while j < n && x[idx[j]] == x[idx[i]] { j += 1 }
            tiesX += pairs(j - i)
            var a = i
            while a < j {
                var b = a + 1
                while b < j && y[idx[b]] == y[idx[a]] { b += 1 }
                tiesXY += pairs(b - a); a = b
            }
            i = j
        }
        // Count inversions of y in x-order by merge sort.
        var ys = idx.map { y[$0] }
        var buf = ys
        var swaps = 0
        var width = 1
        while width < n {
            var lo = 0
            while lo < n {
                let mid = min(lo + width, n), hi = min(lo + 2 * width, n)
                var l = lo, r = mid, k = lo
                while l < mid && r < hi {
                    if ys[l] <= ys[r] { buf[k] = ys[l]; l += 1 } else { buf[k] = ys[r]; swaps += mid - l; r += 1 }
                    k += 1
                }
                while l < mid { buf[k] = ys[l]; l += 1; k += 1 }
                while r < hi { buf[k] = ys[r]; r += 1; k += 1 }
                lo += 2 * width
            }
            swap(&ys, &buf)
            width *= 2
        }
        var tiesY = 0
        i = 0
        while i < n {
            var j = i + 1
            while j < n && ys[j] == ys[i] { j += 1 }
            tiesY += pairs(j - i); i = j
        }
        let n0 = pairs(n)
        let numerator = Double(n0 - tiesX - tiesY + tiesXY - 2 * swaps)
        let denominator = (Double(n0 - tiesX) * Double(n0 - tiesY)).squareRoot()
        return denominator == 0 ? .nan : numerator / denominator
    }

    /// Absolute percentage errors |p − m| / m · 100, skipping measurements ≤ 0.
    public static func absolutePercentageErrors(predicted: [Double], measured: [Double]) -> [Double] {
        zip(predicted, measured).compactMap { p, m in m > 0 ? abs(p - m) / m * 100 : nil }
    }

    /// Summary of predictions against measurements.
    public struct Errors: Sendable, Hashable {
        public var count: Int
        public var kendallTau: Double
        /// Mean and median absolute percentage error, in percent.
        public var meanAPE: Double
        public var medianAPE: Double
    }

    public static func errors(predicted: [Double], measured: [Double]) -> Errors {
        let ape = absolutePercentageErrors(predicted: predicted, measured: measured).sorted()
        let mean = ape.isEmpty ? .nan : ape.reduce(0, +) / Double(ape.count)
        let median: Double = ape.isEmpty ? .nan : ape.count % 2 == 1 ? ape[ape.count / 2] : (ape[ape.count / 2 - 1] + ape[ape.count / 2]) / 2
        return Errors(count: predicted.count, kendallTau: kendallTau(predicted, measured), meanAPE: mean, medianAPE: median)
    }

    /// A seeded split of `0..<count` into `trainCount` training indices and the rest (both sorted).
    public static func split(count: Int, trainCount: Int, seed: UInt64) -> (train: [Int], test: [Int]) {
        var rng = SeededGenerator(seed: seed)
        var all = Array(0..<count)
        all.shuffle(using: &rng)
        let k = min(max(trainCount, 0), count)
        return (Array(all[..<k]).sorted(), Array(all[k...]).sorted())
    }
}
