import Testing
@testable import DuetSearch

@Suite struct IndicatorsTests {
    @Test func igdIsTheMeanDistanceFromReferencePoints() {
        let reference: [[Double]] = [[0, 1], [1, 0]]
        #expect(Indicators.igd(reference, reference: reference) == 0)
        // Each reference point is 0.5 from the nearest of the approximation.
        #expect(abs(Indicators.igd([[0, 1.5], [1.5, 0]], reference: reference) - 0.5) < 1e-12)
        #expect(Indicators.igd([], reference: reference) == .infinity)
    }

    @Test func igdPlusIgnoresBeingBetterThanTheReference() {
        let reference: [[Double]] = [[1, 1]]
        #expect(Indicators.igdPlus([[0.5, 0.5]], reference: reference) == 0)
        #expect(abs(Indicators.igd([[0.5, 0.5]], reference: reference) - 0.5.squareRoot()) < 1e-12)
        #expect(abs(Indicators.igdPlus([[1, 2]], reference: reference) - 1) < 1e-12)
    }

    @Test func gdMeasuresFromTheApproximation() {
        #expect(abs(Indicators.gd([[0, 2]], reference: [[0, 1], [1, 0]]) - 1) < 1e-12)
    }
}
