import DuetCore
import DuetWorkload
import Foundation
import Testing
@testable import DuetONNX

/// Builds small ONNX models in code, the way a framework's exporter would.
struct GraphBuilder {
    var model = Onnx_ModelProto()
    init(opset: Int = 17, inputs: [(String, [Int?])]) {
        model.irVersion = 8
        var os = Onnx_OperatorSetIdProto(); os.version = Int64(opset)
        model.opsetImport = [os]
        model.graph.name = "test"
        for (name, dims) in inputs {
            var v = Onnx_ValueInfoProto.tensor(name, elemType: 1, dims: dims.map { $0 ?? 1 })
            for (k, d) in dims.enumerated() where d == nil {
                v.type.tensorType.shape.dim[k].dimParam = "N"
            }
            model.graph.input.append(v)
        }
    }
    mutating func weight(_ name: String, _ dims: [Int]) {
        var t = Onnx_TensorProto(); t.name = name; t.dataType = 1; t.dims = dims.map { Int64($0) }
        t.rawData = Data(count: 4 * dims.reduce(1, *))
        model.graph.initializer.append(t)
    }
    mutating func ints(_ name: String, _ v: [Int]) { model.graph.initializer.append(.int64(name, v)) }
    mutating func scalar(_ name: String, _ v: Float) { model.graph.initializer.append(.float(name, [v], dims: [])) }
    mutating func node(_ op: String, _ name: String, _ inputs: [String], _ outputs: [String], _ attrs: [Onnx_AttributeProto] = []) {
        var n = Onnx_NodeProto(); n.opType = op; n.name = name; n.input = inputs; n.output = outputs; n.attribute = attrs
        model.graph.node.append(n)
    }
    mutating func output(_ name: String) { model.graph.output.append(.tensor(name, elemType: 1, dims: [])) }
    func data() throws -> Data { try model.serializedBytes() }
}

@Suite struct ONNXImportTests {
    /// A PyTorch-style CNN: Conv → BatchNormalization → Relu (folded), Clip(0, 6), SAME_LOWER and
    /// ceil-mode pooling, a dynamic batch, Flatten and Gemm with transB.
    static func cnn(opset: Int = 13) -> GraphBuilder {
        var g = GraphBuilder(opset: opset, inputs: [("x", [nil, 3, 32, 32])])
        g.weight("w1", [16, 3, 3, 3]); g.weight("b1", [16])
        for p in ["s", "b", "m", "v"] { g.weight("bn." + p, [16]) }
        g.node("Conv", "conv1", ["x", "w1", "b1"], ["c1"], [.ints("pads", [1, 1, 1, 1]), .ints("strides", [2, 2])])
        g.node("BatchNormalization", "bn1", ["c1", "bn.s", "bn.b", "bn.m", "bn.v"], ["n1"])
        g.node("Relu", "relu1", ["n1"], ["r1"])
        g.node("MaxPool", "pool", ["r1"], ["p1"], [.ints("kernel_shape", [3, 3]), .ints("strides", [2, 2]), .int("ceil_mode", 1)])
        g.weight("w2", [16, 1, 3, 3])
        g.node("Conv", "dw", ["p1", "w2"], ["c2"], [.int("group", 16), .string("auto_pad", "SAME_LOWER")])
        g.scalar("zero", 0); g.scalar("six", 6)
        g.node("Clip", "relu6", ["c2", "zero", "six"], ["r2"])
        g.node("GlobalAveragePool", "gap", ["r2"], ["g"])
        g.node("Flatten", "flat", ["g"], ["f"])
        g.weight("fc.w", [10, 16]); g.weight("fc.b", [10])
        g.node("Gemm", "fc", ["f", "fc.w", "fc.b"], ["y"], [.int("transB", 1)])
        g.output("y")
        return g
    }

    @Test("a framework-style CNN imports with folded BatchNorm and activations, counted by hand")
    func cnnImport() throws {
        let r = try ONNX.importModel(try Self.cnn().data(), options: ONNX.ImportOptions(batch: 2))
        let net = r.network
        #expect(net.batch == 2)
        #expect(net.layers.map(\.name) == ["conv1", "pool", "dw", "gap", "flat", "fc"])
        let a = try net.analyze()
        // conv1: 16×3×3×3 over 16×16 outputs; pool 3/2 ceil-mode: 16 → 8 (floor would give 7); dw: 16×9 over 8×8 (SAME).
        let macs = 2 * (16 * 3 * 9 * 16 * 16 + 16 * 9 * 8 * 8 + 16 * 10)
        let params = (16 * 27 + 16 + 2 * 16) + 16 * 9 + (160 + 10)
        #expect(a.totalMACs == macs)
        #expect(a.totalParams == params)
        #expect(a.shapes["pool"] == TensorShape([16, 8, 8]))
        #expect(net.layers[0].op.fusedActivation == .relu)
        #expect(net.layers[2].op.fusedActivation == .relu6)
        if case let .conv(_, _, _, bias, bn, _) = net.layers[0].op { #expect(bias && bn) } else { Issue.record("conv1 is not a conv") }
    }

    @Test("every opset from 11 to 21 is read; 10 and 22 are refused naming the opset")
    func opsets() throws {
        for v in 11...21 { _ = try ONNX.importModel(try Self.cnn(opset: v).data()) }
        for v in [9, 10, 22] {
            let e = try #require(throws: InputError.self) { try ONNX.importModel(try Self.cnn(opset: v).data(), file: "m.onnx") }
            #expect(e.description.contains("opset \(v)"), "\(e)")
            #expect(e.description.contains("m.onnx"))
        }
    }

    @Test("a transformer export: dense via MatMul + Add, shapes from Shape/Gather/Concat, attention, Gelu via erf")
    func attention() throws {
        let (t, d, h) = (6, 8, 2)
        var g = GraphBuilder(inputs: [("x", [nil, t, d])])
        for p in ["q", "k", "v"] {
            g.weight("\(p).w", [d, d]); g.weight("\(p).b", [d])
            g.node("MatMul", "\(p)", ["x", "\(p).w"], ["\(p)0"]); g.node("Add", "\(p).bias", ["\(p)0", "\(p).b"], ["\(p)1"])
        }
        // Dynamic head split: shape = Concat(Shape(x)[0:1], [t, h, d/h]) as torch.onnx writes it.
        g.node("Shape", "shape", ["x"], ["sx"])
        g.ints("zero_i", [0]); g.ints("rest", [t, h, d / h]); g.ints("perm_dummy", [0])
        g.node("Gather", "bdim", ["sx", "zero_i"], ["n"], [.int("axis", 0)])
        g.node("Concat", "newshape", ["n", "rest"], ["ns"], [.int("axis", 0)])
        for p in ["q", "k", "v"] {
            g.node("Reshape", "\(p).heads", ["\(p)1", "ns"], ["\(p)2"])
            g.node("Transpose", "\(p).t", ["\(p)2"], ["\(p)3"], [.ints("perm", p == "k" ? [0, 2, 3, 1] : [0, 2, 1, 3])])
        }
        g.node("MatMul", "scores", ["q3", "k3"], ["s0"])
        g.scalar("scale", 2)
        g.node("Div", "scale_div", ["s0", "scale"], ["s1"])
        g.node("Softmax", "softmax", ["s1"], ["s2"], [.int("axis", -1)])
        g.node("MatMul", "context", ["s2", "v3"], ["c0"])
        g.node("Transpose", "merge_t", ["c0"], ["c1"], [.ints("perm", [0, 2, 1, 3])])
        g.ints("merged", [0, t, d])
        g.node("Reshape", "merge", ["c1", "merged"], ["c2"])
        g.scalar("sqrt2", Float(2.0.squareRoot())); g.scalar("one", 1); g.scalar("half", 0.5)
        g.node("Div", "gelu", ["c2", "sqrt2"], ["e0"]); g.node("Erf", "gelu.erf", ["e0"], ["e1"])
        g.node("Add", "gelu.add", ["e1", "one"], ["e2"]); g.node("Mul", "gelu.mul", ["c2", "e2"], ["e3"])
        g.node("Mul", "gelu.half", ["e3", "half"], ["y"])
        g.output("y")
        let net = try ONNX.importModel(try g.data()).network
        let a = try net.analyze()
        #expect(net.layers.filter { $0.op == .dense(outFeatures: d, bias: true, activation: nil) }.count == 3)
        #expect(net.layers.contains { $0.op == .activation(.gelu) })
        // 3 projections t·d·d, QKᵀ and ·V: 2·h·t·t·(d/h), by hand.
        #expect(a.totalMACs == 3 * t * d * d + 2 * h * t * t * (d / h))
        #expect(a.totalParams == 3 * (d * d + d))
        #expect(a.shapes[net.layers.last!.name] == TensorShape([t, d]))
    }

    @Test("zero Pad before a Conv folds into its padding; a reflect Pad alone is a pad layer")
    func padFolds() throws {
        var g = GraphBuilder(inputs: [("x", [1, 3, 32, 32])])
        g.ints("pads", [0, 0, 0, 1, 0, 0, 1, 2]); g.weight("w", [8, 3, 3, 3])
        g.node("Pad", "pad", ["x", "pads"], ["xp"])
        g.node("Conv", "conv", ["xp", "w"], ["y"], [.ints("strides", [2, 2])])
        g.output("y")
        let net = try ONNX.importModel(try g.data()).network
        #expect(net.layers.count == 1)
        // (32 + 0 + 1 − 3) / 2 + 1 = 16 rows; (32 + 1 + 2 − 3) / 2 + 1 = 17 columns.
        #expect(try net.analyze().shapes["conv"] == TensorShape([8, 16, 17]))
        var h = GraphBuilder(inputs: [("x", [1, 3, 32, 32])])
        h.ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])
        h.node("Pad", "pad", ["x", "pads"], ["y"], [.string("mode", "reflect")])
        h.output("y")
        #expect(try ONNX.importModel(try h.data()).network.layers.map(\.op) == [.pad(amounts: [0, 1, 1, 0, 1, 1], mode: .reflect)])
    }

    @Test("LayerNormalization decomposed as before opset 17 is one layer_norm layer", arguments: [13, 18])
    func decomposedLayerNorm(opset: Int) throws {
        var g = GraphBuilder(opset: opset, inputs: [("x", [nil, 5, 12])])
        let axes: [Onnx_AttributeProto] = opset < 18 ? [.ints("axes", [-1])] : []
        let axesIn: [String] = opset < 18 ? [] : ["axes"]
        if opset >= 18 { g.ints("axes", [-1]) }
        g.scalar("two", 2); g.scalar("eps", 1e-5); g.weight("gamma", [12]); g.weight("beta", [12])
        g.node("ReduceMean", "ln", ["x"] + axesIn, ["m"], axes)
        g.node("Sub", "ln.sub", ["x", "m"], ["d"])
        g.node("Pow", "ln.pow", ["d", "two"], ["p"])
        g.node("ReduceMean", "ln.var", ["p"] + axesIn, ["v"], axes)
        g.node("Add", "ln.eps", ["v", "eps"], ["ve"])
        g.node("Sqrt", "ln.sqrt", ["ve"], ["s"])
        g.node("Div", "ln.div", ["d", "s"], ["n"])
        g.node("Mul", "ln.gamma", ["n", "gamma"], ["ng"])
        g.node("Add", "ln.beta", ["ng", "beta"], ["y"])
        g.output("y")
        let net = try ONNX.importModel(try g.data()).network
        #expect(net.layers.map(\.op) == [.layerNorm])
        #expect(try net.analyze().totalParams == 24)
    }

    @Test("unsupported operators are all listed at once; --allow-unknown makes them zero-cost placeholders with a note")
    func unknownOps() throws {
        var g = GraphBuilder(inputs: [("x", [1, 4, 8, 8])])
        g.node("LpNormalization", "norm_a", ["x"], ["a"])
        g.node("Relu", "relu", ["a"], ["b"])
        var n = Onnx_NodeProto(); n.opType = "FancyOp"; n.domain = "com.example"; n.name = "fancy"; n.input = ["b"]; n.output = ["y"]
        g.model.graph.node.append(n)
        g.output("y")
        let e = try #require(throws: InputError.self) { try ONNX.importModel(try g.data(), file: "u.onnx") }
        #expect(e.issues.count == 2)
        #expect(e.description.contains("'LpNormalization' at node 'norm_a' (opset 17)"), "\(e)")
        #expect(e.description.contains("com.example.FancyOp"))
        #expect(e.description.contains("--allow-unknown"))
        let r = try ONNX.importModel(try g.data(), options: ONNX.ImportOptions(allowUnknown: true))
        #expect(r.unknownNodes.count == 2)
        #expect(r.network.notes.count == 2)
        #expect(r.network.notes[0].contains("LpNormalization"))
        let a = try r.network.analyze()
        #expect(a.totalMACs == 0 && a.totalParams == 0)
        #expect(a.shapes[a.outputNames[0]] == TensorShape([4, 8, 8]))
    }

    @Test("bad files: truncated, not ONNX, a cycle, an initializer that contradicts its use, a dangling input")
    func badInput() throws {
        let good = try Self.cnn().data()
        let truncated = good.prefix(good.count * 2 / 3)
        let e1 = try #require(throws: InputError.self) { try ONNX.importModel(Data(truncated), file: "t.onnx") }
        #expect(e1.description.contains("t.onnx") && e1.description.contains("not a readable ONNX file"), "\(e1)")

        let e2 = try #require(throws: InputError.self) { try ONNX.importModel(Data("name: resnet\nlayers: []\n".utf8), file: "n.onnx") }
        #expect(e2.description.contains("n.onnx") && e2.description.contains("ONNX"), "\(e2)")

        var cyc = GraphBuilder(inputs: [("x", [1, 4])])
        cyc.node("Add", "a", ["x", "b_out"], ["a_out"]); cyc.node("Relu", "b", ["a_out"], ["b_out"]); cyc.output("b_out")
        let e3 = try #require(throws: InputError.self) { try ONNX.importModel(try cyc.data(), file: "c.onnx") }
        #expect(e3.description.contains("cycle") && e3.description.contains("a, b"), "\(e3)")

        var bad = Self.cnn()
        bad.model.graph.initializer[0].dims = [16, 5, 3, 3]   // w1 claims 5 input channels; x has 3
        let e4 = try #require(throws: InputError.self) { try ONNX.importModel(try bad.data(), file: "w.onnx") }
        #expect(e4.description.contains("graph.node[0]") && e4.description.contains("'w1'") && e4.description.contains("contradicts"), "\(e4)")
        #expect(e4.issues.count == 1, "one bad initializer is one problem, not one per layer after it: \(e4)")

        var dangling = GraphBuilder(inputs: [("x", [1, 4])])
        dangling.node("Relu", "r", ["nowhere"], ["y"]); dangling.output("y")
        let e5 = try #require(throws: InputError.self) { try ONNX.importModel(try dangling.data(), file: "d.onnx") }
        #expect(e5.description.contains("'nowhere'"), "\(e5)")
    }

    @Test("weights are not needed: external-data initializers import from their dims")
    func externalData() throws {
        var g = Self.cnn()
        for k in g.model.graph.initializer.indices where g.model.graph.initializer[k].name == "w1" {
            g.model.graph.initializer[k].rawData = Data()
            g.model.graph.initializer[k].dataLocation = .external
            var loc = Onnx_StringStringEntryProto(); loc.key = "location"; loc.value = "missing.bin"
            g.model.graph.initializer[k].externalData = [loc]
        }
        let a = try ONNX.importModel(try g.data()).network.analyze()
        #expect(a.layers[0].params == 16 * 27 + 16 + 32)
    }
}

/// Activations, PRelu, LRN and masks added for issue 8's gaps.
extension ONNXImportTests {
    @Test("LeakyRelu/Elu/Selu/Softplus fold into the conv before them or stand alone; PRelu counts its slopes; LRN keeps the shape")
    func moreActivations() throws {
        var g = GraphBuilder(inputs: [("x", [1, 3, 16, 16])])
        g.weight("w", [8, 3, 3, 3])
        g.node("Conv", "conv", ["x", "w"], ["c"], [.ints("pads", [1, 1, 1, 1])])
        g.node("LeakyRelu", "leaky", ["c"], ["a0"], [.float("alpha", 0.2)])
        g.node("Elu", "elu", ["a0"], ["a1"])
        g.node("Selu", "selu", ["a1"], ["a2"])
        g.node("Softplus", "softplus", ["a2"], ["a3"])
        g.weight("slope", [8, 1, 1])
        g.node("PRelu", "prelu", ["a3", "slope"], ["a4"])
        g.node("LRN", "lrn", ["a4"], ["y"], [.int("size", 5), .float("alpha", 1e-4), .float("beta", 0.75)])
        g.output("y")
        let net = try ONNX.importModel(try g.data()).network
        #expect(net.layers.map(\.op).dropFirst() == [.activation(.elu), .activation(.selu), .activation(.softplus), .prelu(slopes: 8), .localResponseNorm(size: 5)])
        #expect(net.layers[0].op.fusedActivation == .leakyRelu)
        let a = try net.analyze()
        #expect(a.totalMACs == 8 * 27 * 16 * 16)
        #expect(a.totalParams == 8 * 27 + 8)
        #expect(a.layers.last?.vectorOps == 8 * 16 * 16 * 7)
        // A slope per row is not a per-channel slope.
        var bad = GraphBuilder(inputs: [("x", [1, 8, 4, 4])])
        bad.weight("slope", [4, 1]); bad.node("PRelu", "prelu", ["x", "slope"], ["y"]); bad.output("y")
        let e = try #require(throws: InputError.self) { try ONNX.importModel(try bad.data()) }
        #expect(e.description.contains("PRelu") && e.description.contains("one per channel"), "\(e)")
    }

    @Test("a constant causal mask (Where on a buffer) is free; Equal/Where on constants fold shape logic; run-time masks are refused")
    func masks() throws {
        let t = 4
        var g = GraphBuilder(inputs: [("x", [nil, 2, t, t])])
        var mask = Onnx_TensorProto(); mask.name = "causal"; mask.dataType = 9; mask.dims = [1, 1, Int64(t), Int64(t)]
        mask.rawData = Data((0..<t * t).map { UInt8($0 % t <= $0 / t ? 1 : 0) })
        g.model.graph.initializer.append(mask)
        g.scalar("neg", -1e9)
        g.node("Where", "mask", ["causal", "x", "neg"], ["m"])
        g.node("Softmax", "softmax", ["m"], ["s"], [.int("axis", -1)])
        // torch's Expand export: Expand(s, Where(Equal(shape, -1), ones, shape)).
        g.ints("shape", [-1, 2, t, t]); g.ints("minus1", [-1])
        g.node("Equal", "eq", ["shape", "minus1"], ["isneg"])
        var one = Onnx_AttributeProto(); one.name = "value"; one.type = .tensor; one.t = .int64("v", [1], dims: [1])
        g.node("ConstantOfShape", "ones", ["four"], ["one4"], [one])
        g.ints("four", [4])
        g.node("Where", "fix", ["isneg", "one4", "shape"], ["target"])
        g.node("Expand", "expand", ["s", "target"], ["y"])
        g.output("y")
        let net = try ONNX.importModel(try g.data(), options: ONNX.ImportOptions(batch: 3)).network
        #expect(net.layers.map(\.op) == [.softmax(axis: -1)])
        var rt = GraphBuilder(inputs: [("x", [1, 2, t, t]), ("keep", [1, 1, 1, t])])
        rt.scalar("zero", 0)
        rt.node("Equal", "is_pad", ["keep", "zero"], ["pad"])
        rt.node("Where", "mask", ["pad", "x", "zero"], ["y"]); rt.output("y")
        let e = try #require(throws: InputError.self) { try ONNX.importModel(try rt.data(), file: "m.onnx") }
        #expect(e.issues.count == 2)
        #expect(e.description.contains("'Equal' at node 'is_pad'") && e.description.contains("data-dependent mask"), "\(e)")
        #expect(e.description.contains("'Where' at node 'mask'"), "\(e)")
    }
}
