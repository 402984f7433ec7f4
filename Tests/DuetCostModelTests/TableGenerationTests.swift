import DuetReport
import Foundation
import Testing
import _DuetTestSupport
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// `duet table generate|check|predict|fit|convert` as library calls (TableGeneration,
/// TableCoverage, TablePrediction, TableFitJob+Output, LatencyTable.convert); moved here from the
/// CLI's tests when the logic left the commands.
@Suite struct TableGenerationTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = "/usr/bin/python3"

    func tempDir() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("duet-table-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// 80 NB201 networks whose "measured" latency is a known table's sum (CRLF line endings, as the real file).
    func measurements(_ dir: URL) throws -> String {
        let space = NASBench201Space()
        var rng = SeededGenerator(seed: 5)
        let archs = space.sample(count: 80, using: &rng)
        let model = try DeviceModel.resolve("pixel3", dataDirectory: Self.repo)
        var text = "arch_index,arch_str,latency_ms\r\n"
        for (i, a) in archs.enumerated() {
            let g = try TableDevice(model).lower(space.exportedNetwork(a))
            let t = model.table(for: g.signatures)
            text += "\(i),\(space.format(a)),\(try t.latency(of: g).latencyMs)\r\n"
        }
        let path = dir.appendingPathComponent("m.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func fitJob(_ m: String, train: Int = 60, latencyColumn: String = "latency_ms", archColumn: String = "arch_str") -> TableFitJob {
        TableFitJob(space: NASBench201Space(), measurements: m, archColumn: archColumn, latencyColumn: latencyColumn, train: train, deviceName: latencyColumn)
    }

    @Test func fitPrintsHeldOutErrorAndWritesATable() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try measurements(dir)
        let out = dir.appendingPathComponent("fit.csv").path, predictions = dir.appendingPathComponent("p.csv").path
        let json = try fitJob(m).runAndRender(format: .json, spaceLabel: "nb201", out: out, predictions: predictions)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let test = try #require(obj["test"] as? [String: Any])
        #expect(test["networks"] as? Int == 20)
        #expect((test["kendall_tau"] as? Double ?? 0) > 0.9)
        #expect(obj["space"] as? String == "nb201" && obj["out"] as? String == out && obj["latency_column"] as? String == "latency_ms")
        let table = try LatencyTable.load(path: out)
        #expect(table.provenance.method == "fitted")
        #expect(try String(contentsOfFile: predictions, encoding: .utf8).split(whereSeparator: \.isNewline).count == 81)
        let text = try fitJob(m).runAndRender(format: .table, spaceLabel: "nb201", out: nil, predictions: nil)
        #expect(text.hasPrefix("latency: fitted (seed 0)\n"))
        #expect(text.contains("held out: 20 networks: Kendall tau"))
        #expect(!text.contains("table -> "))
    }

    @Test func fitRejectsUnknownColumnsWithASuggestion() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try measurements(dir)
        let e = #expect(throws: InputError.self) { try fitJob(m, archColumn: "arch_sr").runAndRender(format: .table, spaceLabel: "nb201", out: nil, predictions: nil) }
        #expect(e?.description.contains("did you mean 'arch_str'") == true)
    }

    /// A device sets the device name and the rules; rewrites/fusion alone start from TFLite's rules;
    /// none of them leaves the rules to cross-validation.
    @Test func setDeviceChoosesNameAndRules() throws {
        var job = fitJob("m.csv")
        try job.setDevice(nil, rewrites: nil, fusion: nil)
        #expect(job.rules == nil && job.deviceName == "latency_ms")
        try job.setDevice(nil, rewrites: "dead_code", fusion: nil)
        #expect(job.rules?.rewrites == [.deadCode] && job.rules?.fusion == TableDevice.tflite.fusion)
        var withModel = fitJob("m.csv")
        try withModel.setDevice(Self.repo.appendingPathComponent("HardwareModels/devices/pixel3.yaml").path, rewrites: nil, fusion: "none")
        #expect(withModel.deviceName == "pixel3" && withModel.rules?.fusion == [])
    }

    @Test func predictJSONIsAListInInputOrder() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = dir.appendingPathComponent("model.json").path
        let m = try measurements(dir)
        var g = TableGeneration(out: table)
        (g.space, g.sample, g.device) = (NASBench201Space(), 300, Self.repo.appendingPathComponent("HardwareModels/devices/pixel3.yaml").path)
        _ = try await g.run()
        // Add what the 300 sampled networks lacked (the measured file's 80 networks).
        var check = TableCoverage(space: NASBench201Space(), tablePath: table)
        (check.sample, check.seed) = (80, 5)
        let (missingCSV, _) = try check.render(format: .csv)
        let missing = dir.appendingPathComponent("missing.csv").path
        try missingCSV.write(toFile: missing, atomically: true, encoding: .utf8)
        (g.operators, g.device) = (missing, "pixel3")
        _ = try await g.run()
        var p = TablePrediction(space: NASBench201Space(), spaceLabel: "nb201", tablePath: table)
        (p.archs, p.archColumn, p.latencyColumn) = (m, "arch_str", "latency_ms")
        let (text, comparison) = try p.render(format: .json)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(list.count == 80)
        #expect(list.allSatisfy { Set($0.keys) == ["arch", "latency_ms"] })
        // The measurements are this very model's sums: predictions match exactly.
        #expect(comparison?.contains("APE mean 0.00%") == true)
        let first = try String(contentsOfFile: m, encoding: .utf8).split(whereSeparator: \.isNewline)[1].split(separator: ",")[1]
        #expect(list[0]["arch"] as? String == String(first))
        // CSV: one row per network; the table format names the table.
        #expect(try p.render(format: .csv).text.split(whereSeparator: \.isNewline).count == 81)
        #expect(try p.render(format: .table).text.hasPrefix("latency: from model table \(table)\n"))
    }

    @Test func checkListsMissingOperatorsAndPredictNamesThem() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var t = LatencyTable(provenance: TableProvenance(device: "x", method: "model"))
        t.insert(LatencyEntry(OperatorSignature(kind: "dense", input: [64], output: [10]), meanMs: 0.01))
        let path = dir.appendingPathComponent("t.csv").path
        try t.csv().write(toFile: path, atomically: true, encoding: .utf8)
        var check = TableCoverage(space: NASBench201Space(), tablePath: path)
        check.sample = 40
        let (csv, complete) = try check.render(format: .csv)
        #expect(!complete)
        let missing = dir.appendingPathComponent("missing.csv").path
        try csv.write(toFile: missing, atomically: true, encoding: .utf8)
        #expect(csv.split(whereSeparator: \.isNewline).count > 20)
        #expect(!csv.contains("dense-input:64-output:10"))
        let summary = try check.render(format: .table).text
        #expect(summary.hasPrefix("nb201: ") && summary.contains("  missing: "))
        // The list feeds generate; with the one entry the table had, the space is covered.
        let full = dir.appendingPathComponent("full.csv").path
        var g = TableGeneration(out: full)
        (g.operators, g.networks, g.device) = (missing, ["nb201:|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"], "pixel3")
        let outcome = try await g.run()
        #expect(outcome.failures.isEmpty && outcome.summary.hasSuffix("from the pixel3 device model -> \(full)\n"))
        check.tablePath = full
        #expect(try check.render(format: .json).complete)
        var p = TablePrediction(space: NASBench201Space(), spaceLabel: "nb201", tablePath: path)
        p.arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
        let e = #expect(throws: InputError.self) { try p.render(format: .table) }
        #expect(e?.description.contains("no entry for this operator") == true)
        #expect(e?.description.contains("duet table generate --operators") == true)
        #expect(e?.description.contains("duet table check --space nb201 --table \(path)") == true)
    }

    /// Neither a device model nor a runner: an input error, not a trap (the CLI's validate() refuses it first).
    @Test func generationWithoutDeviceOrRunnerIsBadInput() async throws {
        var g = TableGeneration(out: "/nonexistent/t.csv")
        g.networks = ["resnet18"]
        await #expect(throws: InputError.self) { _ = try await g.run() }
    }

    @Test(.tags(.slow), .runsUnlessSkippingSlow, .enabled(if: FileManager.default.isExecutableFile(atPath: python), "needs \(python) for Examples/runners/test_runner.py"))
    func generateWithARunnerRecordsFailuresAndResumes() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("host.csv").path
        let runner = Self.python + " " + Self.repo.appendingPathComponent("Examples/runners/test_runner.py").path
        var g = TableGeneration(out: out)
        (g.networks, g.timeoutSeconds, g.retries, g.jobs) = (["nb201:|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"], 2, 0, 3)
        g.runner = runner + " --crash pool_avg --garbage add --hang gpool_avg"
        let first = try await g.run()
        let t = try LatencyTable.load(path: out)
        #expect(!first.failures.isEmpty)
        #expect(first.summary.contains("\(first.failures.count) failed"))
        #expect(first.failures.allSatisfy { $0.hasPrefix("failed: ") })
        #expect(t.failures.values.contains { $0.contains("status 3") })
        #expect(t.failures.values.contains { $0.contains("not a JSON object") })
        #expect(t.failures.values.contains { $0.contains("did not finish within 2 s") })
        #expect(t.count > 0 && t.entries.allSatisfy { !["pool_avg", "add", "gpool_avg"].contains($0.signature.kind) })
        // Resume with a working runner: the measured entries are kept, only the failed ones run.
        g.runner = runner
        let second = try await g.run()
        #expect(second.failures.isEmpty)
        #expect(second.summary.contains("\(t.count) kept"))
        #expect(try LatencyTable.load(path: out).failures.isEmpty)
    }

    @Test func convertRoundTripsOFATables() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("a.yaml").path
        try "Conv-input:224x224x3-output:112x112x24:\n  count: 500\n  mean: 0.994418\n  std: 0.01726798413249215\n".write(toFile: src, atomically: true, encoding: .utf8)
        let json = dir.appendingPathComponent("a.json").path, back = dir.appendingPathComponent("b.yaml").path
        #expect(try LatencyTable.convert(src, to: json, device: "pixel3") == "1 entries: \(src) -> \(json)\n")
        #expect(try LatencyTable.load(path: json).provenance.device == "pixel3")
        _ = try LatencyTable.convert(json, to: back)
        #expect(try String(contentsOfFile: back, encoding: .utf8) == String(contentsOfFile: src, encoding: .utf8))
        let e = #expect(throws: InputError.self) { try LatencyTable.convert(src, to: dir.appendingPathComponent("a.txt").path) }
        #expect(e?.description.contains("unknown table file extension") == true)
        #expect(throws: InputError.self) { try LatencyTable.load(path: json).save(to: dir.appendingPathComponent("t.xlsx").path) }
    }

    /// Few-shot: --train 10 with the same CSV as --reference (its other device columns are the
    /// references); a reference column with a non-number is an InputError (exit code 2) naming
    /// the file, the line and the column.
    @Test func fewShotFitAndBadReferenceFiles() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let space = NASBench201Space()
        var rng = SeededGenerator(seed: 8)
        let archs = space.sample(count: 60, using: &rng)
        let model = try DeviceModel.resolve("pixel3", dataDirectory: Self.repo)
        var text = "arch_index,arch_str,dev_a,dev_b,target\n"
        for (i, a) in archs.enumerated() {
            let g = try TableDevice(model).lower(space.exportedNetwork(a))
            let base = try model.table(for: g.signatures).latency(of: g).latencyMs
            let ops = Double(g.operators.count)
            text += "\(i),\(space.format(a)),\(base),\(0.5 * base + 0.01 * ops),\(0.8 * base + 0.004 * ops)\n"
        }
        let m = dir.appendingPathComponent("m.csv").path
        try text.write(toFile: m, atomically: true, encoding: .utf8)
        func job(_ reference: String) -> TableFitJob { var j = fitJob(m, train: 10, latencyColumn: "target"); j.references = [reference]; return j }
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(job(m).runAndRender(format: .json, spaceLabel: "nb201", out: nil, predictions: nil).utf8)) as? [String: Any])
        let few = try #require(obj["few_shot"] as? [String: Any])
        #expect((few["references"] as? [String])?.count == 2)
        #expect(((obj["test"] as? [String: Any])?["kendall_tau"] as? Double ?? 0) > 0.9)
        // A reference file whose device column holds a non-number on line 4.
        var lines = text.split(separator: "\n").map(String.init)
        var cells = lines[3].split(separator: ",").map(String.init)
        cells[3] = "n/a"
        lines[3] = cells.joined(separator: ",")
        let bad = dir.appendingPathComponent("bad.csv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: bad, atomically: true, encoding: .utf8)
        let e = #expect(throws: InputError.self) { try job(bad).run() }
        #expect(e?.issues.first?.file == bad)
        #expect(e?.issues.first?.keyPath == "line 4.dev_b")
        let missing = #expect(throws: InputError.self) { try job(dir.appendingPathComponent("nope.csv").path).run() }
        #expect(missing?.description.contains("nope.csv") == true)
    }
}
