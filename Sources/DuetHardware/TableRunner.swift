import DuetCore
import Foundation

/// Measures operators with a user command (the runner protocol): the command is run with
/// `/bin/sh -c`, reads one operator description as JSON on stdin and prints
/// `{"latency_ms": …, "std_ms": …, "runs": …}` (milliseconds) on stdout. Each run has a timeout;
/// a failed run (non-zero exit, timeout, output that is not that JSON) is retried, then recorded
/// as a failure with a message saying what went wrong.
public struct TableRunner: Sendable {
    /// The shell command.
    public var command: String
    /// Seconds one run may take before it is killed.
    public var timeoutSeconds: Double
    /// Extra attempts after a failed run.
    public var retries: Int

    public init(command: String, timeoutSeconds: Double = 60, retries: Int = 1) {
        self.command = command; self.timeoutSeconds = timeoutSeconds; self.retries = retries
    }

    /// The JSON a runner reads: the signature's fields with shapes as integer lists, plus `key`.
    public static func request(_ sig: OperatorSignature) -> JSONValue {
        .obj(["key": .string(sig.key), "kind": .string(sig.kind), "input": .array(sig.input.map { .int($0) }),
              "output": .array(sig.output.map { .int($0) }), "layout": .string("HWC"), "kernel": .int(sig.kernel),
              "stride": .int(sig.stride), "groups": .int(sig.groups), "expand": .int(sig.expand),
              "se": .bool(sig.squeezeExcite), "idskip": .bool(sig.identitySkip), "act": .string(sig.activation),
              "operands": .int(sig.operands), "precision": .string(sig.precision)])
    }

    /// Measures `sig`, retrying; returns the entry or the last failure's message.
    public func measure(_ sig: OperatorSignature) -> Result<LatencyEntry, RunnerFailure> {
        var last = RunnerFailure(message: "not run")
        for attempt in 0...max(retries, 0) {
            switch runOnce(Self.request(sig).serialized(pretty: false) + "\n") {
            case .success(let m): return .success(LatencyEntry(sig, meanMs: m.latency, stdMs: m.std, count: m.runs))
            case .failure(let f):
                last = f
                if attempt < retries { last.message += " (attempt \(attempt + 1))" }
            }
        }
        if retries > 0 { last.message = last.message.replacingOccurrences(of: " (attempt \(retries))", with: "") + " (after \(retries + 1) attempts)" }
        return .failure(last)
    }

    struct Measurement { var latency: Double; var std: Double; var runs: Int }

    /// Parses a runner's stdout: the last line that is a JSON object.
    static func parseReply(_ out: String) -> Result<Measurement, RunnerFailure> {
        let lines = out.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let line = lines.last(where: { $0.hasPrefix("{") }) else {
            let shown = out.trimmingCharacters(in: .whitespacesAndNewlines)
            return .failure(RunnerFailure(message: shown.isEmpty ? "the runner printed nothing on stdout"
                                          : "the runner's output is not a JSON object: '\(shown.prefix(120))'"))
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            return .failure(RunnerFailure(message: "the runner's output is not valid JSON: '\(line.prefix(120))'"))
        }
        guard let lat = (obj["latency_ms"] as? NSNumber)?.doubleValue, lat.isFinite, lat >= 0 else {
            return .failure(RunnerFailure(message: "the runner's reply lacks a non-negative number 'latency_ms': '\(line.prefix(120))'"))
        }
        let std = (obj["std_ms"] as? NSNumber)?.doubleValue ?? 0
        guard std.isFinite, std >= 0 else { return .failure(RunnerFailure(message: "'std_ms' must be a non-negative number: '\(line.prefix(120))'")) }
        let runs = (obj["runs"] as? NSNumber)?.intValue ?? 1
        guard runs >= 1 else { return .failure(RunnerFailure(message: "'runs' must be at least 1: '\(line.prefix(120))'")) }
        return .success(Measurement(latency: lat, std: std, runs: runs))
    }

    final class Box: @unchecked Sendable {
        let lock = NSLock()
        var out = Data(), err = Data()
    }

    func runOnce(_ input: String) -> Result<Measurement, RunnerFailure> {
        signal(SIGPIPE, SIG_IGN)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        p.standardInput = inPipe; p.standardOutput = outPipe; p.standardError = errPipe
        let exited = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in exited.signal() }
        do { try p.run() } catch {
            return .failure(RunnerFailure(message: "cannot start the runner: \(error.localizedDescription)"))
        }
        let box = Box()
        let readers = DispatchGroup()
        let outHandle = outPipe.fileHandleForReading, errHandle = errPipe.fileHandleForReading
        // Dedicated threads, not the global queue: a killed runner's child may keep its pipes open
        // (and its reader blocked) for a long time, and blocked readers must not starve the
        // readers of the runs that follow.
        for (handle, isOut) in [(outHandle, true), (errHandle, false)] {
            readers.enter()
            Thread {
                let d = handle.readDataToEndOfFile()
                box.lock.lock(); if isOut { box.out = d } else { box.err = d }; box.lock.unlock()
                readers.leave()
            }.start()
        }
        try? inPipe.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try? inPipe.fileHandleForWriting.close()
        if exited.wait(timeout: .now() + timeoutSeconds) == .timedOut {
            p.terminate()
            if exited.wait(timeout: .now() + 1) == .timedOut { kill(p.processIdentifier, SIGKILL); _ = exited.wait(timeout: .now() + 1) }
            _ = readers.wait(timeout: .now() + 1)
            return .failure(RunnerFailure(message: "the runner did not finish within \(JSONValue.format(timeoutSeconds)) s (killed)"))
        }
        // The runner has exited; its pipes close unless a child of it still holds them.
        _ = readers.wait(timeout: .now() + max(5, timeoutSeconds))
        box.lock.lock(); let out = String(decoding: box.out, as: UTF8.self), err = String(decoding: box.err, as: UTF8.self); box.lock.unlock()
        if p.terminationReason == .uncaughtSignal {
            return .failure(RunnerFailure(message: "the runner was killed by signal \(p.terminationStatus)" + Self.tail(err)))
        }
        if p.terminationStatus != 0 {
            return .failure(RunnerFailure(message: "the runner exited with status \(p.terminationStatus)" + Self.tail(err)))
        }
        return Self.parseReply(out)
    }

    static func tail(_ err: String) -> String {
        let lines = err.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let last = lines.last else { return "" }
        return ": " + String(last.prefix(200))
    }
}

/// Why a runner could not measure an operator.
public struct RunnerFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
