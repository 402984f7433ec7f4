import ArgumentParser
import Foundation
import Testing
@testable import duet
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

@Suite struct TableCommandTests {
    func tempDir() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("duet-table-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The table subcommands refuse incomplete or contradictory options before doing anything
    /// (their logic is tested in DuetCostModelTests/TableGenerationTests).
    @Test func tableOptionsAreValidated() throws {
        #expect(throws: (any Error).self) { try TableCommand.Generate.parse(["--device", "pixel3", "--out", "t.csv"]) }
        #expect(throws: (any Error).self) { try TableCommand.Generate.parse(["--space", "nb201", "--out", "t.csv"]) }
        #expect(throws: (any Error).self) { try TableCommand.Generate.parse(["--space", "nb201", "--device", "pixel3", "--out", "t.txt"]) }
        #expect(throws: (any Error).self) { try TableCommand.Predict.parse(["--space", "nb201", "--table", "t.csv"]) }
        #expect(throws: (any Error).self) { try TableCommand.Predict.parse(["--space", "nb201", "--table", "t.csv", "--archs", "a.csv"]) }
        #expect(throws: (any Error).self) { try TableCommand.Fit.parse(["--space", "nb201", "--measurements", "m.csv", "--arch-column", "a", "--latency-column", "l", "--folds", "1"]) }
        #expect(throws: (any Error).self) { try TableCommand.DetectRules.parse(["--runner", "r", "--rounds", "1"]) }
        #expect(throws: (any Error).self) { try TableCommand.DetectRules.parse(["--runner", "r", "--rounds", "4", "--max-rounds", "3"]) }
        #expect(throws: (any Error).self) { try TableCommand.DetectRules.parse(["--runner", "r", "--alpha", "1.5"]) }
        #expect(throws: (any Error).self) { try TableCommand.DetectRules.parse(["--rounds", "3"]) }
        #expect(try TableCommand.DetectRules.parse(["--runner", "r"]).alpha == 0.5)
        let e = #expect(throws: (any Error).self) { try TableCommand.ints("160,x", "--resolutions") }
        #expect(Duet.exitStatus(for: e!) == 2)
        #expect(try TableCommand.ints(" 160, 224", "--resolutions") == [160, 224])
    }

    @Test func evaluateTakesATableInPlaceOfAnAccelerator() throws {
        let (text, met) = try EvaluateCommand.parse(["--network", "nb201:|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
                                                     "--device", "pixel3", "--format", "json"]).render()
        #expect(met)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let totals = try #require(obj["totals"] as? [String: Any])
        #expect((totals["latency_ms"] as? Double ?? 0) > 0)
        #expect(totals["energy_pj"] is NSNull)
        #expect(throws: (any Error).self) { try EvaluateCommand.parse(["--network", "resnet18", "--accelerator", "tpu", "--device", "pixel3"]) }
        #expect(throws: (any Error).self) { try EvaluateCommand.parse(["--network", "resnet18"]) }
    }

    /// `--spec` on a table-driven device: a latency verdict per budget (exit 1 when violated);
    /// energy, area and power budgets are refused with the key named. NAS-Bench-201 references
    /// are lowered from their exported graph, as `duet table fit` and `predict` do.
    @Test func evaluateChecksLatencyBudgetsOnATable() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let arch = "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"
        let space = NASBench201Space()
        let model = try DeviceModel.resolve("pixel3", dataDirectory: Self.repo)
        let g = try TableDevice(model).lower(space.exportedNetwork(space.parse(arch)))
        let expected = try model.table(for: g.signatures).latency(of: g).latencyMs
        for (limit, shouldMeet) in [(expected * 1.01, true), (expected * 0.99, false)] {
            let spec = dir.appendingPathComponent("spec.yaml").path
            try "budgets:\n  latency_ms: \(limit)\n".write(toFile: spec, atomically: true, encoding: .utf8)
            let (text, met) = try EvaluateCommand.parse(["--network", "nb201:" + arch, "--device", "pixel3", "--spec", spec, "--format", "json"]).render()
            #expect(met == shouldMeet)
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let v = try #require((obj["verdict"] as? [[String: Any]])?.first)
            #expect(abs((v["value"] as? Double ?? 0) - expected) < 1e-9)
            #expect(v["met"] as? Bool == shouldMeet)
        }
        let bad = dir.appendingPathComponent("bad.yaml").path
        try "budgets:\n  latency_ms: 1\n  energy_mj: 2\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let e = #expect(throws: InputError.self) { try EvaluateCommand.parse(["--network", "resnet18", "--device", "pixel3", "--spec", bad]).render() }
        #expect(e?.description.contains("budgets.energy_mj") == true)
        #expect(e?.description.contains("bad.yaml") == true)
    }

    /// A table generated for `--network nb201:ARCH` covers what `evaluate --table` looks up for
    /// the same reference (both lower the exported graph, zero edges included).
    @Test func generateForANetworkCoversItsEvaluation() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ref = "nb201:|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"
        let out = dir.appendingPathComponent("t.json").path
        var g = TableGeneration(out: out)
        (g.networks, g.device) = ([ref], "pixel3")
        _ = try await g.run()
        let (text, _) = try EvaluateCommand.parse(["--network", ref, "--table", out, "--format", "json"]).render()
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(((obj["totals"] as? [String: Any])?["latency_ms"] as? Double ?? 0) > 0)
    }
}
