import Foundation
import Testing
@testable import DuetSearch

@Suite struct BenchmarkProblemsTests {
    @Test func zdtValuesAtKnownPoints() {
        var x = [Double](repeating: 0, count: 30)
        x[0] = 0.25
        // On the Pareto set (x2..xn = 0): g = 1.
        #expect(ZDT(.zdt1).objectives(x) == [0.25, 0.5])
        #expect(ZDT(.zdt2).objectives(x) == [0.25, 1 - 0.0625])
        let f3 = ZDT(.zdt3).objectives(x)
        #expect(abs(f3[1] - (1 - 0.5 - 0.25 * sin(2.5 * .pi))) < 1e-12)
        // Off the set: x2..xn = 1 gives g = 10.
        let y = [0.25] + [Double](repeating: 1, count: 29)
        #expect(abs(ZDT(.zdt1).objectives(y)[1] - 10 * (1 - (0.025).squareRoot())) < 1e-12)
    }

    @Test func dtlz2ParetoSetLiesOnTheUnitSphere() {
        let p = DTLZ2()
        for (a, b) in [(0.0, 0.0), (0.3, 0.8), (1.0, 0.5)] {
            let f = p.objectives([a, b] + [Double](repeating: 0.5, count: 8))
            #expect(abs(f.map { $0 * $0 }.reduce(0, +) - 1) < 1e-12)
        }
        // f3 = sin(x1 π/2) (1+g); f1 = cos cos.
        let f = p.objectives([1, 0] + [Double](repeating: 0.5, count: 8))
        #expect(abs(f[2] - 1) < 1e-12 && abs(f[0]) < 1e-12)
    }

    @Test func zdt3FrontIsDisconnectedAndNonDominated() {
        let front = ZDT(.zdt3).paretoFront(count: 2000)
        #expect(front.count < 2000)
        #expect(NonDominatedSort.ranks(front).allSatisfy { $0 == 0 })
    }
}
