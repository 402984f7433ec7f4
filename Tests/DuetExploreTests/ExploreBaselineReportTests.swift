import DuetReport
import Foundation
import Synchronization
import Testing
import _DuetTestSupport
@testable import DuetCore
@testable import DuetExplore
@testable import DuetStudy

/// `duet explore --baseline successive --study FILE` (ExploreRun.explore) keeps the comparison
/// with the study, and `duet report` (ExploreReport.write(study:to:dataDir:)) shows it; moved here
/// from the CLI's tests.
@Suite struct ExploreBaselineReportTests {
    static let config = """
        tasks:
          - {name: cifar10, space: nb201, accuracy: proxy:macs}
        target: {accelerator: tpu:edge}
        budgets: {latency_ms: 0.2}
        objectives: [{maximize: accuracy}, {minimize: latency_ms}]
        evaluations: 40
        population: 20
        """

    @Test(.tags(.slow), .runsUnlessSkippingSlow) func theReportShowsTheSuccessiveBaseline() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, Self.config), dataDir: root)
        let study = dir.appendingPathComponent("s.sqlite").path
        let statuses = Mutex<[String]>([])
        let outcome = try await ExploreRun.explore(config: cfg, dataDir: root, overrides: [], study: study, shared: false, workerConcurrency: nil,
                                                   baseline: true, status: { s in statuses.withLock { $0.append(s) } })
        #expect(statuses.withLock { $0 } == ["\n", "baseline: successive design…\n"])
        #expect(outcome.result.evaluations == 40 && outcome.baseline != nil)
        let rendered = try #require(try JSONSerialization.jsonObject(with: Data(outcome.render(config: cfg, format: .json).utf8)) as? [String: Any])
        #expect((rendered["baseline"] as? [String: Any])?["method"] as? String == "successive")
        let stored = try #require(try Study(path: study).setting("baseline"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any])
        #expect(json["method"] as? String == "successive")
        let out = dir.appendingPathComponent("report").path
        let line = try await ExploreReport.write(study: study, to: out, dataDir: root)
        #expect(line.hasPrefix("wrote \(out)/index.html, report.md, pareto.csv, trials.csv and "))
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(md.contains("## Successive baseline (NASAIC's comparison)"))
        #expect(md.contains("| co-exploration | 40 |"))
        #expect(try String(contentsOfFile: out + "/index.html", encoding: .utf8).contains("<h2>Successive baseline"))
        // trials.csv is the study's export: a header and one row per trial.
        let trials = try String(contentsOfFile: out + "/trials.csv", encoding: .utf8)
        #expect(trials.hasPrefix("generation,slot,status,violation,"))
        #expect(trials.split(whereSeparator: \.isNewline).count == 41)
    }

    /// The baseline needs a searched space; fixed networks only are bad input, before any work.
    @Test func theBaselineNeedsASearchedSpace() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, """
            tasks:
              - {name: classify, network: resnet18}
            target: {accelerator: tpu:edge}
            objectives: [{minimize: latency_ms}]
            evaluations: 10
            """), dataDir: root)
        let e = await #expect(throws: InputError.self) {
            try await ExploreRun.explore(config: cfg, dataDir: root, overrides: [], study: nil, shared: false, workerConcurrency: nil, baseline: true)
        }
        #expect(e?.issues.first?.keyPath == "tasks")
    }

    /// A report that cannot be written is an input error (exit code 2), and the study is intact.
    @Test func anUnwritableReportFolderIsBadInput() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, Self.config), dataDir: root)
        let study = dir.appendingPathComponent("s.sqlite").path
        _ = try await ExploreRun.explore(config: cfg, dataDir: root, overrides: [], study: study, shared: false, workerConcurrency: nil, baseline: false)
        let blocker = dir.appendingPathComponent("file").path
        try "not a folder".write(toFile: blocker, atomically: true, encoding: .utf8)
        await #expect(throws: InputError.self) { _ = try await ExploreReport.write(study: study, to: blocker + "/report", dataDir: root) }
        let s = try SQLiteStudyStore(path: study, mode: .create)
        #expect(try await s.counts().total == 40)
        try await s.close()
    }
}
