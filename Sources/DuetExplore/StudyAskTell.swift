import DuetCore
import DuetSearch
import DuetStudy
import Foundation
import Synchronization

/// Ask/tell on a study from outside Duet (`duet study ask|tell`, the `ask`/`tell` methods of
/// `duet serve`): an agent either lets the study's optimizer propose designs and only evaluates
/// them, or proposes designs itself and tells their results (tell-only trials). Every told trial
/// is stored like any other, so `duet study show`, `export` and `report` include it. Works on
/// SQLite and PostgreSQL studies alike, through the study's queue.
///
/// **What "the optimizer proposes" means.** The optimizer (the config's NSGA-II, random search,
/// regularized evolution, …, seeded with the study's seed) is replayed over the stored
/// generations exactly as `duet explore` resumes: generation g's proposals are a function of the
/// seed and the results of generations 0..<g, never of who evaluated what or when. The current
/// generation is the first whose proposals are not all finished (complete or failed).
/// - `ask` hands out up to `n` trials: first trials already pending in the queue, then the current
///   generation's proposals not yet queued (enqueued, then claimed by this asker with a lease).
/// - When the current generation is all handed out but not all told, NSGA-II cannot propose the
///   next one (its offspring depend on those results). Further asks get *extra* trials: designs
///   drawn uniformly from the space by a generator seeded with (study seed, generation, slot),
///   stored in the current generation after its proposals (slot ≥ the generation's size). Two
///   askers asking for the same slot get the same design (queueing is insert-or-ignore).
/// - Extra and tell-only trials are stored and reported (they count in the study's best designs),
///   but they do not steer the optimizer: only a generation's own proposals are told to it, so
///   the replay is exact however extras and proposals interleave in time.
/// - A trial asked and never told goes back to the queue when its lease expires (the next ask
///   hands it out again), like a dead worker's claim.
///
/// **Trial ids** are the study's row numbers of the trials (integers, unique within the study).
public final class StudyAskTell: Sendable {
    public let store: any StudyStore
    public let exploration: CoExploration
    /// The worker name the queue records for trials handed out by ask.
    public static let worker = "duet-ask"
    /// Re-queues of an asked trial whose lease expired before it is recorded failed.
    public static let maxRetries = 3
    /// The optimizer before asking for generation `generation` (every earlier generation finished and told).
    private let replayed = Mutex<(optimizer: any Optimizer, generation: Int)?>(nil)
    /// Claims handed out by this instance, by trial id (a tell through the same process uses them as they are).
    private let claims = Mutex<[Int64: TrialClaim]>([:])
    /// Every trial up to this row number was read by ``number(generation:slot:)`` (rows are numbered in insertion order).
    private let scanned = Mutex<Int64?>(nil)
    /// A surrogate's per-generation predictor quality from the replays, written into the study.
    let quality: SurrogateQualityLog

    init(store: any StudyStore, exploration: CoExploration) {
        self.store = store
        self.exploration = exploration
        quality = SurrogateQualityLog(objectives: exploration.objectiveNames)
    }

    /// Opens ask/tell on `store`. A study without settings is started with `config` (and
    /// `overrides`) like `duet explore CONFIG --study`; a study with settings is rebuilt from its
    /// stored configuration (and, when `config` is given too, checked to be the same).
    public static func open(store: any StudyStore, config: String?, overrides: [String] = [], dataDir: URL) async throws -> StudyAskTell {
        let settings = try await store.settings()
        if let config {
            let cfg = try ExploreConfig.load(path: config, overrides: overrides, dataDir: dataDir)
            let exploration = try CoExploration(config: cfg, dataDir: dataDir)
            try await ExploreRun(exploration: exploration, store: store, overrides: overrides).claim(store)
            return StudyAskTell(store: store, exploration: exploration)
        }
        guard let settings, !settings.config.isEmpty else {
            throw InputError(file: store.location.description, message: "this study holds no configuration to ask about",
                             hint: "start it with a config: duet study ask \(store.location.description) --config CONFIG (serve: \"config\": PATH)")
        }
        let (exploration, stored) = try await ExploreWorker.storedExploration(store: store, settings: settings, dataDir: dataDir)
        let run = ExploreRun(exploration: exploration, store: store, overrides: stored)
        try ExploreRun.checkInputs(settings, against: try run.settings(), study: store.location.description)
        return StudyAskTell(store: store, exploration: exploration)
    }

    // MARK: Ask

    /// One trial handed out by ``ask(_:leaseSeconds:)``.
    public struct Asked: Sendable, Hashable {
        /// The id to tell its result with.
        public var trial: Int64
        public var generation: Int
        public var slot: Int
        public var point: Point
        /// The design JSON the study stores with it.
        public var design: String
    }

    /// Up to `n` trials to evaluate (fewer only when the optimizer and the space are exhausted),
    /// each claimed for `leaseSeconds`; see the type's discussion for what is proposed.
    public func ask(_ n: Int, leaseSeconds: Double = 3_600) async throws -> [Asked] {
        guard n >= 1 else { return [] }
        try await store.reclaimStale(maxRetries: Self.maxRetries)
        var out = try await claim(upTo: n, lease: leaseSeconds)
        if out.count < n {
            let (_, generation, batch) = try await current()
            let stored = try await store.trials(generation: generation)
            // The first proposals not yet queued, as many as are still wanted.
            let missing = batch.indices.filter { stored[$0] == nil }.prefix(n - out.count)
            if !missing.isEmpty {
                try await store.enqueue(missing.map { pending(generation: generation, slot: $0, genome: batch[$0].genome) })
                out += try await claim(upTo: n - out.count, lease: leaseSeconds)
            }
            if out.count < n {
                // The generation is handed out: extra designs, seeded by (seed, generation, slot).
                let now = try await store.trials(generation: generation)
                let first = max(batch.count, (now.keys.max() ?? -1) + 1)
                let extras = (first..<(first + n - out.count)).map { slot in
                    var rng = SeededGenerator(seed: exploration.config.seed).forked(stream: UInt64(generation) &* 1_000_003 &+ UInt64(slot))
                    return pending(generation: generation, slot: slot, genome: exploration.space.randomGenome(using: &rng))
                }
                try await store.enqueue(extras)
                out += try await claim(upTo: n - out.count, lease: leaseSeconds)
            }
        }
        return out
    }

    /// `{"trials": [{"trial": id, "generation", "slot", "point": {…}, "design": {…}}]}`: what `duet study ask` prints and serve's `ask` answers.
    public func json(_ asked: [Asked]) -> JSONValue {
        .obj(["trials": .array(asked.map { a in
            .obj(["trial": .int(Int(a.trial)), "generation": .int(a.generation), "slot": .int(a.slot),
                  "point": SpaceJSON.json(a.point, space: exploration.space),
                  "design": (try? JSONValue(parsing: a.design)) ?? .string(a.design)])
        })])
    }

    func pending(generation: Int, slot: Int, genome: [Double]) -> PendingTrial {
        PendingTrial(generation: generation, slot: slot, genome: genome, design: exploration.designJSON(exploration.space.decode(genome)),
                     seed: exploration.config.seed, version: ExploreRun.version)
    }

    func claim(upTo n: Int, lease: Double) async throws -> [Asked] {
        var out: [Asked] = []
        while out.count < n, let c = try await store.claim(worker: Self.worker, leaseSeconds: lease) {
            claims.withLock { $0[c.number] = c }
            out.append(Asked(trial: c.number, generation: c.generation, slot: c.slot, point: exploration.space.decode(c.genome), design: c.design))
        }
        return out
    }

    /// Replays the optimizer to the current generation: the first one whose proposals are not all
    /// finished. Returns the optimizer as it was before proposing it, its number and its proposals.
    func current() async throws -> (any Optimizer, Int, [Candidate]) {
        var optimizer: any Optimizer
        var generation: Int
        if let r = replayed.withLock({ $0 }) { (optimizer, generation) = r } else {
            optimizer = try await ExploreRun(exploration: exploration, store: store).makeOptimizer(quality: quality)
            generation = 0
        }
        let directions = exploration.objectives.map(\.direction)
        while true {
            let before = optimizer
            let batch = optimizer.ask()
            let stored = try await store.trials(generation: generation)
            let finished = !batch.isEmpty && batch.indices.allSatisfy { stored[$0]?.status.isFinished == true }
            if !finished {
                replayed.withLock { $0 = (before, generation) }
                try await quality.write(to: store)
                return (before, generation, batch)
            }
            var told: [Individual] = []
            for (slot, c) in batch.enumerated() {
                let t = stored[slot]!
                guard t.genome == c.genome else {
                    throw InputError(file: store.location.description, keyPath: "generation \(generation), slot \(slot)",
                                     message: "the study holds another design here than its configuration and seed propose",
                                     hint: "the study was made by another configuration; start a new study")
                }
                told.append(Self.individual(c, t, budgets: exploration.config.budgets.map(\.name), directions: directions))
            }
            optimizer.tell(told)
            generation += 1
        }
    }

    static func individual(_ c: Candidate, _ t: TrialRecord, budgets: [String], directions: [Objective.Direction]) -> Individual {
        guard t.status == .complete, t.objectives.count == directions.count else {
            return Individual(genome: c.genome, point: c.point, fitness: [Double](repeating: .infinity, count: directions.count), violation: .infinity)
        }
        let fitness = zip(t.objectives, directions).map { $1 == .maximize ? -$0 : $0 }
        let violation = budgets.reduce(0.0) { $0 + max(0, t.constraints[$1] ?? .infinity) }
        return Individual(genome: c.genome, point: c.point, fitness: fitness, violation: violation)
    }

    // MARK: Tell

    /// JSON text from the command line as a value; bad JSON is an ``InputError`` at `keyPath`.
    public static func parse(json text: String, keyPath: String) throws -> JSONValue {
        do { return try JSONValue(parsing: text) } catch {
            throw InputError(keyPath: keyPath, value: InputIssue.capped(text), message: "not valid JSON: \(error)",
                             hint: "quote the JSON for the shell, e.g. '{\"latency_ms\": 3.2}'")
        }
    }

    /// Metrics `{name: number}` from JSON text; anything else is an ``InputError`` at `keyPath`.
    public static func metrics(json text: String, keyPath: String) throws -> [String: Double] {
        let v = try parse(json: text, keyPath: keyPath)
        guard let fields = v.objectFields else {
            throw InputError(keyPath: keyPath, value: InputIssue.capped(text), message: "metrics must be a JSON object {name: number}, not \(v.typeName)")
        }
        var out: [String: Double] = [:]
        var issues = IssueCollector()
        for f in fields {
            guard let d = f.value.doubleValue else {
                issues.add(KeyPaths.join(keyPath, f.key), value: InputIssue.capped(f.value.serialized(pretty: false)), "a metric must be a number, not \(f.value.typeName)")
                continue
            }
            out[f.key] = d
        }
        try issues.throwIfAny()
        return out
    }

    /// What a tell stored.
    public struct Told: Sendable, Hashable {
        public var trial: Int64?
        public var generation: Int
        public var slot: Int
        public var feasible: Bool
        public var status: TrialStatus

        /// `{"trial": id, "recorded": true, "generation", "slot", "status", "feasible"}`: what `duet study tell` prints and serve's `tell` answers.
        public var json: JSONValue {
            .obj(["trial": trial.map { .int(Int($0)) } ?? .null, "recorded": .bool(true), "generation": .int(generation), "slot": .int(slot),
                  "status": .string(status.rawValue), "feasible": .bool(feasible)])
        }
    }

    /// The stored result of `metrics` (objectives and budget violations computed as the
    /// configuration defines them): every objective's and budget's metric is required.
    func result(_ metrics: [String: Double], seconds: Double) throws -> TrialResult {
        let c = exploration.config
        var issues = IssueCollector()
        var seen = Set<String>()
        let needed = (c.objectives.map(\.metric) + c.budgets.map(\.name)).filter { seen.insert($0).inserted }
        for name in needed where metrics[name] == nil {
            issues.add("metrics.\(name)", "no value for '\(name)', which the study's \(c.objectives.contains { $0.metric == name } ? "objectives" : "budgets") need",
                       hint: "tell every objective and budget metric: " + needed.joined(separator: ", "))
        }
        for (k, v) in metrics.sorted(by: { $0.key < $1.key }) where !v.isFinite {
            issues.add("metrics.\(k)", value: String(v), "metric values must be finite numbers")
        }
        try issues.throwIfAny()
        let objectives = exploration.objectives(metrics)
        let constraints = exploration.constraintValues(metrics)
        let e = Evaluation(objectives: objectives, constraints: constraints, metrics: metrics)
        return TrialResult(metrics: metrics, objectives: objectives, constraints: exploration.namedConstraints(e), violation: e.violation, seconds: seconds)
    }

    /// Records the result of asked trial `trial`: `metrics`, or the failure `error`.
    public func tell(trial: Int64, metrics: [String: Double], error: String? = nil, seconds: Double = 0) async throws -> Told {
        let where_ = store.location.description
        let page = trial >= 1 ? try await store.trialPage(after: trial - 1, limit: 1) : (trials: [], next: nil)
        guard let t = page.trials.first, page.next == trial else {
            throw InputError(file: where_, keyPath: "trial", value: String(trial), message: "the study has no trial with this id",
                             hint: "tell the id an ask returned")
        }
        guard t.status == .running else {
            let why = t.status.isFinished ? "was already told (it is \(t.status))" : "is queued but not asked (pending)"
            throw InputError(file: where_, keyPath: "trial", value: String(trial), message: "this trial \(why)",
                             hint: t.status.isFinished ? "tell each trial once; ask for new trials" : "ask first: its id comes with the proposal")
        }
        let r = error == nil ? try result(metrics, seconds: seconds) : nil
        // The claim: as handed out by this process, else rebuilt from the trial (worker, and the
        // attempt, which is retries + 1 for a running trial; earlier attempts are tried after it).
        var candidates: [TrialClaim] = []
        if let c = claims.withLock({ $0[trial] }) { candidates.append(c) }
        let worker = t.worker ?? Self.worker
        for attempt in stride(from: t.retries + 1, through: 1, by: -1) {
            candidates.append(TrialClaim(number: trial, generation: t.generation, slot: t.slot, genome: t.genome, design: t.design,
                                         seed: t.seed, version: t.version, worker: worker, attempt: attempt, retries: t.retries))
        }
        for c in candidates {
            if let r {
                if try await store.complete(c, with: r) {
                    claims.withLock { $0[trial] = nil }
                    return Told(trial: trial, generation: t.generation, slot: t.slot, feasible: r.violation == 0, status: .complete)
                }
            } else if try await store.fail(c, reason: error!, seconds: seconds, retry: false, maxRetries: 0) != .claimLost {
                claims.withLock { $0[trial] = nil }
                return Told(trial: trial, generation: t.generation, slot: t.slot, feasible: false, status: .failed)
            }
        }
        throw InputError(file: where_, keyPath: "trial", value: String(trial), message: "this trial's claim is no longer held (its lease expired and it was handed out again)",
                         hint: "ask again; tell within the lease (--lease seconds)")
    }

    /// Records a design the agent proposed itself (a tell-only trial) with its `metrics`, in the
    /// current generation after its proposals.
    public func tell(point json: JSONValue, metrics: [String: Double], seconds: Double = 0) async throws -> Told {
        let point = try SpaceJSON.point(json, space: exploration.space)
        let genome = try exploration.space.encode(point.dictionary)
        let r = try result(metrics, seconds: seconds)
        let (_, generation, batch) = try await current()
        let design = exploration.designJSON(point)
        for _ in 0..<1_000 {
            let stored = try await store.trials(generation: generation)
            let slot = max(batch.count, (stored.keys.max() ?? -1) + 1)
            let record = TrialRecord(generation: generation, slot: slot, genome: genome, design: design, metrics: r.metrics, objectives: r.objectives,
                                     constraints: r.constraints, violation: r.violation, status: .complete, seconds: seconds,
                                     seed: exploration.config.seed, version: ExploreRun.version, worker: "duet-tell")
            if try await store.record(record) {
                return Told(trial: try await number(generation: generation, slot: slot), generation: generation, slot: slot,
                            feasible: r.violation == 0, status: .complete)
            }
        }
        throw InputError(file: store.location.description, message: "could not find a free slot for the trial (other processes keep taking them)",
                         hint: "tell again")
    }

    /// The row number of the trial at (generation, slot), read forward from the last full page
    /// this instance read (a newly recorded trial is near the end). Rows are numbered in insertion
    /// order, so the i-th row after a cursor stays the i-th while others are added.
    func number(generation: Int, slot: Int) async throws -> Int64? {
        var cursor = scanned.withLock { $0 }
        while true {
            let page = try await store.trialPage(after: cursor, limit: 500)
            if let i = page.trials.firstIndex(where: { $0.generation == generation && $0.slot == slot }) {
                // A page of i + 1 rows ends at the trial: its cursor is the trial's number.
                return try await store.trialPage(after: cursor, limit: i + 1).next
            }
            guard let next = page.next else { return nil }
            cursor = next
            scanned.withLock { $0 = next }
        }
    }
}
