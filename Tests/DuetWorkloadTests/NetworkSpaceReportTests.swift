import DuetReport
import Foundation
import Testing
@testable import DuetCore
@testable import DuetWorkload

/// What `duet space list|show|sample` print (NetworkSpaceReport, NetworkSpaces.lookup); moved
/// here from the CLI's tests.
@Suite struct NetworkSpaceReportTests {
    let arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"

    @Test func sampleIsReproducibleFromItsSeed() throws {
        let fbnet = try NetworkSpaces.lookup("fbnet")
        let a = try NetworkSpaceReport.sample(fbnet, count: 5, seed: 42, format: .json)
        let b = try NetworkSpaceReport.sample(fbnet, count: 5, seed: 42, format: .json)
        let c = try NetworkSpaceReport.sample(fbnet, count: 5, seed: 43, format: .json)
        #expect(a == b)
        #expect(a != c)
        #expect(a.contains("\"seed\": 42"))
        // CSV's index column is not named '#' (CSV readers take such a header for a comment).
        #expect(try NetworkSpaceReport.sample(fbnet, count: 2, seed: 1, format: .csv).hasPrefix("index,macs,params,arch\n"))
        #expect(try NetworkSpaceReport.sample(fbnet, count: 2, seed: 1, format: .table).hasPrefix("# fbnet, seed 1\n"))
        #expect(throws: InputError.self) { try NetworkSpaceReport.sample(fbnet, count: 0, seed: 1, format: .table) }
    }

    @Test func showArchReportsChoicesAndNetwork() throws {
        let nb201 = try NetworkSpaces.lookup("nb201")
        let text = try NetworkSpaceReport.show(nb201, arch: arch, bits: 8, format: .json)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(obj["arch"] as? String == arch)
        #expect(obj["choices"] as? [Int] == [3, 3, 4, 1, 3, 1])
        #expect(try NetworkSpaceReport.show(nb201, arch: arch, bits: 8, format: .table).hasPrefix("nb201: \(arch)\n\n"))
        let e = #expect(throws: InputError.self) { try NetworkSpaceReport.show(nb201, arch: "|nope|", bits: 8, format: .table) }
        #expect(e?.issues.first?.keyPath.hasPrefix("arch") == true)
    }

    @Test func listAndShowDescribeTheSpaces() throws {
        let list = try #require(try JSONSerialization.jsonObject(with: Data(NetworkSpaceReport.list(format: .json).utf8)) as? [[String: Any]])
        #expect(list.map { $0["name"] as? String } == NetworkSpaces.names)
        #expect(list.first { $0["name"] as? String == "nb201" }?["size"] as? Int == 15_625)
        let nb201 = try NetworkSpaces.lookup("nas-bench-201")
        #expect(NetworkSpaceReport.show(nb201, format: .table).contains("size: 15,625 architectures"))
        #expect(NetworkSpaceReport.show(nb201, format: .csv).hasPrefix("dimension,options\n"))
    }

    @Test func unknownSpaceIsBadInputWithASuggestion() throws {
        let e = #expect(throws: InputError.self) { try NetworkSpaces.lookup("nb210") }
        #expect(e?.issues[0].hint == "did you mean 'nb201'?")
        #expect(e?.issues[0].keyPath == "space")
    }
}
