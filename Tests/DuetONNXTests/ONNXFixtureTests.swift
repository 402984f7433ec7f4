import DuetCore
import DuetWorkload
import Foundation
import Testing
@testable import DuetONNX

/// Models written with the `onnx` Python package by docs/validation/onnx/make_fixtures.py (ours,
/// committed; weights are references to a missing external file). fixtures.json holds their MAC
/// and parameter counts as that script counts them by hand from ONNX shape inference.
@Suite struct ONNXFixtureTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/validation/onnx/fixtures").standardized

    static func expected() throws -> [String: [String: Int]] {
        let data = try Data(contentsOf: folder.appendingPathComponent("fixtures.json"))
        return try JSONDecoder().decode([String: [String: Int]].self, from: data)
    }

    @Test("fixture models import with the hand-counted MACs and parameters", arguments: ["mbv3_block_opset14", "mbv3_block_opset11", "vit_block_opset17"])
    func fixture(_ name: String) throws {
        let want = try #require(try Self.expected()[name])
        let r = try ONNX.load(path: Self.folder.appendingPathComponent(name + ".onnx").path, options: ONNX.ImportOptions(batch: 1))
        let a = try r.network.analyze()
        #expect(a.totalMACs == want["macs"])
        #expect(a.totalParams == want["params"])
        #expect(r.network.notes.isEmpty)
    }

    @Test("torchvision-style MobileNetV3 block: BN and hardswish fold, SE is one layer, at opset 11 and 14 alike")
    func mbv3Layers() throws {
        let a = try ONNX.load(path: Self.folder.appendingPathComponent("mbv3_block_opset14.onnx").path).network
        let b = try ONNX.load(path: Self.folder.appendingPathComponent("mbv3_block_opset11.onnx").path).network
        #expect(a.layers.map(\.op) == b.layers.map(\.op))
        #expect(a.layers.map(\.name) == ["stem", "expand", "dw", "se_pool", "project", "residual", "gap", "flatten", "fc"])
        #expect(a.layers[3].op == .squeezeExcite(reducedChannels: 16, gate: .hsigmoid))
        #expect(a.layers[2].op.fusedActivation == .hswish)
    }

    @Test("a dynamic batch takes the requested batch size")
    func dynamicBatch() throws {
        let path = Self.folder.appendingPathComponent("vit_block_opset17.onnx").path
        let one = try ONNX.load(path: path).network.analyze(), four = try ONNX.load(path: path, options: ONNX.ImportOptions(batch: 4)).network.analyze()
        #expect(four.network.batch == 4)
        #expect(four.totalMACs == 4 * one.totalMACs)
        #expect(four.totalParams == one.totalParams)
    }
}
