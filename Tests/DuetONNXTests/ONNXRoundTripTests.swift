import DuetCore
import DuetWorkload
import Foundation
import Testing
@testable import DuetONNX

/// Duet network → ONNX → Duet network must give back the same layers, shapes and counts.
@Suite struct ONNXRoundTripTests {
    /// Checks that `back` equals `net` layer by layer and in every count; returns a failure text.
    static func compare(_ net: Network, _ back: Network) throws -> String? {
        if back.layers.count != net.layers.count {
            let a = Set(net.layers.map(\.name)), b = Set(back.layers.map(\.name))
            return "\(net.name): \(net.layers.count) layers became \(back.layers.count); missing \(a.subtracting(b).sorted().prefix(5)), extra \(b.subtracting(a).sorted().prefix(5))"
        }
        for (x, y) in zip(net.layers, back.layers) where x != y {
            return "\(net.name): layer \(x.name) \(x.op) \(x.inputs) came back as \(y.name) \(y.op) \(y.inputs)"
        }
        if net.inputs != back.inputs { return "\(net.name): inputs \(net.inputs) came back as \(back.inputs)" }
        if net.batch != back.batch { return "\(net.name): batch \(net.batch) came back as \(back.batch)" }
        let a = try net.analyze(), b = try back.analyze()
        if a.totalMACs != b.totalMACs || a.totalParams != b.totalParams || a.shapes != b.shapes {
            return "\(net.name): counts differ (MACs \(a.totalMACs) vs \(b.totalMACs), params \(a.totalParams) vs \(b.totalParams))"
        }
        return nil
    }

    static func roundTrip(_ net: Network, weights: ONNX.Weights = .none) throws -> Network {
        let data = try ONNX.export(net, weights: weights)
        return try ONNX.importModel(data, file: "\(net.name).onnx").network
    }

    @Test("every built-in network round-trips", arguments: BuiltinNetwork.all.map(\.name))
    func builtin(_ name: String) throws {
        let net = try #require(BuiltinNetwork.named(name)).network()
        let back = try Self.roundTrip(net)
        let failure = try Self.compare(net, back)
        #expect(failure == nil, "\(failure ?? "")")
        #expect(back.name == net.name)
        #expect(back.notes.isEmpty)
    }

    @Test("built-ins round-trip at another batch and input size")
    func builtinOptions() throws {
        for name in ["resnet18", "mobilenet-v3-large"] {
            let net = try #require(BuiltinNetwork.named(name)).network(BuildOptions(input: 160, width: 0.75, batch: 4))
            let failure = try Self.compare(net, try Self.roundTrip(net))
            #expect(failure == nil, "\(failure ?? "")")
        }
    }

    @Test("100 sampled points of every search space round-trip", arguments: NetworkSpaces.names)
    func spaces(_ spaceName: String) throws {
        let space = try #require(NetworkSpaces.named(spaceName))
        var rng = SeededGenerator(seed: 8)
        for (k, arch) in space.sample(count: 100, using: &rng).enumerated() {
            let net = try space.network(arch)
            let failure = try Self.compare(net, try Self.roundTrip(net))
            #expect(failure == nil, "sample \(k) (\(space.format(arch))): \(failure ?? "")")
            if failure != nil { break }
        }
    }

    @Test("random weights: same seed, same bytes; the import is the same as without weights")
    func randomWeights() throws {
        let net = try #require(BuiltinNetwork.named("mobilenet-v2")).network(BuildOptions(input: 64))
        let a = try ONNX.export(net, weights: .random(seed: 3)), b = try ONNX.export(net, weights: .random(seed: 3))
        let c = try ONNX.export(net, weights: .random(seed: 4))
        #expect(a == b)
        #expect(a != c)
        let analysis = try net.analyze()
        // float32 weights: at least 4 bytes per parameter are in the file.
        #expect(a.count >= 4 * analysis.totalParams)
        let back = try ONNX.importModel(a).network
        #expect(try Self.compare(net, back) == nil)
    }

    @Test("small learned tensors whose values stay in the file (positional embedding, class token) still round-trip")
    func smallWeights() throws {
        var b = NetworkBuilder(name: "tiny-seq", input: TensorShape([4, 8]))
        b.add("cls", .prependToken(count: 1))
        b.add("pos", .positionalEmbedding)
        b.add("norm", .layerNorm)
        b.add("zero", .zero)
        let net = b.network
        for w in [ONNX.Weights.random(seed: 1), .none] {
            let failure = try Self.compare(net, try Self.roundTrip(net, weights: w))
            #expect(failure == nil, "\(w): \(failure ?? "")")
        }
    }

    @Test("special layers round-trip: transposed matmul, gelu and swish, zero, crop, resize, channel shuffle")
    func specialLayers() throws {
        var b = NetworkBuilder(name: "special", input: TensorShape([8, 16, 16]), batch: 2)
        b.conv("c1", out: 8, kernel: 3, act: .swish)
        b.add("shuffle", .channelShuffle(groups: 2))
        b.add("up", .resize(scaleH: 2, scaleW: 2))
        b.add("crop", .crop(height: 30, width: 30))
        b.add("z", .zero)
        b.add("pool", .pool(.max, window: Window2D(kernel: 3, stride: 2, padding: .same)))
        b.add("seq", .reshape([8, -1]))
        b.dense("fc", out: 16, act: .gelu)
        let q = b.current
        b.add("g", .activation(.gelu))
        b.add("scores", .matmul(transposeB: true), inputs: [q, b.current])
        b.add("sm", .softmax(axis: -1))
        b.add("convt.in", .reshape([8, 4, 2]))
        b.add("convt", .convTranspose(outChannels: 4, kernel: 2, stride: 2, padding: 0, outputPadding: 0, groups: 1,
                                      bias: true, batchNorm: true, activation: .relu))
        let net = b.network
        let back = try Self.roundTrip(net)
        let failure = try Self.compare(net, back)
        #expect(failure == nil, "\(failure ?? "")")
    }

    /// The operators added for issue 8's gaps, in one network.
    static func gapLayers() -> Network {
        var b = NetworkBuilder(name: "gaps", input: TensorShape([8, 10, 12]), batch: 2)
        b.conv("c1", out: 8, kernel: 3, act: .leakyRelu)
        b.add("prelu", .prelu(slopes: 8))
        b.add("prelu1", .prelu(slopes: 1))
        b.add("lrn", .localResponseNorm(size: 5))
        b.add("pad", .pad(amounts: [0, 1, 2, 0, 3, 4], mode: .reflect))
        b.add("zpad", .pad(amounts: [0, 1, 1, 0, 1, 1], mode: .constant))
        b.conv("c2", out: 8, kernel: 3, padding: .valid, act: .elu)
        b.add("up", .convTranspose(outChannels: 4, window: TransposedWindow2D(kernelH: 3, kernelW: 4, strideH: 2, strideW: 1, dilationH: 1, dilationW: 2,
                                                                             padTop: 1, padLeft: 0, padBottom: 0, padRight: 2, outputPaddingH: 1, outputPaddingW: 0),
                                   groups: 2, bias: true, batchNorm: true, activation: .selu))
        b.add("sp", .activation(.softplus))
        return b.network
    }

    @Test("PReLU, LRN, pad layers, the newer activations and a non-square transposed conv round-trip")
    func gapLayersRoundTrip() throws {
        let net = Self.gapLayers()
        for w in [ONNX.Weights.random(seed: 1), .none] {
            let failure = try Self.compare(net, try Self.roundTrip(net, weights: w))
            #expect(failure == nil, "\(w): \(failure ?? "")")
        }
    }

    @Test("--dynamic-batch exports: the batch is the symbol N in every tensor; an import takes the batch asked for")
    func dynamicBatch() throws {
        var b = NetworkBuilder(name: "tiny-vit", input: TensorShape([4, 8]), batch: 2)
        b.add("cls", .prependToken(count: 1))
        b.add("pos", .positionalEmbedding)
        b.dense("fc", out: 8, act: .gelu)
        for net in [b.network, try #require(BuiltinNetwork.named("resnet18")).network(BuildOptions(input: 64, batch: 2)), Self.gapLayers()] {
            let data = try ONNX.export(net, weights: .none, dynamicBatch: true)
            let model = try Onnx_ModelProto(serializedBytes: data)
            let symbolic = (model.graph.input.prefix(net.inputs.count) + model.graph.output + model.graph.valueInfo).map { $0.dimParam(0) }
            #expect(symbolic.allSatisfy { $0 == "N" }, "\(net.name)")
            let back = try ONNX.importModel(data, options: ONNX.ImportOptions(batch: 5)).network
            #expect(back.batch == 5)
            var same = back
            same.batch = net.batch
            let failure = try Self.compare(net, same)
            #expect(failure == nil, "\(net.name): \(failure ?? "")")
            #expect(try back.analyze().totalMACs == 5 * (try net.analyze().totalMACs) / net.batch)
        }
    }
}
