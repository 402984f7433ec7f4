import Testing
@testable import DuetCore

@Suite struct CholeskyTests {
    /// A = [[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]]: A x = b recovers x, A A⁻¹ = I (hand-checkable SPD matrix).
    @Test func solvesAndInverts() throws {
        let a: [Double] = [4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]
        let c = try #require(Cholesky(a, n: 3))
        let x: [Double] = [1, -2, 0.5]
        let b = (0..<3).map { i in (0..<3).reduce(0.0) { $0 + a[i * 3 + $1] * x[$1] } }
        for (u, v) in zip(c.solve(b), x) { #expect(abs(u - v) < 1e-12) }
        let inv = c.inverse()
        for i in 0..<3 { for j in 0..<3 {
            let p = (0..<3).reduce(0.0) { $0 + a[i * 3 + $1] * inv[$1 * 3 + j] }
            #expect(abs(p - (i == j ? 1 : 0)) < 1e-12)
        } }
        #expect(c.lower[0] == 2)   // √4
    }

    @Test func refusesAMatrixThatIsNotPositiveDefinite() {
        #expect(Cholesky([1, 2, 2, 1], n: 2) == nil)
        #expect(Cholesky([0], n: 1) == nil)
    }
}
