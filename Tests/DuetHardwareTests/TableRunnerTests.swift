import Foundation
import Testing
import _DuetTestSupport
@testable import DuetHardware

/// The runner protocol, driven by Examples/runners/test_runner.py (skipped without python3).
@Suite struct TableRunnerTests {
    static let script = repoRoot.appendingPathComponent("Examples/runners/test_runner.py").path
    static var python: String? {
        for p in ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }
    let conv = OperatorSignature(kind: "conv", input: [32, 32, 16], output: [32, 32, 16], kernel: 3, stride: 1, groups: 1)

    @Test(.enabled(if: python != nil, "python3 not found")) func measuresAndParsesTheReply() async throws {
        let py = try #require(Self.python)
        let r = TableRunner(command: "\(py) \(Self.script)", timeoutSeconds: 20, retries: 0)
        let e = try await r.measure(conv).get()
        #expect(abs(e.meanMs - 32.0 * 32 * 16 * 9 / 1e6) < 1e-12)
        #expect(e.count == 10 && e.stdMs == 0.001)
    }

    @Test(.tags(.slow), .runsUnlessSkippingSlow, .enabled(if: python != nil, "python3 not found")) func crashHangAndGarbageAreClearFailures() async throws {
        let py = try #require(Self.python)
        let crash = await TableRunner(command: "\(py) \(Self.script) --crash conv", timeoutSeconds: 20, retries: 1).measure(conv)
        guard case .failure(let c) = crash else { Issue.record("crash not reported"); return }
        #expect(c.message.contains("status 3") && c.message.contains("simulated crash") && c.message.contains("2 attempts"), "\(c.message)")
        let hang = await TableRunner(command: "exec \(py) \(Self.script) --hang conv", timeoutSeconds: 1, retries: 0).measure(conv)
        guard case .failure(let h) = hang else { Issue.record("hang not reported"); return }
        #expect(h.message.contains("did not finish within 1 s"), "\(h.message)")
        let garbage = await TableRunner(command: "\(py) \(Self.script) --garbage conv", timeoutSeconds: 20, retries: 0).measure(conv)
        guard case .failure(let g) = garbage else { Issue.record("garbage not reported"); return }
        #expect(g.message.contains("not a JSON object"), "\(g.message)")
    }

    /// An interpreter that imports onnx, onnxruntime and numpy: $DUET_ONNX_PYTHON, the repository's
    /// .venv-onnx, or python3; nil (the test is skipped) when none does.
    static let onnxPython: String? = {
        var candidates = [repoRoot.appendingPathComponent(".venv-onnx/bin/python").path, "/usr/bin/python3", "/usr/local/bin/python3"]
        if let p = ProcessInfo.processInfo.environment["DUET_ONNX_PYTHON"] { candidates.insert(p, at: 0) }
        for p in candidates where FileManager.default.isExecutableFile(atPath: p) {
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: p)
            proc.arguments = ["-c", "import onnx, onnxruntime, numpy"]
            proc.standardOutput = FileHandle.nullDevice; proc.standardError = FileHandle.nullDevice
            guard (try? proc.run()) != nil else { continue }
            proc.waitUntilExit()
            if proc.terminationStatus == 0 { return p }
        }
        return nil
    }()

    /// The shipped onnxruntime runner builds and times a fused inverted-residual block (OFA
    /// stage 4: squeeze-excite, h-swish, identity skip), an FBNet e1 block, a standalone
    /// squeeze-excite and a channel shuffle; an unknown kind is a clear failure.
    @Test(.enabled(if: onnxPython != nil, "no python with onnx, onnxruntime and numpy (set DUET_ONNX_PYTHON or create .venv-onnx)"))
    func onnxruntimeRunnerMeasuresInvertedResidualAndSqueezeExcite() async throws {
        let py = try #require(Self.onnxPython)
        let script = repoRoot.appendingPathComponent("Examples/runners/onnxruntime_runner.py").path
        let r = TableRunner(command: "\(py) \(script) --runs 5 --warmup 1", timeoutSeconds: 120, retries: 0)
        let sigs = [
            OperatorSignature(kind: "mbconv", input: [14, 14, 136], output: [14, 14, 136], kernel: 5, stride: 1, expand: 544,
                              squeezeExcite: true, identitySkip: true, activation: "hswish"),
            OperatorSignature(kind: "mbconv", input: [28, 28, 48], output: [14, 14, 96], kernel: 7, stride: 2, expand: 288, activation: "hswish"),
            OperatorSignature(kind: "se", input: [7, 7, 576], output: [7, 7, 576], activation: "hsigmoid"),
            OperatorSignature(kind: "other_channel_shuffle", input: [28, 28, 32], output: [28, 28, 32]),
            OperatorSignature(kind: "conv", input: [28, 28, 32], output: [28, 28, 32], kernel: 1, stride: 1, groups: 2, activation: "relu"),
        ]
        for sig in sigs {
            switch await r.measure(sig) {
            case .success(let e):
                #expect(e.meanMs > 0 && e.meanMs < 1000, "\(sig.key): \(e.meanMs) ms")
                #expect(e.count == 4, "5 runs, the slowest 20% dropped")
            case .failure(let f): Issue.record("\(sig.key): \(f.message)")
            }
        }
        // FBNet's k3_e1 block has a 1x1 expand conv although expand == input channels.
        let e1 = OperatorSignature(kind: "mbconv", input: [28, 28, 32], output: [28, 28, 32], kernel: 3, stride: 1, expand: 32,
                                   identitySkip: true, activation: "relu")
        let always = TableRunner(command: "\(py) \(script) --runs 3 --warmup 1 --mbconv-expand-conv always", timeoutSeconds: 120, retries: 0)
        #expect((try? await always.measure(e1).get()) != nil)
        let bad = await TableRunner(command: "\(py) \(script) --runs 3", timeoutSeconds: 120, retries: 0)
            .measure(OperatorSignature(kind: "other_lstm", input: [4, 4, 8], output: [4, 4, 8]))
        guard case .failure(let f) = bad else { Issue.record("an unknown kind was measured"); return }
        #expect(f.message.contains("status 2") && f.message.contains("does not build 'other_lstm'"))
        let skip = OperatorSignature(kind: "mbconv", input: [28, 28, 32], output: [14, 14, 64], kernel: 3, stride: 2, expand: 96,
                                     identitySkip: true, activation: "relu")
        guard case .failure(let g) = await TableRunner(command: "\(py) \(script) --runs 3", timeoutSeconds: 120, retries: 0).measure(skip) else {
            Issue.record("an identity skip across a shape change was measured"); return
        }
        #expect(g.message.contains("identity skip needs equal input and output shapes"))
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
