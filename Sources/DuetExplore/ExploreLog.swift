import DuetCore
import DuetSearch
import DuetStudy
import Foundation
import Synchronization

/// How a process takes part in a study shared through its queue (`duet explore --study URL`,
/// `duet worker URL`).
public struct WorkerOptions: Sendable {
    /// Names this process in the study's claims (`host:pid` by default).
    public var id: String
    /// Trials this process evaluates at once.
    public var concurrency: Int
    /// Seconds a claim holds without a heartbeat; heartbeats go every third of it.
    public var leaseSeconds: Double
    /// Re-queues of a trial whose worker died (lease expired) before it is recorded failed.
    public var maxRetries: Int
    /// Stop after evaluating this many trials here (nil: no limit).
    public var maxTrials: Int?
    /// Stop after this many seconds with nothing to claim (nil: wait for the other workers).
    public var idleExitSeconds: Double?

    public init(id: String = WorkerOptions.defaultID, concurrency: Int = 1, leaseSeconds: Double = 60, maxRetries: Int = 2,
                maxTrials: Int? = nil, idleExitSeconds: Double? = nil) {
        self.id = id; self.concurrency = concurrency; self.leaseSeconds = leaseSeconds; self.maxRetries = maxRetries
        self.maxTrials = maxTrials; self.idleExitSeconds = idleExitSeconds
    }

    /// `host:pid`.
    public static var defaultID: String { "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)" }
}

/// The exploration's ``SearchLog``: turns each finished trial into a ``TrialRecord`` (design JSON,
/// metrics, objectives, budget violations, status), writes it to the study at once (when there is
/// one) and keeps it for the run's result. With ``WorkerOptions``, generations go through the
/// study's queue (``share(generation:batch:evaluate:)``).
final class ExploreLog: SearchLog {
    let exploration: CoExploration
    let store: (any StudyStore)?
    let worker: WorkerOptions?
    /// A surrogate's per-generation predictor quality, written into the study with each generation.
    let quality: SurrogateQualityLog?
    private let state: Mutex<(summary: TrialSummary, error: Error?, evaluatedHere: Int, lastWork: Date)>
    let start = Date()

    /// Thrown when a worker reached ``WorkerOptions/maxTrials`` or ``WorkerOptions/idleExitSeconds``.
    struct WorkerStop: Error {}

    init(exploration: CoExploration, store: (any StudyStore)?, worker: WorkerOptions? = nil, quality: SurrogateQualityLog? = nil,
         keepsTrials: Bool = true) {
        self.exploration = exploration
        self.store = store
        self.worker = worker
        self.quality = quality
        state = Mutex((TrialSummary(maximize: exploration.config.objectives.map(\.maximize), keepsTrials: keepsTrials), nil, 0, Date()))
    }

    var evaluatedHere: Int { state.withLock { $0.evaluatedHere } }
    var seconds: Double { Date().timeIntervalSince(start) }

    func stored(generation: Int) async throws -> [Int: LoggedTrial] {
        guard let store else { return [:] }
        var out: [Int: LoggedTrial] = [:]
        for (slot, t) in try await store.trials(generation: generation) where t.status.isFinished {
            let point = exploration.space.decode(t.genome)
            state.withLock { $0.summary.add(t) }
            out[slot] = LoggedTrial(generation: generation, slot: slot, genome: t.genome, point: point, outcome: outcome(of: t), seconds: t.seconds)
        }
        return out
    }

    func record(_ trial: LoggedTrial) async {
        let t = record(of: trial)
        do { try await store?.record(t) } catch { state.withLock { if $0.error == nil { $0.error = error } } }
        state.withLock { $0.summary.add(t); $0.evaluatedHere += 1 }
    }

    func flush() async throws {
        if let e = state.withLock({ $0.error }) { throw e }
        try await quality?.write(to: store)
    }

    /// What was gathered of every trial recorded or taken from the study.
    func summary() -> TrialSummary { state.withLock { $0.summary } }

    /// Adds a trial read from the study to the summary (an `async` run's result).
    func summarize(_ t: TrialRecord) { state.withLock { $0.summary.add(t) } }

    // MARK: A study shared through its queue

    func share(generation: Int, batch: [Candidate],
               evaluate: @escaping @Sendable (Point) async -> (Outcome, Double)) async throws -> [Outcome]? {
        guard let worker, let store else { return nil }
        try await quality?.write(to: store)
        let seed = exploration.config.seed, version = ExploreRun.version
        // Every process proposes the same designs for a generation: queueing is insert-or-ignore.
        try await store.enqueue(batch.enumerated().map { slot, c in
            PendingTrial(generation: generation, slot: slot, genome: c.genome,
                         design: exploration.designJSON(c.point), seed: seed, version: version)
        })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for k in 0..<max(1, worker.concurrency) {
                group.addTask { try await self.work(until: generation, size: batch.count, as: "\(worker.id):\(k)", evaluate: evaluate) }
            }
            try await group.waitForAll()
        }
        let done = try await store.trials(generation: generation)
        return try batch.enumerated().map { slot, c in
            guard let t = done[slot], t.status.isFinished, t.genome == c.genome else {
                throw InputError(file: store.location.description, keyPath: "generation \(generation), slot \(slot)",
                                 message: "the study holds another design here than this configuration and seed propose",
                                 hint: "every worker must run the study's own configuration; start a new study for another one")
            }
            state.withLock { $0.summary.add(t) }
            return outcome(of: t)
        }
    }

    /// Claims and evaluates queued trials until every trial of `generation` is finished (by this
    /// process or another): reclaims expired claims of dead workers, heartbeats while evaluating,
    /// and waits with a growing pause (50 ms to 250 ms: a generation's barrier costs at most a
    /// quarter second of idling) while others finish the last ones.
    func work(until generation: Int, size: Int, as id: String,
              evaluate: @escaping @Sendable (Point) async -> (Outcome, Double)) async throws {
        guard let worker, let store else { return }
        var pause = 0.05
        var held: TrialClaim? = nil
        var reclaim = Reclaimer()
        while true {
            try Task.checkCancellation()
            try await reclaim.run(store, worker, holding: held != nil)
            if held == nil, let limit = worker.maxTrials, state.withLock({ $0.evaluatedHere }) >= limit { throw WorkerStop() }
            if held == nil { held = try await store.claim(worker: id, leaseSeconds: worker.leaseSeconds) }
            if let claim = held {
                pause = 0.05
                (_, held) = try await self.evaluate(claim: claim, point: exploration.space.decode(claim.genome), store: store, worker: worker,
                                                    claimNextAs: id, evaluate: evaluate)
                continue
            }
            let trials = try await store.trials(generation: generation)
            if (0..<size).allSatisfy({ trials[$0]?.status.isFinished == true }) { return }
            if let idle = worker.idleExitSeconds, Date().timeIntervalSince(lastWork) > idle { throw WorkerStop() }
            try await Task.sleep(nanoseconds: UInt64(pause * 1e9))
            pause = min(0.25, pause * 1.5)
        }
    }

    /// When this process last finished an evaluation (or started).
    var lastWork: Date { state.withLock { $0.lastWork } }

    /// Evaluates a claimed trial, heartbeating every third of the lease, and stores its result;
    /// returns the outcome. With `claimNextAs`, a completed trial's result is stored together with
    /// the claim of the next pending trial for that worker id (``StudyStore/completeAndClaim(_:with:worker:leaseSeconds:)``:
    /// one round trip and one commit per trial), returned as `next` — unless
    /// ``WorkerOptions/maxTrials`` is reached with this trial.
    func evaluate(claim: TrialClaim, point: Point, store: any StudyStore, worker: WorkerOptions, claimNextAs: String? = nil,
                  evaluate: @escaping @Sendable (Point) async -> (Outcome, Double)) async throws -> (outcome: Outcome, next: TrialClaim?) {
        let lease = worker.leaseSeconds
        let heartbeat = Task {
            while !Task.isCancelled {
                try await Task.sleep(nanoseconds: UInt64(lease / 3 * 1e9))
                try await store.heartbeat(claim, leaseSeconds: lease)
            }
        }
        let (o, seconds) = await evaluate(point)
        heartbeat.cancel()
        var next: TrialClaim? = nil
        switch o {
        case .evaluated(let e):
            let result = TrialResult(metrics: e.metrics, objectives: e.objectives, constraints: exploration.namedConstraints(e),
                                     violation: e.violation, seconds: seconds)
            let lastHere = worker.maxTrials.map { state.withLock { $0.evaluatedHere } + 1 >= $0 } ?? false
            if let id = claimNextAs, !lastHere {
                next = try await store.completeAndClaim(claim, with: result, worker: id, leaseSeconds: lease).next
            } else {
                try await store.complete(claim, with: result)
            }
        case .failed(let why):
            // A failed evaluation was already retried by its evaluator; it is the trial's result.
            try await store.fail(claim, reason: why, seconds: seconds, retry: false, maxRetries: worker.maxRetries)
        }
        state.withLock { $0.evaluatedHere += 1; $0.lastWork = Date() }
        return (o, next)
    }

    /// When a claim loop re-queues the expired claims of dead workers (``StudyStore/reclaimStale(maxRetries:)``):
    /// before every claim it makes itself, and at least once a second while it steps from trial to
    /// trial on the claims ``StudyStore/completeAndClaim(_:with:worker:leaseSeconds:)`` hands it
    /// (with fast evaluations, once per trial would be a round trip per trial for a lease of a minute).
    struct Reclaimer {
        private var last = Date.distantPast
        /// Seconds between reclaims while a loop holds a claim.
        static let interval = 1.0

        mutating func run(_ store: any StudyStore, _ worker: WorkerOptions, holding: Bool) async throws {
            let now = Date()
            guard !holding || now.timeIntervalSince(last) >= Self.interval else { return }
            try await store.reclaimStale(maxRetries: worker.maxRetries)
            last = now
        }
    }

    // MARK: Records

    /// A stored trial as the search sees it: its objectives and budget violations in the
    /// config's order, or its failure.
    func outcome(of t: TrialRecord) -> Outcome {
        guard t.status == .complete else { return .failed(t.error ?? "failed") }
        let constraints = exploration.config.budgets.map { t.constraints[$0.name] ?? .infinity }
        return .evaluated(Evaluation(objectives: t.objectives, constraints: constraints, metrics: t.metrics, detail: t.design))
    }

    func record(of trial: LoggedTrial) -> TrialRecord {
        let seed = exploration.config.seed, version = ExploreRun.version
        switch trial.outcome {
        case .evaluated(let e):
            return TrialRecord(generation: trial.generation, slot: trial.slot, genome: trial.genome, design: e.detail ?? "{}",
                               metrics: e.metrics, objectives: e.objectives, constraints: exploration.namedConstraints(e), violation: e.violation,
                               status: .complete, seconds: trial.seconds, seed: seed, version: version)
        case .failed(let why):
            let design = exploration.designJSON(trial.point)
            return TrialRecord(generation: trial.generation, slot: trial.slot, genome: trial.genome, design: design, metrics: [:],
                               objectives: [], constraints: [:], violation: .infinity, status: .failed, error: why,
                               seconds: trial.seconds, seed: seed, version: version)
        }
    }
}

/// Running totals for the progress line: feasible count, best first objective, and the
/// hypervolume of the feasible front with objectives normalized over the complete trials seen.
struct ExploreProgressTracker {
    let maximize: [Bool]
    let total: Int
    var feasible = 0
    var best: Double?
    var lo: [Double], hi: [Double]
    var front: [[Double]] = []
    let start = Date()

    init(maximize: [Bool], total: Int) {
        self.maximize = maximize
        self.total = total
        lo = [Double](repeating: .infinity, count: maximize.count)
        hi = [Double](repeating: -.infinity, count: maximize.count)
    }

    mutating func update(_ p: SearchProgress) -> ExploreProgress {
        for t in p.batch where t.failure == nil && !t.objectives.isEmpty {
            for (k, v) in t.objectives.enumerated() where v.isFinite { lo[k] = min(lo[k], v); hi[k] = max(hi[k], v) }
            guard t.violation == 0 else { continue }
            feasible += 1
            let v = t.objectives[0]
            if best == nil || (maximize[0] ? v > best! : v < best!) { best = v }
            front.append(t.objectives)
        }
        // The running front is small (non-dominated feasible points), so this is cheap per generation.
        let norm = front.map { o in o.indices.map { k -> Double in
            let span = hi[k] - lo[k], v = span > 0 ? (o[k] - lo[k]) / span : 0
            return maximize[k] ? 1 - v : v
        } }
        let keep = NonDominatedSort.nonDominated(norm)
        front = keep.map { front[$0] }
        let hv = keep.isEmpty ? nil : Hypervolume.compute(keep.map { norm[$0] }, reference: [Double](repeating: 1.1, count: maximize.count))
        return ExploreProgress(evaluations: p.evaluations, total: total, feasible: feasible, best: best,
                               seconds: Date().timeIntervalSince(start), reused: p.reused, hypervolume: hv)
    }
}
