import DuetCore
import DuetReport
import DuetStudy
import Foundation
import Testing
@testable import DuetExplore

@Suite struct StudyExportTests {
    static func trial(_ i: Int, _ metrics: [String: Double], failed: Bool = false) -> TrialRecord {
        TrialRecord(generation: i, slot: 0, genome: [0.5], design: "{\"tasks\":{\"t\":\"a,b\"}}", metrics: metrics, objectives: failed ? [] : [1],
                    constraints: [:], violation: failed ? .infinity : 0, status: failed ? .failed : .complete,
                    error: failed ? "boom, \"quoted\"" : nil, seconds: 0.25, seed: 7, version: "v")
    }

    /// The one-pass writer gives exactly `duet study export --format csv`; a metric that appears
    /// late makes it ask for the second pass, which gives it too.
    @Test func theStreamedCSVIsTheExportWhateverTheMetricsDo() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, trials) in [("same", [Self.trial(0, [:], failed: true), Self.trial(1, ["a": 1.5, "b": 2]), Self.trial(2, ["a": 3, "b": 1e-9])]),
                               ("late", [Self.trial(0, ["a": 1]), Self.trial(1, ["a": 2, "c": 5])])] {
            let store = try SQLiteStudyStore(path: dir.appendingPathComponent("\(name).sqlite").path, mode: .create)
            try await store.record(trials)
            let path = dir.appendingPathComponent("\(name).csv").path
            let w = try TrialsCSVWriter(path: path)
            for t in trials { try w.add(t) }
            let done = try w.finish()
            #expect(done == (name == "same"))
            if !done {
                #expect(!FileManager.default.fileExists(atPath: path))
                try await StudyExport.writeCSV(store, metricNames: ["a", "c"], to: path)
            }
            let expected = try await StudyExport.render(store, format: .csv)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == expected)
            // The same bytes as the table renderer's CSV.
            let rows = try CSVDocument.parse(expected)
            #expect(rows.records.count == trials.count)
            #expect(rows.records.contains { $0.fields.contains("boom, \"quoted\"") } == (name == "same"))
            try await store.close()
        }
        #expect(StudyExport.csvField("a,\"b\"") == TextTable.csvField("a,\"b\""))
        #expect(StudyExport.csvField("plain") == "plain")
    }
}
