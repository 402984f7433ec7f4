import DuetStudy
import Foundation

/// A compact, column-wise copy of what the dashboard's trial table filters and sorts on: per trial
/// its (generation, slot), status, violation, wall seconds and objective values, about 40 + 8·m
/// bytes a trial (m objectives), so a 1,000,000-trial study takes some 64 MB, not the gigabytes its
/// designs would. Designs, metrics and errors stay in the study and are read per trial
/// (``StudyWatch/trial(generation:slot:)``).
///
/// **Kept current by reading only what can change.** A finished trial (`complete`, `failed`) never
/// changes again and new trials are stored after the existing ones, so ``refresh(from:)`` re-reads
/// the study from the first page that held an unfinished trial (or the last page) onward; trials
/// before it are kept. A running study re-reads its open generation, not its history.
public struct TrialIndex: Sendable {
    /// The number of objectives a row holds (the study's objectives).
    public let objectiveCount: Int
    public private(set) var generation: [Int] = []
    public private(set) var slot: [Int] = []
    public private(set) var status: [TrialStatus] = []
    /// Σ max(0, constraint); +∞ for failed or unfinished trials.
    public private(set) var violation: [Double] = []
    /// Wall seconds of the evaluation.
    public private(set) var seconds: [Double] = []
    /// Objective values, `objectiveCount` per row (row-major); NaN where a trial has none.
    public private(set) var objectives: [Double] = []

    /// Where the next ``refresh(from:)`` starts: the page cursor before the first page that held an
    /// unfinished trial (nil: the study's start), and how many rows precede that page.
    private var resumeCursor: Int64? = nil
    private var resumeRow = 0

    /// Rows read per page from the study's start (the first read of a large study).
    public static let pageSize = 1000
    /// Rows read per page from a resume point: the granularity of what an update re-reads, so a
    /// finished study's update re-reads at most this many rows (plus every unfinished trial's page).
    public static let tailPageSize = 128

    public init(objectiveCount: Int) {
        self.objectiveCount = max(0, objectiveCount)
    }

    /// The number of trials indexed (any status).
    public var count: Int { generation.count }

    /// Whether row `i` is a complete trial that meets every budget.
    public func isFeasible(_ i: Int) -> Bool { status[i] == .complete && violation[i] == 0 }

    /// Objective `k` of row `i` (NaN when the trial has none).
    public func objective(_ i: Int, _ k: Int) -> Double { objectives[i * objectiveCount + k] }

    /// The rows to replace the index's open end with: read by ``update(from:)``, applied by ``apply(_:)``.
    public struct Update: Sendable {
        /// The first row replaced.
        public var from: Int
        /// The rows read, from `from` on.
        public var rows: TrialIndex
        var resumeCursor: Int64?
        var resumeRow: Int
    }

    /// Reads what may have changed since the last ``apply(_:)``: the study from the first page that
    /// held an unfinished trial (or the last page) onward. Does not change the index, so an actor
    /// can await it and apply the result.
    public func update(from store: any StudyStore) async throws -> Update {
        var rows = TrialIndex(objectiveCount: objectiveCount)
        var cursor = resumeCursor
        var nextResume: (cursor: Int64?, row: Int)? = nil
        var lastPageStart: (cursor: Int64?, row: Int) = (cursor, resumeRow)
        while true {
            let start = (cursor: cursor, row: resumeRow + rows.count)
            let page = try await store.trialPage(after: cursor, limit: cursor == nil ? Self.pageSize : Self.tailPageSize)
            lastPageStart = start
            for t in page.trials { rows.append(t) }
            if nextResume == nil, page.trials.contains(where: { !$0.status.isFinished }) { nextResume = start }
            guard let next = page.next else { break }
            cursor = next
        }
        let resume = nextResume ?? lastPageStart
        return Update(from: resumeRow, rows: rows, resumeCursor: resume.cursor, resumeRow: resume.row)
    }

    /// Replaces the rows from `update.from` on with the rows read.
    public mutating func apply(_ update: Update) {
        precondition(update.rows.objectiveCount == objectiveCount && update.from <= count, "an update of another index")
        truncate(to: update.from)
        generation += update.rows.generation
        slot += update.rows.slot
        status += update.rows.status
        violation += update.rows.violation
        seconds += update.rows.seconds
        objectives += update.rows.objectives
        resumeCursor = update.resumeCursor
        resumeRow = update.resumeRow
    }

    /// Brings the index up to date with `store` (``update(from:)`` then ``apply(_:)``); returns how
    /// many rows were (re-)read.
    @discardableResult
    public mutating func refresh(from store: any StudyStore) async throws -> Int {
        let u = try await update(from: store)
        apply(u)
        return u.rows.count
    }

    /// Forgets every row: the next ``refresh(from:)`` reads the whole study.
    public mutating func reset() {
        truncate(to: 0)
        resumeCursor = nil
        resumeRow = 0
    }

    mutating func append(_ t: TrialRecord) {
        generation.append(t.generation)
        slot.append(t.slot)
        status.append(t.status)
        violation.append(t.violation)
        seconds.append(t.seconds)
        for k in 0..<objectiveCount { objectives.append(k < t.objectives.count ? t.objectives[k] : .nan) }
    }

    private mutating func truncate(to n: Int) {
        guard n < count else { return }
        generation.removeSubrange(n...)
        slot.removeSubrange(n...)
        status.removeSubrange(n...)
        violation.removeSubrange(n...)
        seconds.removeSubrange(n...)
        objectives.removeSubrange((n * objectiveCount)...)
    }

    // MARK: Queries

    /// The rows that pass `filter`, in the filter's order.
    public func matches(_ filter: TrialFilter) -> [Int] {
        var rows: [Int] = []
        rows.reserveCapacity(filter.isEmpty ? count : 1024)
        rowLoop: for i in 0..<count {
            if let s = filter.statuses, !s.contains(status[i]) { continue }
            if let f = filter.feasible, isFeasible(i) != f { continue }
            if let g = filter.generation, generation[i] != g { continue }
            for r in filter.ranges {
                let v = objective(i, r.objective)
                // A range admits only trials that have a value inside it.
                guard !v.isNaN else { continue rowLoop }
                if let lo = r.min, v < lo { continue rowLoop }
                if let hi = r.max, v > hi { continue rowLoop }
            }
            rows.append(i)
        }
        switch filter.sort {
        case .storage:
            if filter.descending { rows.reverse() }
        case .objective(let k):
            // Trials without a value (unfinished, failed) last, whatever the direction; ties by storage order.
            let d = filter.descending
            rows.sort { a, b in
                let x = objective(a, k), y = objective(b, k)
                if x.isNaN || y.isNaN { return !x.isNaN && y.isNaN || (x.isNaN && y.isNaN && a < b) }
                if x != y { return d ? x > y : x < y }
                return a < b
            }
        case .seconds:
            let d = filter.descending
            rows.sort { a, b in seconds[a] != seconds[b] ? (d ? seconds[a] > seconds[b] : seconds[a] < seconds[b]) : a < b }
        }
        return rows
    }

    /// The best feasible value of objective `k` after each finished trial, in storage order, as
    /// (finished trials so far, best so far) at most `maxPoints` times (evenly spaced, the last
    /// finished trial always included); empty before the first feasible trial.
    public func convergence(objective k: Int, maximize: Bool, maxPoints: Int = 200) -> [(finished: Int, best: Double)] {
        guard k < objectiveCount else { return [] }
        let finishedTotal = status.lazy.filter(\.isFinished).count
        let step = max(1, finishedTotal / max(1, maxPoints))
        var out: [(finished: Int, best: Double)] = []
        var finished = 0
        var best = Double.nan
        for i in 0..<count where status[i].isFinished {
            finished += 1
            let v = objective(i, k)
            if isFeasible(i), !v.isNaN, best.isNaN || (maximize ? v > best : v < best) { best = v }
            if !best.isNaN, finished % step == 0 || finished == finishedTotal { out.append((finished, best)) }
        }
        return out
    }

    /// The feasible trials no other feasible trial dominates (directions from `maximize`), in
    /// storage order; trials with equal objectives are listed once (the first stored).
    public func front(maximize: [Bool]) -> [Int] {
        let m = min(objectiveCount, maximize.count)
        guard m > 0 else { return [] }
        func key(_ i: Int, _ k: Int) -> Double { maximize[k] ? -objective(i, k) : objective(i, k) }
        func dominatesOrEquals(_ a: Int, _ b: Int) -> Bool {
            for k in 0..<m where key(a, k) > key(b, k) { return false }
            return true
        }
        var front: [Int] = []
        for i in 0..<count where isFeasible(i) {
            if (0..<m).contains(where: { objective(i, $0).isNaN }) { continue }
            if front.contains(where: { dominatesOrEquals($0, i) }) { continue }
            front.removeAll { dominatesOrEquals(i, $0) }
            front.append(i)
        }
        return front.sorted()
    }
}
