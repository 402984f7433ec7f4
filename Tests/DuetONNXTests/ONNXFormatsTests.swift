import DuetCore
import DuetHardware
import DuetWorkload
import Foundation
import Testing
@testable import DuetONNX

/// ONNX in the two registries: a loader that a caller composes into its `NetworkLoaders` (no
/// process-wide registration), and an exporter of the design-exporter registry.
@Suite struct ONNXFormatsTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/validation/onnx/fixtures/mbv3_block_opset14.onnx").standardized.path

    @Test func onnxFilesResolveOnlyWhereTheLoaderIsComposedIn() throws {
        let direct = try ONNX.load(path: Self.fixture).network
        let withONNX = BuildOptions(loaders: NetworkLoaders.standard.adding(ONNX.loader()))
        let net = try NetworkReference.resolve(Self.fixture, options: withONNX)
        #expect(try net.analyze().totalMACs == direct.analyze().totalMACs)
        #expect(withONNX.loaders.extensions == ["yaml", "yml", "json", "onnx"])
        // The standard formats, in the same process, still do not read ONNX: nothing was registered globally.
        let e = #expect(throws: InputError.self) { try NetworkReference.resolve(Self.fixture) }
        #expect(e?.issues.first?.message == "unknown network")
        #expect(e?.issues.first?.hint?.hasSuffix("or a .yaml/.yml/.json network file") == true)
    }

    @Test func theExporterWritesWhatONNXExportWrites() throws {
        let net = try NetworkReference.resolve("resnet18", options: BuildOptions(input: 64))
        let exporters = DesignExporters.standard.adding(ONNX.exporter)
        #expect(exporters.names == ["yaml", "json", "onnx"])
        let onnx = try exporters.named("onnx")
        #expect(!onnx.isText && onnx.fileExtension == "onnx")
        let files = try onnx.export(ExportDesign(networks: [net]), baseName: "r18", options: ExportOptions(seed: 7))
        #expect(files.map(\.name) == ["r18.onnx"])
        #expect(files[0].data == (try ONNX.export(net, weights: .random(seed: 7))))
        let shapes = try onnx.export(ExportDesign(networks: [net]), baseName: "r18", options: ExportOptions(weights: false, dynamicBatch: true))
        #expect(shapes[0].data == (try ONNX.export(net, weights: .none, dynamicBatch: true)))
        // Duet's own formats write what NetworkFormat writes.
        let yaml = try exporters.named("yaml").export(ExportDesign(networks: [net]), baseName: "r18", options: ExportOptions())
        #expect(yaml == [ExportedFile(name: "r18.yaml", text: NetworkFormat.yaml(net))])
        let e = #expect(throws: InputError.self) { try exporters.named("onxx") }
        #expect(e?.issues.first?.keyPath == "--format")
        #expect(e?.issues.first?.hint?.hasPrefix("did you mean 'onnx'? formats: yaml (") == true)
    }
}
