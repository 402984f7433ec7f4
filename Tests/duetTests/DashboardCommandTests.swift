import DuetCore
import DuetStudy
import Foundation
import Testing
import _DuetTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `duet dashboard` as a user runs it: it serves until SIGINT or SIGTERM and then exits 0; bad
/// options and a missing study exit 2.
@Suite struct DashboardCommandTests {
    static let binary: URL? = RobustnessCorpusTests.binary

    /// A small study file (5 complete trials) in a fresh folder.
    func smallStudy() async throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-dashcmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("s.sqlite").path
        let store = try SQLiteStudyStore(path: path, mode: .create)
        try await store.setSettingsOnce(StudySettings(config: "", configPath: "", seed: 1, objectives: [.init(name: "accuracy", direction: .maximize)],
                                                      budgets: [], accuracy: [], optimizer: "random", population: 5, duetVersion: "test"))
        try await store.record((0..<5).map {
            TrialRecord(generation: 0, slot: $0, genome: [Double($0)], design: "{}", metrics: ["accuracy": Double($0)], objectives: [Double($0)],
                        constraints: [:], violation: 0, status: .complete, seconds: 0.1, seed: 1, version: "test")
        })
        try await store.close()
        return path
    }

    @Test(.enabled(if: binary != nil, "the duet executable is not built beside the tests"), arguments: [SIGINT, SIGTERM])
    func servesUntilASignalThenExitsZero(_ sig: Int32) async throws {
        let binary = try #require(Self.binary)
        let study = try await smallStudy()
        let err = study + ".err"
        let pid = try spawn([binary.path, "dashboard", study, "--port", "0"], environment: ProcessInfo.processInfo.environment,
                            stdout: "/dev/null", stderr: err)
        var exited = false
        defer { if !exited { kill(pid, SIGKILL); var c: Int32 = 0; waitpid(pid, &c, 0) } }
        // The address is printed on stderr once it listens (slow when the whole suite runs on a busy machine).
        var address: String?
        let deadline = Date().addingTimeInterval(120)
        while address == nil, Date() < deadline {
            let text = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            if let r = text.range(of: #"http://127\.0\.0\.1:[0-9]+/"#, options: .regularExpression) { address = String(text[r]) }
            else { try await Task.sleep(for: .milliseconds(50)) }
        }
        let base = try #require(address, "no address on stderr: \((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")")
        let (data, response) = try await URLSession.shared.data(from: URL(string: base + "api/status")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let status = try JSONValue(parsing: String(decoding: data, as: UTF8.self))
        #expect(status["counts"]?["complete"]?.intValue == 5)
        // A signal stops it cleanly.
        kill(pid, sig)
        var code: Int32 = 0
        let stop = Date().addingTimeInterval(30)
        while waitpid(pid, &code, WNOHANG) == 0 {
            if Date() > stop { Issue.record("still running 30 s after signal \(sig)"); return }
            try await Task.sleep(for: .milliseconds(50))
        }
        exited = true
        #expect(code & 0x7f == 0, "ended by a signal, not an exit")
        #expect((code >> 8) & 0xff == 0)
        #expect(!FileManager.default.fileExists(atPath: study + "-wal"))
    }

    @Test(.enabled(if: binary != nil, "the duet executable is not built beside the tests"))
    func badOptionsAndAMissingStudyExitTwo() async throws {
        let binary = try #require(Self.binary)
        let study = try await smallStudy()
        for args in [["dashboard", study, "--port", "70000"], ["dashboard", study, "--host", ""], ["dashboard", study + ".missing"],
                     ["dashboard", study, "--poll", "0"], ["dashboard", study, "--data", "/nonexistent"]] {
            let quoted = ([binary.path] + args).map { "'" + $0 + "'" }.joined(separator: " ")
            let r = await Subprocess(command: "exec \(quoted)", timeoutSeconds: 60).run()
            #expect(r.ending == .exited(2), "\(args): \(r.ending) \(r.stderr.prefix(300))")
            #expect(r.stderr.lowercased().contains("error"), "\(args)")
        }
    }
}
