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
    public func measure(_ sig: OperatorSignature) async -> Result<LatencyEntry, RunnerFailure> {
        var last = RunnerFailure(message: "not run")
        for attempt in 0...max(retries, 0) {
            switch await runOnce(Self.request(sig).serialized(pretty: false) + "\n") {
            case .success(let m): return .success(LatencyEntry(sig, meanMs: m.latency, stdMs: m.std, count: m.runs))
            case .failure(let f): last = f
            }
            if Task.isCancelled { break }
            if attempt == retries && retries > 0 { last.message += " (after \(retries + 1) attempts)" }
        }
        return .failure(last)
    }

    /// The JSON a runner reads to time a chain of operators as one graph (``FusionRuleDetection``
    /// in DuetCostModel): `{"key": "graph:K1+K2…", "graph": [op, op, …]}`, each element as
    /// ``request(_:)`` writes it. Element i+1's first input is element i's output; an element with
    /// more operands (an add) takes the others as extra graph inputs of its input shape.
    public static func request(graph: [OperatorSignature]) -> JSONValue {
        .obj(["key": .string("graph:" + graph.map(\.key).joined(separator: "+")), "graph": .array(graph.map(request))])
    }

    /// Times `graph` (one operator: the ``request(_:)`` form; several: the ``request(graph:)``
    /// form) once, retrying failed runs; returns the reply or the last failure's message.
    public func time(_ graph: [OperatorSignature]) async -> Result<Measurement, RunnerFailure> {
        precondition(!graph.isEmpty)
        let req = graph.count == 1 ? Self.request(graph[0]) : Self.request(graph: graph)
        var last = RunnerFailure(message: "not run")
        for attempt in 0...max(retries, 0) {
            switch await runOnce(req.serialized(pretty: false) + "\n") {
            case .success(let m): return .success(m)
            case .failure(let f): last = f
            }
            if Task.isCancelled { break }
            if attempt == retries && retries > 0 { last.message += " (after \(retries + 1) attempts)" }
        }
        return .failure(last)
    }

    /// One runner reply: mean and standard deviation in milliseconds over `runs` timed runs.
    public struct Measurement: Sendable, Hashable {
        public var latency: Double
        public var std: Double
        public var runs: Int
        public init(latency: Double, std: Double, runs: Int) { self.latency = latency; self.std = std; self.runs = runs }
    }

    /// Parses a runner's stdout: the last line that is a JSON object (the protocol of every
    /// command Duet runs, ``Subprocess/Result/lastJSONObject()``).
    static func parseReply(_ out: String) -> Result<Measurement, RunnerFailure> {
        guard let obj = Subprocess.lastJSONObject(in: Data(out.utf8)) else {
            let shown = out.trimmingCharacters(in: .whitespacesAndNewlines)
            return .failure(RunnerFailure(message: shown.isEmpty ? "the runner printed nothing on stdout"
                                          : "the runner's output is not a JSON object: '\(shown.suffix(120))'"))
        }
        let line = String(decoding: (try? JSONSerialization.data(withJSONObject: obj, options: .sortedKeys)) ?? Data(), as: UTF8.self).prefix(120)
        guard let lat = (obj["latency_ms"] as? NSNumber)?.doubleValue, lat.isFinite, lat >= 0 else {
            return .failure(RunnerFailure(message: "the runner's reply lacks a non-negative number 'latency_ms': '\(line)'"))
        }
        let std = (obj["std_ms"] as? NSNumber)?.doubleValue ?? 0
        guard std.isFinite, std >= 0 else { return .failure(RunnerFailure(message: "'std_ms' must be a non-negative number: '\(line)'")) }
        let runs = (obj["runs"] as? NSNumber)?.intValue ?? 1
        guard runs >= 1 else { return .failure(RunnerFailure(message: "'runs' must be at least 1: '\(line)'")) }
        return .success(Measurement(latency: lat, std: std, runs: runs))
    }

    func runOnce(_ input: String) async -> Result<Measurement, RunnerFailure> {
        let r = await Subprocess(command: command, input: Data(input.utf8), timeoutSeconds: timeoutSeconds).run()
        switch r.ending {
        case .exited(0): return Self.parseReply(String(decoding: r.stdout, as: UTF8.self))
        case .timedOut:
            return .failure(RunnerFailure(message: "the runner did not finish within \(JSONValue.format(timeoutSeconds)) s (killed with its children)"))
        default:
            return .failure(RunnerFailure(message: "the runner " + (r.failureDescription(timeoutSeconds: timeoutSeconds) ?? "failed")))
        }
    }
}

/// Why a runner could not measure an operator.
public struct RunnerFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
