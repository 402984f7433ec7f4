/// When a search stops: after a number of evaluations or generations, after some wall time, or
/// when the hypervolume of the front has not improved for some generations; combined with
/// ``any(_:)`` (stop at the first) and ``all(_:)`` (stop when every one holds), or `||` and `&&`.
///
/// ```swift
/// let stop: Termination = .evaluations(25_000) || .seconds(60) || .noImprovement(generations: 30)
/// ```
public struct Termination: Sendable, Hashable, CustomStringConvertible {
    indirect enum Kind: Sendable, Hashable {
        case evaluations(Int)
        case generations(Int)
        case seconds(Double)
        case noImprovement(generations: Int, tolerance: Double, reference: [Double]?)
        case any([Termination])
        case all([Termination])
    }
    let kind: Kind

    /// Stop once this many designs have been evaluated (cache hits included). Also caps the last
    /// batch, so the count is never exceeded.
    public static func evaluations(_ n: Int) -> Termination { Termination(kind: .evaluations(n)) }
    /// Stop after this many ask/tell rounds.
    public static func generations(_ n: Int) -> Termination { Termination(kind: .generations(n)) }
    /// Stop once this much wall time has passed (checked after each generation).
    public static func seconds(_ s: Double) -> Termination { Termination(kind: .seconds(s)) }
    /// Stop when the hypervolume of the feasible front (minimization form) has not grown by more
    /// than `tolerance` (relative) for `generations` rounds. Without a `reference` point, one is
    /// fixed from the first feasible front: its nadir plus 10% of its range.
    public static func noImprovement(generations: Int, tolerance: Double = 1e-6, reference: [Double]? = nil) -> Termination {
        Termination(kind: .noImprovement(generations: generations, tolerance: tolerance, reference: reference))
    }
    /// Stop as soon as one of `criteria` holds.
    public static func any(_ criteria: [Termination]) -> Termination { Termination(kind: .any(criteria)) }
    /// Stop once all of `criteria` hold.
    public static func all(_ criteria: [Termination]) -> Termination { Termination(kind: .all(criteria)) }

    public static func || (a: Termination, b: Termination) -> Termination { .any([a, b]) }
    public static func && (a: Termination, b: Termination) -> Termination { .all([a, b]) }

    public var description: String {
        switch kind {
        case .evaluations(let n): return "\(n) evaluations"
        case .generations(let n): return "\(n) generations"
        case .seconds(let s): return "\(s) s"
        case .noImprovement(let k, _, _): return "no hypervolume improvement for \(k) generations"
        case .any(let ts): return ts.map(\.description).joined(separator: " or ")
        case .all(let ts): return ts.map(\.description).joined(separator: " and ")
        }
    }
}

/// Where a search stands, as termination criteria see it.
public struct SearchStatus: Sendable, Hashable {
    public var evaluations: Int
    public var generations: Int
    public var elapsedSeconds: Double
    /// Fitness (minimization form) of the current feasible front; may be left empty when no
    /// criterion needs it (see ``TerminationTracker/needsFront``).
    public var front: [[Double]]

    public init(evaluations: Int, generations: Int, elapsedSeconds: Double, front: [[Double]] = []) {
        self.evaluations = evaluations
        self.generations = generations
        self.elapsedSeconds = elapsedSeconds
        self.front = front
    }
}

/// The state of a ``Termination`` during one search: update it once per generation, then ask
/// whether to stop and how far along the search is.
public struct TerminationTracker: Sendable {
    public let termination: Termination
    var children: [TerminationTracker]
    var bestHypervolume = -Double.infinity
    var stagnant = 0
    var reference: [Double]?
    var last = SearchStatus(evaluations: 0, generations: 0, elapsedSeconds: 0)

    public init(_ termination: Termination) {
        self.termination = termination
        switch termination.kind {
        case .any(let ts), .all(let ts): children = ts.map(TerminationTracker.init)
        case .noImprovement(_, _, let r): children = []; reference = r
        default: children = []
        }
    }

    /// Whether some criterion needs the front's fitness in ``SearchStatus/front``.
    public var needsFront: Bool {
        if case .noImprovement = termination.kind { return true }
        return children.contains { $0.needsFront }
    }

    /// Records the status after a generation.
    public mutating func update(_ status: SearchStatus) {
        last = status
        for i in children.indices { children[i].update(status) }
        guard case .noImprovement(_, let tolerance, _) = termination.kind else { return }
        guard let first = status.front.first else { stagnant += 1; return }
        if reference == nil {
            var ideal = first, nadir = first
            for p in status.front { for j in p.indices { ideal[j] = min(ideal[j], p[j]); nadir[j] = max(nadir[j], p[j]) } }
            reference = nadir.indices.map { j in
                nadir[j] + max(0.1 * (nadir[j] - ideal[j]), 0.1 * abs(nadir[j]), 1e-6)
            }
        }
        let hv = Hypervolume.compute(status.front, reference: reference!)
        if hv > bestHypervolume + tolerance * max(abs(bestHypervolume), 1e-300) || bestHypervolume == -.infinity {
            bestHypervolume = hv
            stagnant = 0
        } else {
            stagnant += 1
        }
    }

    /// Whether the search should stop.
    public var isDone: Bool {
        switch termination.kind {
        case .evaluations(let n): return last.evaluations >= n
        case .generations(let n): return last.generations >= n
        case .seconds(let s): return last.elapsedSeconds >= s
        case .noImprovement(let k, _, _): return stagnant >= k
        case .any: return children.contains { $0.isDone }
        case .all: return !children.isEmpty && children.allSatisfy { $0.isDone }
        }
    }

    /// How far along the search is, in 0...1, for progress bars: the largest fraction among `any`
    /// criteria, the smallest among `all`. The no-improvement fraction can go back down.
    public var progress: Double {
        func fraction(_ x: Double, _ of: Double) -> Double { of > 0 ? min(max(x / of, 0), 1) : 1 }
        switch termination.kind {
        case .evaluations(let n): return fraction(Double(last.evaluations), Double(n))
        case .generations(let n): return fraction(Double(last.generations), Double(n))
        case .seconds(let s): return fraction(last.elapsedSeconds, s)
        case .noImprovement(let k, _, _): return fraction(Double(stagnant), Double(k))
        case .any: return children.map(\.progress).max() ?? 1
        case .all: return children.map(\.progress).min() ?? 1
        }
    }

    /// The criteria that hold now, described.
    public var reasons: [String] {
        switch termination.kind {
        case .any(let ts), .all(let ts):
            _ = ts
            return children.flatMap(\.reasons)
        default: return isDone ? [termination.description] : []
        }
    }

    /// How many more evaluations may be made before an evaluation limit is hit, if one applies.
    public var remainingEvaluations: Int? {
        switch termination.kind {
        case .evaluations(let n): return max(n - last.evaluations, 0)
        case .any: return children.compactMap(\.remainingEvaluations).min()
        default: return nil
        }
    }
}
