import Foundation

/// The ZDT test problems (Zitzler, Deb & Thiele 2000): two objectives, 30 real variables in [0, 1]
/// by default, as defined in pymoo (`get_problem("zdt1")`, …).
public struct ZDT: Problem {
    public enum Variant: String, Sendable, CaseIterable { case zdt1, zdt2, zdt3 }
    public let variant: Variant
    public let space: DesignSpace
    public var objectives: [Objective] { [.minimize("f1"), .minimize("f2")] }

    public init(_ variant: Variant, variables n: Int = 30) {
        precondition(n >= 2)
        self.variant = variant
        self.space = try! DesignSpace((1...n).map { .real("x\($0)", lower: 0, upper: 1) })
    }

    /// The objectives of real vector `x`.
    public func objectives(_ x: [Double]) -> [Double] {
        let n = x.count
        let f1 = x[0]
        var s = 0.0
        for i in 1..<n { s += x[i] }
        let g = 1 + 9 * s / Double(n - 1)
        let r = f1 / g
        let h: Double
        switch variant {
        case .zdt1: h = 1 - r.squareRoot()
        case .zdt2: h = 1 - r * r
        case .zdt3: h = 1 - r.squareRoot() - r * sin(10 * .pi * f1)
        }
        return [f1, g * h]
    }

    public func evaluate(_ point: Point) async throws -> Evaluation {
        Evaluation(objectives: objectives(point.reals))
    }

    /// `count` points of the true Pareto front (for IGD), evenly spaced in f1; for ZDT3 only the
    /// non-dominated parts of the curve are kept.
    public func paretoFront(count: Int = 1000) -> [[Double]] {
        let xs = (0..<count).map { Double($0) / Double(count - 1) }
        let curve = xs.map { f1 -> [Double] in
            switch variant {
            case .zdt1: return [f1, 1 - f1.squareRoot()]
            case .zdt2: return [f1, 1 - f1 * f1]
            case .zdt3: return [f1, 1 - f1.squareRoot() - f1 * sin(10 * .pi * f1)]
            }
        }
        if variant != .zdt3 { return curve }
        return NonDominatedSort.nonDominated(curve).map { curve[$0] }
    }
}

/// DTLZ2 (Deb, Thiele, Laumanns & Zitzler 2002): `m` objectives, `n` real variables in [0, 1]
/// (pymoo's defaults: 3 objectives, 10 variables). Its Pareto front is the unit sphere's positive
/// orthant.
public struct DTLZ2: Problem {
    public let objectiveCount: Int
    public let space: DesignSpace
    public var objectives: [Objective] { (1...objectiveCount).map { .minimize("f\($0)") } }

    public init(objectives m: Int = 3, variables n: Int = 10) {
        precondition(m >= 2 && n >= m)
        self.objectiveCount = m
        self.space = try! DesignSpace((1...n).map { .real("x\($0)", lower: 0, upper: 1) })
    }

    /// The objectives of real vector `x`: with g = Σ_{i ≥ m} (xᵢ − ½)²,
    /// fᵢ = (1 + g) · Π_{j < m−i} cos(xⱼπ/2) · (i > 0 ? sin(x_{m−i}π/2) : 1), 0-based.
    public func objectives(_ x: [Double]) -> [Double] {
        let m = objectiveCount
        var g = 0.0
        for i in (m - 1)..<x.count { g += (x[i] - 0.5) * (x[i] - 0.5) }
        var f = [Double](repeating: 1 + g, count: m)
        for i in 0..<m {
            for j in 0..<(m - 1 - i) { f[i] *= cos(x[j] * .pi / 2) }
            if i > 0 { f[i] *= sin(x[m - 1 - i] * .pi / 2) }
        }
        return f
    }

    public func evaluate(_ point: Point) async throws -> Evaluation {
        Evaluation(objectives: objectives(point.reals))
    }
}
