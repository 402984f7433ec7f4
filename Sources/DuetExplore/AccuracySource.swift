import DuetCore
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
    /// No accuracy: the default of a fixed network (`network:`), which has nothing to vary.
    /// Such a task contributes no `TASK.accuracy` and is left out of the mean `accuracy`.
    case none

    /// The label written next to every accuracy value: `table`, `proxy:macs`, `command`.
    public var label: String {
        switch self {
        case .table: return "table"
        case .proxy(let p): return "proxy:\(p)"
        case .command: return "command"
        case .none: return "none"
        }
    }

    public var isProxy: Bool { if case .proxy = self { return true }; return false }

    public var isNone: Bool { if case .none = self { return true }; return false }

    static func decode(_ r: ConfigReader, base: URL) -> AccuracySource {
        if let t = r.string("table") {
            let path = t.hasPrefix("/") ? t : base.appendingPathComponent(t).path
            let key = r.string("key") ?? "arch_str", column = r.string("column", required: true) ?? ""
            r.finish()
            return .table(path: path, key: key, column: column)
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
