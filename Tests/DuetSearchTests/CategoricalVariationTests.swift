import DuetCore
import Testing
@testable import DuetSearch

@Suite struct CategoricalVariationTests {
    @Test func resamplingAlwaysPicksAnotherChoiceAndReachesAll() throws {
        let space = try DesignSpace([.categorical("dataflow", ["ws", "os", "rs", "is"])])
        var rng = SeededGenerator(seed: 2)
        var seen = Set<Double>()
        for _ in 0..<400 {
            var g: [Double] = [1]
            CategoricalVariation.resample(&g, 0, space.genes[0], using: &rng)
            #expect(g[0] != 1)
            seen.insert(g[0])
        }
        #expect(seen == [0, 2, 3])
    }

    @Test func uniformCrossoverSwapsAboutHalfTheGenes() throws {
        let space = try DesignSpace((0..<20).map { .categorical("c\($0)", ["a", "b"]) })
        var rng = SeededGenerator(seed: 4)
        var swapped = 0
        for _ in 0..<200 {
            var a = [Double](repeating: 0, count: 20), b = [Double](repeating: 1, count: 20)
            CategoricalVariation().cross(&a, &b, genes: space.genes, using: &rng)
            for j in 0..<20 { #expect(a[j] + b[j] == 1) }  // genes move, never get lost
            swapped += a.filter { $0 == 1 }.count
        }
        #expect(abs(Double(swapped) / 4000 - 0.5) < 0.05)
    }

    @Test func singleChoiceVariablesNeverChange() throws {
        let space = try DesignSpace([.categorical("only", ["x"])])
        var rng = SeededGenerator(seed: 1)
        var g: [Double] = [0]
        CategoricalVariation(mutationProbability: 1).mutate(&g, genes: space.genes, using: &rng)
        #expect(g == [0])
    }
}
