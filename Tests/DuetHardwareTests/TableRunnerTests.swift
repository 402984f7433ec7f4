import Foundation
import Testing
@testable import DuetHardware

/// The runner protocol, driven by Examples/runners/test_runner.py (skipped without python3).
@Suite struct TableRunnerTests {
    static let script = repoRoot.appendingPathComponent("Examples/runners/test_runner.py").path
    static var python: String? {
        for p in ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }
    let conv = OperatorSignature(kind: "conv", input: [32, 32, 16], output: [32, 32, 16], kernel: 3, stride: 1, groups: 1)

    @Test func measuresAndParsesTheReply() throws {
        guard let py = Self.python else { print("skipped: python3 not found"); return }
        let r = TableRunner(command: "\(py) \(Self.script)", timeoutSeconds: 20, retries: 0)
        let e = try r.measure(conv).get()
        #expect(abs(e.meanMs - 32.0 * 32 * 16 * 9 / 1e6) < 1e-12)
        #expect(e.count == 10 && e.stdMs == 0.001)
    }

    @Test func crashHangAndGarbageAreClearFailures() throws {
        guard let py = Self.python else { print("skipped: python3 not found"); return }
        let crash = TableRunner(command: "\(py) \(Self.script) --crash conv", timeoutSeconds: 20, retries: 1).measure(conv)
        guard case .failure(let c) = crash else { Issue.record("crash not reported"); return }
        #expect(c.message.contains("status 3") && c.message.contains("simulated crash") && c.message.contains("2 attempts"))
        let hang = TableRunner(command: "exec \(py) \(Self.script) --hang conv", timeoutSeconds: 1, retries: 0).measure(conv)
        guard case .failure(let h) = hang else { Issue.record("hang not reported"); return }
        #expect(h.message.contains("did not finish within 1 s"))
        let garbage = TableRunner(command: "\(py) \(Self.script) --garbage conv", timeoutSeconds: 20, retries: 0).measure(conv)
        guard case .failure(let g) = garbage else { Issue.record("garbage not reported"); return }
        #expect(g.message.contains("not a JSON object"))
    }

    @Test func replyValidation() {
        #expect((try? TableRunner.parseReply("{\"latency_ms\": 1.5}").get())?.latency == 1.5)
        #expect((try? TableRunner.parseReply("{\"latency_ms\": 0.0}").get())?.latency == 0)
        #expect((try? TableRunner.parseReply("warming up\n{\"latency_ms\": 2, \"std_ms\": 0.1, \"runs\": 5}\n").get())?.runs == 5)
        #expect((try? TableRunner.parseReply("{\"latency_ms\": -1}").get()) == nil)
        #expect((try? TableRunner.parseReply("{\"std_ms\": 1}").get()) == nil)
        #expect((try? TableRunner.parseReply("{\"latency_ms\": 1, \"runs\": 0}").get()) == nil)
        #expect((try? TableRunner.parseReply("").get()) == nil)
    }
}
