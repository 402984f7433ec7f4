import DuetCore
import Testing
@testable import DuetPredict

@Suite struct MetricsTests {
    /// Kendall's τ-b by its definition, over all pairs.
    func bruteForceTau(_ a: [Double], _ b: [Double]) -> Double {
        var c = 0.0, d = 0.0, ta = 0.0, tb = 0.0
        for i in a.indices { for j in (i + 1)..<a.count {
            let x = (a[i] - a[j]).sign, y = (b[i] - b[j]).sign
            if a[i] == a[j] && b[i] == b[j] { continue }
            if a[i] == a[j] { ta += 1; continue }
            if b[i] == b[j] { tb += 1; continue }
            if x == y { c += 1 } else { d += 1 }
        } }
        return (c - d) / ((c + d + ta) * (c + d + tb)).squareRoot()
    }

    @Test func kendallTauMatchesTheDefinitionWithTies() {
        for seed in UInt64(1)...20 {
            var rng = SeededGenerator(seed: seed)
            let n = 2 + Int(rng.next() % 60)
            // Few distinct values, so ties in both and joint ties occur.
            let a = (0..<n).map { _ in Double(rng.next() % 7) }
            let b = (0..<n).map { i in a[i] + Double(rng.next() % 5) }
            let fast = Correlation.kendallTau(a, b), slow = bruteForceTau(a, b)
            #expect(abs(fast - slow) < 1e-12 || (fast.isNaN && slow.isNaN), "seed \(seed): \(fast) vs \(slow)")
        }
    }

    @Test func perfectAndReversedOrders() {
        let x: [Double] = [1, 2, 3, 4, 5]
        #expect(Correlation.kendallTau(x, x.map { $0 * 10 }) == 1)
        #expect(Correlation.kendallTau(x, x.reversed()) == -1)
        #expect(Correlation.spearman(x, x.map { $0 * $0 }) == 1)
        #expect(Correlation.kendallTau([1, 1, 1], [1, 2, 3]).isNaN)
    }

    @Test func errorsAreInTheTargetsUnit() {
        let q = PredictionQuality(predicted: [11, 19, 30], actual: [10, 20, 30])
        #expect(abs(q.rmse - (2.0 / 3).squareRoot()) < 1e-12)
        // (10 % + 5 % + 0 %) / 3
        #expect(abs(q.mape - 5) < 1e-12)
    }
}
