import DuetCore
import DuetSearch
import DuetStudy
import Foundation
import Synchronization

/// The proposer of a steady-state (`scheduling: async`) study, one per process: proposal n is
/// stored at (generation n / P, slot n % P) of the study (P the population); the first are the
/// seeded initial population, every later one is made by whichever process finds nothing to claim,
/// as ``SteadyStateNSGA2/propose(_:isDuplicate:)`` after telling the optimizer every trial finished
/// so far in finish order, and queued with that finish order as its basis. Two processes that make
/// proposal n at once both try to insert it; the study keeps the first (insert-or-ignore), with
/// the basis it was computed from.
actor AsyncProposer {
    let store: any StudyStore
    let exploration: CoExploration
    /// The number of proposals the study makes (the config's `evaluations`).
    let budget: Int
    var optimizer: SteadyStateNSGA2
    let initial: [Candidate]
    /// Designs per generation: proposal n is stored at (n / population, n % population).
    let population: Int
    /// The proposal being made by this process: concurrent callers wait for it instead of making
    /// another one (the optimizer is told each finished trial once, by one task).
    private var running: Task<Bool, any Error>?

    init(store: any StudyStore, exploration: CoExploration) {
        self.store = store
        self.exploration = exploration
        let c = exploration.config
        budget = c.evaluations
        let optimizer = SteadyStateNSGA2(space: exploration.space, populationSize: c.population, seed: c.seed)
        self.optimizer = optimizer
        initial = optimizer.initialPopulation()
        population = c.population
    }

    /// Makes and queues the next proposal (or waits for the one this process is making); false
    /// when every proposal of the budget was made.
    func proposeNext() async throws -> Bool {
        if let running { return try await running.value }
        let task = Task { try await self.propose() }
        running = task
        defer { running = nil }
        return try await task.value
    }

    /// Called as `claim` starts evaluating: when it took the last proposal made so far (the queue
    /// is now empty), makes the next one while the trial is evaluated, so the next free worker
    /// finds something to claim instead of proposing first. Its basis is what had finished by then.
    func proposeAhead(after claim: TrialClaim) async throws {
        guard let last = try await store.lastProposal(), last.generation == claim.generation, last.slot == claim.slot else { return }
        _ = try await proposeNext()
    }

    private func propose() async throws -> Bool {
        let last = try await store.lastProposal()
        let n = last.map { $0.generation * population + $0.slot + 1 } ?? 0
        guard n < budget else { return false }
        let seed = exploration.config.seed, version = ExploreRun.version
        if n < initial.count {
            // The seeded initial population, queued at once (basis 0: computed from no result).
            let batch = initial.prefix(budget).enumerated().map { k, c in
                PendingTrial(generation: k / population, slot: k % population, genome: c.genome,
                             design: exploration.designJSON(c.point), seed: seed, version: version, basis: 0)
            }
            try await store.enqueue(batch)
            return true
        }
        let basis = try await catchUp()
        let (g, s) = (n / population, n % population)
        let store = self.store
        let child = try await optimizer.propose(n) { c in try await store.hasGenome(c.genome, before: g, slot: s) }
        try await store.enqueue([PendingTrial(generation: g, slot: s, genome: child.genome, design: exploration.designJSON(child.point),
                                              seed: seed, version: version, basis: basis)])
        return true
    }

    /// Tells the optimizer every trial finished since it last looked, in finish order; returns the
    /// highest finish order told (the basis of the next proposal).
    func catchUp(upTo limit: Int64 = .max) async throws -> Int64 {
        while optimizer.finishOrder < limit {
            // Finish orders may have gaps, never repeats: up to `limit` there are at most limit − told trials.
            let size = Int(min(1000, limit - optimizer.finishOrder))
            let page = try await store.finishedTrials(afterFinishOrder: optimizer.finishOrder, limit: size)
            for t in page {
                guard let order = t.finishOrder, order <= limit else { return optimizer.finishOrder }
                optimizer.tell(Self.individual(t, exploration), finishOrder: order)
            }
            if page.count < size { break }
        }
        return optimizer.finishOrder
    }

    /// A stored trial as the optimizer sees it: fitness in minimization form; a failed trial has
    /// infinite objectives and violation.
    static func individual(_ t: TrialRecord, _ exploration: CoExploration) -> Individual {
        let point = exploration.space.decode(t.genome)
        let directions = exploration.objectives.map(\.direction)
        guard t.status == .complete, t.objectives.count == directions.count else {
            return Individual(genome: t.genome, point: point, fitness: [Double](repeating: .infinity, count: directions.count), violation: .infinity)
        }
        let fitness = zip(t.objectives, directions).map { $1 == .maximize ? -$0 : $0 }
        return Individual(genome: t.genome, point: point, fitness: fitness, violation: t.violation)
    }
}

/// What ``ExploreRun/replayAsync(store:exploration:)`` found.
public struct AsyncReplayReport: Sendable, Hashable {
    /// Proposals recomputed from their recorded basis.
    public var checked = 0
    /// (generation, slot) of each proposal whose recomputed design differs from the stored one.
    public var mismatches: [String] = []
}

extension ExploreRun {
    /// A steady-state study (`scheduling: async`): every process claims and evaluates queued
    /// trials, and one that finds nothing to claim makes the next proposal itself — no process ever
    /// waits for a generation to end. Runs until the budget's proposals are all finished (or the
    /// worker's `maxTrials` / `idleExitSeconds`), then reads the result back from the study page by
    /// page (memory holds the front, not the trials, unless ``keepsTrials``).
    func runAsync(progress: (@Sendable (ExploreProgress) -> Void)?) async throws -> ExploreResult {
        let c = exploration.config
        guard let store else {
            throw InputError(file: c.file, keyPath: "scheduling", value: "async",
                             message: "steady-state (async) scheduling proposes through a study's queue, and no study was given",
                             hint: "add --study FILE (or a postgresql:// URL), or use scheduling: deterministic")
        }
        try await claim(store)
        let worker = self.worker ?? WorkerOptions(concurrency: max(1, c.workers))
        let log = ExploreLog(exploration: exploration, store: store, worker: worker, keepsTrials: keepsTrials)
        let proposer = AsyncProposer(store: store, exploration: exploration)
        let evaluator = Evaluator(problem: exploration, concurrency: 1, caching: true, cacheCapacity: cacheCapacity)
        let clock = ContinuousClock(), start = clock.now
        let tracker = ProgressTrackerBox(ExploreProgressTracker(maximize: c.objectives.map(\.maximize), total: c.evaluations))
        let report: (@Sendable (Trial) -> Void)? = progress.map { progress in
            { @Sendable trial in
                let p = tracker.state.withLock { t in
                    t.update(SearchProgress(generation: 0, evaluations: log.evaluatedHere, fraction: 0, batch: [trial]))
                }
                progress(p)
            }
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for k in 0..<max(1, worker.concurrency) {
                    group.addTask {
                        try await log.workAsync(proposer: proposer, as: "\(worker.id):\(k)", report: report) { point in
                            let t0 = ContinuousClock.now
                            let o = await evaluator.evaluate(point)
                            return (o, (ContinuousClock.now - t0).seconds)
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch is ExploreLog.WorkerStop {}
        // Gives the last trials their finish orders (PostgreSQL orders them when a proposer reads).
        _ = try await proposer.catchUp()
        try await store.forEachTrial(pageSize: 1000) { t in if t.status.isFinished { log.summarize(t) } }
        return log.summary().result(reused: 0, seconds: (clock.now - start).seconds, seed: c.seed,
                                    study: store.location.description, evaluatedHere: log.evaluatedHere)
    }

    /// Recomputes every proposal of a steady-state study from what it recorded — the seed, each
    /// trial's finish order and each proposal's basis — and compares it with the stored design:
    /// the check that an `async` study is reproducible given the order of completions. Reads the
    /// trials in finish order once (plus one duplicate lookup per recomputed draw).
    public static func replayAsync(store: any StudyStore, exploration: CoExploration) async throws -> AsyncReplayReport {
        let proposer = AsyncProposer(store: store, exploration: exploration)
        let p = proposer.population
        var proposals: [(n: Int, basis: Int64, genome: [Double])] = []
        var report = AsyncReplayReport()
        try await store.forEachTrial(pageSize: 1000) { t in
            let n = t.generation * p + t.slot
            if n < proposer.initial.count {
                report.checked += 1
                if t.genome != proposer.initial[n].genome || t.basis != 0 { report.mismatches.append("\(t.generation)/\(t.slot)") }
            } else {
                proposals.append((n, t.basis ?? -1, t.genome))
            }
        }
        proposals.sort { ($0.basis, $0.n) < ($1.basis, $1.n) }
        for q in proposals {
            report.checked += 1
            guard q.basis >= 0 else { report.mismatches.append("\(q.n / p)/\(q.n % p)"); continue }
            let told = try await proposer.catchUp(upTo: q.basis)
            let optimizer = await proposer.optimizer
            let (g, s) = (q.n / p, q.n % p)
            let child = try await optimizer.propose(q.n) { c in try await store.hasGenome(c.genome, before: g, slot: s) }
            if told != q.basis || child.genome != q.genome { report.mismatches.append("\(g)/\(s)") }
        }
        return report
    }
}

extension ExploreLog {
    /// One claim loop of a steady-state study: claim and evaluate (having the next proposal made
    /// meanwhile when this claim emptied the queue: ``AsyncProposer/proposeAhead(after:)``); with
    /// nothing to claim, make the next proposal and claim again; once every proposal is made, wait
    /// (50–250 ms pauses) for the other processes to finish the last trials.
    func workAsync(proposer: AsyncProposer, as id: String, report: (@Sendable (Trial) -> Void)?,
                   evaluate: @escaping @Sendable (Point) async -> (Outcome, Double)) async throws {
        guard let worker, let store else { return }
        var pause = 0.05
        var held: TrialClaim? = nil
        var reclaim = Reclaimer()
        while true {
            try Task.checkCancellation()
            try await reclaim.run(store, worker, holding: held != nil)
            if held == nil, let limit = worker.maxTrials, evaluatedHere >= limit { throw WorkerStop() }
            if held == nil { held = try await store.claim(worker: id, leaseSeconds: worker.leaseSeconds) }
            if let claim = held {
                pause = 0.05
                let point = exploration.space.decode(claim.genome)
                let ahead = Task { try await proposer.proposeAhead(after: claim) }
                let o: Outcome
                do {
                    let done = try await self.evaluate(claim: claim, point: point, store: store, worker: worker, claimNextAs: id, evaluate: evaluate)
                    o = done.outcome
                    held = done.next
                } catch {
                    ahead.cancel()
                    throw error
                }
                try await ahead.value
                report?(Trial(candidate: Candidate(genome: claim.genome, point: point), outcome: o))
                continue
            }
            if try await proposer.proposeNext() { continue }
            let counts = try await store.counts()
            if counts.pending + counts.running == 0 { return }
            if let idle = worker.idleExitSeconds, Date().timeIntervalSince(lastWork) > idle { throw WorkerStop() }
            try await Task.sleep(nanoseconds: UInt64(pause * 1e9))
            pause = min(0.25, pause * 1.5)
        }
    }
}

/// The progress tracker shared by an async run's claim loops.
final class ProgressTrackerBox: Sendable {
    let state: Mutex<ExploreProgressTracker>
    init(_ tracker: ExploreProgressTracker) { state = Mutex(tracker) }
}

extension Trial {
    init(candidate c: Candidate, outcome: Outcome) {
        switch outcome {
        case .evaluated(let e): self.init(point: c.point, genome: c.genome, objectives: e.objectives, violation: e.violation)
        case .failed(let why): self.init(point: c.point, genome: c.genome, objectives: [], violation: .infinity, failure: why)
        }
    }
}
