import Testing
@testable import DuetSearch

@Suite struct NormalizationTests {
    @Test func mapsIdealToZeroAndNadirToOne() {
        let n = Normalization(fitting: [[1, 100], [3, 300], [2, 250]])
        #expect(n.ideal == [1, 100] && n.nadir == [3, 300])
        #expect(n.normalize([1, 100]) == [0, 0])
        #expect(n.normalize([3, 300]) == [1, 1])
        #expect(n.normalize([2, 200]) == [0.5, 0.5])
        #expect(n.denormalize([0.5, 0.5]) == [2, 200])
    }

    @Test func referencePointLiesBeyondTheNadir() {
        let n = Normalization(ideal: [0, 10], nadir: [1, 20])
        #expect(n.referencePoint() == [1.1, 21])
    }

    @Test func objectivesWithoutRangeMapToZero() {
        let n = Normalization(ideal: [1, 5], nadir: [2, 5])
        #expect(n.normalize([1.5, 5]) == [0.5, 0])
    }
}
