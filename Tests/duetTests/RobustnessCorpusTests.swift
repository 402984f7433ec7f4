import Foundation
import Testing
import DuetCore

/// The robustness corpus (Tests/duetTests/Robustness): every bad input, run through the built
/// `duet` binary as a user would, must exit with its expected code (2 for bad input) within 2 s,
/// never crash or hang, and say where (file or option, key path), what (the value, capped) and
/// how to fix it. Inputs found by `make fuzz` are added to cases.json.
@Suite struct RobustnessCorpusTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var args: [String]
        var exit: Int32
        var expect: [String]
        /// The most characters the message may have (echoed values are capped).
        var max_stderr: Int?
        var testDescription: String { name }
    }
    struct Corpus: Decodable { var cases: [Case] }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Robustness")
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let cases: [Case] = {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("cases.json").path),
              let corpus = try? JSONDecoder().decode(Corpus.self, from: data) else { return [] }
        return corpus.cases
    }()

    /// The `duet` executable built beside this test bundle (SwiftPM builds it for duetTests).
    static let binary: URL? = {
        let candidates = [
            ProcessInfo.processInfo.environment["DUET_BIN"].map { URL(fileURLWithPath: $0) },
            Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("duet"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("duet"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("duet"),
            repo.appendingPathComponent(".build/debug/duet"),
        ].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    @Test func corpusIsReadable() {
        #expect(Self.cases.count >= 40, "cases.json missing or unreadable at \(Self.folder.path)")
    }

    /// `s` quoted for /bin/sh.
    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Each input runs through the built binary with DuetCore's ``Subprocess`` (its own thread, so
    /// the 50-odd runs never block the test pool). The 2 s target is checked serially, on an idle
    /// machine, by docs/validation/robustness.py; here, where suites run in parallel, a run may
    /// take up to 10 s before it counts as a hang.
    @Test(.enabled(if: binary != nil, "the duet executable is not built beside the tests"), arguments: cases)
    func badInputExitsCleanly(_ c: Case) async throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("duet-robust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let inputs = Self.folder.appendingPathComponent("inputs").path
        let args = c.args.map { $0.replacingOccurrences(of: "{in}", with: inputs).replacingOccurrences(of: "{tmp}", with: tmp.path) }
        let binary = try #require(Self.binary)
        let command = "cd \(Self.quoted(Self.repo.path)) && DUET_HOME=\(Self.quoted(Self.repo.path)) exec "
            + ([binary.path] + args).map(Self.quoted).joined(separator: " ") + " </dev/null"
        var run = Subprocess(command: command, timeoutSeconds: 10)
        run.terminateGraceSeconds = 0.5
        let r = await run.run()
        let stderr = r.stderr
        #expect(r.ending != .timedOut, "\(c.name): still running after 10 s")
        if case .signaled(let sig) = r.ending { Issue.record("\(c.name): killed by signal \(sig): \(stderr.prefix(500))") }
        #expect(r.ending == .exited(c.exit), "\(c.name): \(r.ending), expected exit \(c.exit): \(stderr.prefix(500))")
        for part in c.expect {
            #expect(stderr.contains(part), "\(c.name): message lacks '\(part)': \(stderr.prefix(800))")
        }
        if let cap = c.max_stderr { #expect(stderr.count <= cap, "\(c.name): message of \(stderr.count) characters") }
    }
}
