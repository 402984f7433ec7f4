import DuetCore
import DuetExplore
import DuetReport
import DuetStudy
import Foundation

/// How often the dashboard reads the study; the defaults keep 10 polling browsers cheap for the study.
public struct DashboardSettings: Sendable, Hashable {
    /// Least seconds between two reads of the study's trial counts, whatever the number of clients:
    /// requests in between are answered from memory.
    public var pollSeconds: Double = 1
    /// Least seconds between two renders of the report (each reads every finished trial); a render
    /// also waits at least 4× the previous render's duration, so a huge study is re-rendered rarely.
    public var reportSeconds: Double = 5
    /// Whether to render the report at all (false: the API and the table only, for studies whose
    /// report takes too long to render often).
    public var renderReport = true
    /// Where Duet's data lives (tables, templates), for the report's per-layer breakdown.
    public var dataDir: URL

    public init(dataDir: URL, pollSeconds: Double = 1, reportSeconds: Double = 5, renderReport: Bool = true) {
        self.dataDir = dataDir; self.pollSeconds = pollSeconds; self.reportSeconds = reportSeconds; self.renderReport = renderReport
    }
}

/// What the dashboard knows of the study right now (``StudyWatch/status()``).
public struct StudyStatus: Sendable, Hashable {
    public var location: String
    public var name: String
    public var objectives: [StudySettings.Objective]
    public var budgets: [StudySettings.Budget]
    public var accuracy: [StudySettings.AccuracyLabel]
    public var counts: TrialCounts
    /// The evaluations the study's configuration asks for, when it could be read.
    public var plannedTrials: Int?
    /// +1 each time the trial counts changed (1 after the first read).
    public var version: Int
    /// The study version the report shows (0: no report yet).
    public var reportVersion: Int
    /// When the counts last changed, and when they were last read (wall clock).
    public var changedAt: Date
    public var checkedAt: Date
    /// Seconds the last report render took (0 before the first).
    public var reportSeconds: Double
}

/// The dashboard's view of one study, opened read-only: trial counts read at most once per
/// ``DashboardSettings/pollSeconds`` whatever the number of clients; when they changed, the
/// ``TrialIndex`` is brought up to date (only the open end of the study is re-read) and the report
/// is re-rendered in the background, rate-limited; every answer comes from memory in between.
///
/// Change detection is the trial counts by status: every transition (queued, claimed, finished,
/// re-queued) changes them. For an SQLite file the store is also re-opened when the file or its
/// -wal changed on disk, since a read-only connection opened while no writer had the file open
/// reads it as immutable.
public actor StudyWatch {
    public let location: StudyLocation
    public let settings: DashboardSettings
    private var store: any StudyStore
    private var fileSignature: [Double] = []
    private var studySettings: StudySettings?
    private var plannedTrials: Int?
    private var index = TrialIndex(objectiveCount: 0)
    private var counts = TrialCounts()
    private var version = 0
    private var changedAt = Date()
    private var checkedAt = Date.distantPast
    private var attemptedAt = Date.distantPast
    private var polling: Task<Void, any Error>?
    private var matchCache: [TrialFilter: [Int]] = [:]
    private var frontCache: (version: Int, rows: [Int])?
    // The report: its HTML, the study version it shows, and the render's timing.
    private var reportHTML: String?
    private var reportVersion = 0
    private var renderTask: Task<Void, Never>?
    private var closed = false
    private var lastRenderEnd = Date.distantPast
    private var lastRenderSeconds = 0.0

    /// Opens the study at `text` (an SQLite path or a `postgresql://` URL) read-only.
    public init(study text: String, settings: DashboardSettings) async throws {
        let location = try StudyLocation(parsing: text)
        self.location = location
        self.settings = settings
        self.store = try await openStudy(location, mode: .readOnly)
        self.fileSignature = Self.signature(location)
    }

    /// Waits for a report render or study read in flight, then releases the study's connection;
    /// nothing reads the study afterwards.
    public func close() async {
        closed = true
        _ = await polling?.result
        await renderTask?.value
        try? await store.close()
    }

    // MARK: Reading the study

    /// The study's state, read from the study if the last read is older than ``DashboardSettings/pollSeconds``.
    public func status() async throws -> StudyStatus {
        try await poll()
        return StudyStatus(location: location.description, name: store.name, objectives: studySettings?.objectives ?? [],
                           budgets: studySettings?.budgets ?? [], accuracy: studySettings?.accuracy ?? [], counts: counts,
                           plannedTrials: plannedTrials, version: version, reportVersion: reportVersion, changedAt: changedAt,
                           checkedAt: checkedAt, reportSeconds: lastRenderSeconds)
    }

    /// Reads the counts (at most once per poll interval; concurrent callers share one read) and, when
    /// they changed, the trial index; starts a report render when one is due.
    public func poll() async throws {
        if closed { throw CancellationError() }
        if let polling { return try await polling.value }
        // Rate-limited by the last attempt, so a study that cannot be read (a server down) is not retried on every request.
        guard Date().timeIntervalSince(attemptedAt) >= settings.pollSeconds else { return maybeRender() }
        attemptedAt = Date()
        let task = Task { try await self.readStudy() }
        polling = task
        defer { polling = nil }
        try await task.value
        maybeRender()
    }

    private func readStudy() async throws {
        if case .sqlite(let path) = location {
            let sig = Self.signature(location)
            if sig == fileSignature && version > 0 {
                // Neither the file nor its -wal changed: nothing to read (no query at all).
                checkedAt = Date()
                return
            }
            // Re-open: a connection opened while no writer had the file open reads it as immutable.
            if sig != fileSignature, let fresh = try? SQLiteStudyStore(path: path, mode: .readOnly) { store = fresh; fileSignature = sig }
        }
        var settingsArrived = false
        if studySettings == nil, let s = try await store.settings() {
            studySettings = s
            index = TrialIndex(objectiveCount: s.objectives.count)
            plannedTrials = try? ExploreConfig.load(text: s.config, path: s.configPath, dataDir: settings.dataDir).evaluations
            settingsArrived = true
        }
        let now = try await store.counts()
        checkedAt = Date()
        guard now != counts || version == 0 || settingsArrived else { return }
        index.apply(try await index.update(from: store))
        if index.count < now.total {
            // A trial stored below the resume point (a concurrent insert committed late): read everything again.
            var fresh = TrialIndex(objectiveCount: index.objectiveCount)
            fresh.apply(try await fresh.update(from: store))
            index = fresh
        }
        counts = now
        version += 1
        changedAt = checkedAt
        matchCache = [:]
    }

    /// (mtime, size) of an SQLite study file and of its -wal; empty for PostgreSQL.
    static func signature(_ location: StudyLocation) -> [Double] {
        guard case .sqlite(let path) = location else { return [] }
        return [path, path + "-wal"].flatMap { p -> [Double] in
            guard let a = try? FileManager.default.attributesOfItem(atPath: p) else { return [-1, -1] }
            return [(a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0, (a[.size] as? NSNumber)?.doubleValue ?? 0]
        }
    }

    // MARK: The trial table

    /// One row of the trial table.
    public struct Row: Sendable, Hashable {
        public var generation: Int
        public var slot: Int
        public var status: TrialStatus
        public var feasible: Bool
        /// Σ max(0, constraint); +∞ for failed or unfinished trials.
        public var violation: Double
        public var seconds: Double
        /// In the study's objective order; NaN where the trial has none.
        public var objectives: [Double]
    }

    /// A page of the trials that pass `query`'s filter, and how many pass it.
    public func trials(_ query: TrialQuery) async throws -> (total: Int, rows: [Row]) {
        try await poll()
        let matches: [Int]
        if let cached = matchCache[query.filter] { matches = cached } else {
            matches = index.matches(query.filter)
            if matchCache.count >= 16 { matchCache.removeAll() }
            matchCache[query.filter] = matches
        }
        let start = min(query.offset, matches.count), end = min(matches.count, start + query.limit)
        return (matches.count, matches[start..<end].map(row))
    }

    /// The feasible trials no other feasible trial dominates, in storage order.
    public func front() async throws -> [Row] {
        try await poll()
        if let frontCache, frontCache.version == version { return frontCache.rows.map(row) }
        let rows = index.front(maximize: (studySettings?.objectives ?? []).map(\.maximize))
        frontCache = (version, rows)
        return rows.map(row)
    }

    /// The best feasible value of the study's first objective by finished trials (``TrialIndex/convergence(objective:maximize:maxPoints:)``).
    public func convergence() async throws -> [(finished: Int, best: Double)] {
        try await poll()
        return index.convergence(objective: 0, maximize: studySettings?.objectives.first?.maximize ?? false)
    }

    private func row(_ i: Int) -> Row {
        Row(generation: index.generation[i], slot: index.slot[i], status: index.status[i], feasible: index.isFeasible(i),
            violation: index.violation[i], seconds: index.seconds[i],
            objectives: (0..<index.objectiveCount).map { index.objective(i, $0) })
    }

    /// One trial as stored (design, metrics, violations, timing), or nil when there is none.
    public func trial(generation: Int, slot: Int) async throws -> TrialRecord? {
        try await store.trials(generation: generation)[slot]
    }

    // MARK: The report

    /// The report's HTML as last rendered and the study version it shows; nil before the first render.
    public func report() async throws -> (html: String, version: Int)? {
        try await poll()
        return reportHTML.map { ($0, reportVersion) }
    }

    /// Starts a render when the report is older than the study, none runs, and the rate limit allows.
    private func maybeRender() {
        guard settings.renderReport, version > reportVersion, renderTask == nil, !closed else { return }
        let gap = max(settings.reportSeconds, 4 * lastRenderSeconds)
        guard reportHTML == nil || Date().timeIntervalSince(lastRenderEnd) >= gap else { return }
        let (store, dataDir, target) = (self.store, settings.dataDir, version)
        renderTask = Task.detached(priority: .utility) {
            let start = Date()
            let html = await Self.render(store: store, dataDir: dataDir)
            await self.finishRender(html: html, version: target, seconds: Date().timeIntervalSince(start))
        }
    }

    private func finishRender(html: String, version target: Int, seconds: Double) {
        reportHTML = html
        reportVersion = target
        lastRenderSeconds = seconds
        lastRenderEnd = Date()
        renderTask = nil
    }

    /// The study's report page (ExploreReport's HTML), or a short page saying why there is none yet.
    static func render(store: any StudyStore, dataDir: URL) async -> String {
        do {
            let report = try await ExploreReport(store: store, dataDir: dataDir)
            if let html = report.files["report.html"] ?? report.files["index.html"] { return html }
            return placeholder("The report has no HTML page.")
        } catch let e as InputError {
            return placeholder(e.description)
        } catch {
            return placeholder("The report could not be rendered: \(error)")
        }
    }

    static func placeholder(_ text: String) -> String {
        """
        <!DOCTYPE html><html><head><meta charset="utf-8"><title>Duet report</title></head>
        <body style="font-family:sans-serif"><p class="placeholder">\(SVGPlot.esc(text))</p></body></html>

        """
    }
}
