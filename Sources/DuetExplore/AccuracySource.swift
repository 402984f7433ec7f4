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
        let doc: CSVDocument
        do { doc = try CSVDocument.load(path: path) } catch let e as InputError {
            throw e.issues.first?.message == "cannot read the file"
                ? InputError(file: path, message: "cannot read the accuracy table", hint: "check the path in tasks[].accuracy.table") : e
        }
        guard !doc.records.isEmpty else { throw InputError(file: path, message: "the accuracy table is empty") }
        let ki = try doc.column(key, keyPath: "key")
        let ci = try doc.column(column, keyPath: "column")
        var out: [String: Double] = [:]
        for r in doc.records {
            guard let v = Double(r[ci]) else {
                throw InputError(file: path, keyPath: doc.keyPath(r, ci), value: String(r[ci].prefix(80)), message: "expected a number in column '\(column)'")
            }
            out[r[ki]] = v
        }
        tables.withLock { $0[id] = out }
        return out
    }
}

/// Runs an external evaluator command through ``Subprocess`` (its own process group, stdout and
/// stderr drained concurrently and bounded, the whole tree stopped on timeout): writes the design
/// as JSON on its stdin and takes the last line of stdout that is a JSON object as its answer
/// (progress lines before it are fine), within a timeout, retrying on failure. Every failure is
/// reported as an error message with the tail of the command's stderr (recorded as a failed trial
/// by the caller), never a crash.
enum ExternalEvaluator {
    static func run(_ command: String, input: String, timeoutSeconds: Double, retries: Int, required: String? = "accuracy") async -> Result<[String: Double], ExternalError> {
        var last = ExternalError(message: "not run")
        for attempt in 0...retries {
            switch await once(command, input: input, timeoutSeconds: timeoutSeconds, required: required) {
            case .success(let m): return .success(m)
            case .failure(let e): last = e
            }
            if Task.isCancelled { break }
            if attempt == retries && retries > 0 { last.message += " (after \(retries + 1) attempts)" }
        }
        return .failure(last)
    }

    struct ExternalError: Error, Sendable { var message: String }

    /// The most characters of stderr quoted in a failure message (its last lines).
    static let stderrQuoteLimit = 2_000

    static func once(_ command: String, input: String, timeoutSeconds: Double, required: String? = "accuracy") async -> Result<[String: Double], ExternalError> {
        let r = await Subprocess(command: command, input: Data((input + "\n").utf8), timeoutSeconds: timeoutSeconds).run()
        func stderrTail() -> String {
            let t = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !t.isEmpty else { return "" }
            return "; stderr: " + (t.count > stderrQuoteLimit ? "…" + String(t.suffix(stderrQuoteLimit)) : t)
        }
        if let why = r.failureDescription(timeoutSeconds: timeoutSeconds) {
            let message = r.ending == .timedOut ? "evaluator timed out after \(JSONValue.format(timeoutSeconds)) s (its process group was terminated)"
                : "evaluator \(why)"
            return .failure(ExternalError(message: message + (r.ending == .timedOut ? stderrTail() : "")))
        }
        guard let obj = r.lastJSONObject() else {
            let text = String(decoding: r.stdout.suffix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return .failure(ExternalError(message: text.isEmpty ? "evaluator printed nothing on stdout" + stderrTail()
                                          : "evaluator printed no JSON object line (its output ends '\(text.suffix(120))')" + stderrTail()))
        }
        var out: [String: Double] = [:]
        for (k, v) in obj { if let n = v as? NSNumber { out[k] = n.doubleValue } }
        if let required {
            guard let v = out[required], v.isFinite else {
                return .failure(ExternalError(message: "evaluator's JSON has no finite number '\(required)'" + stderrTail()))
            }
        } else if out.isEmpty {
            return .failure(ExternalError(message: "evaluator's JSON has no numbers" + stderrTail()))
        }
        return .success(out)
    }
}
