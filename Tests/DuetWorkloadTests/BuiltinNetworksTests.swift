import Testing
@testable import DuetWorkload

/// Parameter and MAC counts of the built-in networks against published figures. Parameter counts
/// are exact (they follow from the layer lists); MAC figures are published rounded to two or three
/// significant digits, so they are checked to 1 %.
@Suite struct BuiltinNetworksTests {
    static let published: [(String, Int, Int?)] = [
        // name, params (exact), MACs (published, rounded)
        ("resnet18", 11_689_512, 1_814_000_000),           // torchvision model card: 1.81 GFLOPS
        ("resnet50", 25_557_032, 4_089_000_000),           // torchvision: 4.09 GFLOPS
        ("vgg16", 138_357_544, 15_470_000_000),            // torchvision: 15.47 GFLOPS
        ("mobilenet-v2", 3_504_872, 300_000_000),          // Sandler et al. 2018 Table 3: 300 M MAdds
        ("mobilenet-v3-large", 5_483_032, 217_000_000),    // torchvision 0.22 GFLOPS; paper Table 3: 219 M
        ("unet", 31_030_658, nil),                         // Ronneberger et al. 2015 Fig. 1 layer list
        ("vit-b16", 86_567_656, 17_564_000_000),           // torchvision: 17.56 GFLOPS
        ("bert-base", 109_482_240, nil),                   // HF bert-base-uncased BertModel
    ]

    @Test(arguments: published.map(\.0))
    func countsMatchPublishedFigures(name: String) throws {
        let (_, params, macs) = Self.published.first { $0.0 == name }!
        let builtin = try #require(BuiltinNetwork.named(name))
        let a = try builtin.network().analyze()
        #expect(a.totalParams == params, "\(name): params \(a.totalParams) vs published \(params)")
        if let macs {
            let err = abs(Double(a.totalMACs - macs)) / Double(macs)
            #expect(err < 0.01, "\(name): MACs \(a.totalMACs) vs published \(macs) (\(err * 100)% off)")
        }
    }

    @Test func unetMapsPaperShapes() throws {
        let a = try BuiltinNetwork.unet.network().analyze()
        // Fig. 1: 572×572 input tile → 388×388 output segmentation map with 2 classes.
        #expect(a.shapes["out"] == TensorShape([2, 388, 388]))
        #expect(a.shapes["bottom.conv2"] == TensorShape([1024, 28, 28]))
    }

    @Test func inputAndWidthOptionsScaleCounts() throws {
        let base = try BuiltinNetwork.mobilenetV2.network().analyze()
        let small = try BuiltinNetwork.mobilenetV2.network(BuildOptions(input: 160)).analyze()
        let thin = try BuiltinNetwork.mobilenetV2.network(BuildOptions(width: 0.5)).analyze()
        // MACs scale with pixels: (160/224)² ≈ 0.51 (the classifier is input-independent).
        let ratio = Double(small.totalMACs) / Double(base.totalMACs)
        #expect(abs(ratio - 0.51) < 0.02)
        #expect(small.totalParams == base.totalParams)
        // torchvision mobilenet_v2(width_mult=0.5): 1,968,680 params (last conv stays 1280 wide).
        #expect(thin.totalParams == 1_968_680)
    }

    @Test func vitHasAttentionAsMatmulsAndSoftmax() throws {
        let a = try BuiltinNetwork.vitB16.network().analyze()
        let scores = try #require(a.layers.first { $0.layer.name == "blocks.0.attn.scores" })
        #expect(scores.kind == "matmul")
        #expect(scores.outputShape == TensorShape([12, 197, 197]))
        // 12 heads × 197 × 64 × 197 MACs.
        #expect(scores.macs == 12 * 197 * 64 * 197)
        #expect(a.layers.filter { $0.kind == "softmax" }.count == 12)
    }
}
