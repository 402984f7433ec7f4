import Foundation
import Testing
@testable import DuetCore
@testable import DuetWorkload

@Suite struct NetworkFormatTests {
    private func decode(_ yaml: String) throws -> Network {
        try NetworkFormat.decode(ConfigNode.parse(yaml: yaml, file: "net.yaml"), file: "net.yaml")
    }

    static let everyNetwork: [String] = BuiltinNetwork.all.map(\.name)

    @Test(arguments: everyNetwork)
    func builtinsRoundTripExactlyThroughYAMLAndJSON(name: String) throws {
        let net = try BuiltinNetwork.named(name)!.network()
        #expect(try decode(NetworkFormat.yaml(net)) == net)
        #expect(try decode(NetworkFormat.json(net)) == net)
    }

    @Test func spacePointsRoundTrip() throws {
        var rng = SeededGenerator(seed: 11)
        for space in NetworkSpaces.all {
            for arch in space.sample(count: 5, using: &rng) {
                let net = try space.network(arch)
                #expect(try decode(NetworkFormat.yaml(net)) == net, "\(space.name): \(space.format(arch))")
            }
        }
    }

    @Test func examplesLoadAndRoundTrip() throws {
        let dir = TestPaths.root.appendingPathComponent("Examples/networks")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 2)
        for f in files {
            let net = try NetworkFormat.load(path: dir.appendingPathComponent(f).path)
            #expect(try decode(NetworkFormat.yaml(net)) == net, "\(f)")
        }
    }

    @Test func defaultsAndSugar() throws {
        let net = try decode("""
            inputs: [{name: x, shape: [8, 16, 16]}]
            layers:
              - {name: dw, op: depthwise, out_channels: 8, padding: same}
              - {name: pw, op: pointwise, out_channels: 4}
            """)
        let a = try net.analyze()
        #expect(a.layers.map(\.kind) == ["depthwise", "pointwise"])
        #expect(a.shapes["pw"] == TensorShape([4, 16, 16]))
        #expect(net.layers[1].inputs == ["dw"])   // default input: the previous layer
    }

    // MARK: Exact error messages for bad input

    @Test func unknownKeyWithDidYouMean() {
        let e = #expect(throws: InputError.self) {
            try decode("inputs: [{name: x, shape: [3, 8, 8]}]\nlayers:\n  - {name: c, op: conv, out_channels: 4, kernle: 3, kernel: 3}\n")
        }
        #expect(e?.description == "net.yaml at layers[0].kernle: unknown key 'kernle'; did you mean 'kernel'?")
    }

    @Test func wrongType() {
        let e = #expect(throws: InputError.self) {
            try decode("inputs: [{name: x, shape: [3, 8, 8]}]\nlayers:\n  - {name: c, op: conv, out_channels: four, kernel: 3}\n")
        }
        #expect(e?.description == "net.yaml at layers[0].out_channels: expected an integer, found a string (got 'four')")
    }

    @Test func negativeSize() {
        let e = #expect(throws: InputError.self) {
            try decode("inputs: [{name: x, shape: [3, -8, 8]}]\nlayers:\n  - {name: f, op: flatten}\n")
        }
        #expect(e?.description == "net.yaml at inputs[0].shape[1]: must be at least 1 (got '-8'); this value cannot be negative")
    }

    @Test func unknownOperator() {
        let e = #expect(throws: InputError.self) {
            try decode("inputs: [{name: x, shape: [3, 8, 8]}]\nlayers:\n  - {name: p, op: maxpool, kernel: 2}\n")
        }
        #expect(e?.description == "net.yaml at layers[0].op: unknown value (got 'maxpool'); did you mean 'max_pool'?")
    }

    @Test func manyProblemsAtOnce() {
        let e = #expect(throws: InputError.self) {
            try decode("""
                inputs: [{name: x, shape: [3, 8, 8]}]
                layers:
                  - {name: a, op: conv, out_channel: 4, kernel: 3}
                  - {name: b, op: dense, out_features: -1}
                  - {name: c, op: activation, function: relu7}
                """)
        }
        #expect(e?.issues.map(\.keyPath) == ["layers[0].out_channels", "layers[0].out_channel", "layers[1].out_features", "layers[2].function"])
    }
}

@Suite struct NetworkReferenceTests {
    @Test func resolvesEveryForm() throws {
        #expect(try NetworkReference.resolve("resnet18").name == "resnet18")
        #expect(try NetworkReference.resolve("MobileNet_V2").name == "mobilenet-v2")
        let nb = try NetworkReference.resolve("nb201:|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
        #expect(nb.name == "nb201")
        let fb = try NetworkReference.resolve("fbnet:" + Array(repeating: "k3_e6", count: 22).joined(separator: " "))
        #expect(fb.name == "fbnet")
        let file = TestPaths.root.appendingPathComponent("Examples/networks/tiny-cnn.yaml").path
        #expect(try NetworkReference.resolve(file).name == "tiny-cnn")
    }

    @Test func inlineLayerHasExactLoops() throws {
        let a = try NetworkReference.resolve("layer:conv,k=64,c=64,p=56,q=56,r=3,s=3,stride=1,groups=1").analyze()
        #expect(a.layers.count == 1)
        #expect(a.layers[0].loops == LoopNest(n: 1, k: 64, c: 64, p: 56, q: 56, r: 3, s: 3))
        #expect(a.totalMACs == 64 * 64 * 56 * 56 * 9)
        let s2 = try NetworkReference.resolve("layer:conv,k=32,c=16,p=28,q=28,r=3,s=3,stride=2").analyze()
        #expect(s2.layers[0].loops?.p == 28)
        let dw = try NetworkReference.resolve("layer:depthwise,k=96,p=14,q=14,r=5,s=5").analyze()
        #expect(dw.layers[0].loops == LoopNest(n: 1, k: 96, c: 1, p: 14, q: 14, r: 5, s: 5, groups: 96))
        let mm = try NetworkReference.resolve("layer:matmul,n=12,p=197,c=64,k=197").analyze()
        #expect(mm.totalMACs == 12 * 197 * 64 * 197)
    }

    @Test func unknownNameSuggests() {
        let e = #expect(throws: InputError.self) { try NetworkReference.resolve("resnet5") }
        #expect(e?.description == "unknown network (got 'resnet5'); did you mean 'resnet50'?")
        let e2 = #expect(throws: InputError.self) { try NetworkReference.resolve("layer:conv,k=64,kk=3") }
        #expect(e2?.issues[0].hint == "did you mean 'k'?")
    }

    @Test func unknownOpInArchString() {
        let e = #expect(throws: InputError.self) {
            try NetworkReference.resolve("fbnet:" + (Array(repeating: "k3_e6", count: 21) + ["k7_e6"]).joined(separator: " "))
        }
        #expect(e?.issues[0].keyPath == "layer21")
        #expect(e?.issues[0].message == "in fbnet arch: unknown fbnet option for layer21")
    }
}

extension NetworkFormatTests {
    /// A network using the operators added for ONNX import: PReLU, LRN, padding, the newer
    /// activations and a non-square transposed convolution.
    static func importedOps() -> Network {
        var b = NetworkBuilder(name: "gaps", input: TensorShape([8, 10, 12]))
        b.add("prelu", .prelu(slopes: 8))
        b.add("lrn", .localResponseNorm(size: 5))
        b.add("pad", .pad(amounts: [0, 1, 2, 0, 3, 4], mode: .reflect))
        b.add("up", .convTranspose(outChannels: 4, window: TransposedWindow2D(kernelH: 3, kernelW: 4, strideH: 2, strideW: 1, dilationH: 1, dilationW: 2,
                                                                             padTop: 1, padLeft: 0, padBottom: 0, padRight: 2, outputPaddingH: 1, outputPaddingW: 0),
                                   groups: 2, bias: true, batchNorm: false, activation: .leakyRelu))
        for f in [ActivationFunction.elu, .selu, .softplus] { b.add(f.rawValue, .activation(f)) }
        return b.network
    }

    @Test func importedOperatorsRoundTripExactly() throws {
        let net = Self.importedOps()
        let yaml = NetworkFormat.yaml(net)
        #expect(try decode(yaml) == net, "\(yaml)")
        #expect(yaml.contains("op: pad") && yaml.contains("mode: reflect") && yaml.contains("op: lrn") && yaml.contains("slopes: 8"))
        #expect(yaml.contains("kernel: [3, 4]") || yaml.contains("kernel:\n"), "\(yaml)")
    }

    @Test func squareConvTransposeKeepsItsShortForm() throws {
        let net = try decode("""
            inputs: [{name: x, shape: [4, 8, 8]}]
            layers:
              - {name: u, op: conv_transpose, out_channels: 2, kernel: 2, stride: 2}
            """)
        #expect(net.layers[0].op == .convTranspose(outChannels: 2, kernel: 2, stride: 2, padding: 0, outputPadding: 0, groups: 1,
                                                   bias: false, batchNorm: false, activation: nil))
    }

    @Test func badPadAndPReLU() {
        let e = #expect(throws: InputError.self) {
            try decode("""
                inputs: [{name: x, shape: [4, 8, 8]}]
                layers:
                  - {name: p, op: pad, amounts: [1, 1], mode: mirror}
                  - {name: q, op: conv_transpose, out_channels: 2, kernel: 2, padding: same}
                """)
        }
        let text = e.map { "\($0)" } ?? ""
        #expect(text.contains("mirror") && text.contains("conv_transpose takes explicit padding"), "\(text)")
        let net = Network(name: "n", inputs: [NetworkInput(name: "x", shape: TensorShape([4, 8, 8]))],
                          layers: [Layer("p", .pad(amounts: [1, 1], mode: .constant), inputs: ["x"]), Layer("r", .prelu(slopes: 3), inputs: ["x"])])
        let a = #expect(throws: InputError.self) { try net.analyze() }
        #expect(a?.issues.count == 2)
        #expect(a?.issues.first?.message.contains("needs 6 amounts") == true, "\(String(describing: a))")
    }
}
