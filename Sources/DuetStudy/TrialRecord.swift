import Foundation

/// Where a trial stands in its study.
///
/// `pending` → (claim) → `running` → (complete) → `complete`, or → (fail / lease expired, retries
/// exhausted) → `failed`; a `running` trial whose lease expires with retries left goes back to
/// `pending`. Trials recorded directly (``StudyStore/record(_:)``) are `complete` or `failed`.
public enum TrialStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, running, complete, failed

    /// Whether the trial has a final result (`complete` or `failed`).
    public var isFinished: Bool { self == .complete || self == .failed }
}

/// Source compatibility with code written when the status was a `String`: `t.status == "complete"`
/// and `status: ok ? "complete" : "failed"` still compile. Only the four raw values are valid;
/// another literal is a programmer error (a trap), never user input.
extension TrialStatus: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        guard let s = TrialStatus(rawValue: value) else { preconditionFailure("unknown trial status literal '\(value)'") }
        self = s
    }
}

extension TrialStatus: CustomStringConvertible {
    public var description: String { rawValue }
}

/// One evaluated design of a study, as stored.
public struct TrialRecord: Sendable, Hashable {
    /// Ask/tell round and position in its batch: the identity that makes resume exact.
    public var generation: Int
    public var slot: Int
    public var genome: [Double]
    /// The decoded design as JSON text (variables and values).
    public var design: String
    /// Named metrics (accuracy, latency_ms, …).
    public var metrics: [String: Double]
    /// Objective values in the study's objective order (as reported, not negated).
    public var objectives: [Double]
    /// Budget name → relative violation (value − limit) / limit; ≤ 0 when met.
    public var constraints: [String: Double]
    /// Σ max(0, constraint); +∞ for a failed (or not yet finished) trial.
    public var violation: Double
    public var status: TrialStatus
    /// Why the trial failed; for a `pending` trial that was re-queued, why its last attempt ended.
    public var error: String?
    /// Wall seconds of this evaluation.
    public var seconds: Double
    public var seed: UInt64
    public var version: String
    /// How many times the trial was re-queued after a lost lease or a retryable failure.
    public var retries: Int
    /// The worker that holds (`running`) or last held the trial's claim; nil for trials recorded directly.
    public var worker: String?
    /// The trial's place in the order in which the study's queued trials finished (1, 2, …; gaps
    /// are possible): SQLite sets it when a claim completes or fails or a lease runs out of
    /// retries; PostgreSQL when a steady-state proposer first reads the finished trial
    /// (``StudyStore/finishedTrials(afterFinishOrder:limit:)``, in order of finishing time). Nil for
    /// trials not finished or not ordered yet and for trials recorded directly (which never went
    /// through the queue). What makes an `async` study reproducible: see ``basis``.
    public var finishOrder: Int64?
    /// For a proposal of an `async` (steady-state) study: the highest ``finishOrder`` among the
    /// finished trials it was computed from (0: none had finished); nil for other trials.
    public var basis: Int64?

    public init(generation: Int, slot: Int, genome: [Double], design: String, metrics: [String: Double], objectives: [Double],
                constraints: [String: Double], violation: Double, status: TrialStatus, error: String? = nil, seconds: Double,
                seed: UInt64, version: String, retries: Int = 0, worker: String? = nil, finishOrder: Int64? = nil, basis: Int64? = nil) {
        self.generation = generation; self.slot = slot; self.genome = genome; self.design = design; self.metrics = metrics
        self.objectives = objectives; self.constraints = constraints; self.violation = violation; self.status = status
        self.error = error; self.seconds = seconds; self.seed = seed; self.version = version
        self.retries = retries; self.worker = worker; self.finishOrder = finishOrder; self.basis = basis
    }

    public var isFeasible: Bool { status == .complete && violation == 0 }
}

/// A trial to be evaluated, put in the queue by the process that proposes designs.
public struct PendingTrial: Sendable, Hashable {
    public var generation: Int
    public var slot: Int
    public var genome: [Double]
    /// The decoded design as JSON text.
    public var design: String
    public var seed: UInt64
    public var version: String
    /// For a proposal of an `async` study, the finish-order high-water mark it was computed from
    /// (``TrialRecord/basis``); nil otherwise.
    public var basis: Int64?

    public init(generation: Int, slot: Int, genome: [Double], design: String, seed: UInt64, version: String, basis: Int64? = nil) {
        self.generation = generation; self.slot = slot; self.genome = genome; self.design = design; self.seed = seed; self.version = version
        self.basis = basis
    }
}

/// A claim on one trial held by one worker: the proof a worker shows to heartbeat, complete or fail
/// it. A claim is valid while the trial is `running` with this `worker` and this `attempt`; once its
/// lease expires and the trial is re-queued (or claimed again), every call with the old claim is
/// refused (returns `false`), so a slow worker can never overwrite a newer attempt.
public struct TrialClaim: Sendable, Hashable {
    /// The trial's row number in its study (unique within the study).
    public var number: Int64
    public var generation: Int
    public var slot: Int
    public var genome: [Double]
    public var design: String
    public var seed: UInt64
    public var version: String
    public var worker: String
    /// 1 for the first claim of this trial, +1 for each later claim.
    public var attempt: Int
    /// Times the trial was re-queued before this claim.
    public var retries: Int

    public init(number: Int64, generation: Int, slot: Int, genome: [Double], design: String, seed: UInt64, version: String,
                worker: String, attempt: Int, retries: Int) {
        self.number = number; self.generation = generation; self.slot = slot; self.genome = genome; self.design = design
        self.seed = seed; self.version = version; self.worker = worker; self.attempt = attempt; self.retries = retries
    }
}

/// The result of one evaluation, stored by ``StudyStore/complete(_:with:)``.
public struct TrialResult: Sendable, Hashable {
    public var metrics: [String: Double]
    /// Objective values in the study's objective order (as reported, not negated).
    public var objectives: [Double]
    /// Budget name → relative violation; ≤ 0 when met.
    public var constraints: [String: Double]
    /// Σ max(0, constraint).
    public var violation: Double
    /// Wall seconds of the evaluation.
    public var seconds: Double

    public init(metrics: [String: Double], objectives: [Double], constraints: [String: Double], violation: Double, seconds: Double) {
        self.metrics = metrics; self.objectives = objectives; self.constraints = constraints; self.violation = violation; self.seconds = seconds
    }
}

/// What ``StudyStore/fail(_:reason:seconds:retry:maxRetries:)`` did with the trial.
public enum FailOutcome: Sendable, Hashable {
    /// Back in the queue; `retries` counts the re-queues so far.
    case requeued(retries: Int)
    /// Recorded `failed` with the reason.
    case failed
    /// The claim was no longer held (lease expired and re-queued, or completed by another worker): nothing changed.
    case claimLost
}

/// What ``StudyStore/reclaimStale(maxRetries:)`` did.
public struct ReclaimReport: Sendable, Hashable {
    /// Expired claims put back in the queue.
    public var requeued: Int
    /// Expired claims whose retries were exhausted, recorded `failed`.
    public var failed: Int
    public init(requeued: Int = 0, failed: Int = 0) { self.requeued = requeued; self.failed = failed }
}

/// How many trials a study holds, by status.
public struct TrialCounts: Sendable, Hashable {
    public var pending = 0, running = 0, complete = 0, failed = 0
    /// Complete trials that meet every budget (violation 0).
    public var feasible = 0
    public var total: Int { pending + running + complete + failed }
    public init(pending: Int = 0, running: Int = 0, complete: Int = 0, failed: Int = 0, feasible: Int = 0) {
        self.pending = pending; self.running = running; self.complete = complete; self.failed = failed; self.feasible = feasible
    }
}

/// One study as listed by ``StudyStore/listStudies()``.
public struct StudySummary: Sendable, Hashable {
    public var name: String
    public var counts: TrialCounts
    public init(name: String, counts: TrialCounts) { self.name = name; self.counts = counts }
}
