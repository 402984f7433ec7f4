import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// AlexNet CONV1–5 as the Eyeriss chip ran them (docs/validation/eyeriss-chip/alexnet-conv.yaml)
/// against the chip's published figures: Chen et al., "Eyeriss: An Energy-Efficient Reconfigurable
/// Accelerator for Deep Convolutional Neural Networks", JSSC 2017, Table V (MACs, active PEs,
/// processing latency at 200 MHz, batch 4) and Table III (the chip's mapping). The sources of
/// every figure: docs/validation/eyeriss-chip/README.md; the layer-by-layer note:
/// docs/VALIDATION.md, "The Eyeriss chip, AlexNet CONV1–5".
@Suite struct EyerissChipTests {
    static let file = repositoryRoot.appendingPathComponent("docs/validation/eyeriss-chip/alexnet-conv.yaml").path

    /// Table V per layer: MACs (G, batch 4, printed to two decimals), active PEs of 168 and the
    /// processing latency (ms, the time the array works).
    static let published: [(name: String, gigaMACs: Double, activePEs: Int, processingMs: Double)] = [
        ("conv1", 0.42, 154, 16.5), ("conv2", 0.90, 135, 39.2), ("conv3", 0.60, 156, 21.3),
        ("conv4", 0.45, 156, 16.0), ("conv5", 0.30, 156, 10.0),
    ]

    static func layers() throws -> [(name: String, loops: LoopNest, macs: Int)] {
        let net = try NetworkFormat.load(path: file)
        return try net.analyze().layers.compactMap { l in
            guard let loops = l.loops, let macs = try? loops.macs(), macs > 0 else { return nil }
            return (l.layer.name, loops, macs)
        }
    }

    /// The network is the one the chip ran: batch 4, the five CONV layers' MACs as Table V prints
    /// them (tolerance: the table's rounding, ±0.005 G) and 666 M MACs per image (ISSCC 2016:
    /// "666 million MACs per 227×227 image"; tolerance ±0.5 M).
    @Test func theNetworkIsTheChipsAlexNet() throws {
        #expect(try NetworkFormat.load(path: Self.file).batch == 4)
        let layers = try Self.layers()
        try #require(layers.map(\.name) == Self.published.map(\.name))
        for (l, p) in zip(layers, Self.published) {
            #expect(abs(Double(l.macs) / 1e9 - p.gigaMACs) <= 0.005, "\(l.name): \(l.macs) MACs")
        }
        let perImage = Double(layers.reduce(0) { $0 + $1.macs }) / 4
        #expect(abs(perImage - 666e6) <= 0.5e6, "\(perImage) MACs per image")
    }

    /// Duet's row-stationary mapping occupies the PEs the chip's does (Table III): CONV1 11 filter
    /// rows × 14 columns = 154, CONV3–5 3 × 13 × 4 sets = 156 (the array's footprint). CONV2's
    /// 5 × 27 PE set is split by the chip into 5 × 14 + 5 × 13 = 135 PEs; Duet puts two kernels'
    /// sets of 14 output rows side by side instead (140 PEs, the 27 rows in two folds), so there the
    /// average over the passes is compared: MACs ÷ (MAC cycles of all passes) = 135.
    @Test func rowStationaryOccupiesTheChipsPEs() throws {
        let hw = try accelerator("eyeriss")
        for (l, p) in zip(try Self.layers(), Self.published) {
            let m = ArrayModel(loops: l.loops, hw: hw)
            let footprint = m.rowLoops.reduce(1) { $0 * $1.factor } * m.colLoops.reduce(1) { $0 * $1.factor }
            if l.name == "conv2" {
                let macCycles = Double(m.computeCycles - m.folds * Int64(hw.pipelineCycles))
                #expect(abs(Double(l.macs) / macCycles - Double(p.activePEs)) < 0.5, "\(l.name): \(m.spatial)")
            } else {
                #expect(footprint == p.activePEs, "\(l.name): \(m.spatial)")
            }
        }
    }

    /// The array level (compute cycles at 200 MHz) within 20 % of the chip's processing latency
    /// (issue 15's tolerance for this chip) and not above it: the chip runs 4–21 % over MACs ÷
    /// (active PEs × clock), per-pass overheads Duet does not model. Measured 2026-12-06:
    /// 0.85, 0.85, 0.91, 0.90, 0.96 of the published figure.
    @Test func computeTimeTracksTheChipsProcessingLatency() throws {
        let hw = try accelerator("eyeriss")
        for (l, p) in zip(try Self.layers(), Self.published) {
            let ms = Double(ArrayModel(loops: l.loops, hw: hw).computeCycles) / (hw.clockMHz * 1e3)
            let ratio = ms / p.processingMs
            #expect(ratio >= 0.8 && ratio <= 1.0, "\(l.name): \(ms) ms against \(p.processingMs) ms")
        }
    }
}
