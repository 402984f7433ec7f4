import DuetCore
import Foundation
import Testing
@testable import DuetSearch

@Suite struct SimulatedBinaryCrossoverTests {
    @Test func handComputedChildrenWithParentsAtTheBounds() {
        // Parents 0 and 1 in [0, 1], eta = 1, u = 0.5: beta = 1 on both sides, alpha = 2 - 1 = 1,
        // betaq = (0.5 * 1)^(1/2) = 0.70711; c1 = (1 - 0.70711)/2, c2 = (1 + 0.70711)/2.
        let (c1, c2) = SimulatedBinaryCrossover.children(0, 1, lower: 0, upper: 1, eta: 1, u: 0.5)
        #expect(abs(c1 - (1 - 0.5.squareRoot()) / 2) < 1e-12)
        #expect(abs(c2 - (1 + 0.5.squareRoot()) / 2) < 1e-12)
    }

    @Test func handComputedChildrenInTheInterior() {
        // Parents 0.4, 0.6 in [0, 1], eta = 1, u = 0.25.
        // Left: beta = 1 + 2*0.4/0.2 = 5, alpha = 2 - 5^-2 = 1.96, u <= 1/alpha:
        //   betaq = sqrt(0.25 * 1.96) = 0.7, c1 = (1.0 - 0.7*0.2)/2 = 0.43.
        // Right: same beta by symmetry, c2 = (1.0 + 0.14)/2 = 0.57.
        let (c1, c2) = SimulatedBinaryCrossover.children(0.4, 0.6, lower: 0, upper: 1, eta: 1, u: 0.25)
        #expect(abs(c1 - 0.43) < 1e-12)
        #expect(abs(c2 - 0.57) < 1e-12)
        // u > 1/alpha: betaq = (1/(2 - 0.75*1.96))^(1/2) = (1/0.53)^(1/2).
        let (d1, d2) = SimulatedBinaryCrossover.children(0.4, 0.6, lower: 0, upper: 1, eta: 1, u: 0.75)
        let bq = (1 / 0.53).squareRoot()
        #expect(abs(d1 - (1 - bq * 0.2) / 2) < 1e-12)
        #expect(abs(d2 - (1 + bq * 0.2) / 2) < 1e-12)
    }

    @Test func childrenStayWithinBoundsForEveryDraw() {
        for (x1, x2) in [(0.0, 1.0), (0.0, 0.001), (0.999, 1.0), (0.3, 0.7)] {
            for k in 0..<1000 {
                let u = Double(k) / 1000
                let (c1, c2) = SimulatedBinaryCrossover.children(x1, x2, lower: 0, upper: 1, eta: 15, u: u)
                #expect(c1 >= 0 && c1 <= 1 && c2 >= 0 && c2 <= 1)
                #expect(c1 <= c2)
            }
        }
    }

    @Test func parentsAtTheSameValueAreCopied() {
        let (c1, c2) = SimulatedBinaryCrossover.children(0.3, 0.3, lower: 0, upper: 1, eta: 15, u: 0.9)
        #expect(c1 == 0.3 && c2 == 0.3)
    }

    @Test func largerEtaKeepsChildrenCloserToParents() {
        var near = 0.0, far = 0.0
        for k in 1..<1000 {
            let u = Double(k) / 1000
            near += abs(SimulatedBinaryCrossover.children(0.4, 0.6, lower: 0, upper: 1, eta: 30, u: u).0 - 0.4)
            far += abs(SimulatedBinaryCrossover.children(0.4, 0.6, lower: 0, upper: 1, eta: 2, u: u).0 - 0.4)
        }
        #expect(near < far)
    }

    @Test func integerGenesCrossOnTheWidenedRangeAndRoundToEveryValue() throws {
        let space = try DesignSpace([.integer("n", lower: 1, upper: 4), .integer("m", lower: 1, upper: 4)])
        var rng = SeededGenerator(seed: 5)
        var seen = Set<Double>()
        let sbx = SimulatedBinaryCrossover(eta: 1, variableProbability: 1)
        for _ in 0..<2000 {
            var a: [Double] = [1, 4], b: [Double] = [4, 1]
            sbx.cross(&a, &b, genes: space.genes, using: &rng)
            space.repair(&a); space.repair(&b)
            #expect(space.isCanonical(a) && space.isCanonical(b))
            seen.insert(a[0]); seen.insert(b[0])
        }
        #expect(seen == [1, 2, 3, 4])
    }

    @Test func categoricalGenesAreLeftToUniformCrossover() throws {
        let space = try DesignSpace([.categorical("c", ["a", "b", "c"]), .real("x", lower: 0, upper: 1)])
        var rng = SeededGenerator(seed: 1)
        var a: [Double] = [0, 0.2], b: [Double] = [2, 0.8]
        SimulatedBinaryCrossover(variableProbability: 1).cross(&a, &b, genes: space.genes, using: &rng)
        #expect(a[0] == 0 && b[0] == 2)
        #expect(a[1] != 0.2 || b[1] != 0.8)
    }
}
