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

    @Test func fitPrintsHeldOutErrorAndWritesATable() throws {
        let dir = try tempDir()
        let m = try measurements(dir)
        let out = dir.appendingPathComponent("fit.csv").path
        let cmd = try TableCommand.Fit.parse(["--space", "nb201", "--measurements", m, "--arch-column", "arch_str",
                                              "--latency-column", "latency_ms", "--train", "60", "--out", out, "--format", "json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(cmd.render().utf8)) as? [String: Any])
        let test = try #require(obj["test"] as? [String: Any])
        #expect(test["networks"] as? Int == 20)
        #expect((test["kendall_tau"] as? Double ?? 0) > 0.9)
        let table = try LatencyTable.load(path: out)
        #expect(table.provenance.method == "fitted")
        let text = try TableCommand.Fit.parse(["--space", "nb201", "--measurements", m, "--arch-column", "arch_str",
                                               "--latency-column", "latency_ms", "--train", "60"]).render()
        #expect(text.contains("held out: 20 networks: Kendall tau"))
    }

    @Test func fitRejectsUnknownColumnsWithASuggestion() throws {
        let dir = try tempDir()
        let m = try measurements(dir)
        do { _ = try TableCommand.Fit.parse(["--space", "nb201", "--measurements", m, "--arch-column", "arch_sr", "--latency-column", "latency_ms"]).render() }
        catch let e as InputError { #expect(e.description.contains("did you mean 'arch_str'")) }
    }

    @Test func predictJSONIsAListInInputOrder() async throws {
        let dir = try tempDir()
        let table = dir.appendingPathComponent("model.json").path
        let m = try measurements(dir)
        _ = try await TableCommand.Generate.parse(["--space", "nb201", "--sample", "300", "--device", Self.repo.appendingPathComponent("HardwareModels/devices/pixel3.yaml").path,
                                             "--out", table]).execute()
        // Add what the 300 sampled networks lacked (the measured file's 80 networks).
        let (missingCSV, _) = try TableCommand.Check.parse(["--space", "nb201", "--sample", "80", "--seed", "5", "--table", table, "--format", "csv"]).render()
        let missing = dir.appendingPathComponent("missing.csv").path
        try missingCSV.write(toFile: missing, atomically: true, encoding: .utf8)
        _ = try await TableCommand.Generate.parse(["--space", "nb201", "--sample", "300", "--operators", missing, "--device", "pixel3", "--out", table]).execute()
        let (text, comparison) = try TableCommand.Predict.parse(["--space", "nb201", "--table", table, "--archs", m, "--arch-column", "arch_str",
                                                                 "--latency-column", "latency_ms", "--format", "json"]).render()
        let list = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(list.count == 80)
        #expect(list.allSatisfy { Set($0.keys) == ["arch", "latency_ms"] })
        // The measurements are this very model's sums: predictions match exactly.
        #expect(comparison?.contains("APE mean 0.00%") == true)
        let first = try String(contentsOfFile: m, encoding: .utf8).split(whereSeparator: \.isNewline)[1].split(separator: ",")[1]
        #expect(list[0]["arch"] as? String == String(first))
    }

    @Test func checkListsMissingOperatorsAndPredictNamesThem() async throws {
        let dir = try tempDir()
        var t = LatencyTable(provenance: TableProvenance(device: "x", method: "model"))
        t.insert(LatencyEntry(OperatorSignature(kind: "dense", input: [64], output: [10]), meanMs: 0.01))
        let path = dir.appendingPathComponent("t.csv").path
        try t.csv().write(toFile: path, atomically: true, encoding: .utf8)
        let (csv, complete) = try TableCommand.Check.parse(["--space", "nb201", "--sample", "40", "--table", path, "--format", "csv"]).render()
        #expect(!complete)
        let missing = dir.appendingPathComponent("missing.csv").path
        try csv.write(toFile: missing, atomically: true, encoding: .utf8)
        #expect(csv.split(whereSeparator: \.isNewline).count > 20)
        #expect(!csv.contains("dense-input:64-output:10"))
        // The list feeds generate; with the one entry the table had, the space is covered.
        let full = dir.appendingPathComponent("full.csv").path
        _ = try await TableCommand.Generate.parse(["--operators", missing, "--network", "nb201:|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|", "--device", "pixel3", "--out", full]).execute()
        #expect(try TableCommand.Check.parse(["--space", "nb201", "--sample", "40", "--table", full]).render().1)
        do {
            _ = try TableCommand.Predict.parse(["--space", "nb201", "--table", path, "--arch", "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"]).render()
            Issue.record("expected missing entries")
        } catch let e as InputError {
            #expect(e.description.contains("no entry for this operator"))
            #expect(e.description.contains("duet table generate --operators"))
        }
    }

    @Test func generateWithARunnerRecordsFailuresAndResumes() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { print("skipped: /usr/bin/python3 not found"); return }
        let dir = try tempDir()
        let out = dir.appendingPathComponent("host.csv").path
        let runner = "/usr/bin/python3 " + Self.repo.appendingPathComponent("Examples/runners/test_runner.py").path
        let nets = ["nb201:|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"].flatMap { ["--network", $0] }
        let args = nets + ["--out", out, "--timeout-s", "2", "--retries", "0", "--jobs", "3"]
        let (summary, failed) = try await TableCommand.Generate.parse(args + ["--runner", runner + " --crash pool_avg --garbage add --hang gpool_avg"]).execute()
        let t = try LatencyTable.load(path: out)
        #expect(failed > 0)
        #expect(summary.contains("\(failed) failed"))
        #expect(t.failures.values.contains { $0.contains("status 3") })
        #expect(t.failures.values.contains { $0.contains("not a JSON object") })
        #expect(t.failures.values.contains { $0.contains("did not finish within 2 s") })
        #expect(t.count > 0 && t.entries.allSatisfy { !["pool_avg", "add", "gpool_avg"].contains($0.signature.kind) })
        // Resume with a working runner: the measured entries are kept, only the failed ones run.
        let (summary2, failed2) = try await TableCommand.Generate.parse(args + ["--runner", runner]).execute()
        #expect(failed2 == 0)
        #expect(summary2.contains("\(t.count) kept"))
        #expect(try LatencyTable.load(path: out).failures.isEmpty)
    }

    @Test func convertRoundTripsOFATables() throws {
        let dir = try tempDir()
        let src = dir.appendingPathComponent("a.yaml").path
        try "Conv-input:224x224x3-output:112x112x24:\n  count: 500\n  mean: 0.994418\n  std: 0.01726798413249215\n".write(toFile: src, atomically: true, encoding: .utf8)
        let json = dir.appendingPathComponent("a.json").path, back = dir.appendingPathComponent("b.yaml").path
        _ = try TableCommand.Convert.parse([src, json]).render()
        _ = try TableCommand.Convert.parse([json, back]).render()
        #expect(try String(contentsOfFile: back, encoding: .utf8) == String(contentsOfFile: src, encoding: .utf8))
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
        _ = try await TableCommand.Generate.parse(["--network", ref, "--device", "pixel3", "--out", out]).execute()
        let (text, _) = try EvaluateCommand.parse(["--network", ref, "--table", out, "--format", "json"]).render()
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(((obj["totals"] as? [String: Any])?["latency_ms"] as? Double ?? 0) > 0)
    }

    /// Few-shot from the CLI: --train 10 with the same CSV as --reference (its other device
    /// columns are the references); a reference column with a non-number is an InputError (exit
    /// code 2) naming the file, the line and the column.
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
        let args = ["--space", "nb201", "--measurements", m, "--arch-column", "arch_str", "--latency-column", "target", "--train", "10"]
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(TableCommand.Fit.parse(args + ["--reference", m, "--format", "json"]).render().utf8)) as? [String: Any])
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
        let e = #expect(throws: InputError.self) { try TableCommand.Fit.parse(args + ["--reference", bad]).render() }
        #expect(e?.issues.first?.file == bad)
        #expect(e?.issues.first?.keyPath == "line 4.dev_b")
        let missing = #expect(throws: InputError.self) { try TableCommand.Fit.parse(args + ["--reference", dir.appendingPathComponent("nope.csv").path]).render() }
        #expect(missing?.description.contains("nope.csv") == true)
    }
}
