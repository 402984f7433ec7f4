import Testing
@testable import DuetSearch

@Suite struct ParetoArchiveTests {
    @Test func keepsOnlyTheNonDominatedDistinctDesigns() throws {
        let space = try DesignSpace([.real("x", lower: 0, upper: 10)])
        func ind(_ x: Double, _ f: [Double], _ v: Double = 0) -> Individual {
            Individual(genome: [x], point: space.decode([x]), fitness: f, violation: v)
        }
        var archive = ParetoArchive()
        archive.insert(contentsOf: [ind(1, [1, 5], 1), ind(2, [2, 2], 3)])
        #expect(archive.members.map(\.genome) == [[1]])  // no feasible yet: least violation
        archive.insert(contentsOf: [ind(3, [3, 3]), ind(4, [1, 4]), ind(4, [1, 4])])
        #expect(archive.members.map(\.genome) == [[3], [4]])
        archive.insert(contentsOf: [ind(5, [2, 2]), ind(6, [0, 0], .infinity)])
        #expect(archive.members.map(\.genome) == [[4], [5]])
    }
}
