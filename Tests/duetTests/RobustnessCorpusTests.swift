import Foundation
import Testing

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

    @Test(.enabled(if: binary != nil, "the duet executable is not built beside the tests"), arguments: cases)
    func badInputExitsCleanly(_ c: Case) throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("duet-robust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let inputs = Self.folder.appendingPathComponent("inputs").path
        let p = Process()
        p.executableURL = try #require(Self.binary)
        p.arguments = c.args.map { $0.replacingOccurrences(of: "{in}", with: inputs).replacingOccurrences(of: "{tmp}", with: tmp.path) }
        p.currentDirectoryURL = Self.repo
        var env = ProcessInfo.processInfo.environment
        env["DUET_HOME"] = Self.repo.path
        p.environment = env
        let errFile = tmp.appendingPathComponent("stderr.txt"), outFile = tmp.appendingPathComponent("stdout.txt")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: errFile)
        p.standardOutput = try FileHandle(forWritingTo: outFile)
        p.standardInput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        // A hang is a failure: give it 10 s, then kill it.
        while p.isRunning && Date().timeIntervalSince(start) < 10 { usleep(10_000) }
        let hung = p.isRunning
        if hung { p.terminate(); p.waitUntilExit() }
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        let stderr = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        #expect(!hung, "\(c.name): still running after 10 s")
        #expect(p.terminationReason == .exit, "\(c.name): killed by a signal (\(p.terminationStatus)): \(stderr.prefix(500))")
        #expect(p.terminationStatus == c.exit, "\(c.name): exit \(p.terminationStatus), expected \(c.exit): \(stderr.prefix(500))")
        #expect(seconds < 2, "\(c.name): took \(String(format: "%.2f", seconds)) s")
        for part in c.expect {
            #expect(stderr.contains(part), "\(c.name): message lacks '\(part)': \(stderr.prefix(800))")
        }
        if let cap = c.max_stderr { #expect(stderr.count <= cap, "\(c.name): message of \(stderr.count) characters") }
    }
}
