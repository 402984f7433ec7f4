import Foundation
import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

@Suite struct DeviceCalibrationTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Given networks "measured" on a model with known calibration scales, when calibrating the
    /// uncalibrated model on them, then the scales are recovered.
    @Test func calibrationRecoversKnownScales() throws {
        var model = try DeviceModel.resolve("raspi4", dataDirectory: Self.repo)
        model.calibration = nil
        var truth = model
        truth.calibration = DeviceModel.Calibration(conv: 3.2, depthwise: 3.2, elementwise: 1.7, launchOverheadUs: 40, networkOverheadMs: 0.2, source: "test")
        let space = NASBench201Space()
        var rng = SeededGenerator(seed: 4)
        let graphs = try space.sample(count: 200, using: &rng).map { try TableDevice(model).lower(space.exportedNetwork($0)) }
        let y = graphs.map { g in g.operators.reduce(truth.effectiveNetworkOverheadMs) { $0 + truth.latencyMs($1.signature) } }
        let c = DeviceCalibration.fit(model, graphs: graphs, latenciesMs: y, source: "synthetic")
        #expect(abs(c.conv - 3.2) < 1e-4 && abs(c.elementwise - 1.7) < 1e-4)
        #expect(abs(c.launchOverheadUs - 40) < 1e-2 && abs(c.networkOverheadMs - 0.2) < 1e-4)
        // No depthwise convolution in NAS-Bench-201: the dense scale is kept, not 0.
        #expect(c.depthwise == c.conv)
    }
}
