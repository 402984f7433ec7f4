import DuetCore
import DuetReport
import DuetStudy
import Foundation

/// Every trial of a study as CSV or JSON (`duet study export`, and `trials.csv` of `duet report`).
public enum StudyExport {
    /// The trials in the study's order: generation, slot, status, violation, every metric any trial
    /// has (sorted by name), the design, error, seconds, seed, version, and the finish order and
    /// basis (``TrialRecord/finishOrder``, ``TrialRecord/basis``; empty when not recorded). `.json`
    /// gives a list of objects; any other format CSV.
    public static func render(_ s: any StudyStore, format: OutputFormat) async throws -> String {
        var metricSet = Set<String>()
        try await s.forEachTrial { metricSet.formUnion($0.metrics.keys) }
        let metricNames = metricSet.sorted()
        if format == .json {
            var items: [JSONValue] = []
            try await s.forEachTrial { t in
                items.append(.obj(["generation": .int(t.generation), "slot": .int(t.slot), "status": .string(t.status.rawValue),
                                   "design": ExploreOutput.designJSON(t),
                                   "metrics": .object(t.metrics.keys.sorted().map { .init($0, .double(t.metrics[$0]!)) }),
                                   "violation": t.violation.isFinite ? .double(t.violation) : .null,
                                   "error": t.error.map { .string($0) } ?? .null, "seconds": .double(t.seconds),
                                   "seed": .int(Int(truncatingIfNeeded: t.seed)), "version": .string(t.version),
                                   "finish_order": t.finishOrder.map { .int(Int($0)) } ?? .null, "basis": t.basis.map { .int(Int($0)) } ?? .null]))
            }
            return JSONValue.array(items).serialized() + "\n"
        }
        var out = csvHeader(metricNames)
        try await s.forEachTrial { out += csvRow($0, metricNames) }
        return out
    }

    static func csvHeader(_ metricNames: [String]) -> String {
        (["generation", "slot", "status", "violation"] + metricNames + ["design", "error", "seconds", "seed", "version", "finish_order", "basis"])
            .map(csvField).joined(separator: ",") + "\n"
    }

    static func csvRow(_ r: TrialRecord, _ metricNames: [String]) -> String {
        var bytes: [UInt8] = []
        appendRow(r, metricNames, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `r`'s CSV line (with its newline) to `out`, as UTF-8.
    static func appendRow(_ r: TrialRecord, _ metricNames: [String], to out: inout [UInt8]) {
        out.append(contentsOf: String(r.generation).utf8); out.append(0x2C)
        out.append(contentsOf: String(r.slot).utf8); out.append(0x2C)
        out.append(contentsOf: r.status.rawValue.utf8); out.append(0x2C)
        out.append(contentsOf: (r.violation.isFinite ? String(r.violation) : "inf").utf8)
        for m in metricNames {
            out.append(0x2C)
            if let v = r.metrics[m] { out.append(contentsOf: String(v).utf8) }
        }
        for f in [r.design, r.error ?? "", String(r.seconds), String(r.seed), r.version, r.finishOrder.map(String.init) ?? "", r.basis.map(String.init) ?? ""] {
            out.append(0x2C); appendField(f, to: &out)
        }
        out.append(0x0A)
    }

    /// ``TextTable/csvField(_:)`` on bytes: quoted (inner quotes doubled) when the field holds a
    /// comma, quote or line break.
    static func appendField(_ s: String, to out: inout [UInt8]) {
        var quote = false
        for b in s.utf8 where b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { quote = true; break }
        guard quote else { out.append(contentsOf: s.utf8); return }
        out.append(0x22)
        for b in s.utf8 {
            out.append(b)
            if b == 0x22 { out.append(0x22) }
        }
        out.append(0x22)
    }

    static func csvField(_ s: String) -> String {
        var bytes: [UInt8] = []
        appendField(s, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the trials as ``render(_:format:)`` gives them in CSV, streamed to `path` page by page
    /// (memory stays flat in the study's size), with the metric columns `metricNames` (every metric
    /// name the trials have, sorted, as a ``ReportDigest`` collects them).
    public static func writeCSV(_ s: any StudyStore, metricNames: [String], to path: String) async throws {
        let w = try TrialsCSVWriter(path: path, metricNames: metricNames)
        do {
            try await s.forEachTrial(pageSize: 1000) { try w.add($0) }
            _ = try w.finish()
        } catch {
            w.abandon()
            throw error
        }
    }
}

/// `trials.csv` written while the trials stream past (``StudyExport/render(_:format:)``'s CSV, to
/// a file): one read of the study serves the report and the CSV. The metric columns are fixed by
/// `metricNames`, or — when nil — by the first trial that has metrics (trials before it have
/// none); should a later trial bring a metric not among them, ``finish()`` returns false and the
/// caller writes the file again with ``StudyExport/writeCSV(_:metricNames:to:)`` (never the case
/// in a co-exploration, whose trials all carry the same metrics). Written beside `path` and moved
/// into place by ``finish()``.
public final class TrialsCSVWriter {
    let path: String, tmp: String
    let handle: FileHandle
    var columns: [String]?
    var columnSet: Set<String> = []
    var waiting: [TrialRecord] = []
    var buffer: [UInt8] = []
    var complete = true

    public init(path: String, metricNames: [String]? = nil) throws {
        self.path = path; tmp = path + ".partial"
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let h = FileHandle(forWritingAtPath: tmp) else {
            throw InputError(file: path, message: "cannot write the file", hint: "check that the folder exists and is writable")
        }
        handle = h
        if let metricNames { fix(metricNames) }
    }

    func fix(_ names: [String]) {
        columns = names; columnSet = Set(names)
        buffer.append(contentsOf: StudyExport.csvHeader(names).utf8)
        for t in waiting { StudyExport.appendRow(t, names, to: &buffer) }
        waiting = []
    }

    /// Adds one trial's row.
    public func add(_ t: TrialRecord) throws {
        guard complete else { return }
        if columns == nil {
            if t.metrics.isEmpty && waiting.count < 10_000 { waiting.append(t); return }
            fix(t.metrics.keys.sorted())
        }
        if t.metrics.keys.contains(where: { !columnSet.contains($0) }) { complete = false; return }
        StudyExport.appendRow(t, columns!, to: &buffer)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        do { try handle.write(contentsOf: buffer) } catch {
            throw InputError(file: path, message: "cannot write the file: \(error.localizedDescription)", hint: "check that the folder has space")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is left and moves the file into place; false (and nothing written) when a
    /// trial had a metric outside the columns.
    public func finish() throws -> Bool {
        guard complete else { abandon(); return false }
        if columns == nil { fix([]) }
        try flush()
        try? handle.close()
        do {
            _ = try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: tmp, toPath: path)
        } catch {
            throw InputError(file: path, message: "cannot write the file: \(error.localizedDescription)", hint: "check that the folder is writable")
        }
        return true
    }

    /// Closes and removes the partial file.
    public func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: tmp)
    }
}

extension ExploreReport {
    /// `duet report`: reads the study at `location` (read-only), writes the report under `dir`
    /// (index.html, report.md, pareto.csv, plots/) with `trials.csv` beside it (as `duet study
    /// export` writes it), and returns the line saying what was written.
    public static func write(study location: String, to dir: String, dataDir: URL) async throws -> String {
        let s = try await openStudy(location, mode: .readOnly)
        do {
            // One read of the study for the page and trials.csv (a second only if the CSV's columns need it).
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw InputError(file: dir, message: "cannot write the report: \(error.localizedDescription)", hint: "check that --out is a writable folder")
            }
            let csvPath = URL(fileURLWithPath: dir).appendingPathComponent("trials.csv").path
            let csv = try TrialsCSVWriter(path: csvPath)
            let report: ExploreReport
            do {
                report = try await ExploreReport(store: s, dataDir: dataDir) { try csv.add($0) }
            } catch {
                csv.abandon()
                throw error
            }
            try report.write(to: dir)
            if try !csv.finish() {
                try await StudyExport.writeCSV(s, metricNames: report.digest.metricNames.sorted(), to: csvPath)
            }
            try await s.close()
            return "wrote \(dir)/index.html, report.md, pareto.csv, trials.csv and \(report.files.keys.filter { $0.hasPrefix("plots/") }.count) plots\n"
        } catch {
            try? await s.close()
            throw error
        }
    }
}
