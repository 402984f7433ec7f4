/// The Cholesky factorization A = L Lᵀ of a symmetric positive-definite n×n matrix (row-major),
/// and what it gives: solutions of A x = b and A⁻¹. Shared by the least-squares fits of device
/// tables and predictors.
public struct Cholesky: Sendable {
    /// The lower-triangular factor, row-major n×n.
    public let lower: [Double]
    public let n: Int

    /// Factors `a` (n×n, row-major; only its lower triangle is read); nil when it is not positive definite.
    public init?(_ a: [Double], n: Int) {
        precondition(a.count == n * n, "the matrix must hold n × n numbers")
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        lower = l
        self.n = n
    }

    /// x with A x = b (forward then back substitution).
    public func solve(_ b: [Double]) -> [Double] {
        precondition(b.count == n)
        let l = lower
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var s = b[i]
            for k in 0..<i { s -= l[i * n + k] * y[k] }
            y[i] = s / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<n { s -= l[k * n + i] * x[k] }
            x[i] = s / l[i * n + i]
        }
        return x
    }

    /// A⁻¹ = L⁻ᵀ L⁻¹ (row-major n×n, symmetric).
    public func inverse() -> [Double] {
        let l = lower
        var li = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            li[i * n + i] = 1 / l[i * n + i]
            for j in 0..<i {
                var sum = 0.0
                for k in j..<i { sum -= l[i * n + k] * li[k * n + j] }
                li[i * n + j] = sum / l[i * n + i]
            }
        }
        var inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = 0.0
                for k in i..<n { sum += li[k * n + i] * li[k * n + j] }
                inv[i * n + j] = sum
                inv[j * n + i] = sum
            }
        }
        return inv
    }
}
