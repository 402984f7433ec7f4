import DuetCore
import DuetSearch
import DuetStudy
import Foundation
import Synchronization

/// The exploration's ``SearchLog``: turns each finished trial into a ``TrialRecord`` (design JSON,
/// metrics, objectives, budget violations, status), writes it to the study at once (when there is
/// one) and keeps it for the run's result.
final class ExploreLog: SearchLog {
    let exploration: CoExploration
    let study: Study?
    private let state = Mutex<(records: [TrialRecord], error: Error?)>(([], nil))

    init(exploration: CoExploration, study: Study?) {
        self.exploration = exploration
        self.study = study
    }

    func stored(generation: Int) async throws -> [Int: LoggedTrial] {
        guard let study else { return [:] }
        var out: [Int: LoggedTrial] = [:]
        for (slot, t) in try study.trials(generation: generation) {
            let point = exploration.space.decode(t.genome)
            state.withLock { $0.records.append(t) }
            out[slot] = LoggedTrial(generation: generation, slot: slot, genome: t.genome, point: point, outcome: outcome(of: t), seconds: t.seconds)
        }
        return out
    }

    func record(_ trial: LoggedTrial) async {
        let t = record(of: trial)
        do { try study?.record(t) } catch { state.withLock { if $0.error == nil { $0.error = error } } }
        state.withLock { $0.records.append(t) }
    }

    func flush() async throws {
        if let e = state.withLock({ $0.error }) { throw e }
    }

    /// Every trial recorded or taken from the study, by (generation, slot).
    func trials() -> [TrialRecord] {
        state.withLock { $0.records }.sorted { ($0.generation, $0.slot) < ($1.generation, $1.slot) }
    }

    /// A stored trial as the search sees it: its objectives and budget violations in the
    /// config's order, or its failure.
    func outcome(of t: TrialRecord) -> Outcome {
        guard t.status == "complete" else { return .failed(t.error ?? "failed") }
        let constraints = exploration.config.budgets.map { t.constraints[$0.name] ?? .infinity }
        return .evaluated(Evaluation(objectives: t.objectives, constraints: constraints, metrics: t.metrics, detail: t.design))
    }

    func record(of trial: LoggedTrial) -> TrialRecord {
        let seed = exploration.config.seed, version = ExploreRun.version
        switch trial.outcome {
        case .evaluated(let e):
            var constraints: [String: Double] = [:]
            for (b, v) in zip(exploration.constraints, e.constraints) { constraints[b] = v }
            return TrialRecord(generation: trial.generation, slot: trial.slot, genome: trial.genome, design: e.detail ?? "{}",
                               metrics: e.metrics, objectives: e.objectives, constraints: constraints, violation: e.violation,
                               status: "complete", seconds: trial.seconds, seed: seed, version: version)
        case .failed(let why):
            let design = (try? exploration.decode(exploration.canonical(trial.point)).json) ?? "{}"
            return TrialRecord(generation: trial.generation, slot: trial.slot, genome: trial.genome, design: design, metrics: [:],
                               objectives: [], constraints: [:], violation: .infinity, status: "failed", error: why,
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
