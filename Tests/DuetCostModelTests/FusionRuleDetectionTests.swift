import Foundation
import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware

/// `duet table detect-rules` as a library call: a synthetic device that fuses a known set of rules
/// (with seeded noise) must be found to fuse exactly those.
@Suite struct FusionRuleDetectionTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var python: String? {
        for p in ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    /// The synthetic device of Examples/runners/test_runner.py, in Swift: an operator costs
    /// MACs / 2e7 ms of compute plus (elements read + written) / 1e6 ms of memory; a fused pair
    /// drops the secondary operator's memory and 90 % of its compute; a fused inverted-residual
    /// chain reads and writes its middle tensors for free.
    struct SyntheticDevice {
        var fuse: Set<FusionRule>
        static func elements(_ s: [Int]) -> Double { Double(s.reduce(1, *)) }
        static func cost(_ op: OperatorSignature) -> (compute: Double, memory: Double) {
            let out = elements(op.output), k = Double(max(op.kernel, 1))
            let macs = op.kind == "conv" ? out * k * k * Double(op.input.last!) / Double(max(op.groups, 1)) : out
            return (macs / 2e7, (elements(op.input) * Double(max(op.operands, 1)) + out) / 1e6)
        }
        func ms(_ ops: [OperatorSignature]) -> Double {
            var total = ops.reduce(0) { let c = Self.cost($1); return $0 + c.compute + c.memory }
            if fuse.contains(.invertedResidual), ops.count >= 3, ops.allSatisfy({ $0.kind == "conv" }), ops.contains(where: { $0.groups > 1 }) {
                total -= ops.dropLast().reduce(0) { $0 + 2 * Self.elements($1.output) / 1e6 }
            }
            for (a, b) in zip(ops, ops.dropFirst()) {
                let rule: FusionRule? = switch (a.kind, b.kind) {
                case ("conv", "bn"): .convBN
                case ("conv", "act"): .convAct
                case ("add", "act"): .addAct
                default: nil
                }
                if let rule, fuse.contains(rule) { let c = Self.cost(b); total -= c.memory + 0.9 * c.compute }
            }
            return max(total, 0)
        }
    }

    /// A timer for `device` with relative Gaussian noise `noise` drawn from `seed` (each call a
    /// fresh draw, in call order).
    final class NoisyTimer: @unchecked Sendable {
        let device: SyntheticDevice, noise: Double
        var rng: SeededGenerator
        let lock = NSLock()
        init(_ device: SyntheticDevice, noise: Double, seed: UInt64) { self.device = device; self.noise = noise; rng = SeededGenerator(seed: seed) }
        func time(_ ops: [OperatorSignature]) -> Result<TableRunner.Measurement, RunnerFailure> {
            lock.lock(); defer { lock.unlock() }
            // Box–Muller from two uniform draws.
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng), u2 = Double.random(in: 0..<1, using: &rng)
            let z = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
            let ms = device.ms(ops)
            return .success(.init(latency: max(ms * (1 + noise * z), 0), std: ms * noise, runs: 10))
        }
    }

    /// Every subset of the four rules, under 5 % noise, over several seeds: the detected rules are
    /// the device's (each failing seed and subset is named).
    @Test func recoversTheRulesOfASyntheticDevice() async throws {
        let cases = FusionRuleDetection.testCases()
        let all = FusionRule.allCases
        for mask in 0..<(1 << all.count) {
            let truth = all.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
            for seed: UInt64 in 0..<3 {
                let timer = NoisyTimer(SyntheticDevice(fuse: Set(truth)), noise: 0.05, seed: seed)
                let verdicts = try await FusionRuleDetection().run(cases, timer: { timer.time($0) })
                #expect(FusionRuleDetection.rules(verdicts) == truth, "seed \(seed), rules \(truth)")
            }
        }
    }

    /// Same seed twice: the same verdicts.
    @Test func isReproducibleForASeed() async throws {
        let cases = FusionRuleDetection.testCases()
        func once() async throws -> [FusionRuleDetection.Verdict] {
            let timer = NoisyTimer(SyntheticDevice(fuse: [.convAct]), noise: 0.05, seed: 9)
            return try await FusionRuleDetection().run(cases, timer: { timer.time($0) })
        }
        #expect(try await once() == (try await once()))
    }

    /// The decision rule: fused when the saving exceeds alpha × the smaller part; unclear when
    /// the saving is within `confidence` standard errors of that threshold.
    @Test func decidesByHalfTheSmallerPart() throws {
        let c = FusionRuleDetection.testCases()[0]
        let d = FusionRuleDetection()
        // parts 1.0 and 0.2 ms: threshold 0.1 ms.
        let fused = d.decide(c, graphs: [1.02, 1.01, 1.03], parts: [[1.0, 1.0, 1.0], [0.2, 0.2, 0.2]])
        #expect(fused.fused && fused.clear && abs(fused.thresholdMs - 0.1) < 1e-12 && abs(fused.savingMs - 0.18) < 1e-9)
        let separate = d.decide(c, graphs: [1.2, 1.21, 1.19], parts: [[1.0, 1.0, 1.0], [0.2, 0.2, 0.2]])
        #expect(!separate.fused && separate.clear)
        let noisy = d.decide(c, graphs: [1.0, 1.2, 1.1], parts: [[1.0, 1.0, 1.0], [0.2, 0.2, 0.2]])
        #expect(!noisy.clear)
        #expect(FusionRuleDetection.fusionOption([]) == "none")
        #expect(FusionRuleDetection.fusionOption(FusionRuleDetection.rules([fused, separate])) == "conv_bn")
    }

    /// Unclear cases get more rounds, up to maxRounds; clear ones stop at minRounds.
    @Test func repeatsOnlyUnclearCases() async throws {
        let timer = NoisyTimer(SyntheticDevice(fuse: [.convBN]), noise: 0, seed: 0)
        var d = FusionRuleDetection()
        (d.minRounds, d.maxRounds) = (3, 6)
        let exact = try await d.run(FusionRuleDetection.testCases(), timer: { timer.time($0) })
        #expect(exact.allSatisfy { $0.rounds == 3 && $0.clear })
        let wild = NoisyTimer(SyntheticDevice(fuse: [.convBN]), noise: 0.5, seed: 1)
        let noisy = try await d.run(FusionRuleDetection.testCases(), timer: { wild.time($0) })
        #expect(noisy.allSatisfy { $0.rounds >= 3 && $0.rounds <= 6 })
        #expect(noisy.contains { $0.rounds > 3 } || noisy.allSatisfy(\.clear))
    }

    /// A runner failure ends detection with an InputError naming --runner, the graph and the runner's message.
    @Test func aRunnerFailureIsBadInput() async throws {
        let e = await #expect(throws: InputError.self) {
            try await FusionRuleDetection().run(FusionRuleDetection.testCases(), timer: { ops in
                ops.count > 1 ? .failure(RunnerFailure(message: "the runner's output is not a JSON object: 'nope'")) : .success(.init(latency: 1, std: 0, runs: 1))
            })
        }
        let text = e?.description ?? ""
        #expect(text.contains("--runner") && text.contains("conv+bn graph") && text.contains("'nope'"))
        let unknown = #expect(throws: InputError.self) {
            try FusionRuleDetection.testCases(hw: 28, cin: 16, cout: 32, kernel: 3, expand: 96, activation: "relu", rules: "conv_bm")
        }
        #expect(unknown?.description.contains("conv_bn") == true)
        #expect(try FusionRuleDetection.testCases(hw: 8, cin: 4, cout: 8, kernel: 3, expand: 24, activation: "relu", rules: "add_act,conv_act").map(\.rule) == [.convAct, .addAct])
    }

    /// Through the runner protocol: Examples/runners/test_runner.py as a device fusing conv_bn and
    /// add_act with 3 % seeded noise; a runner that cannot answer graph requests is bad input.
    @Test(.enabled(if: python != nil, "python3 not found")) func detectsThroughTheRunnerProtocol() async throws {
        let py = try #require(Self.python)
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("duet-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: state) }
        let script = Self.repo.appendingPathComponent("Examples/runners/test_runner.py").path
        let runner = TableRunner(command: "\(py) \(script) --fuse conv_bn,add_act --noise 0.03 --seed 4 --state \(state.path)", timeoutSeconds: 30, retries: 0)
        var d = FusionRuleDetection()
        d.maxRounds = 4
        let verdicts = try await d.run(FusionRuleDetection.testCases(), timer: { await runner.time($0) })
        #expect(FusionRuleDetection.rules(verdicts) == [.convBN, .addAct])
        let text = d.render(verdicts, format: .table, runner: "test")
        #expect(text.hasSuffix("fusion: conv_bn,add_act\n"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(d.render(verdicts, format: .json, runner: "test").utf8)) as? [String: Any])
        #expect(json["fusion"] as? String == "conv_bn,add_act" && (json["cases"] as? [Any])?.count == 4)
        let bad = TableRunner(command: "\(py) \(script) --fuse conv_bn --graph-garbage 1", timeoutSeconds: 30, retries: 0)
        let e = await #expect(throws: InputError.self) { try await d.run(FusionRuleDetection.testCases(), timer: { await bad.time($0) }) }
        #expect(e?.description.contains("no idea what a graph is") == true)
    }
}
