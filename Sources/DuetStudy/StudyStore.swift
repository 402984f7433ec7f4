import DuetCore
import Foundation

/// The schema version this Duet writes. A study of an older schema is migrated when opened for
/// writing (and read through a migrated in-memory copy when opened read-only); a study of a newer
/// schema is refused with an ``InputError`` that says to upgrade Duet.
///
/// History: 1 — settings as comma-joined key/value rows, finished trials only (SQLite only);
/// 2 — typed settings, the trial queue (pending/running, worker, attempt, retries, lease);
/// 3 — each trial's `finish_order` (the order in which queued trials finished) and `basis` (the
/// finish order an `async` proposal was computed from), an index on genomes.
public enum StudySchema {
    public static let current = 3
}

/// How a study is opened.
public enum StudyOpenMode: Sendable, Hashable {
    /// Open the study, creating it (and, for PostgreSQL, the tables) if it does not exist.
    case create
    /// Open an existing study for reading and writing; a missing study is an ``InputError``.
    case open
    /// Open an existing study for reading only: nothing is written (no tables, no migration, no
    /// -wal/-shm files beside an SQLite file), and a read-only file works.
    case readOnly
}

/// Storage for one study: its settings and its trials, and the queue that workers on many hosts
/// share. Two backends implement it, with the same semantics (one conformance test suite checks
/// both): SQLite (``SQLiteStudyStore``, one study per file) and PostgreSQL (``PostgresStudyStore``,
/// several named studies per database).
///
/// **Identity.** A trial is identified by (generation, slot) within its study; no two trials share
/// one. ``record(_:)`` and ``enqueue(_:)`` are insert-or-ignore on that key, so a resumed run that
/// replays the same seeded proposals finds what was already stored instead of duplicating it.
///
/// **Atomicity.** Every method is atomic on its own: it either happens entirely or not at all,
/// whatever other processes do at the same time. Nothing spans two calls (there is no transaction
/// in the API); a claim's validity is what links ``claim(worker:leaseSeconds:)`` to the later calls.
///
/// **Time.** Leases are in seconds of wall time. PostgreSQL uses the server's clock (every host
/// agrees); SQLite, which is one host, uses that host's clock. A lease of L seconds granted at time
/// t expires at t + L; ``heartbeat(_:leaseSeconds:)`` moves the expiry to now + L.
///
/// **Claims.** A worker calls ``claim(worker:leaseSeconds:)`` to take the pending trial with the
/// lowest (generation, slot); two concurrent claimers never get the same trial (PostgreSQL: row
/// locks with `FOR UPDATE SKIP LOCKED`; SQLite: one writer at a time). While it evaluates, it calls
/// ``heartbeat(_:leaseSeconds:)`` more often than the lease length (e.g. every L/3 s), then
/// ``complete(_:with:)`` or ``fail(_:reason:seconds:retry:maxRetries:)``. Any process may call
/// ``reclaimStale(maxRetries:)``: claims whose lease expired go back to `pending` with their retry
/// counter + 1, or, once `maxRetries` re-queues were spent, are recorded `failed` with the reason.
/// Nothing reclaims on its own: a worker that finds nothing to claim should call
/// ``reclaimStale(maxRetries:)`` (cheap: one indexed statement) before it waits or exits.
///
/// **A worker's loop**, for `duet worker` (lease L, e.g. 60 s; heartbeat every L/3):
/// ```swift
/// while true {
///     guard let claim = try await store.claim(worker: id, leaseSeconds: L) else {
///         if try await store.reclaimStale(maxRetries: 3).requeued > 0 { continue }
///         break   // or sleep and retry, until an idle deadline
///     }
///     // evaluate, calling store.heartbeat(claim, leaseSeconds: L) every L/3 s
///     try await store.complete(claim, with: result)   // or fail(claim, reason:…, retry: …)
/// }
/// ```
///
/// **Deterministic mode.** The proposer enqueues a generation's trials (slots 0..<population)
/// in one ``enqueue(_:)``, waits until ``trials(generation:)`` shows every slot finished, and only
/// then proposes the next generation from those results: the designs depend on the seed and on
/// earlier results, never on which worker ran what.
///
/// **Steady-state (`async`) mode.** Proposal n lives at (n / population, n % population). A process
/// with nothing to claim reads ``lastProposal()`` for the next n, catches up with
/// ``finishedTrials(afterFinishOrder:limit:)``, draws a child (asking ``hasGenome(_:before:slot:)``
/// to avoid repeats) and ``enqueue(_:)``s it with its ``PendingTrial/basis``; a concurrent proposer
/// of the same n loses the insert-or-ignore. Finish orders are given so that every reader sees a
/// prefix of them (SQLite: at completion, max + 1 under its one writer; PostgreSQL: by
/// ``finishedTrials(afterFinishOrder:limit:)``, to every trial finished since, in order of finishing
/// time, under a per-study counter — completions take no study-wide lock), so a proposal's basis
/// names exactly the trials it was computed from.
public protocol StudyStore: Sendable {
    /// Where the study lives; its `description` never shows a password.
    var location: StudyLocation { get }

    /// The study's name (PostgreSQL: the URL's `study=`; SQLite: the file name without extension).
    var name: String { get }

    /// The schema version of the stored study after opening (``StudySchema/current`` unless opened
    /// read-only on an older study, which is read through a migrated copy and reports the stored version).
    func schemaVersion() async throws -> Int

    // MARK: Settings

    /// The study's typed settings, or nil when none were stored yet. For a schema-1 study, the
    /// settings rebuilt from its key/value rows.
    func settings() async throws -> StudySettings?

    /// Stores `settings` unless the study has settings already; returns the stored ones, so that
    /// concurrent creators agree on the first writer's (atomic).
    @discardableResult
    func setSettingsOnce(_ settings: StudySettings) async throws -> StudySettings

    /// A value of the free key/value area (results derived from the trials, e.g. a baseline comparison).
    func attribute(_ key: String) async throws -> String?

    /// Sets `key` to `value`, replacing what was there.
    func setAttribute(_ key: String, _ value: String) async throws

    /// Sets `key` unless it is set; returns the stored value (atomic: concurrent writers agree).
    @discardableResult
    func setAttributeOnce(_ key: String, _ value: String) async throws -> String

    /// Every key/value pair of the free area, sorted by key.
    func attributes() async throws -> [(key: String, value: String)]

    // MARK: Trials written directly (one process)

    /// Stores finished trials (`complete` or `failed`) unless their (generation, slot) exists;
    /// returns how many were new. All-or-nothing for the batch.
    @discardableResult
    func record(_ trials: [TrialRecord]) async throws -> Int

    // MARK: The queue (many workers)

    /// Puts trials in the queue as `pending` unless their (generation, slot) exists (in any status);
    /// returns how many were new. All-or-nothing for the batch.
    @discardableResult
    func enqueue(_ trials: [PendingTrial]) async throws -> Int

    /// Takes the `pending` trial with the lowest (generation, slot) for `worker` (any text naming
    /// the process, e.g. `host:pid:task`), marks it `running` with a lease of `leaseSeconds`, and
    /// returns the claim; nil when nothing is pending. Atomic: no two claimers get the same trial.
    func claim(worker: String, leaseSeconds: Double) async throws -> TrialClaim?

    /// Extends the claim's lease to now + `leaseSeconds`; false (and nothing changed) when the claim
    /// is no longer held. A claim is held while its trial is `running` with the claim's worker and
    /// attempt — also after its lease ran out, until some process calls ``reclaimStale(maxRetries:)``.
    @discardableResult
    func heartbeat(_ claim: TrialClaim, leaseSeconds: Double) async throws -> Bool

    /// Stores the result and marks the trial `complete`; false (and nothing stored) when the claim is
    /// no longer held (its lease expired and it was re-queued or claimed again). Idempotent: the
    /// same claim completing its trial again (a retry whose first answer was lost) returns true.
    @discardableResult
    func complete(_ claim: TrialClaim, with result: TrialResult) async throws -> Bool

    /// ``complete(_:with:)`` then ``claim(worker:leaseSeconds:)`` for `worker` in one transaction:
    /// a worker's step from one trial to the next in one round trip and one commit (the claim is
    /// made whether or not the completion was accepted, as a worker would claim next either way).
    /// Returns whether the completion was accepted and the new claim (nil when nothing is pending).
    /// Lost answers behave as those of the two calls: the completion is idempotent, and a claim
    /// whose answer was lost is re-queued when its lease expires.
    func completeAndClaim(_ claim: TrialClaim, with result: TrialResult, worker: String,
                          leaseSeconds: Double) async throws -> (completed: Bool, next: TrialClaim?)

    /// Ends the claim with `reason`. With `retry` and fewer than `maxRetries` re-queues so far, the
    /// trial goes back to `pending` (retries + 1, `reason` kept as its last error); otherwise it is
    /// recorded `failed` with `reason` (violation +∞, `seconds` of wall time spent).
    @discardableResult
    func fail(_ claim: TrialClaim, reason: String, seconds: Double, retry: Bool, maxRetries: Int) async throws -> FailOutcome

    /// Re-queues every `running` trial whose lease expired (retries + 1), or records it `failed`
    /// when it was already re-queued `maxRetries` times, with the reason (worker and lease) as its
    /// error. Atomic per trial: concurrent reclaimers never re-queue a trial twice.
    @discardableResult
    func reclaimStale(maxRetries: Int) async throws -> ReclaimReport

    // MARK: Reading

    /// The trials of one generation (any status), by slot.
    func trials(generation: Int) async throws -> [Int: TrialRecord]

    /// Up to `limit` trials (any status) in storage order after `cursor` (nil: from the start), and
    /// the cursor to pass for the next page (nil when this page was the last). Pages are read by key,
    /// so memory stays flat however large the study is. Use ``allTrials(pageSize:)`` to iterate.
    func trialPage(after cursor: Int64?, limit: Int) async throws -> (trials: [TrialRecord], next: Int64?)

    /// Trials by status.
    func counts() async throws -> TrialCounts

    // MARK: Steady-state (`async`) studies

    /// Up to `limit` finished trials whose ``TrialRecord/finishOrder`` is above `finishOrder`, in
    /// finish order: how a steady-state proposer catches up with what finished since it last looked.
    /// Orders only grow: a trial that gets one later gets a higher one, so reading up to the highest
    /// order seen reads a prefix. (PostgreSQL gives the orders here, see the protocol's notes.)
    func finishedTrials(afterFinishOrder finishOrder: Int64, limit: Int) async throws -> [TrialRecord]

    /// The highest (generation, slot) stored in any status; nil for an empty study.
    func lastProposal() async throws -> (generation: Int, slot: Int)?

    /// Whether a trial stored before (generation, slot) in (generation, slot) order has this genome.
    func hasGenome(_ genome: [Double], before generation: Int, slot: Int) async throws -> Bool

    /// The studies stored where this one lives (SQLite: this one; PostgreSQL: every study in the database).
    func listStudies() async throws -> [StudySummary]

    /// Releases the connection. Calls after `close()` fail.
    func close() async throws
}

extension StudyStore {
    @discardableResult
    public func record(_ trial: TrialRecord) async throws -> Bool { try await record([trial]) == 1 }

    /// Every trial (any status) in storage order, read `pageSize` at a time: memory is flat in the study's size.
    public func allTrials(pageSize: Int = 500) -> TrialSequence { TrialSequence(store: self, pageSize: max(1, pageSize)) }

    /// Calls `body` with each trial in storage order, read page by page.
    public func forEachTrial(pageSize: Int = 500, _ body: (TrialRecord) throws -> Void) async throws {
        var cursor: Int64? = nil
        repeat {
            let page = try await trialPage(after: cursor, limit: max(1, pageSize))
            for t in page.trials { try body(t) }
            cursor = page.next
        } while cursor != nil
    }
}

/// The trials of a study as an `AsyncSequence`, fetched one page at a time.
public struct TrialSequence: AsyncSequence, Sendable {
    public typealias Element = TrialRecord
    let store: any StudyStore
    let pageSize: Int

    public struct AsyncIterator: AsyncIteratorProtocol {
        let store: any StudyStore
        let pageSize: Int
        var buffer: [TrialRecord] = []
        var index = 0
        var cursor: Int64? = nil
        var done = false

        public mutating func next() async throws -> TrialRecord? {
            while index == buffer.count {
                if done { return nil }
                let page = try await store.trialPage(after: cursor, limit: pageSize)
                buffer = page.trials; index = 0; cursor = page.next
                if page.next == nil { done = true }
            }
            defer { index += 1 }
            return buffer[index]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(store: store, pageSize: pageSize) }
}

/// Opens the study at `location` with the backend its form selects (a path: SQLite; a
/// `postgresql://` URL: PostgreSQL). Errors a user can fix (no such study, not a Duet study,
/// a newer schema, an unreachable server, a wrong password) are ``InputError``s.
public func openStudy(_ location: StudyLocation, mode: StudyOpenMode) async throws -> any StudyStore {
    switch location {
    case .sqlite(let path): return try SQLiteStudyStore(path: path, mode: mode)
    case .postgres(let url):
        #if PostgreSQL
        return try await PostgresStudyStore.open(url, mode: mode)
        #else
        throw postgresNotBuilt(url)
        #endif
    }
}

/// The studies in the PostgreSQL database at `url` (its `?study=` is ignored), with their counts.
public func listPostgresStudies(_ url: PostgresURL) async throws -> [StudySummary] {
    #if PostgreSQL
    return try await PostgresStudyStore.list(url)
    #else
    throw postgresNotBuilt(url)
    #endif
}

/// True when this build can open `postgresql://` studies (the package trait `PostgreSQL`, on by default).
public let postgresStudiesAvailable: Bool = {
    #if PostgreSQL
    return true
    #else
    return false
    #endif
}()

/// The error for a `postgresql://` study in a build without the `PostgreSQL` trait (`make demo`'s slim build).
func postgresNotBuilt(_ url: PostgresURL) -> InputError {
    InputError(keyPath: "study", value: url.description,
               message: "this duet was built without PostgreSQL support (the slim build `make demo` makes)",
               hint: "build the full duet: `make build` (or `swift build -c release --product duet`: every trait is on by default)")
}

/// Parses `text` (a path or a URL) and opens the study there; see ``openStudy(_:mode:)``.
public func openStudy(_ text: String, mode: StudyOpenMode) async throws -> any StudyStore {
    try await openStudy(try StudyLocation(parsing: text), mode: mode)
}

extension StudyStore {
    /// The best designs of the study: its feasible complete trials that no other feasible trial
    /// dominates (by the objectives and directions of its settings), best first objective first,
    /// at most `limit`. Read page by page: memory holds the running front only.
    public func bestTrials(limit: Int = 10) async throws -> [TrialRecord] {
        guard let settings = try await settings(), !settings.objectives.isEmpty else { return [] }
        let maximize = settings.objectives.map(\.maximize)
        // Minimization form; a ≤ b everywhere and < somewhere.
        func dominates(_ a: [Double], _ b: [Double]) -> Bool {
            var strictly = false
            for k in a.indices {
                let x = maximize[k] ? -a[k] : a[k], y = maximize[k] ? -b[k] : b[k]
                if x > y { return false }
                if x < y { strictly = true }
            }
            return strictly
        }
        var front: [TrialRecord] = []
        try await forEachTrial { t in
            guard t.isFeasible, t.objectives.count == maximize.count, !front.contains(where: { dominates($0.objectives, t.objectives) || $0.objectives == t.objectives }) else { return }
            front.removeAll { dominates(t.objectives, $0.objectives) }
            front.append(t)
        }
        return Array(front.sorted { a, b in
            for k in maximize.indices where a.objectives[k] != b.objectives[k] {
                return maximize[k] ? a.objectives[k] > b.objectives[k] : a.objectives[k] < b.objectives[k]
            }
            return false
        }.prefix(limit))
    }
}
