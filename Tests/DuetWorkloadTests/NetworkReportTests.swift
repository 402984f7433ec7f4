import DuetReport
import Foundation
import Testing
@testable import DuetCore
@testable import DuetWorkload

/// What `duet network show|list` print (NetworkReport); moved here from the CLI's tests.
@Suite struct NetworkReportTests {
    func show(_ reference: String, _ format: OutputFormat) throws -> String {
        NetworkReport.render(try NetworkReference.resolve(reference).analyze(), format: format, bits: 8)
    }

    @Test func showJSONHasTheDocumentedSchema() throws {
        let text = try show("layer:conv,k=64,c=64,p=56,q=56,r=3,s=3,stride=1,groups=1", .json)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(obj.keys).isSuperset(of: ["name", "layers", "totals"]))
        let layer = try #require((obj["layers"] as? [[String: Any]])?.first)
        #expect(Set(layer.keys) == ["name", "kind", "input_shape", "output_shape", "macs", "params", "loops"])
        #expect(layer["macs"] as? Int == 64 * 64 * 56 * 56 * 9)
        #expect(layer["input_shape"] as? [Int] == [64, 58, 58])
        let loops = try #require(layer["loops"] as? [String: Int])
        #expect(loops == ["n": 1, "k": 64, "c": 64, "p": 56, "q": 56, "r": 3, "s": 3, "stride": 1, "groups": 1])
        let totals = try #require(obj["totals"] as? [String: Int])
        #expect(totals["weight_bytes"] == 64 * 64 * 9)
        // input 64·58·58 + output 64·56·56 bytes at 8 bits
        let activationBytes: Int = 64 * 58 * 58 + 64 * 56 * 56
        #expect(totals["activation_bytes"] == activationBytes)
    }

    @Test func showTableEndsWithTotals() throws {
        let text = try show("resnet50", .table)
        #expect(text.contains("resnet50: "))
        #expect(text.contains("25,557,032 params"))
    }

    @Test func csvHasOneRowPerLayer() throws {
        let lines = try show("vgg16", .csv).split(separator: "\n")
        #expect(lines.first?.hasPrefix("layer,kind,input,output,macs,params") == true)
        #expect(lines.count == 1 + 22)   // header + 13 conv, 5 pool, flatten, 3 dense
    }

    @Test func listIncludesEveryBuiltin() throws {
        let text = try NetworkReport.builtins(format: .csv)
        for name in ["resnet18", "resnet50", "vgg16", "mobilenet-v2", "mobilenet-v3-large", "unet", "vit-b16", "bert-base"] {
            #expect(text.contains("\n\(name),"), "\(name)")
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(NetworkReport.builtins(format: .json).utf8)) as? [[String: Any]])
        #expect(json.count == BuiltinNetwork.all.count)
        let resnet50 = try #require(json.first { $0["name"] as? String == "resnet50" })
        #expect(resnet50["params"] as? Int == 25_557_032 && resnet50["default_input"] as? Int == 224)
        #expect(try NetworkReport.builtins(format: .table).contains("25.6M"))
    }
}
