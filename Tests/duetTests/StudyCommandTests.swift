import DuetCore
import DuetExplore
import DuetStudy
import Foundation
import Testing
@testable import duet

@Suite struct StudyCommandTests {
    func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("study-cmd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// A study without a configuration (settings only) holding one complete trial, left open.
    static func oneTrialStudy(_ path: String) async throws -> SQLiteStudyStore {
        let store = try SQLiteStudyStore(path: path, mode: .create)
        try await store.setSettingsOnce(StudySettings(config: "", configPath: "/x.yaml", seed: 5, objectives: [.init(name: "latency_ms", direction: .minimize)],
                                                      budgets: [], accuracy: [], optimizer: "nsga2", population: 8, duetVersion: "t"))
        try await store.record(TrialRecord(generation: 0, slot: 0, genome: [1], design: "{}", metrics: ["latency_ms": 2.5], objectives: [2.5],
                                           constraints: [:], violation: 0, status: .complete, seconds: 0.1, seed: 5, version: "t"))
        return store
    }

    @Test func showAndListReadAStudyWithoutWritingBesideIt() async throws {
        let dir = try tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s.sqlite"
        let store = try await Self.oneTrialStudy(path)
        try await store.record(TrialRecord(generation: 0, slot: 1, genome: [2], design: "{}", metrics: [:], objectives: [],
                                           constraints: [:], violation: .infinity, status: .failed, error: "timed out", seconds: 1, seed: 5, version: "t"))
        try await store.close()
        let shown = try await StudyCommand.Show.parse([path]).render()
        #expect(shown.contains("seed: 5") && shown.contains("latency_ms (minimize)"))
        #expect(shown.contains("trials: 2 (1 complete, 1 feasible, 1 failed, 0 pending, 0 running)"))
        #expect(shown.contains("failure ×1: timed out"))
        let listed = try await StudyCommand.List.parse([path]).render()
        #expect(listed.split(separator: "\n").count == 4)                            // header, rule, two trials
        let csv = try await StudyExport.render(try await openStudy(path, mode: .readOnly), format: .csv)
        #expect(csv.hasPrefix("generation,slot,status,violation,latency_ms,design"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["s.sqlite"])
    }

    /// `study design` on a trial that is not there, or a study without its configuration: bad
    /// input, and nothing written.
    @Test func designRefusesWhatItCannotWriteAndWritesNothing() async throws {
        let dir = try tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s.sqlite"
        let store = try await Self.oneTrialStudy(path)
        try await store.close()
        for (trial, says) in [("0/1", "no such trial (it has 1)"), ("7", "no such trial"), ("0/0", "in the study's configuration"), ("x", "expected a trial as G/S")] {
            do {
                try await StudyCommand.Design.parse([path, "--trial", trial, "--out", dir + "/out"]).run()
                Issue.record("trial \(trial) was written")
            } catch let e as InputError {
                #expect(e.description.contains(says), "\(trial): \(e)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func someoneElsesDatabaseIsAnInputError() async throws {
        let dir = try tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/other.db"
        try "SQLite format 3\0 this is not really one".write(toFile: path, atomically: true, encoding: .utf8)
        await #expect(throws: InputError.self) { _ = try await StudyCommand.Show.parse([path]).render() }
        #expect(throws: InputError.self) { _ = try Study(path: path) }
        #expect(throws: InputError.self) { _ = try Study(path: "postgresql://u:secret@h/db?study=s") }
    }

    @Test func copyMovesAStudyBetweenFiles() async throws {
        let dir = try tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = dir + "/a.sqlite", b = dir + "/b.sqlite"
        let s = try Study(path: a)
        try s.setSettingOnce("objectives", "latency_ms")
        try s.record(TrialRecord(generation: 0, slot: 0, genome: [1], design: "{}", metrics: ["latency_ms": 2.5], objectives: [2.5],
                                 constraints: [:], violation: 0, status: "complete", seconds: 0.1, seed: 5, version: "t"))
        let copy = try StudyCommand.Copy.parse([a, b])
        try await copy.run()
        #expect(try Study(path: b, mode: .readOnly).trials() == s.trials())
        #expect(try Study(path: b, mode: .readOnly).setting("objectives") == "latency_ms")
    }
}
