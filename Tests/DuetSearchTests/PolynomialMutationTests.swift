import DuetCore
import Testing
@testable import DuetSearch

@Suite struct PolynomialMutationTests {
    @Test func handComputedDraws() {
        // u = 0.5: val = 1, deltaq = 0 — no move.
        #expect(PolynomialMutation.mutated(0.3, lower: 0, upper: 1, eta: 20, u: 0.5) == 0.3)
        // u = 0: val = (1 - delta1)^(eta+1), deltaq = (1 - delta1) - 1 = -delta1: to the lower bound.
        #expect(abs(PolynomialMutation.mutated(0.3, lower: 0, upper: 1, eta: 20, u: 0)) < 1e-12)
        // eta = 1, x = 0.5 in [0,1], u = 0.25: val = 0.5 + 0.5*0.25 = 0.625; deltaq = sqrt(0.625) - 1.
        let y = PolynomialMutation.mutated(0.5, lower: 0, upper: 1, eta: 1, u: 0.25)
        #expect(abs(y - (0.5 + (0.625.squareRoot() - 1))) < 1e-12)
        // eta = 1, x = 0.5, u = 0.75: val = 0.5 + 0.5*0.25 = 0.625; deltaq = 1 - sqrt(0.625).
        let z = PolynomialMutation.mutated(0.5, lower: 0, upper: 1, eta: 1, u: 0.75)
        #expect(abs(z - (0.5 + (1 - 0.625.squareRoot()))) < 1e-12)
    }

    @Test func staysWithinBoundsAtTheBounds() {
        for x in [0.0, 1.0, 1e-9, 1 - 1e-9] {
            for k in 0...1000 {
                let y = PolynomialMutation.mutated(x, lower: 0, upper: 1, eta: 20, u: min(Double(k) / 1000, 0.999999))
                #expect(y >= 0 && y <= 1)
            }
        }
    }

    @Test func defaultProbabilityIsOneOverN() {
        #expect(PolynomialMutation().geneProbability(geneCount: 30) == 1.0 / 30)
        #expect(PolynomialMutation().geneProbability(geneCount: 1) == 0.5)
        #expect(PolynomialMutation(probability: 0.2).geneProbability(geneCount: 30) == 0.2)
    }

    @Test func mutatesAboutOneGeneInN() {
        let space = ZDT(.zdt1).space
        var rng = SeededGenerator(seed: 9)
        var changed = 0
        for _ in 0..<2000 {
            var g = [Double](repeating: 0.5, count: 30)
            PolynomialMutation().mutate(&g, genes: space.genes, using: &rng)
            changed += g.filter { $0 != 0.5 }.count
        }
        #expect(abs(Double(changed) / 2000 - 1) < 0.1)
    }

    @Test func fastPowerAgreesWithPow() {
        for x in [0.1, 0.5, 0.99, 1.7] {
            for e in [16.0, 21.0, 2.5] {
                #expect(abs(FastPower.power(x, e) / Foundation.pow(x, e) - 1) < 1e-12)
                #expect(abs(FastPower.root(x, e) / Foundation.pow(x, 1 / e) - 1) < 1e-12)
            }
        }
    }
}

import Foundation
