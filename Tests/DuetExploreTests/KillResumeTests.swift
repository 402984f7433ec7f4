import Foundation
import Synchronization
import Testing
import _DuetTestSupport
@testable import DuetExplore
@testable import DuetStudy

/// The `duet` executable built beside this test bundle (`swift test` builds every product into
/// the same folder), or nil when it cannot be found.
func builtDuet() -> String? {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent(), dir.deletingLastPathComponent().deletingLastPathComponent()] {
        let p = candidate.appendingPathComponent("duet").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

@Suite(.tags(.slow), .runsUnlessSkippingSlow) struct KillResumeTests {
    @Test(.enabled(if: builtDuet() != nil, "the duet executable was not found beside the test bundle"))
    func aStudyKilledWithSIGKILLResumesWithoutLossOrRepeat() async throws {
        let duet = try #require(builtDuet())
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // An evaluator that takes 20 ms a design: 120 trials take ≥ 2.4 s, so the run is still going
        // when the watcher kills it after 30 (a run that ends first fails the test, not skips it).
        let script = root.appendingPathComponent("Tests/DuetExploreTests/Fixtures/evaluator.sh").path
        let config = try writeConfig(dir, smallConfig.replacingOccurrences(of: "workers: 2", with: "workers: 1")
            .replacingOccurrences(of: "accuracy: proxy:macs", with: "accuracy: {command: \"sleep 0.02; \(script)\"}"))
        let studyPath = dir.appendingPathComponent("s.sqlite").path
        // Given a real `duet explore --study` process,
        let p = Process()
        p.executableURL = URL(fileURLWithPath: duet)
        p.arguments = ["explore", config, "--study", studyPath, "--format", "json"]
        p.standardOutput = FileHandle.nullDevice
        let errFile = dir.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: errFile)
        try p.run()
        // when it is killed with SIGKILL once it has stored some trials (watched from a thread of
        // its own: the test's task may wait seconds for the cooperative pool while other suites run),
        let seen = Mutex<(count: Int, killed: Bool, error: String)>((0, false, ""))
        let watcher = Thread {
            let deadline = Date().addingTimeInterval(60)
            while p.isRunning && Date() < deadline {
                if FileManager.default.fileExists(atPath: studyPath) {
                    do {
                        let n = try Study(path: studyPath).trialCount()
                        seen.withLock { $0.count = n }
                        if n >= 30 { kill(p.processIdentifier, SIGKILL); seen.withLock { $0.killed = true }; return }
                    } catch { seen.withLock { $0.error = "\(error)" } }
                }
                usleep(2_000)
            }
        }
        watcher.start()
        // Polled, not waitUntilExit(): a blocked cooperative thread starves the other suites' tasks
        // (two threads on a 2-core machine).
        while p.isRunning { try await Task.sleep(nanoseconds: 50_000_000) }
        let (atKill, killed, lastError) = seen.withLock { $0 }
        guard killed else {
            let err = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
            Issue.record("duet explore was not killed mid-run (\(atKill) trials seen, status \(p.terminationStatus)): \(lastError) \(err)")
            return
        }
        #expect(p.terminationReason == .uncaughtSignal)
        let survived = try Study(path: studyPath).trialCount()
        #expect(survived >= atKill && survived < 120)
        // then rerunning the same command resumes: every stored trial is reused, none repeated or lost,
        let cfg = try ExploreConfig.load(path: config, dataDir: root)
        let resumed = try await ExploreRun(exploration: try CoExploration(config: cfg, dataDir: root), study: try Study(path: studyPath)).run()
        #expect(resumed.reused == survived)
        let stored = try Study(path: studyPath).trials()
        #expect(stored.count == 120)
        #expect(Set(stored.map { "\($0.generation)/\($0.slot)" }).count == 120)
        // and the trials are those of an uninterrupted run with the same seed.
        let full = try await ExploreRun(exploration: try CoExploration(config: cfg, dataDir: root), study: nil).run()
        #expect(resumed.trials.map(\.design) == full.trials.map(\.design))
        #expect(resumed.trials.map(\.objectives) == full.trials.map(\.objectives))
    }
}
