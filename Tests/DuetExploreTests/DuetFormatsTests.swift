import DuetCore
import DuetHardware
import DuetWorkload
import Foundation
import Testing
@testable import DuetExplore

/// The composed registries: the formats `duet` reads networks from and exports designs to.
@Suite struct DuetFormatsTests {
    @Test func everyExporterIsListedByNameAndExtension() throws {
        let e = DuetFormats.exporters
        #expect(e.names == ["yaml", "json", "onnx", "scalesim", "maestro", "zigzag", "timeloop", "timeloop-accelergy"])
        #expect(e.forExtension("cfg")?.name == "scalesim")
        #expect(e.forExtension("m")?.name == "maestro")
        // ZigZag writes .yaml files too; the extension still finds Duet's own network format.
        #expect(e.forExtension("yaml")?.name == "yaml")
        #expect(e.forExtension("onnx")?.name == "onnx")
        #expect(DuetFormats.networkLoaders().extensions == ["yaml", "yml", "json", "onnx"])
    }

    @Test func aMultiFileExportIsWrittenIntoAFolder() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let net = try NetworkReference.resolve("layer:conv,k=64,c=32,p=28,q=28,r=3,s=3,stride=1,groups=1")
        let chip = try AcceleratorLoader(dataDir: root).load("tpu:edge")
        let out = dir.appendingPathComponent("scalesim").path
        let text = try DuetFormats.exporters.write(ExportDesign(networks: [net], accelerator: chip), format: "scalesim", baseName: "conv", to: out)
        #expect(text == nil)
        let csv = try String(contentsOfFile: out + "/conv.csv", encoding: .utf8)
        #expect(csv == "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nconv, 30, 30, 3, 3, 32, 64, 1,\n")
        #expect(try String(contentsOfFile: out + "/conv.cfg", encoding: .utf8).contains("Dataflow : ws"))
        // Several files need a folder; a text export of one file goes to stdout.
        let e = #expect(throws: InputError.self) {
            try DuetFormats.exporters.write(ExportDesign(networks: [net], accelerator: chip), format: "scalesim", baseName: "conv", to: nil)
        }
        #expect(e?.issues.first?.hint == "give --out FOLDER")
        #expect(try DuetFormats.exporters.write(ExportDesign(networks: [net]), format: "yaml", baseName: "conv", to: nil) == NetworkFormat.yaml(net))
    }
}
