import Testing
@testable import DuetCore
@testable import DuetWorkload

/// Shape inference and counts on small layers computed by hand.
@Suite struct NetworkAnalysisTests {
    private func analyze(_ input: [Int], _ ops: [(String, Operator)], batch: Int = 1) throws -> NetworkAnalysis {
        var b = NetworkBuilder(name: "t", input: TensorShape(input), batch: batch)
        for (n, op) in ops { b.add(n, op) }
        return try b.network.analyze()
    }

    private func conv(_ k: Int, kernel: Int, stride: Int = 1, dilation: Int = 1, padding: Padding, groups: Int = 1, bias: Bool = false, bn: Bool = false) -> Operator {
        .conv(outChannels: k, window: Window2D(kernel: kernel, stride: stride, dilation: dilation, padding: padding),
              groups: groups, bias: bias, batchNorm: bn, activation: nil)
    }

    @Test func convStridePaddingDilation() throws {
        // 224×224, 7×7 stride 2 pad 3 → 112×112 (ResNet stem).
        var a = try analyze([3, 224, 224], [("c", conv(64, kernel: 7, stride: 2, padding: .symmetric(3, 3)))])
        #expect(a.shapes["c"] == TensorShape([64, 112, 112]))
        #expect(a.layers[0].macs == 64 * 3 * 49 * 112 * 112)
        #expect(a.layers[0].params == 64 * 3 * 49)
        // Dilation 2 makes a 3×3 kernel span 5: 32 − 5 + 1 = 28 without padding.
        a = try analyze([8, 32, 32], [("c", conv(8, kernel: 3, dilation: 2, padding: .valid))])
        #expect(a.shapes["c"] == TensorShape([8, 28, 28]))
        // "same" with stride 2 gives ceil(15 / 2) = 8.
        a = try analyze([8, 15, 15], [("c", conv(8, kernel: 3, stride: 2, padding: .same))])
        #expect(a.shapes["c"] == TensorShape([8, 8, 8]))
    }

    @Test func groupedAndDepthwiseCounts() throws {
        let a = try analyze([32, 16, 16], [("dw", conv(32, kernel: 3, padding: .symmetric(1, 1), groups: 32, bn: true)),
                                           ("g", conv(64, kernel: 1, padding: .valid, groups: 2, bias: true))])
        let dw = a.layers[0], g = a.layers[1]
        #expect(dw.kind == "depthwise")
        #expect(dw.macs == 32 * 9 * 256)
        #expect(dw.params == 32 * 9 + 2 * 32)          // weights + BN scale/shift
        #expect(dw.weightElements == 32 * 9 + 32)      // BN folded into a bias
        #expect(dw.loops == LoopNest(n: 1, k: 32, c: 1, p: 16, q: 16, r: 3, s: 3, groups: 32))
        #expect(g.kind == "group_conv")
        #expect(g.macs == 64 * 16 * 256)                // c per group = 16
        #expect(g.params == 64 * 16 + 64)
    }

    @Test func batchMultipliesWorkNotParameters() throws {
        let a = try analyze([3, 8, 8], [("c", conv(4, kernel: 3, padding: .symmetric(1, 1)))], batch: 4)
        #expect(a.layers[0].macs == 4 * 4 * 3 * 9 * 64)
        #expect(a.layers[0].params == 4 * 3 * 9)
        #expect(a.layers[0].outputElements == 4 * 4 * 64)
        #expect(a.layers[0].loops?.n == 4)
    }

    @Test func denseMatmulAndBroadcast() throws {
        let a = try analyze([10, 64], [("fc", .dense(outFeatures: 32, bias: true, activation: nil))])
        #expect(a.shapes["fc"] == TensorShape([10, 32]))
        #expect(a.layers[0].macs == 10 * 64 * 32)
        #expect(a.layers[0].loops == LoopNest(n: 1, k: 32, c: 64, p: 10, q: 1))
        let net = Network(name: "mm", inputs: [NetworkInput(name: "a", shape: TensorShape([4, 8, 16])),
                                                NetworkInput(name: "b", shape: TensorShape([4, 16, 5]))],
                          layers: [Layer("mm", .matmul(transposeB: false), inputs: ["a", "b"])])
        let m = try net.analyze()
        #expect(m.shapes["mm"] == TensorShape([4, 8, 5]))
        #expect(m.layers[0].macs == 4 * 8 * 16 * 5)
        // SE-style scaling: [C,1,1] × [C,H,W] broadcasts.
        let se = Network(name: "s", inputs: [NetworkInput(name: "x", shape: TensorShape([8, 4, 4])), NetworkInput(name: "g", shape: TensorShape([8, 1, 1]))],
                         layers: [Layer("m", .elementwise(.mul), inputs: ["x", "g"])])
        #expect(try se.analyze().shapes["m"] == TensorShape([8, 4, 4]))
    }

    @Test func poolingConcatAndTransposedConv() throws {
        var b = NetworkBuilder(name: "t", input: TensorShape([16, 32, 32]))
        let p = b.add("p", .pool(.max, window: Window2D(kernel: 3, stride: 2, padding: .symmetric(1, 1))))
        let u = b.add("u", .convTranspose(outChannels: 8, kernel: 2, stride: 2, padding: 0, outputPadding: 0, groups: 1, bias: true, batchNorm: false, activation: nil))
        b.add("cat", .concat(axis: 0), inputs: [u, "input"])
        let a = try b.network.analyze()
        #expect(a.shapes[p] == TensorShape([16, 16, 16]))
        #expect(a.shapes["u"] == TensorShape([8, 32, 32]))
        #expect(a.layers[1].macs == 16 * 8 * 16 * 16 * 4)     // every input pixel scatters a 2×2 window
        #expect(a.layers[1].params == 16 * 8 * 4 + 8)
        #expect(a.shapes["cat"] == TensorShape([24, 32, 32]))
    }

    @Test func arithmeticIntensityAndBytes() throws {
        let a = try analyze([64, 56, 56], [("c", conv(64, kernel: 3, padding: .symmetric(1, 1)))])
        let l = a.layers[0]
        #expect(l.weightBytes(bits: 16) == 64 * 64 * 9 * 2)
        #expect(l.inputBytes(bits: 8) == 64 * 56 * 56)
        let ai = Double(l.macs) / Double(64 * 64 * 9 + 2 * 64 * 56 * 56)
        #expect(abs(l.arithmeticIntensity(bits: 8) - ai) < 1e-12)
    }

    @Test func everyProblemIsReportedWithItsLayer() {
        let net = Network(name: "bad", inputs: [NetworkInput(name: "x", shape: TensorShape([3, 8, 8]))], layers: [
            Layer("a", .conv(outChannels: 4, window: Window2D(kernel: 11, padding: .valid), groups: 1, bias: false, batchNorm: false, activation: nil), inputs: ["x"]),
            Layer("b", .conv(outChannels: 4, window: Window2D(kernel: 1, padding: .valid), groups: 2, bias: false, batchNorm: false, activation: nil), inputs: ["x"]),
            Layer("c", .flatten, inputs: ["later"]),
            Layer("later", .flatten, inputs: ["x"]),
        ])
        let e = #expect(throws: InputError.self) { try net.analyze(file: "bad.yaml") }
        let issues = e?.issues ?? []
        #expect(issues.count == 3)
        #expect(issues.map(\.keyPath) == ["layers[0].kernel", "layers[1].groups", "layers[2].inputs[0]"])
        #expect(issues[2].hint == "'later' is produced by a later layer; list layers in dependency order")
        #expect(issues.allSatisfy { $0.file == "bad.yaml" })
    }

    @Test func overflowingShapeIsAnErrorNotATrap() {
        let net = Network(name: "huge", inputs: [NetworkInput(name: "x", shape: TensorShape([100_000, 100_000, 100_000]))], layers: [
            Layer("conv1", .conv(outChannels: 100_000, window: Window2D(kernel: 3, padding: .valid), groups: 1, bias: false, batchNorm: false, activation: nil), inputs: ["x"]),
        ])
        let e = #expect(throws: InputError.self) { try net.analyze() }
        #expect(e?.issues.first?.message == "MAC count of layer 'conv1' overflows a 64-bit integer")
        #expect(e?.issues.first?.keyPath == "layers[0]")
    }
}

extension NetworkAnalysisTests {
    @Test func importedOperatorCounts() throws {
        let a = try NetworkFormatTests.importedOps().analyze()
        let byName = Dictionary(uniqueKeysWithValues: a.layers.map { ($0.layer.name, $0) })
        let n = 8 * 10 * 12
        #expect(byName["prelu"]?.params == 8)
        #expect(byName["prelu"]?.vectorOps == n)
        #expect(byName["lrn"]?.vectorOps == n * 7)
        #expect(byName["lrn"]?.params == 0)
        // Pad: before [0, 1, 2], after [0, 3, 4] → [8, 14, 18]; no arithmetic.
        #expect(a.shapes["pad"] == TensorShape([8, 14, 18]))
        #expect(byName["pad"]?.macs == 0 && byName["pad"]?.vectorOps == 0)
        // Transposed conv, by the ONNX formula per axis: (in − 1)·s − pads + d·(k − 1) + 1 + output_padding.
        let h: Int = 13 * 2 - 1 + 2 + 1 + 1      // (14 − 1)·2 − (1 + 0) + 1·(3 − 1) + 1 + 1
        let w: Int = 17 * 1 - 2 + 2 * 3 + 1       // (18 − 1)·1 − (0 + 2) + 2·(4 − 1) + 1 + 0
        #expect(a.shapes["up"] == TensorShape([4, h, w]))
        let upMACs: Int = 4 * 4 * 14 * 18 * 12       // K · C/g · H · W · kH·kW
        #expect(byName["up"]?.macs == upMACs)
        #expect(byName["up"]?.params == 8 * 2 * 12 + 4)
    }
}
