import Foundation
import Testing
@testable import DuetCore
@testable import DuetWorkload

@Suite struct NASBench201SpaceTests {
    let space = NASBench201Space()

    @Test func allCellsRoundTripThroughStringsAndBuild() throws {
        let all = try #require(space.enumerate())
        #expect(all.count == 15_625)
        var strings = Set<String>()
        for arch in all {
            let s = space.format(arch)
            #expect(try space.parse(s) == arch, "\(s)")
            strings.insert(s)
        }
        #expect(strings.count == 15_625)
        // Every cell builds a well-formed network (shape inference passes).
        for arch in all { _ = try space.network(arch).analyze() }
    }

    /// NAS-Bench-201's API (`get_more_info`/`get_cost_info`, CIFAR-10) reports for the
    /// all-`nor_conv_3x3` cell 1.5309 M params and 220.11 M FLOPs, where FLOPs = conv and linear
    /// MACs plus pooling window operations.
    @Test func largestCellMatchesBenchmarkCostInfo() throws {
        let arch = try space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|")
        let a = try space.network(arch).analyze()
        let poolOps = a.layers.filter { $0.kind.hasSuffix("pool") && !$0.kind.hasPrefix("global") }.reduce(0) { $0 + $1.vectorOps }
        #expect(abs(Double(a.totalParams) / 1e6 - 1.5309) < 0.002, "params \(a.totalParams)")
        #expect(abs(Double(a.totalMACs + poolOps) / 1e6 - 220.11) < 0.5, "flops \(a.totalMACs + poolOps)")
    }

    @Test func badOpNameGetsSuggestion() {
        let e = #expect(throws: InputError.self) { try space.parse("|nor_conv_3x4~0|+|none~0|none~1|+|none~0|none~1|none~2|") }
        #expect(e?.description == "at node1.edge0: unknown nb201 option for edge0->1 (got 'nor_conv_3x4'); did you mean 'nor_conv_3x3'?")
    }

    @Test func allNoneCellStillBuilds() throws {
        let a = try space.network(space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")).analyze()
        #expect(a.layers.contains { $0.kind == "zero" })
        #expect(a.shapes["classifier"] == TensorShape([10]))
    }
}

@Suite struct FBNetSpaceTests {
    let space = FBNetSpace()

    @Test func roundTripAndCardinality() throws {
        #expect(space.dimensions.count == 22)
        #expect(space.dimensions.allSatisfy { $0.options.count == 9 })
        #expect(abs(space.cardinality - pow(9, 22)) / pow(9, 22) < 1e-12)
        var rng = SeededGenerator(seed: 3)
        for arch in space.sample(count: 200, using: &rng) {
            #expect(try space.parse(space.format(arch)) == arch)
            _ = try space.network(arch).analyze()
        }
    }

    @Test func wrongLengthIsExplained() {
        let e = #expect(throws: InputError.self) { try space.parse("k3_e1 skip") }
        #expect(e?.issues[0].message == "an FBNet arch has 22 ops, found 2")
    }

    /// A k3_e1 everywhere network has the FBNet macro shapes: 7×7×352 before the head.
    @Test func macroShapes() throws {
        let a = try space.network(Architecture(Array(repeating: 0, count: 22))).analyze()
        #expect(a.shapes["layer21.pwl"] == TensorShape([352, 7, 7]))
        #expect(a.shapes["head"] == TensorShape([1984, 7, 7]))
    }
}

@Suite struct OFAMobileNetV3SpaceTests {
    let space = OFAMobileNetV3Space()

    @Test func parseBothFormsAndRoundTrip() throws {
        let text = "ks=3,5,7,3,5,7,3,5,7,3,5,7,3,5,7,3,5,7,3,5;e=3,4,6,3,4,6,3,4,6,3,4,6,3,4,6,3,4,6,3,4;d=2,3,4,2,3;r=224"
        let a = try space.parse(text)
        #expect(space.format(a) == text)
        let json = #"{"ks": [3,5,7,3,5,7,3,5,7,3,5,7,3,5,7,3,5,7,3,5], "e": [3,4,6,3,4,6,3,4,6,3,4,6,3,4,6,3,4,6,3,4], "d": [2,3,4,2,3], "r": [224]}"#
        #expect(try space.parse(json) == a)
        var rng = SeededGenerator(seed: 5)
        for arch in space.sample(count: 100, using: &rng) {
            #expect(try space.parse(space.format(arch)) == arch)
        }
    }

    /// Shapes agree with the keys of the measured Note10 table (../shared/data/luts/ofa-note10):
    /// `Conv-input:224x224x3-output:112x112x24`, `Conv_1-input:7x7x192-output:7x7x1152`,
    /// `Conv_2-input:1x1x1152-output:1x1x1536`, and the first expanded conv 24 → 144 middle channels.
    @Test func shapesMatchTheMeasuredTableKeys() throws {
        let arch = try space.parse("ks=3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3;e=6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6;d=4,4,4,4,4;r=224")
        let a = try space.network(arch).analyze()
        #expect(a.shapes["first_conv"] == TensorShape([24, 112, 112]))
        #expect(a.shapes["stage1.block0.expand"] == TensorShape([144, 112, 112]))
        #expect(a.shapes["stage5.block3.pwl"] == TensorShape([192, 7, 7]))
        #expect(a.shapes["final_expand"] == TensorShape([1152, 7, 7]))
        #expect(a.shapes["feature_mix"] == TensorShape([1536, 1, 1]))
    }

    @Test func badKernelIsNamed() {
        let e = #expect(throws: InputError.self) {
            try space.parse("ks=3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,4;e=6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6;d=4,4,4,4,4;r=224")
        }
        #expect(e?.issues[0].keyPath == "ks[19]")
    }
}

@Suite struct ChainSpaceTests {
    @Test func nasaicRoundTrip() throws {
        let s = ChainSpace.nasaic
        let arch = try s.parse("f64k3-f64k3-f128k5-f128k3-f96k7-f24k1")
        #expect(s.format(arch) == "f64k3-f64k3-f128k5-f128k3-f96k7-f24k1")
        let a = try s.network(arch).analyze()
        #expect(a.shapes["pool5"] == TensorShape([24, 4, 4]))
        // conv2: 64→128, 5×5, 16×16 output: 64·128·25·256 MACs.
        #expect(a.layers.first { $0.layer.name == "conv2" }?.macs == 64 * 128 * 25 * 256)
        #expect(s.exactCardinality == 191_102_976)
    }

    @Test func unknownFilterCountSuggests() {
        #expect(throws: InputError.self) { try ChainSpace.nasaic.parse("f65k3-f64k3-f128k5-f128k3-f96k7-f24k1") }
    }
}

/// The real NAS-Bench-201 table (../shared/data/nb201/accuracy.csv, 15,625 rows) uses the same
/// arch strings: every one parses, and they cover the whole space exactly once.
@Suite struct NASBench201DataTests {
    @Test(.enabled(if: TestPaths.sharedData != nil, "../shared/data is absent"))
    func everyArchStringOfTheBenchmarkParses() throws {
        let data = try #require(TestPaths.sharedData)
        let text = try String(contentsOf: data.appendingPathComponent("nb201/accuracy.csv"), encoding: .utf8)
        let space = NASBench201Space()
        var seen = Set<Architecture>()
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",")
            let arch = try space.parse(String(fields[1]))
            #expect(space.format(arch) == String(fields[1]))
            seen.insert(arch)
        }
        #expect(seen.count == 15_625)
    }
}

@Suite struct FBNetCIFAR100Tests {
    /// HW-NAS-Bench's CIFAR-100 FBNet: 32×32 input, stem stride 1, stage strides 1,1,2,2,1,2,1
    /// (32 → 32 → 16 → 8 → 4), a 1504-channel head, 100 classes, the same arch strings.
    @Test func shapesFollowHWNASBenchCIFARSetting() throws {
        let s = try #require(NetworkSpaces.named("fbnet-c100"))
        let arch = Array(repeating: "k3_e6", count: 22).joined(separator: " ")
        let a = try s.network(parsing: arch).analyze()
        let byName = Dictionary(uniqueKeysWithValues: a.layers.map { ($0.layer.name, $0) })
        #expect(try #require(byName["stem"]).outputShape.dims == [16, 32, 32])
        #expect(try #require(byName["head"]).outputShape.dims == [1504, 4, 4])
        #expect(try #require(byName["classifier"]).outputShape.dims == [100])
        #expect(s.format(try s.parse(arch)) == arch)
        #expect(NetworkSpaces.named("fbnet-cifar100")?.name == "fbnet-c100")
    }

    /// `--input` on a space point is refused by name, not silently ignored.
    @Test func inputOptionOnASpacePointIsRefused() {
        let arch = Array(repeating: "skip", count: 22).joined(separator: " ")
        let e = #expect(throws: InputError.self) { try NetworkReference.resolve("fbnet:" + arch, options: BuildOptions(input: 32)) }
        #expect(e?.description.contains("fbnet-c100") == true)
        #expect(e?.description.contains("--input 32") == true)
    }
}
