import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

@Suite struct DeviceGraphTests {
    let space = NASBench201Space()
    func graph(_ arch: String, _ device: TableDevice = .tflite) throws -> DeviceGraph {
        try device.lower(space.exportedNetwork(space.parse(arch)))
    }
    func count(_ g: DeviceGraph, _ kind: String, kernel: Int? = nil) -> Int {
        g.operators.filter { $0.signature.kind == kind && (kernel == nil || $0.signature.kernel == kernel) }.count
    }

    @Test func disconnectedCellsCollapseToTheHead() throws {
        // node 3 only receives `none` edges: every cell output is the constant 0; the head's
        // BatchNorm and ReLU fold, global pooling and the classifier still run (on a constant).
        let g = try graph("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|none~1|none~2|")
        #expect(g.operators.map(\.layers) == [["gap"], ["classifier"]])
        #expect(g.deadLayers.contains("stem"))
    }

    @Test func convolutionsFedByZerosStillRun() throws {
        // node 1 is zero; node 3 = conv3x3(relu(node 1)): the relu of zeros folds but the conv runs.
        // Each cell's output then no longer depends on the cell's input, so only the last cell's
        // conv reaches the output (fused with the head's BatchNorm and ReLU); the rest is dead.
        let g = try graph("|none~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|nor_conv_3x3~1|none~2|")
        #expect(g.operators.map(\.layers).first == ["stage3.cell4.e13.conv3x3", "lastact.bn", "lastact.relu"])
        #expect(g.operators.count == 3)
        #expect(g.deadLayers.contains("stage1.cell0.e02.conv3x3") && g.deadLayers.contains("stem"))
    }

    @Test func addsOfZerosAreRemovedAndActivationsFuse() throws {
        let g = try graph("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|")
        // node 2 = node 1 (the zero from e02 is dropped); node 3 = conv1x1(relu(node 2)): no adds in cells.
        #expect(!g.operators.contains { $0.layers.contains { $0.contains(".node") } })
        // conv3x3's only consumer is the e23 relu (node 2 = node 1 feeds e23 only): fused into the conv.
        #expect(g.operators.contains { $0.layers == ["stage1.cell0.e01.conv3x3", "stage1.cell0.e23.relu"] && $0.signature.activation == "relu" })
        // With no rewrites the zero branch's relu-free path is still there but zero layers never run.
        let plain = try graph("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|", TableDevice(rewrites: [], fusion: []))
        #expect(plain.operators.count > g.operators.count)
    }

    @Test func invertedResidualBlocksMatchTheNote10TableKeys() throws {
        let ofa = OFAMobileNetV3Space()
        let arch = try ofa.parse("ks=3,5,7,3,5,7,3,5,7,3,5,7,3,5,7,3,5,7,3,5;e=3,4,6,3,4,6,3,4,6,3,4,6,3,4,6,3,4,6,3,4;d=2,3,4,2,3;r=224")
        let g = try TableDevice(rewrites: [.deadCode, .foldConstants], fusion: [.convBN, .convAct, .invertedResidual]).lower(ofa.network(arch))
        // first conv, block 0, 14 blocks, final expand, pool, feature mix, classifier
        #expect(g.operators.count == 1 + 1 + 14 + 4)
        let keys = g.operators.compactMap { LatencyTable.ofaKey($0.signature) }
        #expect(keys.count == g.operators.count, "every operator has an OFA key")
        #expect(keys.contains("expanded_conv-input:112x112x24-output:112x112x24-expand:24-kernel:3-stride:1-idskip:1-se:0-hs:0"))
    }

    /// The graph's operators all have entries in the released Note10 table (224 px).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: note10Table), "../shared/data/luts/ofa-note10 is absent"))
    func invertedResidualBlocksFindTheirNote10Entries() throws {
        let ofa = OFAMobileNetV3Space()
        let arch = try ofa.parse("ks=3,5,7,3,5,7,3,5,7,3,5,7,3,5,7,3,5,7,3,5;e=3,4,6,3,4,6,3,4,6,3,4,6,3,4,6,3,4,6,3,4;d=2,3,4,2,3;r=224")
        let g = try TableDevice(rewrites: [.deadCode, .foldConstants], fusion: [.convBN, .convAct, .invertedResidual]).lower(ofa.network(arch))
        let path = note10Table
        let table = try LatencyTable.load(path: path)
        let report = try table.latency(of: g)
        #expect(report.operators.count == g.operators.count)
        #expect(report.latencyMs > 5 && report.latencyMs < 100)
    }
}

let note10Table = sharedDataDir.appendingPathComponent("luts/ofa-note10/224_lookup_table.yaml").path
let sharedDataDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")
