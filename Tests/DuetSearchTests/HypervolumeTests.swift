import DuetCore
import Foundation
import Testing
@testable import DuetSearch

@Suite struct HypervolumeTests {
    @Test func singlePointIsItsBox() {
        #expect(Hypervolume.compute([[0.5]], reference: [2]) == 1.5)
        #expect(Hypervolume.compute([[1, 2]], reference: [3, 3]) == 2)
        #expect(Hypervolume.compute([[1, 2, 0]], reference: [3, 3, 2]) == 4)
        #expect(Hypervolume.compute([[1, 2, 0, 1]], reference: [3, 3, 2, 2]) == 4)
    }

    @Test func pointsOutsideTheReferenceCountForNothing() {
        #expect(Hypervolume.compute([[1, 4], [4, 1]], reference: [3, 3]) == 0)
        #expect(Hypervolume.compute([[1, 3], [2, 2]], reference: [3, 3]) == 1)
        #expect(Hypervolume.compute([[Double]](), reference: [1, 1]) == 0)
    }

    @Test func evenlySpacedLinearFrontHasTheAnalyticArea() {
        // n points (i/(n-1), 1 - i/(n-1)) with reference (1,1) dominate (n-2)/(2(n-1)).
        for n in [2, 3, 10, 1001] {
            let pts = (0..<n).map { i -> [Double] in let x = Double(i) / Double(n - 1); return [x, 1 - x] }
            let expected = Double(n - 2) / Double(2 * (n - 1))
            #expect(abs(Hypervolume.compute(pts, reference: [1, 1]) - expected) < 1e-12, "n = \(n)")
        }
    }

    @Test func denseZDT1FrontApproachesTheIntegral() {
        // Front f2 = 1 - sqrt(f1) on [0,1], reference (1.1, 1.1): everything in the box is
        // dominated except the region under the curve, ∫₀¹ (1 - √x) dx = 1/3; HV → 1.21 - 1/3.
        let n = 20_000
        let pts = (0..<n).map { i -> [Double] in let x = Double(i) / Double(n - 1); return [x, 1 - x.squareRoot()] }
        let hv = Hypervolume.compute(pts, reference: [1.1, 1.1])
        #expect(abs(hv - (1.21 - 1.0 / 3.0)) < 1e-3)
        #expect(hv < 1.21 - 1.0 / 3.0)  // a finite set falls short of the curve
    }

    @Test func denseDTLZ2FrontApproachesTheSphereVolume() {
        // Points on the unit sphere's positive orthant; reference (1,1,1): the dominated volume
        // tends to 1 - π/6 (the cube minus the ball's octant).
        var pts: [[Double]] = []
        let k = 120
        for i in 0...k {
            for j in 0...k {
                let a = Double(i) / Double(k) * .pi / 2, b = Double(j) / Double(k) * .pi / 2
                pts.append([cos(a) * cos(b), cos(a) * sin(b), sin(a)])
            }
        }
        let hv = Hypervolume.compute(pts, reference: [1, 1, 1])
        #expect(abs(hv - (1 - Double.pi / 6)) < 0.02)
        #expect(hv < 1 - Double.pi / 6)
    }

    @Test func agreesWithInclusionExclusionInTwoToFiveDimensions() {
        withEvery(in: 0..<15) { seed in
            var rng = SeededGenerator(seed: seed)
            for m in 2...5 {
                let n = m <= 3 ? 12 : 9
                let pts = randomPoints(n, m, levels: seed % 3 == 0 ? 4 : nil, using: &rng)
                let reference = [Double](repeating: 1.05, count: m)
                let exact = inclusionExclusionHypervolume(pts, reference: reference)
                let hv = Hypervolume.compute(pts, reference: reference)
                #expect(abs(hv - exact) < 1e-10, "seed \(seed), m \(m): \(hv) vs \(exact)")
            }
        }
    }

    @Test func threeDimensionalSweepAgreesWithWFGOnLargerSets() {
        var rng = SeededGenerator(seed: 11)
        // Points near a front: many are non-dominated.
        let pts = (0..<60).map { _ -> [Double] in
            let a = rng.nextUnitDouble() * .pi / 2, b = rng.nextUnitDouble() * .pi / 2, r = 1 + 0.05 * rng.nextUnitDouble()
            return [r * cos(a) * cos(b), r * cos(a) * sin(b), r * sin(a)]
        }
        let ref: [Double] = [1.2, 1.2, 1.2]
        let viaSweep = Hypervolume.compute(pts, reference: ref)
        // Lift to 4-D with a constant last objective: WFG computes the same volume times 1.
        let lifted = pts.map { $0 + [0] }
        let viaWFG = Hypervolume.compute(lifted, reference: ref + [1])
        #expect(abs(viaSweep - viaWFG) < 1e-10)
    }

    @Test func duplicatesAndDominatedPointsDoNotChangeTheVolume() {
        let base: [[Double]] = [[0.1, 0.8, 0.3], [0.5, 0.2, 0.6], [0.7, 0.4, 0.1]]
        let ref: [Double] = [1, 1, 1]
        let hv = Hypervolume.compute(base, reference: ref)
        #expect(Hypervolume.compute(base + base + [[0.9, 0.9, 0.9]], reference: ref) == hv)
    }
}

@Suite struct NormalizedHypervolumeTests {
    @Test func theIdealPointIsOne() {
        #expect(Hypervolume.normalized([[0.2, 5, -3]], ideal: [0.2, 5, -3], reference: [1, 9, 0]) == 1)
        #expect(Hypervolume.normalized([[0.2, 5], [0.9, 8]], ideal: [0.2, 5], reference: [1, 9]) == 1)
    }

    @Test func theReferencePointAndBeyondAreZero() {
        #expect(Hypervolume.normalized([[1, 9]], ideal: [0, 5], reference: [1, 9]) == 0)
        #expect(Hypervolume.normalized([[3, 12]], ideal: [0, 5], reference: [1, 9]) == 0)
        #expect(Hypervolume.normalized([[Double]](), ideal: [0, 5], reference: [1, 9]) == 0)
    }

    @Test func aPointHalfwayOnEveryAxisIsHalfToTheM() {
        // (0.5, 7) in the box [0,1]×[5,9] is halfway on both axes: its box is 0.5 × 0.5 of the whole.
        #expect(abs(Hypervolume.normalized([[0.5, 7]], ideal: [0, 5], reference: [1, 9]) - 0.25) < 1e-12)
        #expect(abs(Hypervolume.normalized([[0.5, 7, 2]], ideal: [0, 5, 0], reference: [1, 9, 4]) - 0.125) < 1e-12)
    }

    @Test func alwaysInTheUnitInterval() {
        var rng = SeededGenerator(seed: 17)
        for _ in 0..<50 {
            let pts = (0..<20).map { _ in (0..<3).map { _ in Double.random(in: -1...2, using: &rng) } }
            let hv = Hypervolume.normalized(pts, ideal: [0, 0, 0], reference: [1, 1, 1])
            #expect((0...1).contains(hv))
        }
    }

    @Test func aFlatAxisCountsAsMet() {
        #expect(Hypervolume.normalized([[0.5, 3]], ideal: [0, 3], reference: [1, 3]) == 0.5)
    }
}
