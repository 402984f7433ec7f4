import DuetCore
import DuetWorkload
import Foundation
import Testing
@testable import DuetONNX

/// 1-D convolutions and pooling, Split, Pad and non-square transposed convolutions
/// (Sources/DuetONNX/ONNXImporter+Layout.swift and the ConvTranspose mapping), counted by hand.
@Suite struct ONNXImporterLayoutTests {
    @Test("a 1-D Conv runs as a 2-D one of height 1: shapes and MACs as for the 1-D layer; BN and ReLU fold; back-to-back 1-D layers share one view")
    func conv1D() throws {
        var g = GraphBuilder(inputs: [("x", [nil, 16, 100])])
        g.weight("w1", [32, 16, 5]); g.weight("b1", [32])
        for p in ["s", "b", "m", "v"] { g.weight("bn." + p, [32]) }
        g.node("Conv", "c1", ["x", "w1", "b1"], ["y1"], [.ints("pads", [2, 2]), .ints("strides", [2]), .ints("kernel_shape", [5])])
        g.node("BatchNormalization", "bn", ["y1", "bn.s", "bn.b", "bn.m", "bn.v"], ["y2"])
        g.node("Relu", "relu", ["y2"], ["y3"])
        g.weight("w2", [64, 32, 3])
        g.node("Conv", "c2", ["y3", "w2"], ["y4"], [.ints("pads", [1, 1]), .ints("dilations", [1])])
        g.node("MaxPool", "pool", ["y4"], ["y5"], [.ints("kernel_shape", [2]), .ints("strides", [2])])
        g.node("GlobalAveragePool", "gap", ["y5"], ["y"])
        g.output("y")
        let r = try ONNX.importModel(try g.data(), options: ONNX.ImportOptions(batch: 2))
        let a = try r.network.analyze()
        // (100 + 4 − 5) / 2 + 1 = 50 positions; c2 keeps 50; the pool halves to 25.
        #expect(a.layers.filter { $0.macs > 0 }.map(\.layer.name) == ["c1", "c2"])
        #expect(a.totalMACs == 2 * (32 * 16 * 5 * 50 + 64 * 32 * 3 * 50))
        #expect(a.totalParams == (32 * 16 * 5 + 32 + 2 * 32) + 64 * 32 * 3)
        let c1 = try #require(r.network.layers.first { $0.name == "c1" })
        #expect(c1.op.fusedActivation == .relu)
        if case let .conv(_, w, _, _, bn, _) = c1.op { #expect(bn && w.kernelH == 1 && w.kernelW == 5 && w.strideW == 2) }
        #expect(a.shapes["pool"] == TensorShape([64, 1, 25]))
        #expect(a.shapes[a.outputNames[0]] == TensorShape([64, 1]))
        // One reshape in, one out: the views between c1, c2 and the pool are shared.
        #expect(r.network.layers.filter { if case .reshape = $0.op { return true } else { return false } }.count == 2,
                "\(r.network.layers.map(\.name))")
    }

    @Test("3-D convolutions are refused, saying why")
    func conv3D() throws {
        var g = GraphBuilder(inputs: [("x", [1, 3, 8, 16, 16])])
        g.weight("w", [8, 3, 3, 3, 3])
        g.node("Conv", "c3d", ["x", "w"], ["y"])
        g.output("y")
        let e = try #require(throws: InputError.self) { try ONNX.importModel(try g.data(), file: "v.onnx") }
        #expect(e.description.contains("'Conv' at node 'c3d'") && e.description.contains("depth loop"), "\(e)")
    }

    @Test("non-square, asymmetric ConvTranspose: kernel 3×4, strides 2×1, pads, dilation and output_padding per axis")
    func convTransposeNonSquare() throws {
        var g = GraphBuilder(inputs: [("x", [1, 8, 10, 12])])
        g.weight("w", [8, 2, 3, 4]); g.weight("b", [4])
        g.node("ConvTranspose", "up", ["x", "w", "b"], ["y"], [.ints("strides", [2, 1]), .ints("pads", [1, 0, 0, 2]),
                                                              .ints("dilations", [1, 2]), .ints("output_padding", [1, 0]), .int("group", 2)])
        g.output("y")
        let a = try ONNX.importModel(try g.data()).network.analyze()
        let h = (10 - 1) * 2 - 1 + 2 + 1 + 1, w = (12 - 1) - 2 + 2 * 3 + 1
        #expect(a.shapes["up"] == TensorShape([4, h, w]))
        #expect(a.totalMACs == 4 * 4 * 10 * 12 * 12)        // K · C/g · H · W · kH · kW
        #expect(a.totalParams == 8 * 2 * 12 + 4)
        // output_shape with SAME_UPPER placement of the removed rows and columns.
        var o = GraphBuilder(inputs: [("x", [1, 8, 10, 12])])
        o.weight("w", [8, 4, 3, 3])
        o.node("ConvTranspose", "up", ["x", "w"], ["y"], [.ints("strides", [2, 2]), .ints("output_shape", [20, 24]), .string("auto_pad", "SAME_UPPER")])
        o.output("y")
        #expect(try ONNX.importModel(try o.data()).network.analyze().shapes["up"] == TensorShape([4, 20, 24]))
    }

    @Test("Split of a packed QKV projection: one slice per output, sizes from the attribute (opset 11), the input (13) or num_outputs (18)",
          arguments: [11, 13, 18])
    func splitQKV(opset: Int) throws {
        let (t, d) = (5, 8)
        var g = GraphBuilder(opset: opset, inputs: [("x", [nil, t, d])])
        g.weight("w", [d, 3 * d]); g.weight("b", [3 * d])
        g.node("MatMul", "qkv", ["x", "w"], ["p0"]); g.node("Add", "qkv.bias", ["p0", "b"], ["p"])
        var attrs: [Onnx_AttributeProto] = [.int("axis", -1)]
        var ins = ["p"]
        switch opset {
        case 11: attrs.append(.ints("split", [d, d, d]))
        case 13: g.ints("sizes", [d, d, d]); ins.append("sizes")
        default: attrs.append(.int("num_outputs", 3))
        }
        g.node("Split", "split", ins, ["q", "k", "v"], attrs)
        g.node("Transpose", "kt", ["k"], ["kT"], [.ints("perm", [0, 2, 1])])
        g.node("MatMul", "scores", ["q", "kT"], ["s"])
        g.node("Softmax", "softmax", ["s"], ["sm"], [.int("axis", -1)])
        g.node("MatMul", "context", ["sm", "v"], ["y"])
        g.output("y")
        let net = try ONNX.importModel(try g.data()).network
        #expect(net.layers.filter { if case .slice = $0.op { return true } else { return false } }.map(\.op)
                == [0, d, 2 * d].map { .slice(axis: 1, start: $0, length: d) })
        let a = try net.analyze()
        #expect(a.totalMACs == t * d * 3 * d + 2 * t * t * d)
        #expect(a.totalParams == d * 3 * d + 3 * d)
        #expect(a.shapes[a.outputNames[0]] == TensorShape([t, d]))
    }

    @Test("a Split whose sizes do not add up is bad input naming the node")
    func splitBadSizes() throws {
        var g = GraphBuilder(opset: 13, inputs: [("x", [1, 4, 10])])
        g.ints("sizes", [3, 3])
        g.node("Split", "halves", ["x", "sizes"], ["a", "b"], [.int("axis", 2)])
        g.node("Add", "sum", ["a", "b"], ["y"]); g.output("y")
        let e = try #require(throws: InputError.self) { try ONNX.importModel(try g.data(), file: "s.onnx") }
        #expect(e.description.contains("s.onnx") && e.description.contains("halves") && e.description.contains("adding up to dimension 2"), "\(e)")
    }

    @Test("Pad: zero padding before a Conv folds; reflect, non-zero and stand-alone padding are pad layers; negative pads are refused")
    func pads() throws {
        func model(_ mode: String, value: Float, pads: [Int], consumer: String) -> GraphBuilder {
            var g = GraphBuilder(inputs: [("x", [1, 3, 32, 32])])
            g.ints("pads", pads); g.scalar("value", value); g.weight("w", [8, 3, 3, 3])
            g.node("Pad", "pad", ["x", "pads", "value"], ["xp"], [.string("mode", mode)])
            if consumer == "Conv" { g.node("Conv", "conv", ["xp", "w"], ["y"]) } else { g.node("Relu", "relu", ["xp"], ["y"]) }
            g.output("y")
            return g
        }
        let folded = try ONNX.importModel(try model("constant", value: 0, pads: [0, 0, 1, 1, 0, 0, 1, 1], consumer: "Conv").data()).network
        #expect(folded.layers.map(\.name) == ["conv"])
        #expect(try folded.analyze().shapes["conv"] == TensorShape([8, 32, 32]))
        let reflect = try ONNX.importModel(try model("reflect", value: 0, pads: [0, 0, 1, 2, 0, 0, 3, 4], consumer: "Conv").data()).network
        #expect(reflect.layers.map(\.op).first == .pad(amounts: [0, 1, 2, 0, 3, 4], mode: .reflect))
        let ra = try reflect.analyze()
        #expect(ra.shapes["pad"] == TensorShape([3, 36, 38]))
        #expect(ra.totalMACs == 8 * 27 * 34 * 36)
        let nonZero = try ONNX.importModel(try model("constant", value: 1, pads: [0, 0, 1, 1, 0, 0, 1, 1], consumer: "Conv").data()).network
        #expect(nonZero.layers.count == 2)
        let alone = try ONNX.importModel(try model("edge", value: 0, pads: [0, 1, 0, 0, 0, 1, 0, 0], consumer: "Relu").data()).network
        #expect(try alone.analyze().shapes["pad"] == TensorShape([5, 32, 32]))
        let e = try #require(throws: InputError.self) {
            try ONNX.importModel(try model("constant", value: 0, pads: [0, 0, -1, 0, 0, 0, 0, 0], consumer: "Relu").data())
        }
        #expect(e.description.contains("'Pad' at node 'pad'") && e.description.contains("negative pads"), "\(e)")
    }
}
