import DuetCore
import DuetPredict
import DuetWorkload
import Foundation
import Synchronization

/// Where a task's accuracy comes from.
public enum AccuracySource: Sendable {
    /// A CSV table: `key` column holds the space's arch string, `column` the accuracy (percent).
    case table(path: String, key: String, column: String)
    /// A named proxy — `macs` (log₁₀ of MACs) or `params` (log₁₀ of parameters) — always labelled
    /// as a proxy in outputs.
    case proxy(String)
    /// An external evaluator: JSON design on stdin, JSON metrics on stdout (`{"accuracy": …}`).
    case command(String, timeoutSeconds: Double, retries: Int)
    /// A learned predictor (a `duet predictor fit` file) for the task's space: a prediction, labelled
    /// as one in every output (`predictor:FILE`), like a proxy.
    case predictor(path: String, Predictor)
    /// No accuracy: the default of a fixed network (`network:`), which has nothing to vary.
    /// Such a task contributes no `TASK.accuracy` and is left out of the mean `accuracy`.
    case none

    /// The label written next to every accuracy value: `table`, `proxy:macs`, `command`.
    public var label: String {
        switch self {
        case .table: return "table"
        case .proxy(let p): return "proxy:\(p)"
        case .command: return "command"
        case .predictor(let path, _): return "predictor:\(URL(fileURLWithPath: path).lastPathComponent)"
        case .none: return "none"
        }
    }

    public var isProxy: Bool { if case .proxy = self { return true }; return false }

    /// Whether the accuracy is predicted by a learned model rather than measured.
    public var isPrediction: Bool { if case .predictor = self { return true }; return false }

    /// Whether the accuracy is an estimate (a proxy or a prediction), which outputs must say.
    public var isEstimate: Bool { isProxy || isPrediction }

    /// `PROXY` or `PREDICTION` for estimates (as outputs write it), nil for measured accuracy.
    public var estimateWord: String? { isProxy ? "PROXY" : isPrediction ? "PREDICTION" : nil }

    public var isNone: Bool { if case .none = self { return true }; return false }

    static func decode(_ r: ConfigReader, base: URL) -> AccuracySource {
        if let t = r.string("table") {
            let path = t.hasPrefix("/") ? t : base.appendingPathComponent(t).path
            let key = r.string("key") ?? "arch_str", column = r.string("column", required: true) ?? ""
            r.finish()
            return .table(path: path, key: key, column: column)
        }
        if let p = r.string("predictor") {
            let path = p.hasPrefix("/") ? p : base.appendingPathComponent(p).path
            r.finish()
            do { return .predictor(path: path, try Predictor.load(path: path)) } catch let e as InputError {
                r.diagnostics.add(r.keyPath("predictor"), value: p, "cannot use the predictor: " + e.issues.map(\.description).joined(separator: "; "),
                                  hint: "make one with duet predictor fit --space SPACE --data CSV --target COLUMN --out FILE")
            } catch {
                r.diagnostics.add(r.keyPath("predictor"), value: p, "cannot load the predictor: \(error)")
            }
            return .none
        }
        if let c = r.string("command") {
            let timeout = r.double("timeout_s", min: 0.001) ?? 60, retries = r.int("retries", min: 0) ?? 1
            r.finish()
            return .command(c, timeoutSeconds: timeout, retries: retries)
        }
        let p = r.choice("proxy", in: ["macs", "params"]) ?? "macs"
        r.finish()
        return .proxy(p)
    }
}

/// Loaded accuracy tables (arch string → percent), read once per file and column.
final class AccuracyTables: Sendable {
    private let tables = Mutex<[String: [String: Double]]>([:])

    func table(path: String, key: String, column: String) throws -> [String: Double] {
        let id = "\(path)#\(key)#\(column)"
        if let t = tables.withLock({ $0[id] }) { return t }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw InputError(file: path, message: "cannot read the accuracy table", hint: "check the path in tasks[].accuracy.table")
        }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { throw InputError(file: path, message: "the accuracy table is empty") }
        let header = Self.fields(lines.removeFirst())
        guard let ki = header.firstIndex(of: key) else {
            throw InputError(file: path, keyPath: "key", value: key, message: "no such column", hint: Suggestion.hint(for: key, in: header))
        }
        guard let ci = header.firstIndex(of: column) else {
            throw InputError(file: path, keyPath: "column", value: column, message: "no such column", hint: Suggestion.hint(for: column, in: header))
        }
        var out: [String: Double] = [:]
        for (n, line) in lines.enumerated() {
            let f = Self.fields(line)
            guard f.count > max(ki, ci), let v = Double(f[ci]) else {
                throw InputError(file: path, keyPath: "line \(n + 2)", value: line.prefix(80).description, message: "expected a number in column '\(column)'")
            }
            out[f[ki]] = v
        }
        tables.withLock { $0[id] = out }
        return out
    }

    /// Splits a CSV line (double-quoted fields may contain commas).
    static func fields(_ line: String) -> [String] {
        var out: [String] = [], cur = "", quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle() } else if ch == "," && !quoted { out.append(cur); cur = "" } else { cur.append(ch) }
        }
        out.append(cur)
        return out
    }
}

/// Runs an external evaluator command: writes the design as JSON on its stdin, reads one JSON
/// object from its stdout, within a timeout, retrying on failure. Every failure is reported as an
/// error message (recorded as a failed trial by the caller), never a crash.
enum ExternalEvaluator {
    static func run(_ command: String, input: String, timeoutSeconds: Double, retries: Int) async -> Result<[String: Double], ExternalError> {
        var last = ExternalError(message: "not run")
        for _ in 0...retries {
            switch await once(command, input: input, timeoutSeconds: timeoutSeconds) {
            case .success(let m): return .success(m)
            case .failure(let e): last = e
            }
        }
        return .failure(last)
    }

    struct ExternalError: Error, Sendable { var message: String }

    static func once(_ command: String, input: String, timeoutSeconds: Double) async -> Result<[String: Double], ExternalError> {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin; p.standardOutput = stdout; p.standardError = stderr
        // When the process ended, seen from a Foundation thread: the polling below runs on the
        // shared task pool, which a busy process may not schedule for a while; a run that ended
        // after its deadline is a timeout however late it was noticed.
        let exited = Mutex<Date?>(nil)
        p.terminationHandler = { _ in exited.withLock { $0 = Date() } }
        do { try p.run() } catch { return .failure(ExternalError(message: "cannot start '\(command)': \(error.localizedDescription)")) }
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        let outBox = Mutex<Data>(Data())
        let reader = Thread {
            let d = stdout.fileHandleForReading.readDataToEndOfFile()
            outBox.withLock { $0 = d }
        }
        reader.start()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while p.isRunning && Date() < deadline { try? await Task.sleep(nanoseconds: 5_000_000) }
        if p.isRunning {
            p.terminate()
            try? await Task.sleep(nanoseconds: 100_000_000)
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            return .failure(ExternalError(message: "evaluator timed out after \(timeoutSeconds) s"))
        }
        p.waitUntilExit()
        if let end = exited.withLock({ $0 }), end > deadline {
            return .failure(ExternalError(message: "evaluator timed out after \(timeoutSeconds) s"))
        }
        while reader.isExecuting { try? await Task.sleep(nanoseconds: 1_000_000) }
        let data = outBox.withLock { $0 }
        if p.terminationStatus != 0 {
            let err = String(decoding: stderr.fileHandleForReading.availableData.prefix(300), as: UTF8.self)
            return .failure(ExternalError(message: "evaluator exited with status \(p.terminationStatus)" + (err.isEmpty ? "" : ": \(err)")))
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return .failure(ExternalError(message: "evaluator printed no JSON object: '\(String(decoding: data.prefix(120), as: UTF8.self))'"))
        }
        var out: [String: Double] = [:]
        for (k, v) in obj { if let n = v as? NSNumber { out[k] = n.doubleValue } }
        guard out["accuracy"] != nil else {
            return .failure(ExternalError(message: "evaluator's JSON has no numeric 'accuracy'"))
        }
        return .success(out)
    }
}
