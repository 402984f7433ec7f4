import Foundation
import Testing
@testable import DuetCore
@testable import DuetHardware

/// The typed dataflow: names as YAML writes them, the long names, and an InputError listing the
/// valid names on an unknown one (templates, `--set dataflow=…`, JSON).
@Suite struct DataflowTests {
    @Test func shortAndLongNamesParse() throws {
        #expect(Dataflow(name: "ws") == .ws)
        #expect(Dataflow(name: "is") == .inputStationary)
        #expect(Dataflow(name: "Weight-Stationary") == .ws)
        #expect(Dataflow(name: "row_stationary") == .rs)
        #expect(Dataflow(name: "wss") == nil)
        #expect("\(Dataflow.inputStationary)" == "is")
        #expect(Dataflow.allCases.sorted().map(\.rawValue) == ["custom", "is", "os", "rs", "ws"])
    }

    @Test func anUnknownNameListsTheValidOnes() {
        let e = #expect(throws: InputError.self) { try Dataflow.parse("wss", file: "t.yaml", keyPath: "mappings.wss") }
        let issue = e?.issues.first
        #expect(issue?.file == "t.yaml" && issue?.keyPath == "mappings.wss" && issue?.value == "wss")
        #expect(issue?.message == "unknown dataflow")
        #expect(issue?.hint == "did you mean 'ws'? valid dataflows: ws (weight-stationary), os (output-stationary), is (input-stationary), rs (row-stationary)")
    }

    @Test func codableUsesTheYAMLNames() throws {
        let data = try JSONEncoder().encode([Dataflow.inputStationary, .rs])
        #expect(String(decoding: data, as: UTF8.self) == #"["is","rs"]"#)
        #expect(try JSONDecoder().decode([Dataflow].self, from: Data(#"["is","weight_stationary"]"#.utf8)) == [.inputStationary, .ws])
        let e = #expect(throws: InputError.self) { try JSONDecoder().decode([Dataflow].self, from: Data(#"["nlr"]"#.utf8)) }
        #expect(e?.issues.first?.hint?.contains("valid dataflows: ws (weight-stationary)") == true)
    }

    @Test func templatesAndAcceleratorsCarryTheType() throws {
        let loader = AcceleratorLoader(dataDir: repositoryRoot)
        #expect(try loader.load("eyeriss").subAccelerators[0].dataflow == .rs)
        #expect(try loader.load("nvdla").subAccelerators[0].dataflow == .ws)
        #expect(try loader.load("tpu", overrides: ["dataflow=is"]).subAccelerators[0].dataflow == .inputStationary)
        #expect(Set(try DataflowTemplate.named("tpu", dataDir: repositoryRoot).mappings.keys) == [.ws, .os, .inputStationary])
        // An unknown name is refused with the template's dataflows; a known one the template lacks keeps its message.
        let e = #expect(throws: InputError.self) { try loader.load("tpu", overrides: ["dataflow=wss"]) }
        #expect(e?.issues.first?.message == "unknown dataflow 'wss'")
        #expect(e?.issues.first?.hint == "did you mean 'ws'? template 'tpu' has is, os, ws")
    }

    @Test func aTemplateWithAnUnknownMappingIsBadInput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-df-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = try String(contentsOfFile: repositoryRoot.appendingPathComponent("Templates/nvdla.yaml").path, encoding: .utf8)
        text = text.replacingOccurrences(of: "\n  ws: {stationary", with: "\n  wsx: {stationary")
        let path = dir.appendingPathComponent("nvdla.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let e = #expect(throws: InputError.self) { try DataflowTemplate.load(path: path) }
        let issue = e?.issues.first { $0.keyPath == "mappings.wsx" }
        #expect(issue?.file == path)
        #expect(issue?.message == "unknown dataflow")
        #expect(issue?.hint?.contains("valid dataflows: ws") == true)
    }
}
