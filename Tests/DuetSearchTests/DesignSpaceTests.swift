import DuetCore
import Testing
@testable import DuetSearch

@Suite struct DesignSpaceTests {
    @Test func swappedBoundsAreReportedWithAHint() throws {
        let error = #expect(throws: InputError.self) {
            try DesignSpace([.integer("pe_rows", lower: 64, upper: 8)])
        }
        let issue = try #require(error?.issues.first)
        #expect(issue.message == "lower bound 64 > upper bound 8 for pe_rows")
        #expect(issue.hint == "did you swap them?")
        #expect(issue.keyPath == "variables[0]")
        #expect(issue.description == "at variables[0]: lower bound 64 > upper bound 8 for pe_rows (got '64...8'); did you swap them?")
    }

    @Test func everyProblemIsCollected() throws {
        let error = #expect(throws: InputError.self) {
            try DesignSpace([
                .powerOfTwo("pe_rows", lower: 12, upper: 256),
                .real("clock", lower: 2, upper: 1),
                .categorical("dataflow", []),
                .ordered("kernel", [3, 5, 3]),
                .integer("pe_rows", lower: 1, upper: 2),
                .integer("sa2", lower: 1, upper: 2, when: Condition("subaccelerator", in: [2])),
            ])
        }
        let messages = try #require(error).issues.map(\.description)
        #expect(messages.count == 6)
        #expect(messages.contains("at variables[0].lower: lower bound 12 of pe_rows is not a power of two (got '12'); the nearest powers of two are 8 and 16"))
        #expect(messages.contains { $0.contains("lower bound 2.0 > upper bound 1.0 for clock") })
        #expect(messages.contains { $0.contains("dataflow has no choices") })
        #expect(messages.contains { $0.contains("choice '3' appears more than once in kernel") })
        #expect(messages.contains { $0.contains("duplicate variable name 'pe_rows'") && $0.contains("variables[0]") })
        #expect(messages.contains { $0.contains("sa2 depends on an unknown variable 'subaccelerator'") })
    }

    @Test func conditionsOnImpossibleValuesAndCyclesAreRejected() throws {
        let impossible = #expect(throws: InputError.self) {
            try DesignSpace([
                .integer("n", lower: 1, upper: 4),
                .integer("size3", lower: 1, upper: 8, when: Condition("n", in: [5])),
            ])
        }
        #expect(impossible?.issues.first?.message == "size3 depends on n taking a value it can never take")
        #expect(impossible?.issues.first?.hint == "n is an integer in 1...4")
        let cycle = #expect(throws: InputError.self) {
            try DesignSpace([
                .integer("a", lower: 1, upper: 2, when: Condition("b", in: [1])),
                .integer("b", lower: 1, upper: 2, when: Condition("a", in: [1])),
            ])
        }
        #expect(cycle?.issues.contains { $0.message.contains("form a cycle") } == true)
        let typo = #expect(throws: InputError.self) {
            try DesignSpace([
                .integer("subaccelerators", lower: 1, upper: 4),
                .integer("size3", lower: 1, upper: 8, when: Condition("subaccelerator", in: [3])),
            ])
        }
        #expect(typo?.issues.first?.hint == "did you mean 'subaccelerators'?")
    }

    @Test func genesEncodeEachKindOfVariable() throws {
        let space = try mixedSpace()
        #expect(space.genes.map(\.kind) == [.real, .integer, .integer, .integer, .categorical, .integer])
        #expect(space.genes[2].lower == 3 && space.genes[2].upper == 8)  // 2^3 ... 2^8
        #expect(space.genes[3].lower == 0 && space.genes[3].upper == 2)
    }

    @Test func decodeGivesNamedValuesAndDropsInactiveVariables() throws {
        let space = try mixedSpace()
        let p = space.decode([1.25, 2, 5, 1, 2, 4])
        #expect(p["clock_ghz"] == .real(1.25))
        #expect(p["subaccelerators"] == 2)
        #expect(p["pe_rows"] == 32)
        #expect(p["kernel"] == 5)
        #expect(p["dataflow"] == "rs")
        #expect(p["sa3_pe_rows"] == nil)  // only exists with 3 or 4 sub-accelerators
        #expect(p.dictionary.count == 5)
        let q = space.decode([1.25, 3, 5, 1, 2, 4])
        #expect(q["sa3_pe_rows"] == 16)
    }

    @Test func inactiveGenesDoNotMakePointsDifferent() throws {
        let space = try mixedSpace()
        let a = space.decode([1.25, 2, 5, 1, 2, 4]), b = space.decode([1.25, 2, 5, 1, 2, 6])
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
    }

    @Test func negativeZeroAndZeroAreTheSamePoint() throws {
        let space = try DesignSpace([.real("x", lower: -1, upper: 1)])
        #expect(space.decode([0.0]) == space.decode([-0.0]))
        #expect(space.decode([0.0]).hashValue == space.decode([-0.0]).hashValue)
    }

    @Test func encodeInvertsDecodeAndReportsBadValues() throws {
        let space = try mixedSpace()
        let values: [String: Value] = ["clock_ghz": .real(1.5), "subaccelerators": 3, "pe_rows": 64, "kernel": 7,
                                       "dataflow": "os", "sa3_pe_rows": 8]
        let genome = try space.encode(values)
        #expect(space.decode(genome).dictionary == values)
        let error = #expect(throws: InputError.self) {
            try space.encode(["clock_ghz": .real(1.5), "subaccelerators": 2, "pe_rows": 48, "kernal": 7, "dataflow": "os"])
        }
        let text = try #require(error).issues.map(\.description)
        #expect(text.contains { $0.contains("unknown variable 'kernal'") && $0.contains("did you mean 'kernel'?") })
        #expect(text.contains { $0.contains("pe_rows cannot take this value") && $0.contains("a power of two in 8...256") })
        #expect(text.contains { $0.contains("no value for kernel") })
    }

    @Test func randomGenomesAreCanonicalAndCoverEveryChoice() throws {
        let space = try mixedSpace()
        var rng = SeededGenerator(seed: 3)
        var rows = Set<Int>(), flows = Set<String>()
        for _ in 0..<2000 {
            let g = space.randomGenome(using: &rng)
            #expect(space.isCanonical(g))
            let p = space.decode(g)
            rows.insert(p["pe_rows"]!.intValue!)
            flows.insert(p["dataflow"]!.stringValue!)
        }
        #expect(rows == [8, 16, 32, 64, 128, 256])
        #expect(flows == ["ws", "os", "rs"])
    }

    @Test func repairClampsAndRounds() throws {
        let space = try mixedSpace()
        var g = [3.0, 2.6, -1, 1.4, 2.2, 9]
        space.repair(&g)
        #expect(g == [2, 3, 3, 1, 2, 6])
        #expect(space.isCanonical(g))
    }
}
