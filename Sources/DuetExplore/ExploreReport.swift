import DuetCore
import DuetCostModel
import DuetReport
import DuetSearch
import DuetStudy
import DuetWorkload
import Foundation

/// The report of a study: an HTML page with inline SVG plots and the same as Markdown, the
/// Pareto set as CSV, and each plot as its own SVG file. Readable offline and printable: no
/// scripts, no external resources.
///
/// In order: the chosen design as a card (per task its network and numbers; per sub-accelerator
/// its template, array, buffers, node and clock, the tasks it runs, an idle one flagged); the
/// successive baseline when the study has one; the Pareto fronts of every pair of objectives;
/// the convergence (hypervolume normalized to [0, 1]); the chosen design's per-layer breakdown
/// grouped by stage and by operator kind (every layer in a `<details>`) and its roofline per
/// sub-accelerator; the Pareto set.
///
/// Size does not grow with the study: the trials are read once, one at a time, into a
/// ``ReportDigest`` (counts, the running front, seeded samples), and the plots draw at most
/// ``ReportDigest/Limits`` points per series; the Pareto set is drawn whole up to
/// ``ReportDigest/Limits/paretoDrawn`` designs and listed whole in pareto.csv.
public struct ExploreReport {
    /// File name (relative to the report folder) → contents: `index.html`, `report.md`,
    /// `pareto.csv` and `plots/NAME.svg`.
    public var files: [String: String] = [:]
    /// What the report was drawn from.
    public let digest: ReportDigest

    /// Pareto-set rows listed in the HTML and Markdown (all of them are in pareto.csv).
    public static let paretoRowsShown = 100

    public init(study: Study, dataDir: URL) throws {
        try self.init(snapshot: try StudySnapshot(study: study), dataDir: dataDir)
    }

    /// The report of a study in any backend (SQLite or PostgreSQL), read page by page: memory
    /// holds the digest, never every trial.
    public init(store: any StudyStore, dataDir: URL) async throws {
        try await self.init(store: store, dataDir: dataDir, each: { _ in })
    }

    /// The report of a study in any backend, calling `each` with every trial (any status) as it
    /// streams past: what else needs every trial (trials.csv) reads the study in the same pass.
    public init(store: any StudyStore, dataDir: URL, each: (TrialRecord) throws -> Void) async throws {
        let attributes = Dictionary(try await store.attributes().map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let context = StudySnapshot(location: store.location.description, trials: [], settings: try await store.settings(), attributes: attributes)
        var digest = Self.emptyDigest(context)
        // The next page is read (and decoded, on the store's queue) while this one is digested.
        var next = Task { try await store.trialPage(after: nil, limit: 1000) }
        do {
            while true {
                let page = try await next.value
                if let cursor = page.next { next = Task { try await store.trialPage(after: cursor, limit: 1000) } }
                for t in page.trials {
                    digest.add(t)
                    try each(t)
                }
                if page.next == nil { break }
            }
        } catch {
            _ = try? await next.value   // no read left running when the caller closes the store
            throw error
        }
        try self.init(digest: digest, context: context, dataDir: dataDir)
    }

    public init(snapshot study: StudySnapshot, dataDir: URL) throws {
        var digest = Self.emptyDigest(study)
        for t in study.trials { digest.add(t) }
        try self.init(digest: digest, context: study, dataDir: dataDir)
    }

    /// A digest for the objectives of the study `context` describes.
    public static func emptyDigest(_ context: StudySnapshot, limits: ReportDigest.Limits = .init()) -> ReportDigest {
        let objectives = (context.setting("objectives") ?? "").split(separator: ",").map(String.init)
        var maximize = (context.setting("maximize") ?? "").split(separator: ",").map { $0 == "1" }
        maximize += Array(repeating: false, count: max(0, objectives.count - maximize.count))
        return ReportDigest(objectives: objectives, maximize: Array(maximize.prefix(objectives.count)), limits: limits)
    }

    /// The report of the trials gathered in `digest`; `context` gives the study's location and
    /// settings (its `trials` are not read).
    public init(digest: ReportDigest, context study: StudySnapshot, dataDir: URL) throws {
        self.digest = digest
        guard digest.trials > 0 else {
            throw InputError(file: study.location, message: "the study has no trials yet", hint: "run duet explore CONFIG --study \(study.location)")
        }
        let page = ReportPage(digest: digest, study: study, dataDir: dataDir)
        files = page.files()
        addPredictionSections(study)
    }

    /// Writes every file under `dir` (created if needed).
    public func write(to dir: String) throws {
        for (name, text) in files {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            } catch {
                throw InputError(file: url.path, message: "cannot write the report: \(error.localizedDescription)", hint: "check that --out is a writable folder")
            }
        }
    }
}
