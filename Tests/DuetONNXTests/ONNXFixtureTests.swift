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

    @Test("fixture models import with the hand-counted MACs and parameters", arguments: ["mbv3_block_opset14", "mbv3_block_opset11", "vit_block_opset17",
                                                                                     "gpt_block_opset17", "gaps_cnn_opset13", "tcn_1d_opset13"])
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

    @Test("GPT-style block as torch.onnx writes it: packed QKV Split into three slices, the constant causal Where mask free, attention MACs by hand")
    func gptBlock() throws {
        let net = try ONNX.load(path: Self.folder.appendingPathComponent("gpt_block_opset17.onnx").path, options: ONNX.ImportOptions(batch: 2)).network
        let a = try net.analyze()
        let (t, d) = (16, 64)
        #expect(net.layers.filter { if case .slice = $0.op { return true } else { return false } }.count == 3)
        #expect(net.layers.filter { $0.op == .matmul(transposeB: false) || $0.op == .matmul(transposeB: true) }.count == 2)
        // Projections t·d·3d + t·d·d + 2·t·d·4d, scores and context 2·t·t·d, for 2 samples.
        #expect(a.totalMACs == 2 * (t * d * 3 * d + t * d * d + 2 * t * d * 4 * d + 2 * t * t * d))
        #expect(a.shapes[a.outputNames[0]] == TensorShape([t, d]))
    }

    @Test("1-D temporal network: causal Pad folds into the dilated Conv1d, the channel Split feeds a gated Mul")
    func tcn() throws {
        let net = try ONNX.load(path: Self.folder.appendingPathComponent("tcn_1d_opset13.onnx").path).network
        let c1 = try #require(net.layers.first { $0.name == "c1" })
        if case let .conv(_, w, _, _, bn, _) = c1.op {
            #expect(w.padding == .explicit(top: 0, left: 4, bottom: 0, right: 0) && w.dilationW == 2 && bn)
        } else { Issue.record("c1 is \(c1.op)") }
        #expect(net.layers.contains { $0.op == .prelu(slopes: 1) })
        #expect(net.layers.contains { $0.op == .elementwise(.mul) })
    }
}
