import DuetCore
import Foundation

/// How well predictions agree with measured values: rank correlations (what a search cares
/// about) and errors (what a report of predicted values cares about).
public struct PredictionQuality: Sendable, Hashable, Codable {
    /// Number of (prediction, truth) pairs.
    public var count: Int
    /// Kendall's τ-b (ties handled), −1…1.
    public var kendallTau: Double
    /// Spearman's ρ (Pearson correlation of average ranks), −1…1.
    public var spearmanRho: Double
    /// Root mean squared error, in the target's unit.
    public var rmse: Double
    /// Mean absolute percentage error, percent (rows whose truth is 0 left out).
    public var mape: Double

    enum CodingKeys: String, CodingKey {
        case count, kendallTau = "kendall_tau", spearmanRho = "spearman_rho", rmse, mape = "mape_percent"
    }

    public init(predicted p: [Double], actual y: [Double]) {
        precondition(p.count == y.count, "one prediction per value")
        count = p.count
        kendallTau = Correlation.kendallTau(p, y)
        spearmanRho = Correlation.spearman(p, y)
        var se = 0.0, ape = 0.0, n = 0
        for (a, b) in zip(p, y) {
            se += (a - b) * (a - b)
            if b != 0 { ape += abs((a - b) / b); n += 1 }
        }
        rmse = p.isEmpty ? .nan : (se / Double(p.count)).squareRoot()
        mape = n == 0 ? .nan : 100 * ape / Double(n)
    }

    /// The mean of several qualities (k-fold cross-validation, seeded splits); counts add up.
    public static func mean(_ qs: [PredictionQuality]) -> PredictionQuality {
        var m = PredictionQuality(predicted: [], actual: [])
        guard !qs.isEmpty else { return m }
        let k = Double(qs.count)
        m.count = qs.reduce(0) { $0 + $1.count }
        m.kendallTau = qs.reduce(0) { $0 + $1.kendallTau } / k
        m.spearmanRho = qs.reduce(0) { $0 + $1.spearmanRho } / k
        m.rmse = qs.reduce(0) { $0 + $1.rmse } / k
        m.mape = qs.reduce(0) { $0 + $1.mape } / k
        return m
    }
}

/// Rank correlation coefficients.
public enum Correlation {
    /// Kendall's τ-b of `a` and `b` (equal lengths): concordant minus discordant pairs over the
    /// geometric mean of the untied pair counts; NaN with fewer than two pairs or a constant input.
    /// O(n log n) (Knight 1966: sort by `a`, count inversions of `b` by merge sort).
    public static func kendallTau(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        let n = a.count
        guard n >= 2 else { return .nan }
        let order = (0..<n).sorted { a[$0] != a[$1] ? a[$0] < a[$1] : b[$0] < b[$1] }
        let sa = order.map { a[$0] }
        var sb = order.map { b[$0] }
        let n0 = Double(n) * Double(n - 1) / 2
        // Ties in a (n1), joint ties (n3).
        var n1 = 0.0, n3 = 0.0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && sa[j + 1] == sa[i] { j += 1 }
            let t = Double(j - i + 1)
            n1 += t * (t - 1) / 2
            var k = i
            while k <= j {
                var l = k
                while l + 1 <= j && sb[l + 1] == sb[k] { l += 1 }
                let u = Double(l - k + 1)
                n3 += u * (u - 1) / 2
                k = l + 1
            }
            i = j + 1
        }
        // Discordant pairs: inversions of b after sorting by (a, b).
        var buffer = sb
        let swaps = Double(mergeCount(&sb, &buffer, 0, n))
        // Ties in b (n2), counted on the now sorted b.
        var n2 = 0.0
        i = 0
        while i < n {
            var j = i
            while j + 1 < n && sb[j + 1] == sb[i] { j += 1 }
            let t = Double(j - i + 1)
            n2 += t * (t - 1) / 2
            i = j + 1
        }
        let concordantMinusDiscordant = n0 - n1 - n2 + n3 - 2 * swaps
        let denom = ((n0 - n1) * (n0 - n2)).squareRoot()
        return denom == 0 ? .nan : concordantMinusDiscordant / denom
    }

    /// Sorts `x[lo..<hi]` and returns its number of inversions (pairs i < j with x[i] > x[j]).
    private static func mergeCount(_ x: inout [Double], _ tmp: inout [Double], _ lo: Int, _ hi: Int) -> Int {
        guard hi - lo > 1 else { return 0 }
        let mid = (lo + hi) / 2
        var count = mergeCount(&x, &tmp, lo, mid) + mergeCount(&x, &tmp, mid, hi)
        var i = lo, j = mid, k = lo
        while i < mid && j < hi {
            if x[j] < x[i] { tmp[k] = x[j]; j += 1; count += mid - i } else { tmp[k] = x[i]; i += 1 }
            k += 1
        }
        while i < mid { tmp[k] = x[i]; i += 1; k += 1 }
        while j < hi { tmp[k] = x[j]; j += 1; k += 1 }
        for t in lo..<hi { x[t] = tmp[t] }
        return count
    }

    /// Average ranks (1-based; tied values share the mean of their ranks).
    public static func ranks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var r = [Double](repeating: 0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
            let avg = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = avg }
            i = j + 1
        }
        return r
    }

    /// Spearman's ρ: the Pearson correlation of the average ranks; NaN for a constant input.
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        guard a.count >= 2 else { return .nan }
        return pearson(ranks(a), ranks(b))
    }

    /// Pearson's correlation coefficient; NaN for a constant input.
    public static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        let d = (saa * sbb).squareRoot()
        return d == 0 ? .nan : sab / d
    }
}
