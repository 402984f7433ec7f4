import Testing
@testable import DuetReport

@Suite struct TextTableTests {
    @Test func alignsColumnsAndRightAlignsNumbers() {
        var t = TextTable(columns: ["name", "macs"], numeric: [1])
        t.append(["conv1", "118013952"])
        t.append(["fc", "512000"])
        #expect(t.rendered() == """
            name        macs
            -----  ---------
            conv1  118013952
            fc        512000

            """)
    }

    @Test func csvQuotesOnlyWhenNeeded() {
        var t = TextTable(columns: ["arch", "note"])
        t.append(["k3_e1 skip", "a,b"])
        t.append(["x", "say \"hi\""])
        #expect(t.csv() == "arch,note\nk3_e1 skip,\"a,b\"\nx,\"say \"\"hi\"\"\"\n")
    }

    @Test func numberFormats() {
        #expect(NumberFormat.grouped(25_557_032) == "25,557,032")
        #expect(NumberFormat.si(4_089_184_256) == "4.09G")
        #expect(NumberFormat.si(512) == "512")
    }
}

@Suite struct TextTableLongCellTests {
    /// Rendering was quadratic in a cell's width (a trailing-whitespace regex backtracked over
    /// the padding); 200,000 characters must render at once.
    @Test func veryLongNamesRenderLinearly() {
        var t = TextTable(columns: ["name", "macs"], numeric: [1])
        t.append([String(repeating: "n", count: 200_000), "1"])
        t.append(["short", "2"])
        let text = t.rendered()
        let lines = text.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[3] == "short" + String(repeating: " ", count: 200_000 - 5 + 2) + "   2" || lines[3].hasSuffix("2"))
        #expect(!lines.contains { $0.hasSuffix(" ") })
    }
}
