import Foundation

/// Evaluates batches of designs concurrently, at most ``concurrency`` at a time, caching outcomes
/// by decoded ``Point`` so that no design is evaluated twice while it is in the cache.
///
/// The cache is bounded (``cacheCapacity`` designs): two generations of at most half the capacity
/// each; when the newer one fills up it becomes the older one and the older one is dropped, and a
/// design found in the older one moves to the newer one (a cheap approximation of least recently
/// used). So memory stays flat however many designs a long search evaluates; a design evicted
/// and proposed again is evaluated again (the same outcome: evaluations are pure).
///
/// Results come back in the order of the batch whatever order evaluations finish in, so a
/// seeded search stays reproducible. Work is split into tasks of several designs when
/// evaluations are cheap (microseconds: task overhead would dominate) and one design per task
/// when they are slow (so a long evaluation does not hold up others). A thrown error, NaN
/// objective or wrongly sized result becomes ``Outcome/failed(_:)``.
public actor Evaluator<P: Problem> {
    public nonisolated let problem: P
    /// The most evaluations running at once.
    public nonisolated let concurrency: Int
    /// Whether outcomes are cached by point.
    public nonisolated let caching: Bool
    /// The most designs the cache holds (at least 2).
    public nonisolated let cacheCapacity: Int
    /// The cache's two generations (each at most half of ``cacheCapacity``).
    var recent: [Point: Outcome] = [:]
    var older: [Point: Outcome] = [:]
    /// The designs the cache holds now.
    public var cachedCount: Int { recent.count + older.count }
    /// The default ``cacheCapacity``: 50,000 designs (a design's outcome with its metrics and
    /// design JSON is about 1–3 KB, so at most ~150 MB).
    public static var defaultCacheCapacity: Int { 50_000 }
    /// Calls made to the problem's `evaluate` (cache misses).
    public private(set) var evaluationCount = 0
    /// Designs answered from the cache (including repeats within one batch).
    public private(set) var cacheHits = 0
    /// Evaluations that failed.
    public private(set) var failureCount = 0
    /// Running estimate of the seconds one evaluation takes.
    var secondsPerEvaluation: Double?

    /// - Parameter expectedEvaluations: a hint for the cache's initial capacity (e.g. the
    ///   evaluation budget), which saves rehashing a large cache as it grows.
    public init(problem: P, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount, caching: Bool = true,
                expectedEvaluations: Int = 0, cacheCapacity: Int = Evaluator.defaultCacheCapacity) {
        precondition(concurrency >= 1, "concurrency must be at least 1")
        self.problem = problem
        self.concurrency = concurrency
        self.caching = caching
        self.cacheCapacity = max(2, cacheCapacity)
        if caching && expectedEvaluations > 0 {
            recent.reserveCapacity(min(expectedEvaluations, self.cacheCapacity / 2))
        }
    }

    /// The cached outcome of `key`, moved to the newer generation when found in the older one.
    func cached(_ key: Point) -> Outcome? {
        if let o = recent[key] { return o }
        guard let o = older.removeValue(forKey: key) else { return nil }
        remember(key, o)
        return o
    }

    func remember(_ key: Point, _ outcome: Outcome) {
        if recent.count >= cacheCapacity / 2 {
            older = recent
            recent = [:]
            recent.reserveCapacity(cacheCapacity / 2)
        }
        recent[key] = outcome
    }

    /// Called once for each design of a batch as its outcome is known, from concurrent tasks:
    /// its index in the batch, the outcome and the wall seconds its evaluation took (0 for a
    /// cache hit).
    public typealias OutcomeHandler = @Sendable (_ index: Int, _ outcome: Outcome, _ seconds: Double) async -> Void

    /// The outcome of each design of `points`, in order. Equivalent designs (see
    /// ``Problem/canonical(_:)``) are evaluated once, as their canonical point.
    public func evaluate(_ points: [Point], onEach: OutcomeHandler? = nil) async -> [Outcome] {
        let keys = points.map(problem.canonical)
        if !caching {
            return await evaluateMisses(keys, onEach: onEach, indices: Array(keys.indices))
        }
        // Look each point up once; a miss is evaluated once (later repeats in the batch share it).
        var answer = [Outcome?](repeating: nil, count: keys.count)
        var todo: [Point] = [], todoIndex: [Int] = [], hits: [Int] = []
        var pending: [Point: Int] = [:]
        var repeats: [(index: Int, todo: Int)] = []
        for (k, p) in keys.enumerated() {
            if let o = cached(p) {
                answer[k] = o
                cacheHits += 1
                hits.append(k)
            } else if let t = pending[p] {
                repeats.append((k, t))
                cacheHits += 1
            } else {
                pending[p] = todo.count
                todo.append(p)
                todoIndex.append(k)
            }
        }
        if !todo.isEmpty {
            let outcomes = await evaluateMisses(todo, onEach: onEach, indices: todoIndex)
            for (t, o) in outcomes.enumerated() {
                answer[todoIndex[t]] = o
                remember(todo[t], o)
            }
            for (k, t) in repeats { answer[k] = outcomes[t] }
        }
        if let onEach {
            for k in hits { await onEach(k, answer[k]!, 0) }
            for (k, _) in repeats { await onEach(k, answer[k]!, 0) }
        }
        return answer.map { $0! }
    }

    /// Tells the cache the outcome of a design evaluated elsewhere (a resumed study's trial), so
    /// that it is not evaluated again.
    public func prime(_ point: Point, _ outcome: Outcome) {
        guard caching else { return }
        let key = problem.canonical(point)
        guard cached(key) == nil else { return }
        remember(key, outcome)
    }

    /// Evaluates `points` (no cache), updating the counters and the timing estimate; `indices`
    /// are the points' positions in the caller's batch (for `onEach`).
    func evaluateMisses(_ points: [Point], onEach: OutcomeHandler? = nil, indices: [Int] = []) async -> [Outcome] {
        if points.isEmpty { return [] }
        let start = ContinuousClock.now
        let outcomes = await Self.run(problem, points, concurrency: concurrency, chunk: chunkSize(for: points.count),
                                      onEach: onEach, indices: indices)
        let elapsed = (ContinuousClock.now - start).seconds
        let perEvaluation = elapsed * Double(min(concurrency, points.count)) / Double(points.count)
        secondsPerEvaluation = secondsPerEvaluation.map { 0.5 * $0 + 0.5 * perEvaluation } ?? perEvaluation
        evaluationCount += points.count
        for o in outcomes { if case .failed = o { failureCount += 1 } }
        return outcomes
    }

    /// The outcome of one design.
    public func evaluate(_ point: Point) async -> Outcome { await evaluate([point])[0] }

    /// Designs per task: one until timings are known, then enough for ~0.2 ms of work per task,
    /// without leaving cores idle.
    func chunkSize(for n: Int) -> Int {
        guard let s = secondsPerEvaluation, s < 2e-4 else { return 1 }
        let cheap = max(1, Int(2e-4 / max(s, 1e-9)))
        let even = (n + concurrency - 1) / concurrency
        return max(1, min(cheap, even))
    }

    static func run(_ problem: P, _ points: [Point], concurrency: Int, chunk: Int,
                    onEach: OutcomeHandler? = nil, indices: [Int] = []) async -> [Outcome] {
        let chunks = stride(from: 0, to: points.count, by: chunk).map { $0..<min($0 + chunk, points.count) }
        @Sendable func one(_ k: Int, _ p: Point) async -> Outcome {
            guard let onEach else { return await evaluateOne(problem, p) }
            let t0 = ContinuousClock.now
            let o = await evaluateOne(problem, p)
            await onEach(indices[k], o, (ContinuousClock.now - t0).seconds)
            return o
        }
        if chunks.count == 1 || concurrency == 1 {
            var out: [Outcome] = []
            out.reserveCapacity(points.count)
            for (k, p) in points.enumerated() { out.append(await one(k, p)) }
            return out
        }
        var out = [Outcome?](repeating: nil, count: points.count)
        await withTaskGroup(of: (Int, [Outcome]).self) { group in
            var next = 0
            func add() {
                let range = chunks[next]
                let slice = Array(points[range])
                group.addTask {
                    var r: [Outcome] = []
                    r.reserveCapacity(slice.count)
                    for (k, p) in zip(range, slice) { r.append(await one(k, p)) }
                    return (range.lowerBound, r)
                }
                next += 1
            }
            while next < min(concurrency, chunks.count) { add() }
            while let (start, r) = await group.next() {
                for (k, o) in r.enumerated() { out[start + k] = o }
                if next < chunks.count { add() }
            }
        }
        return out.map { $0! }
    }

    static func evaluateOne(_ problem: P, _ point: Point) async -> Outcome {
        do {
            let e = try await problem.evaluate(point)
            if e.objectives.count != problem.objectives.count {
                return .failed("returned \(e.objectives.count) objective values for \(problem.objectives.count) objectives")
            }
            if e.constraints.count != problem.constraints.count {
                return .failed("returned \(e.constraints.count) constraint values for \(problem.constraints.count) constraints")
            }
            for (j, v) in e.objectives.enumerated() where v.isNaN {
                return .failed("objective '\(problem.objectives[j].name)' is NaN")
            }
            for (j, v) in e.constraints.enumerated() where v.isNaN {
                return .failed("constraint '\(problem.constraints[j])' is NaN")
            }
            return .evaluated(e)
        } catch {
            return .failed(String(describing: error))
        }
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
