import Testing
@testable import DuetCore

@Suite struct CheckedArithmeticTests {
    @Test func productOfSmallFactors() throws {
        #expect(try Checked.product([64, 64, 56, 56, 3, 3], what: "MACs") == 115_605_504)
    }

    @Test func overflowIsAnInputErrorNotATrap() {
        let e = #expect(throws: InputError.self) {
            try Checked.product([100_000, 100_000, 100_000, 100_000], what: "MACs of layer conv1", keyPath: "layers[0]")
        }
        #expect(e?.issues[0].message == "MACs of layer conv1 overflows a 64-bit integer")
    }

    @Test func suggestionDistance() {
        #expect(Suggestion.editDistance("pe_row", "pe_rows") == 1)
        #expect(Suggestion.editDistance("kernle", "kernel") == 1)
        #expect(Suggestion.closest(to: "strde", in: ["stride", "groups"]) == "stride")
        #expect(Suggestion.closest(to: "zzzzzz", in: ["stride", "groups"]) == nil)
    }
}
