import Foundation
import Testing
@testable import duet
@testable import DuetExplore
@testable import DuetStudy

/// `duet explore --baseline successive --study FILE` keeps the comparison with the study, and
/// `duet report` shows it.
@Suite struct ExploreBaselineReportTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theReportShowsTheSuccessiveBaseline() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-baseline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("c.yaml").path
        try """
            tasks:
              - {name: cifar10, space: nb201, accuracy: proxy:macs}
            target: {accelerator: tpu:edge}
            budgets: {latency_ms: 0.2}
            objectives: [{maximize: accuracy}, {minimize: latency_ms}]
            evaluations: 40
            population: 20
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let study = dir.appendingPathComponent("s.sqlite").path
        var cmd = try ExploreCommand.parse([config, "--baseline", "successive", "--study", study, "--format", "json"])
        try await cmd.run()
        let stored = try #require(try Study(path: study).setting("baseline"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any])
        #expect(json["method"] as? String == "successive")
        let report = try ExploreReport(study: try Study(path: study), dataDir: Self.repo)
        let md = try #require(report.files["report.md"])
        #expect(md.contains("## Successive baseline (NASAIC's comparison)"))
        #expect(md.contains("| co-exploration | 40 |"))
        #expect(report.files["index.html"]?.contains("<h2>Successive baseline") == true)
    }
}
