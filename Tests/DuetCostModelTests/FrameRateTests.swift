import Foundation
import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// Frame-rate budgets and average power (docs/FORMATS.md, "Frame rates and average power").
@Suite struct FrameRateTests {
    /// By hand, two sub-accelerators (leakage 10 mW and 20 mW), tasks A (10 ms, 2 mJ) and C (5 ms,
    /// 1 mJ) on the first, B (20 ms, 5 mJ) on the second, all at 30 fps:
    ///   U0 = (0.010 + 0.005) × 30 = 0.45, U1 = 0.020 × 30 = 0.60
    ///   average power = (2 + 5 + 1) mJ × 30/s + 10 mW × (1 − 0.45) + 20 mW × (1 − 0.60)
    ///                 = 240 + 5.5 + 8 = 253.5 mW
    ///   achievable fps: A (1 − 0.005 × 30) / 0.010 = 85, B 1 / 0.020 = 50, C (1 − 0.3) / 0.005 = 140
    ///   chip fps = 1 / max(15 ms, 20 ms) = 50.
    @Test func averagePowerByHand() {
        let s = FrameSchedule(latency: [0.010, 0.020, 0.005], energy: [2e9, 5e9, 1e9], assignment: [0, 1, 0],
                              leakageMW: [10, 20], rates: [30, 30, 30])
        #expect(abs(s.utilization[0] - 0.45) < 1e-12 && abs(s.utilization[1] - 0.60) < 1e-12)
        #expect(abs(s.averagePower!.value - 253.5) < 1e-9)
        #expect(zip(s.achievableFPS, [85.0, 50, 140]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(abs(s.chipFPS - 50) < 1e-12)
        // Task A at 60 fps, the others at 30: U0 = 0.6 + 0.15 = 0.75; power = 2×60 + 5×30 + 1×30 mJ/s
        // = 300 mW + 10 × 0.25 + 20 × 0.4 = 310.5 mW.
        let t = FrameSchedule(latency: [0.010, 0.020, 0.005], energy: [2e9, 5e9, 1e9], assignment: [0, 1, 0],
                              leakageMW: [10, 20], rates: [60, 30, 30])
        #expect(abs(t.averagePower!.value - 310.5) < 1e-9)
        // A rate the sub-accelerator cannot keep up with leaves it no idle time (no negative leakage share).
        let over = FrameSchedule(latency: [0.010], energy: [2e9], assignment: [0], leakageMW: [10], rates: [200])
        #expect(over.utilization[0] == 2)
        #expect(abs(over.averagePower!.value - 400) < 1e-9)
        #expect(abs(over.achievableFPS[0] - 100) < 1e-9)
        // Without a rate for every task there is no average power.
        #expect(FrameSchedule(latency: [0.01, 0.02], energy: [1, 1], assignment: [0, 0], leakageMW: [1], rates: [30, nil]).averagePower == nil)
    }

    func chip() throws -> (ChipResult, [NetworkAnalysis]) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let hw = try AcceleratorLoader(dataDir: root).load("tpu:edge")
        let nets = try ["Examples/networks/tiny-cnn.yaml", "layer:conv,k=64,c=32,p=28,q=28,r=3,s=3,stride=1,groups=1"].enumerated().map { i, ref in
            var a = try NetworkReference.resolve(ref, baseDirectory: root.path).analyze()
            a.network.name = "n\(i)"
            return a
        }
        return (try ChipEvaluator.evaluate(nets, on: hw), nets)
    }

    /// On a small chip (tpu:edge running two networks one after another), from the model's own
    /// figures: average power at f fps = f × (E0 + E1) + leakage × (1 − f × (t0 + t1)); at the
    /// back-to-back rate f = 1 / makespan it equals the peak power (energy / makespan).
    /// (At the time of writing: t0 + t1 ≈ 0.0245 ms, E ≈ 1.5e6 pJ, leakage ≈ 0.6 mW on 0.3 mm²;
    /// at 30 fps, ≈ 30 × 1.5e6 pJ/s = 0.045 mW + 0.6 mW × 0.999 — leakage dominates a chip idle 99.9 % of the time.)
    @Test func averagePowerOnASmallChip() throws {
        let (r, _) = try chip()
        let leak = r.accelerator.subAccelerators[0].leakagePower.value
        let t = r.networks.map(\.latency.value), e = r.networks.map(\.energy.total.value)
        let s = r.schedule(at: FrameRates(chip: 30))
        let byHand = 30 * (e[0] + e[1]) * 1e-9 + leak * (1 - 30 * (t[0] + t[1]))
        #expect(abs(s.averagePower!.value - byHand) <= 1e-9 * byHand)
        #expect(abs(s.chipFPS - 1 / r.makespan.value) < 1e-9 * s.chipFPS)
        let peak = r.schedule(at: FrameRates(chip: 1 / r.makespan.value))
        #expect(abs(peak.averagePower!.value - r.power.value) <= 1e-9 * r.power.value)
        #expect(peak.averagePower!.value > s.averagePower!.value)
    }

    @Test func specFrameRateBudgets() throws {
        let (r, _) = try chip()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-fps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("spec.yaml").path
        let fps = 1 / r.makespan.value
        try """
            budgets: {fps: \(fps / 2), average_power_mw: 100000}
            tasks: {n0: {fps: \(fps * 10)}}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let spec = try Spec.load(path: path)
        #expect(spec.rates == FrameRates(chip: fps / 2, tasks: ["n0": fps * 10]))
        let v = try spec.verdicts(for: r)
        let chipFPS = try #require(v.first { $0.budget == "fps" })
        #expect(chipFPS.atLeast && chipFPS.met && chipFPS.margin > 0)        // a lower bound, met
        let n0 = try #require(v.first { $0.budget == "n0.fps" })
        #expect(!n0.met && n0.margin < 0)                                     // 10× the back-to-back rate cannot be met
        #expect(v.first { $0.budget == "average_power_mw" }?.met == true)
        // Average power needs rates; area and average power are chip budgets.
        try "budgets: {average_power_mw: 10}".write(toFile: path, atomically: true, encoding: .utf8)
        let e = #expect(throws: InputError.self) { try Spec.load(path: path) }
        #expect(e?.description.contains("budgets.average_power_mw: average power needs the frame rates it is averaged at") == true)
        try "tasks: {n0: {average_power_mw: 10, fps: 30}}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: InputError.self) { try Spec.load(path: path) }
    }

    @Test func reportsLabelPeakPowerAndShowAverage() throws {
        let (r, _) = try chip()
        let json = EvaluationReport.json(r, verdicts: [], rates: FrameRates(chip: 30)).serialized(pretty: false)
        #expect(json.contains("\"power_basis\":\"peak: energy of one frame of every task back to back / makespan\""))
        #expect(json.contains("\"average_power_mw\":"))
        let text = EvaluationReport.table(r, verdicts: [], rates: FrameRates(chip: 30))
        #expect(text.contains("peak power"))
        #expect(text.contains("average power at 30 fps"))
    }
}
