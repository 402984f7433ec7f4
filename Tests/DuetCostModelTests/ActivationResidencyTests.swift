import Foundation
import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// `activation_residency: true`: a layer's output stays in the global buffer for its consumers
/// when it fits beside their working set (NetworkEvaluator.resident); off, every layer reads and
/// writes DRAM (layer at a time).
/// A network file's text, analyzed (shared by this module's network-level tests).
func analyzedNetwork(_ yaml: String) throws -> NetworkAnalysis {
    try NetworkFormat.decode(try ConfigNode.parse(yaml: yaml, file: nil), file: nil).analyze()
}

@Suite struct ActivationResidencyTests {
    /// conv a (3→16, 16×16) → conv b (16→16) → conv c (16→8): a's and b's outputs (16×16×16 =
    /// 4,096 bytes at 8 bits) are intermediate, c's is the network's output.
    static let chain = """
        name: chain
        inputs: [{name: x, shape: [3, 16, 16]}]
        layers:
          - {name: a, op: conv, out_channels: 16, kernel: 3, padding: 1}
          - {name: b, op: conv, out_channels: 16, kernel: 3, padding: 1}
          - {name: c, op: conv, out_channels: 8, kernel: 1}
        """
    static let big = ["pe_rows=16", "pe_cols=16", "precision_bits=8", "global_buffer_kib=1024", "allow_outside_template_ranges=true"]

    @Test func aChainThatFitsKeepsEveryIntermediateTensorAndSavesItsWriteAndRead() throws {
        let net = try analyzedNetwork(Self.chain)
        let off = try NetworkEvaluator.evaluate(net, on: try accelerator("tpu", Self.big))
        let on = try NetworkEvaluator.evaluate(net, on: try accelerator("tpu", Self.big + ["activation_residency=true"]))
        #expect(off.layers.allSatisfy { $0.outputOnChip == nil } && off.activations(bits: 8) == nil)
        #expect(on.layers.map(\.outputOnChip) == [true, true, false])
        #expect(on.layers.map(\.inputsOnChip) == [[], ["a"], ["b"]])
        // Each kept tensor is neither written by its producer (4,096 bytes) nor read by its
        // consumer: b reads a's output with its padding halo, 16 × 18 × 18 = 5,184 bytes, c (1×1)
        // reads 4,096. The whole layer is one buffer tile here, so nothing is refetched.
        let saved = 4_096 + 5_184 + 4_096 + 4_096
        #expect(off.dramBytes - on.dramBytes == Double(saved))
        let a = try #require(on.activations(bits: 8))
        #expect(a.kept == 2 && a.toDRAM == ["c"] && a.keptBytes == 8_192 && a.dramBytes == 2_048)
        // Energy drops by that DRAM term (and the global-buffer fills it needed); no layer is slower.
        let hw = try accelerator("tpu", Self.big)
        let dramPJ = Double(saved) * 8 * hw.technology.dramPJPerBit
        #expect(abs((off.energy.dram.value - on.energy.dram.value) - dramPJ) <= 1e-9 * dramPJ)
        for (x, y) in zip(off.layers, on.layers) { #expect(y.cost.latencyCycles <= x.cost.latencyCycles, "\(x.analysis.layer.name)") }
    }

    @Test func aBufferTooSmallForTheTensorKeepsNothing() throws {
        let net = try analyzedNetwork(Self.chain)
        // 4 KiB: a tile of a 3×3 conv plus a 4,096-byte tensor does not fit.
        let small = ["pe_rows=16", "pe_cols=16", "precision_bits=8", "global_buffer_kib=4", "allow_outside_template_ranges=true"]
        let off = try NetworkEvaluator.evaluate(net, on: try accelerator("tpu", small))
        let on = try NetworkEvaluator.evaluate(net, on: try accelerator("tpu", small + ["activation_residency=true"]))
        #expect(on.layers.map(\.outputOnChip) == [false, false, false])
        #expect(on.dramBytes == off.dramBytes && on.latencyCycles == off.latencyCycles)
    }

    /// A residual branch stays while both consumers need it; a reshape's output is its input
    /// under another name (kept with it, moving nothing).
    @Test func residualBranchesAndReshapesFollowTheirTensors() throws {
        let net = try analyzedNetwork("""
            name: residual
            inputs: [{name: x, shape: [8, 8, 8]}]
            layers:
              - {name: a, op: conv, out_channels: 8, kernel: 3, padding: 1}
              - {name: b, op: conv, out_channels: 8, kernel: 3, padding: 1}
              - {name: s, op: add, inputs: [a, b]}
              - {name: f, op: flatten}
              - {name: fc, op: dense, out_features: 10, bias: false}
            """)
        let on = try NetworkEvaluator.evaluate(net, on: try accelerator("tpu", Self.big + ["activation_residency=true"]))
        let byName = Dictionary(uniqueKeysWithValues: on.layers.map { ($0.analysis.layer.name, $0) })
        #expect(byName["a"]?.outputOnChip == true && byName["b"]?.outputOnChip == true && byName["s"]?.outputOnChip == true)
        #expect(byName["s"]?.inputsOnChip == ["a", "b"] && byName["s"]?.cost.traffic.dramBytes == 0)
        #expect(byName["f"]?.outputOnChip == true && byName["f"]?.cost.traffic.dramBytes == 0)
        #expect(byName["fc"]?.outputOnChip == false, "the network's output goes to DRAM")
        // Only the network's input (8 × 10 × 10 = 800 bytes with a's padding halo) and the weights
        // (a, b: 8·8·3·3 = 576 each; fc: 512·10 = 5,120) are read, and the 10 outputs written.
        #expect(on.dramBytes == 800 + 2 * 576 + 5_120 + 10)
    }

    /// On real networks at the eyeriss-sizing chip's size: less DRAM traffic, no layer slower.
    @Test(arguments: ["resnet18", "mobilenet-v2"]) func realNetworksMoveLessAndNoLayerSlows(_ name: String) throws {
        let net = try NetworkReference.resolve(name, options: BuildOptions(), baseDirectory: nil).analyze()
        let base = ["global_buffer_kib=512", "pe_rows=16", "pe_cols=16"]
        let off = try NetworkEvaluator.evaluate(net, on: try accelerator("eyeriss", base))
        let on = try NetworkEvaluator.evaluate(net, on: try accelerator("eyeriss", base + ["activation_residency=true"]))
        let a = try #require(on.activations(bits: 16))
        #expect(a.kept > 0 && on.dramBytes < off.dramBytes && on.energy.total < off.energy.total)
        for (x, y) in zip(off.layers, on.layers) { #expect(y.cost.latencyCycles <= x.cost.latencyCycles, "\(name) \(x.analysis.layer.name)") }
    }

    @Test func theParameterIsReadAndRefusedByName() throws {
        #expect(try accelerator("eyeriss", ["activation_residency=yes"]).activationResidency)
        #expect(try !accelerator("eyeriss").activationResidency)
        let e = #expect(throws: InputError.self) { _ = try accelerator("eyeriss", ["activation_residency=maybe"]) }
        #expect(e?.description.contains("activation_residency must be true or false") == true)
        // The exact solver tabulates or checks instead of summing per-choice terms.
        #expect(AnalyticalEstimator(try accelerator("eyeriss", ["activation_residency=true"])).mayFuseLayers)
        #expect(!AnalyticalEstimator(try accelerator("eyeriss")).mayFuseLayers)
    }
}
