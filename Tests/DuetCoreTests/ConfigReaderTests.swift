import Testing
@testable import DuetCore

@Suite struct ConfigReaderTests {
    private func reader(_ yaml: String) throws -> (ConfigReader, Diagnostics) {
        let d = Diagnostics(file: "acc.yaml")
        return (ConfigReader(try ConfigNode.parse(yaml: yaml, file: "acc.yaml"), diagnostics: d), d)
    }

    @Test func unknownKeyGetsDidYouMean() throws {
        let (r, d) = try reader("pe_row: 4\npe_cols: 8\n")
        _ = r.int("pe_rows"); _ = r.int("pe_cols")
        r.finish()
        let e = try #require(throws: InputError.self) { try d.throwIfAny() }
        #expect(e.description == "acc.yaml at pe_row: unknown key 'pe_row'; did you mean 'pe_rows'?")
    }

    @Test func wrongTypeNamesExpectedAndFound() throws {
        let (r, d) = try reader("pe_rows: twelve\n")
        #expect(r.int("pe_rows") == nil)
        let e = try #require(throws: InputError.self) { try d.throwIfAny() }
        #expect(e.description == "acc.yaml at pe_rows: expected an integer, found a string (got 'twelve')")
    }

    @Test func negativeSizeIsRejectedWithHint() throws {
        let (r, d) = try reader("kernel: -3\n")
        #expect(r.int("kernel", min: 1) == nil)
        let e = try #require(throws: InputError.self) { try d.throwIfAny() }
        #expect(e.description == "acc.yaml at kernel: must be at least 1 (got '-3'); this value cannot be negative")
    }

    @Test func allProblemsAreCollected() throws {
        let (r, d) = try reader("a: x\nb: y\nc: 1\n")
        _ = r.int("a"); _ = r.int("b"); _ = r.int("c")
        let e = try #require(throws: InputError.self) { try d.throwIfAny() }
        #expect(e.issues.count == 2)
        #expect(e.issues.map(\.keyPath) == ["a", "b"])
    }

    @Test func nestedKeyPathsAndJSON() throws {
        let d = Diagnostics(file: "x.json")
        let n = try ConfigNode.parse(yaml: #"{"subs": [{"rows": 4}, {"rows": "4"}]}"#, file: "x.json")
        let r = ConfigReader(n, diagnostics: d)
        let subs = try #require(r.objects("subs"))
        #expect(subs[0].int("rows") == 4)
        #expect(subs[1].int("rows") == nil)
        let e = try #require(throws: InputError.self) { try d.throwIfAny() }
        #expect(e.issues[0].keyPath == "subs[1].rows")
        #expect(e.issues[0].message == "expected an integer, found a string")
    }

    @Test func choiceSuggestsClosest() throws {
        let (r, d) = try reader("dataflow: wss\n")
        #expect(r.choice("dataflow", in: ["ws", "os", "is"]) == nil)
        let e = try #require(throws: InputError.self) { try d.throwIfAny() }
        #expect(e.issues[0].hint == "did you mean 'ws'?")
    }

    @Test func badYAMLNamesTheFile() {
        #expect(throws: InputError.self) { try ConfigNode.parse(yaml: "a: [1, 2\n", file: "bad.yaml") }
    }
}
