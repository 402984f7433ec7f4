import DuetCore
import DuetSearch
import DuetStudy

/// What a study's report needs of its trials, gathered one trial at a time so that a report of
/// any size holds only this, never every ``TrialRecord``: the counts, the running feasible front
/// (the Pareto set), the trials that entered it (to replay the convergence), each objective's
/// range, a fixed-size seeded sample of the feasible and of the infeasible trials for the
/// scatter plots, and the 2-D feasible front of every pair of objectives.
///
/// Memory is bounded by the limits and the front's size, not by the study's: a
/// 1,000,000-trial study keeps a few thousand points. Feed it with ``add(_:)`` in the study's
/// storage order; the same trials in the same order always give the same digest (the samples
/// are drawn with a ``SeededGenerator`` seeded by ``Limits/seed``).
public struct ReportDigest: Sendable {
    /// How much of the study the plots keep.
    public struct Limits: Sendable, Hashable {
        /// Feasible trials kept (uniformly, reservoir sampling) for the scatter plots.
        public var feasibleSample = 800
        /// Infeasible (complete, missing a budget) trials kept the same way.
        public var infeasibleSample = 600
        /// Pareto designs drawn in each scatter plot; a larger Pareto set is drawn thinned to
        /// this many, evenly along its first objective (the table and pareto.csv keep all).
        public var paretoDrawn = 600
        /// Points of the convergence curve.
        public var checkpoints = 50
        /// Seed of the samples.
        public var seed: UInt64 = 0x5EED
        public init() {}
    }

    public let objectives: [String]
    public let maximize: [Bool]
    public let limits: Limits
    /// Finished trials seen (complete and failed).
    public private(set) var trials = 0
    public private(set) var complete = 0
    public private(set) var feasible = 0
    public private(set) var failed = 0
    /// Every metric name any trial has.
    public private(set) var metricNames: Set<String> = []
    /// The feasible trial with the best first objective (the first one, on ties): the chosen design.
    public private(set) var best: TrialRecord?

    /// Feasible, non-dominated, one per design (the first seen), in arrival order.
    var front: [TrialRecord] = []
    var frontKeys: [[Double]] = []
    /// Hashes of the feasible designs seen: a design's later copies are left out, as ExploreRun.pareto does.
    var feasibleDesigns: Set<Int> = []
    /// Feasible trials that were non-dominated when they arrived: (trial index, objectives in minimization form).
    var entrants: [(index: Int, point: [Double])] = []
    var leastViolation = Double.infinity
    var leastViolating: [TrialRecord] = []
    /// Per objective, as reported (not negated): over feasible trials and over complete ones.
    public private(set) var feasibleRange: [ClosedRange<Double>?]
    public private(set) var completeRange: [ClosedRange<Double>?]
    var feasibleSampler: Reservoir
    var infeasibleSampler: Reservoir
    /// Per pair (i < j), the 2-D non-dominated feasible points in minimization form, sorted by the first.
    var pairFronts: [[Int]: [(Double, Double)]] = [:]

    public init(objectives: [String], maximize: [Bool], limits: Limits = Limits()) {
        precondition(objectives.count == maximize.count, "one direction per objective")
        self.objectives = objectives; self.maximize = maximize; self.limits = limits
        feasibleRange = Array(repeating: nil, count: objectives.count)
        completeRange = Array(repeating: nil, count: objectives.count)
        var rng = SeededGenerator(seed: limits.seed)
        feasibleSampler = Reservoir(capacity: limits.feasibleSample, seed: rng.next())
        infeasibleSampler = Reservoir(capacity: limits.infeasibleSample, seed: rng.next())
    }

    func minimizing(_ v: [Double]) -> [Double] { zip(v, maximize).map { $1 ? -$0 : $0 } }

    static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        var strictly = false
        for k in a.indices {
            if a[k] > b[k] { return false }
            if a[k] < b[k] { strictly = true }
        }
        return strictly
    }

    /// Takes one finished trial (pending and running ones are ignored).
    public mutating func add(_ t: TrialRecord) {
        guard t.status.isFinished else { return }
        let index = trials
        trials += 1
        metricNames.formUnion(t.metrics.keys)
        if t.status == .failed { failed += 1; return }
        complete += 1
        let m = objectives.count
        guard t.objectives.count == m else { return }
        for k in 0..<m where t.objectives[k].isFinite { Self.widen(&completeRange[k], t.objectives[k]) }
        if !t.isFeasible {
            if t.violation < leastViolation { leastViolation = t.violation; leastViolating = [t] }
            else if t.violation == leastViolation && leastViolating.count < 10 { leastViolating.append(t) }
            infeasibleSampler.offer(t.objectives)
            return
        }
        feasible += 1
        for k in 0..<m where t.objectives[k].isFinite { Self.widen(&feasibleRange[k], t.objectives[k]) }
        if let b = best {
            let better = maximize.first ?? true ? b.objectives[0] < t.objectives[0] : b.objectives[0] > t.objectives[0]
            if better { best = t }
        } else { best = t }
        feasibleSampler.offer(t.objectives)
        // 2-D fronts of every pair.
        let p = minimizing(t.objectives)
        for i in 0..<m { for j in (i + 1)..<m { Self.insert2D(&pairFronts[[i, j], default: []], (p[i], p[j])) } }
        // The running front (one entry per design).
        guard feasibleDesigns.insert(t.design.hashValue).inserted else { return }
        if frontKeys.contains(where: { Self.dominates($0, p) }) { return }
        var keep: [Int] = []
        for (n, q) in frontKeys.enumerated() where !Self.dominates(p, q) { keep.append(n) }
        if keep.count < frontKeys.count { front = keep.map { front[$0] }; frontKeys = keep.map { frontKeys[$0] } }
        front.append(t); frontKeys.append(p)
        entrants.append((index, p))
    }

    static func widen(_ r: inout ClosedRange<Double>?, _ v: Double) {
        r = r.map { min($0.lowerBound, v)...max($0.upperBound, v) } ?? v...v
    }

    /// Inserts into a 2-D non-dominated set (minimization) kept sorted by x ascending (so y descending).
    static func insert2D(_ f: inout [(Double, Double)], _ p: (Double, Double)) {
        guard p.0.isFinite, p.1.isFinite else { return }
        // First index with x > p.x; the point before it (x ≤ p.x) has the lowest y of those.
        var lo = 0, hi = f.count
        while lo < hi { let mid = (lo + hi) / 2; if f[mid].0 <= p.0 { lo = mid + 1 } else { hi = mid } }
        if lo > 0, f[lo - 1].1 <= p.1 { return }   // dominated or equal
        // Remove the points p dominates: x ≥ p.x and y ≥ p.y, right after the insertion point
        // (and an equal-x point just before it, which has y > p.y).
        var start = lo
        if start > 0, f[start - 1].0 == p.0 { start -= 1 }
        var end = start
        while end < f.count, f[end].1 >= p.1 { end += 1 }
        f.replaceSubrange(start..<end, with: [p])
    }

    // MARK: Results

    /// The Pareto set as ``ExploreRun/pareto(_:maximize:)`` gives it for the same trials: the
    /// feasible non-dominated designs (one per chip up to sub-accelerator order), best first
    /// objective first; with no feasible trial, up to 10 complete trials of the least violation.
    public var pareto: [TrialRecord] {
        if front.isEmpty { return leastViolating }
        var chips = Set<String>()
        return front.filter { chips.insert(ExploreRun.canonicalDesign($0.design)).inserted }
            .sorted { $0.objectives[0] > $1.objectives[0] }
    }

    /// The trials that met every budget, thinned: at most ``Limits/feasibleSample``, objectives as reported.
    public var feasibleSample: [[Double]] { feasibleSampler.points }
    /// Complete trials that missed a budget, thinned: at most ``Limits/infeasibleSample``.
    public var infeasibleSample: [[Double]] { infeasibleSampler.points }

    /// The 2-D feasible front of objectives `i` and `j` (as reported, not negated), sorted by objective `i`.
    public func pairFront(_ i: Int, _ j: Int) -> [(x: Double, y: Double)] {
        (pairFronts[[i, j]] ?? []).map { (x: maximize[i] ? -$0.0 : $0.0, y: maximize[j] ? -$0.1 : $0.1) }
            .sorted { $0.x < $1.x }
    }

    /// The normalization box of the hypervolume, in minimization form: the best (ideal) and the
    /// worst (nadir, the reference) value of each objective over the feasible trials.
    public var hypervolumeBox: (ideal: [Double], reference: [Double])? {
        guard feasible > 0 else { return nil }
        var ideal: [Double] = [], reference: [Double] = []
        for (k, r) in feasibleRange.enumerated() {
            guard let r else { return nil }
            ideal.append(maximize[k] ? -r.upperBound : r.lowerBound)
            reference.append(maximize[k] ? -r.lowerBound : r.upperBound)
        }
        return (ideal, reference)
    }

    /// Normalized hypervolume of the feasible front after every `trials / checkpoints` trials
    /// (and after the last): x = trials seen, y ∈ [0, 1] by ``Hypervolume/normalized(_:ideal:reference:)``
    /// in ``hypervolumeBox`` (1 = one design best in every objective). All 0 without a feasible trial.
    public var convergence: [(x: Double, y: Double)] {
        guard trials > 0 else { return [] }
        let step = max(1, trials / max(1, limits.checkpoints))
        let box = hypervolumeBox
        var out: [(x: Double, y: Double)] = []
        var current: [[Double]] = []
        var e = 0
        for n in 0..<trials where (n + 1) % step == 0 || n == trials - 1 {
            while e < entrants.count, entrants[e].index <= n {
                let p = entrants[e].point
                current.removeAll { Self.dominates(p, $0) }
                current.append(p)
                e += 1
            }
            let hv = box.map { Hypervolume.normalized(current, ideal: $0.ideal, reference: $0.reference) } ?? 0
            out.append((x: Double(n + 1), y: hv))
        }
        return out
    }
}

/// A uniform sample of fixed size from a stream (Vitter's algorithm R), seeded.
struct Reservoir: Sendable {
    let capacity: Int
    var rng: SeededGenerator
    var seen = 0
    var points: [[Double]] = []

    init(capacity: Int, seed: UInt64) {
        self.capacity = max(0, capacity); rng = SeededGenerator(seed: seed)
        points.reserveCapacity(self.capacity)
    }

    mutating func offer(_ p: [Double]) {
        defer { seen += 1 }
        if points.count < capacity { points.append(p); return }
        guard capacity > 0 else { return }
        let j = Int.random(in: 0...seen, using: &rng)
        if j < capacity { points[j] = p }
    }
}
