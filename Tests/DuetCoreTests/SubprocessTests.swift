#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import DuetCore

/// The one subprocess runner, driven by real misbehaving shell commands (the ways training
/// scripts used as evaluators misbehave).
@Suite struct SubprocessTests {
    /// A fresh scratch folder.
    static func scratch() -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("duet-subprocess-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// Whether a process with this pid is still running: it exists and is not a zombie (orphans
    /// killed with their group wait as zombies for an init that may not reap them).
    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    static func pids(in file: URL) -> [Int32] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    }

    @Test func aCommandThatReadsNothingIsNotABrokenPipe() async {
        // 4 MiB of input to a command that exits at once: Duet must neither die of SIGPIPE nor hang.
        let input = Data(repeating: UInt8(ascii: "x"), count: 4 << 20)
        for (command, status) in [("true", Int32(0)), ("exit 1", 1)] {
            let r = await Subprocess(command: command, input: input, timeoutSeconds: 10).run()
            #expect(r.ending == .exited(status), "\(command)")
            #expect(r.inputWritten < input.count, "\(command) cannot have read 4 MiB")
        }
        let cat = await Subprocess(command: "wc -c", input: input, timeoutSeconds: 10).run()
        #expect(cat.succeeded && cat.inputWritten == input.count)
        #expect(String(decoding: cat.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "\(4 << 20)")
    }

    @Test func hundredMegabytesOfStderrAndProgressLinesStillGiveTheAnswer() async {
        let command = """
            echo 'epoch 1/2 loss 0.9'; head -c 100000000 /dev/zero | tr '\\0' 'e' >&2; echo 'epoch 2/2 {not json'
            echo '{"accuracy": 91.5, "epochs": 2}'; echo 'done' >&2
            """
        let r = await Subprocess(command: command, timeoutSeconds: 60).run()
        #expect(r.succeeded)
        #expect(r.stderrBytes == 100_000_005)
        #expect(r.stderr.utf8.count <= 64 << 10 && r.stderr.hasSuffix("done\n"))
        #expect((r.lastJSONObject()?["accuracy"] as? NSNumber)?.doubleValue == 91.5)
    }

    @Test func stdoutIsBoundedToItsTail() async {
        let answer = "{\"latency_ms\": 2}"
        var p = Subprocess(command: "head -c 50000000 /dev/zero | tr '\\0' 'o'; echo; echo '\(answer)'", timeoutSeconds: 60)
        p.stdoutLimitBytes = 1 << 20
        let r = await p.run()
        #expect(r.stdoutBytes == 50_000_000 + 1 + answer.utf8.count + 1)
        #expect(r.stdout.count <= 1 << 20)
        #expect((r.lastJSONObject()?["latency_ms"] as? NSNumber)?.doubleValue == 2)
    }

    @Test func aTimeoutKillsTheWholeProcessTree() async throws {
        let dir = Self.scratch()
        let pidFile = dir.appendingPathComponent("pids")
        // The script starts two children (one ignores SIGTERM) and a grandchild, then hangs.
        let command = """
            echo $$ >> \(pidFile.path)
            sleep 300 & echo $! >> \(pidFile.path)
            sh -c 'trap "" TERM; echo $$ >> \(pidFile.path); sleep 300 & echo $! >> \(pidFile.path); wait' &
            sleep 300
            """
        var p = Subprocess(command: command, timeoutSeconds: 1)
        p.terminateGraceSeconds = 0.3
        let r = await p.run()
        #expect(r.ending == .timedOut)
        #expect(r.failureDescription(timeoutSeconds: 1)?.contains("did not finish within 1 s") == true)
        let pids = Self.pids(in: pidFile)
        #expect(pids.count == 4)
        try await Task.sleep(nanoseconds: 100_000_000)
        for pid in pids { #expect(!Self.alive(pid), "process \(pid) of the timed-out command is still running") }
    }

    @Test func aBackgroundChildHoldingStdoutDoesNotHoldTheResult() async throws {
        let dir = Self.scratch()
        let pidFile = dir.appendingPathComponent("pids")
        let command = "sleep 300 & echo $! > \(pidFile.path); echo '{\"accuracy\": 70}'"
        let r = await Subprocess(command: command, timeoutSeconds: 20).run()
        #expect(r.succeeded)
        #expect(r.seconds < 5, "waited \(r.seconds) s for a background child")
        #expect((r.lastJSONObject()?["accuracy"] as? NSNumber)?.doubleValue == 70)
        try await Task.sleep(nanoseconds: 100_000_000)
        for pid in Self.pids(in: pidFile) { #expect(!Self.alive(pid), "the background child \(pid) was left running") }
    }

    @Test func endingsAreReportedAsTheyHappened() async {
        let missing = await Subprocess(command: "no-such-command-duet", timeoutSeconds: 10).run()
        #expect(missing.ending == .exited(127))
        #expect(missing.failureDescription(timeoutSeconds: 10)?.contains("not found") == true)
        let killed = await Subprocess(command: "kill -9 $$", timeoutSeconds: 10).run()
        #expect(killed.ending == .signaled(9))
        let crashed = await Subprocess(command: "echo 'Traceback: boom' >&2; exit 3", timeoutSeconds: 10).run()
        #expect(crashed.failureDescription(timeoutSeconds: 10) == "exited with status 3: Traceback: boom")
    }

    @Test func cancellingTheTaskStopsTheCommand() async {
        let start = Date()
        // A command far longer than any scheduling delay of a loaded machine: ending before it
        // would have, as timed out, is the proof that the cancel stopped it.
        let task = Task { await Subprocess(command: "sleep 1000", timeoutSeconds: 2000).run() }
        try? await Task.sleep(nanoseconds: 200_000_000)
        task.cancel()
        let r = await task.value
        #expect(r.ending == .timedOut)
        #expect(Date().timeIntervalSince(start) < 900, "the 1000 s command was not stopped")
    }

    @Test func theAnswerIsTheLastJSONObjectLine() {
        func parse(_ s: String) -> [String: Any]? { Subprocess.lastJSONObject(in: Data(s.utf8)) }
        #expect((parse("{\"a\": 1}")?["a"] as? Int) == 1)
        #expect((parse("log\n{\"a\": 1}\n{\"a\": 2}\r\nbye\n")?["a"] as? Int) == 2)
        #expect((parse("{\"a\": 1}\n{broken\n")?["a"] as? Int) == 1)
        #expect(parse("[1, 2]\nplain\n") == nil)
        #expect(parse("") == nil)
    }
}
