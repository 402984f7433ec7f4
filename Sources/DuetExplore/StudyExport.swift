import DuetCore
import DuetReport
import DuetStudy
import Foundation

/// Every trial of a study as CSV or JSON (`duet study export`, and `trials.csv` of `duet report`).
public enum StudyExport {
    /// The trials in the study's order: generation, slot, status, violation, every metric any trial
    /// has (sorted by name), the design, error, seconds, seed and version. `.json` gives a list of
    /// objects; any other format CSV.
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
                                   "seed": .int(Int(truncatingIfNeeded: t.seed)), "version": .string(t.version)]))
            }
            return JSONValue.array(items).serialized() + "\n"
        }
        var out = csvHeader(metricNames)
        try await s.forEachTrial { out += csvRow($0, metricNames) }
        return out
    }

    static func csvHeader(_ metricNames: [String]) -> String {
        (["generation", "slot", "status", "violation"] + metricNames + ["design", "error", "seconds", "seed", "version"])
            .map(TextTable.csvField).joined(separator: ",") + "\n"
    }

    static func csvRow(_ r: TrialRecord, _ metricNames: [String]) -> String {
        ([String(r.generation), String(r.slot), r.status.rawValue, r.violation.isFinite ? String(r.violation) : "inf"]
         + metricNames.map { r.metrics[$0].map { String($0) } ?? "" }
         + [r.design, r.error ?? "", String(r.seconds), String(r.seed), r.version]).map(TextTable.csvField).joined(separator: ",") + "\n"
    }

    /// Writes the trials as ``render(_:format:)`` gives them in CSV, streamed to `path` page by page
    /// (memory stays flat in the study's size), with the metric columns `metricNames` (every metric
    /// name the trials have, sorted, as a ``ReportDigest`` collects them). Written beside `path`
    /// first and moved into place when complete.
    public static func writeCSV(_ s: any StudyStore, metricNames: [String], to path: String) async throws {
        let tmp = path + ".partial"
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let h = FileHandle(forWritingAtPath: tmp) else {
            throw InputError(file: path, message: "cannot write the file", hint: "check that the folder exists and is writable")
        }
        do {
            var buffer = csvHeader(metricNames)
            try await s.forEachTrial(pageSize: 1000) { t in
                buffer += csvRow(t, metricNames)
                if buffer.utf8.count >= 1 << 20 { h.write(Data(buffer.utf8)); buffer = "" }
            }
            h.write(Data(buffer.utf8))
            try h.close()
            _ = try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: tmp, toPath: path)
        } catch {
            try? h.close()
            try? FileManager.default.removeItem(atPath: tmp)
            if error is InputError { throw error }
            throw InputError(file: path, message: "cannot write the file: \(error.localizedDescription)", hint: "check that the folder is writable and has space")
        }
    }
}

extension ExploreReport {
    /// `duet report`: reads the study at `location` (read-only), writes the report under `dir`
    /// (index.html, report.md, pareto.csv, plots/) with `trials.csv` beside it (as `duet study
    /// export` writes it), and returns the line saying what was written.
    public static func write(study location: String, to dir: String, dataDir: URL) async throws -> String {
        let s = try await openStudy(location, mode: .readOnly)
        do {
            let report = try await ExploreReport(store: s, dataDir: dataDir)
            try report.write(to: dir)
            try await StudyExport.writeCSV(s, metricNames: report.digest.metricNames.sorted(),
                                           to: URL(fileURLWithPath: dir).appendingPathComponent("trials.csv").path)
            try await s.close()
            return "wrote \(dir)/index.html, report.md, pareto.csv, trials.csv and \(report.files.keys.filter { $0.hasPrefix("plots/") }.count) plots\n"
        } catch {
            try? await s.close()
            throw error
        }
    }
}
