import Testing
@testable import DuetCore

@Suite struct CSVTests {
    @Test func plainRecordsWithLineNumbers() throws {
        let d = try CSVDocument.parse("a,b\n1,2\n\n3,4\n", file: "x.csv")
        #expect(d.header == ["a", "b"])
        #expect(d.records.map(\.fields) == [["1", "2"], ["3", "4"]])
        #expect(d.records.map(\.line) == [2, 4])
    }

    @Test func quotedFieldsHoldCommasQuotesAndLineBreaks() throws {
        let d = try CSVDocument.parse("name,arch\n\"a, b\",\"say \"\"hi\"\"\"\n\"two\nlines\",x\nlast,y")
        #expect(d.records.map(\.fields) == [["a, b", "say \"hi\""], ["two\nlines", "x"], ["last", "y"]])
        // The record after the embedded line break starts on line 5.
        #expect(d.records.map(\.line) == [2, 3, 5])
    }

    @Test func crlfBomAndLoneCR() throws {
        let d = try CSVDocument.parse("\u{FEFF}a,b\r\n1,\"x\r\ny\"\r\n2,3\r4,5\r\n")
        #expect(d.header == ["a", "b"])
        #expect(d.records.map(\.fields) == [["1", "x\r\ny"], ["2", "3"], ["4", "5"]])
    }

    @Test func emptyAndTrailingFields() throws {
        let d = try CSVDocument.parse("a,b,c\n,,\n1,,\n")
        #expect(d.records.map(\.fields) == [["", "", ""], ["1", "", ""]])
    }

    @Test func unquotedFieldsAreTrimmedQuotedOnesKept() throws {
        let d = try CSVDocument.parse(" a , b \n 1 ,\" 2 \"\n")
        #expect(d.header == ["a", "b"])
        #expect(d.records[0].fields == ["1", " 2 "])
    }

    @Test func commentsAreKeptApartOnlyWhenAsked() throws {
        let text = "# device: x\na\n# between\n1\n"
        let d = try CSVDocument.parse(text, comment: "#")
        #expect(d.comments.map(\.text) == [" device: x", " between"])
        #expect(d.comments.map(\.line) == [1, 3])
        #expect(d.records.map(\.fields) == [["1"]])
        let plain = try CSVDocument.parse(text)
        #expect(plain.header == ["# device: x"])
    }

    @Test func wrongFieldCountNamesFileAndLine() {
        let e = #expect(throws: InputError.self) { try CSVDocument.parse("a,b\n1,2\n3\n4,5,6\n", file: "m.csv") }
        #expect(e?.issues.count == 2)
        #expect(e?.issues.map(\.keyPath) == ["line 3", "line 4"])
        #expect(e?.issues.allSatisfy { $0.file == "m.csv" } == true)
    }

    @Test func unterminatedQuoteAndTextAfterQuoteAreErrors() {
        let open = #expect(throws: InputError.self) { try CSVDocument.parse("a,b\n1,\"oops\n2,3\n", file: "q.csv") }
        #expect(open?.issues.first?.keyPath == "line 2.field 2")
        #expect(open?.issues.first?.message.contains("never closed") == true)
        let after = #expect(throws: InputError.self) { try CSVDocument.parse("a,b\n\"x\"y,2\n", file: "q.csv") }
        #expect(after?.issues.first?.keyPath == "line 2.field 1")
        #expect(after?.issues.first?.value == "y")
    }

    @Test func missingColumnSuggestsTheClosest() throws {
        let d = try CSVDocument.parse("arch_str,pixel3\nx,1\n", file: "m.csv")
        #expect(try d.column("pixel3") == 1)
        let e = #expect(throws: InputError.self) { try d.column("pixel_3", keyPath: "--latency-column") }
        #expect(e?.issues.first?.file == "m.csv")
        #expect(e?.issues.first?.keyPath == "--latency-column")
        #expect(e?.issues.first?.hint?.contains("pixel3") == true)
    }

    @Test func emptyInputHasNoHeader() {
        #expect(throws: InputError.self) { try CSVDocument.parse("\n\n", file: "e.csv") }
    }

    @Test func quoteRoundTrips() throws {
        let fields = ["plain", "a,b", "say \"x\"", "two\nlines", " padded "]
        let text = "h1,h2,h3,h4,h5\n" + fields.map(CSVDocument.quote).joined(separator: ",") + "\n"
        #expect(try CSVDocument.parse(text).records[0].fields == fields)
    }
}
