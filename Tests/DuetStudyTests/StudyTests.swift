import Foundation
import Testing
@testable import DuetStudy

@Suite struct StudyTests {
    func tempPath() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("study-\(UUID().uuidString).sqlite").path }

    func trial(_ g: Int, _ s: Int, _ x: Double) -> TrialRecord {
        TrialRecord(generation: g, slot: s, genome: [x, 1.0 / 3.0], design: #"{"x":\#(x)}"#, metrics: ["accuracy": 93.125, "latency_ms": x],
                    objectives: [93.125, x], constraints: ["latency_ms": -0.5], violation: 0, status: "complete", seconds: 0.01,
                    seed: 7, version: "test")
    }

    @Test func recordsAreExactAndUnique() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let study = try Study(path: path)
        #expect(try study.record(trial(0, 0, 0.1)))
        #expect(try !study.record(trial(0, 0, 0.2)))      // same (generation, slot): kept once
        #expect(try study.record(trial(0, 1, 0.2)))
        let all = try study.trials()
        #expect(all.count == 2)
        #expect(all[0] == trial(0, 0, 0.1))               // doubles round-trip exactly
        #expect(try study.trials(generation: 0)[1]?.metrics["latency_ms"] == 0.2)
    }

    @Test func reopenedStudyKeepsItsTrialsAndSettings() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let s = try Study(path: path)
            try s.setSettingOnce("seed", "7")
            try s.record(trial(3, 2, 1.5))
        }
        let s = try Study(path: path)
        #expect(try s.setting("seed") == "7")
        #expect(try s.setSettingOnce("seed", "8") == "7")
        #expect(try s.trialCount() == 1)
    }

    @Test func failedTrialsKeepTheirError() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let s = try Study(path: path)
        var t = trial(0, 0, 1)
        t.status = "failed"; t.error = "evaluator timed out after 5 s"; t.violation = .infinity
        try s.record(t)
        let back = try #require(try s.trials().first)
        #expect(back.status == "failed" && back.error == "evaluator timed out after 5 s" && back.violation == .infinity)
    }

    @Test func concurrentWritersStayConsistent() async throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = try Study(path: path), b = try Study(path: path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, s) in [a, b].enumerated() {
                group.addTask { for slot in 0..<50 { try s.record(self.trial(slot % 5, slot / 5, Double(i))) } }
            }
            try await group.waitForAll()
        }
        #expect(try a.trialCount() == 50)
    }
}
