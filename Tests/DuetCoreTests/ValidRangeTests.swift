import Testing
@testable import DuetCore

@Suite struct ValidRangeTests {
    @Test func rangesDescribeThemselves() {
        #expect(ValidRange(1...65_536).description == "from 1 to 65,536")
        #expect(ValidRange.above(0, upTo: 100_000).description == "greater than 0 and at most 100,000")
        #expect(ValidRange(0, Double(Int.max)).description == "from 0 to 9,223,372,036,854,775,807")
    }

    @Test func integersAreRangeCheckedWithoutTrapping() throws {
        let r = ValidRange(1...64)
        #expect(try UserNumber.int("12", in: r).get() == 12)
        #expect(try UserNumber.int("1e1", in: r).get() == 10)        // a whole number written as a float
        for bad in ["0", "65", "1e300", "-1e300", "9223372036854775807", "12.5", "nan", "inf", "twelve", ""] {
            let e = #expect(throws: InputError.self, "\(bad)") { try UserNumber.int(bad, in: r).get() }
            #expect(e?.issues[0].message.contains("from 1 to 64") == true, "\(bad): \(e?.description ?? "")")
        }
        // The largest range an Int holds: 2^63 as a float is refused, not converted.
        let e = #expect(throws: InputError.self) { try UserNumber.int("9.3e18", in: ValidRange(0, Double(Int.max))).get() }
        #expect(e != nil)
    }

    @Test func numbersRefuseNaNAndInfinityByName() {
        let e = #expect(throws: InputError.self) { try UserNumber.double("nan", in: ValidRange(0, 1)).get() }
        #expect(e?.issues[0].message == "must be a finite number from 0 to 1, not NaN")
        let f = #expect(throws: InputError.self) { try UserNumber.double("-inf", in: ValidRange(0, 1)).get() }
        #expect(f?.issues[0].message.hasSuffix("not -infinity") == true)
    }

    @Test func configReaderNamesTheRange() throws {
        let d = Diagnostics(file: "c.yaml")
        let r = ConfigReader(try ConfigNode.parse(yaml: "a: 1e300\nb: nan\nc: 70\nd: 3\n", file: "c.yaml"), diagnostics: d)
        #expect(r.double("a") == nil)
        #expect(r.double("b", min: 0) == nil)
        #expect(r.int("c", min: 1, max: 64) == nil)
        #expect(r.int("d", min: 1, max: 64) == 3)
        let e = try #require(throws: InputError.self) { try d.throwIfAny() }
        #expect(e.issues.map(\.description) == [
            "c.yaml at a: must be at most 1,000,000,000,000,000 (got '1e300'); check the value for a typo or a wrong unit",
            "c.yaml at b: must be a finite number from 0 to 1,000,000,000,000,000, not NaN (got 'nan')",
            "c.yaml at c: must be from 1 to 64 (got '70'); check the value for a typo or a wrong unit",
        ])
    }

    @Test func echoedValuesAreCapped() {
        let issue = InputIssue(file: "f.yaml", keyPath: "k", value: String(repeating: "Z", count: 5000), message: "bad")
        #expect(issue.description.count < 300)
        #expect(issue.description.contains("… (5000 characters)"))
    }

    @Test func saturatingConversionNeverTraps() {
        #expect(Checked.saturatingInt64(1e300) == 1 << 60)
        #expect(Checked.saturatingInt64(-1e300) == -(1 << 60))
        #expect(Checked.saturatingInt64(.nan) == 0)
        #expect(Checked.saturatingInt64(12.9) == 12)
    }
}

@Suite struct ConfigNodeLimitsTests {
    @Test func aliasBombIsRefusedQuickly() {
        var s = "a: &a [x, x, x, x, x, x, x, x, x]\n"
        var prev = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            s += "\(name): &\(name) [" + Array(repeating: "*\(prev)", count: 9).joined(separator: ", ") + "]\n"
            prev = name
        }
        let e = #expect(throws: InputError.self) { try ConfigNode.parse(yaml: s, file: "bomb.yaml") }
        #expect(e?.issues[0].message.contains("expands to more than 100000 values") == true)
    }

    @Test func modestAliasesStillWork() throws {
        let n = try ConfigNode.parse(yaml: "base: &b {pe_rows: 8}\nother: *b\n", file: "a.yaml")
        guard case .mapping(let m) = n.value, case .mapping(let other) = m[1].value.value else { Issue.record("not a mapping"); return }
        #expect(other.first?.value.scalarText == "8")
    }

    @Test func absurdNestingIsRefused() {
        let deep = String(repeating: "[", count: 3000) + String(repeating: "]", count: 3000)
        let e = #expect(throws: InputError.self) { try ConfigNode.parse(yaml: deep, file: "deep.yaml") }
        #expect(e?.issues[0].message.contains("3000 deep") == true)
    }

    @Test func nonFiniteNumbersAreNamedAsSuch() throws {
        #expect(try ConfigNode.parse(yaml: "nan", file: nil).typeName == "a non-finite number")
    }
}
