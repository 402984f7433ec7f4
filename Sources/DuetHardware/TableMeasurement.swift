import DuetCore
import Foundation

/// Measures the operators a table lacks with a ``TableRunner``, `jobs` at a time, in one task
/// group whose parent task alone owns the table (no locks): results are inserted as they come,
/// the table is handed to `save` every ``saveIntervalSeconds`` and at the end (so an interrupted
/// run loses at most that much work and a resumed run measures only what is missing), and
/// `progress` is told done/total, failures, rate and ETA after each result.
///
/// Noise: a runner reply whose relative spread (std/mean) exceeds ``maxRelativeSpread`` is
/// measured again, up to ``maxRepeats`` calls in all; the entry is the pooled mean and standard
/// deviation of every call (runs summed), so its spread is stored and noisy entries stay visible.
public struct TableMeasurement: Sendable {
    /// What one progress report says.
    public struct Progress: Sendable, Hashable {
        public var done: Int
        public var total: Int
        public var failed: Int
        /// Seconds since the measurement started.
        public var elapsedSeconds: Double
        /// Operators per second so far.
        public var rate: Double { elapsedSeconds > 0 ? Double(done) / elapsedSeconds : 0 }
        /// Estimated seconds left at the current rate (nil before the first result).
        public var etaSeconds: Double? { done > 0 && rate > 0 ? Double(total - done) / rate : nil }

        /// One line for a terminal: `[####      ] 12/40 measured, 1 failed, 0.8/s, ETA 35 s`.
        public var line: String {
            let width = 30, filled = total == 0 ? width : min(done * width / total, width)
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            let eta = etaSeconds.map { String(format: ", ETA %.0f s", $0) } ?? ""
            return "[\(bar)] \(done)/\(total) measured, \(failed) failed, " + String(format: "%.2f/s", rate) + eta
        }

        /// ``line`` redrawn in place on a terminal: a carriage return first, a newline after the last result.
        public var terminalLine: String { "\r" + line + (done == total ? "\n" : "") }
    }

    /// What a finished measurement did.
    public struct Outcome: Sendable {
        public var table: LatencyTable
        /// The operators measured now.
        public var measured: [OperatorSignature]
        /// The operators whose measurement failed now (their errors are in `table.failures`).
        public var failed: [OperatorSignature]
    }

    public var runner: TableRunner
    /// Runner calls in flight at once (at least 1).
    public var jobs: Int
    /// Seconds between saves of the table while measuring.
    public var saveIntervalSeconds: Double = 2
    /// A reply with std/mean above this is measured again (0.05: 5 %).
    public var maxRelativeSpread: Double = 0.05
    /// Runner calls per operator at most (1: never repeat).
    public var maxRepeats: Int = 3

    public init(runner: TableRunner, jobs: Int = 1) {
        self.runner = runner; self.jobs = max(jobs, 1)
    }

    /// Measures `todo` into `table`. `save` is called with the table so far (errors from it end
    /// the measurement and are rethrown); `progress` after each result.
    public func run(_ todo: [OperatorSignature], into table: LatencyTable,
                    save: @Sendable (LatencyTable) throws -> Void,
                    progress: @Sendable (Progress) -> Void = { _ in }) async throws -> Outcome {
        var table = table
        var measured: [OperatorSignature] = [], failed: [OperatorSignature] = []
        let start = Date()
        var lastSave = start
        let me = self
        try await withThrowingTaskGroup(of: (OperatorSignature, Result<LatencyEntry, RunnerFailure>).self) { group in
            var next = 0
            func launch() {
                guard next < todo.count else { return }
                let sig = todo[next]
                next += 1
                group.addTask { (sig, await me.measureSteady(sig)) }
            }
            for _ in 0..<min(jobs, todo.count) { launch() }
            while let (sig, r) = try await group.next() {
                switch r {
                case .success(let e): table.insert(e); measured.append(sig)
                case .failure(let f): table.failures[sig.key] = f.message; failed.append(sig)
                }
                progress(Progress(done: measured.count + failed.count, total: todo.count, failed: failed.count,
                                  elapsedSeconds: Date().timeIntervalSince(start)))
                if Date().timeIntervalSince(lastSave) >= saveIntervalSeconds {
                    try save(table); lastSave = Date()
                }
                launch()
            }
        }
        try save(table)
        return Outcome(table: table, measured: measured, failed: failed)
    }

    /// One operator, repeated while its spread is large (see ``maxRelativeSpread``).
    func measureSteady(_ sig: OperatorSignature) async -> Result<LatencyEntry, RunnerFailure> {
        var parts: [LatencyEntry] = []
        for _ in 0..<max(maxRepeats, 1) {
            switch await runner.measure(sig) {
            case .failure(let f): if parts.isEmpty { return .failure(f) } else { break }
            case .success(let e):
                parts.append(e)
                let pooled = Self.pooled(parts)
                if pooled.meanMs <= 0 || pooled.stdMs / pooled.meanMs <= maxRelativeSpread { return .success(pooled) }
                continue
            }
            break
        }
        return .success(Self.pooled(parts))
    }

    /// The mean and standard deviation of all runs behind `parts` (each a mean, a population
    /// standard deviation and a run count), as if they were one series.
    public static func pooled(_ parts: [LatencyEntry]) -> LatencyEntry {
        precondition(!parts.isEmpty)
        if parts.count == 1 { return parts[0] }
        let n = parts.reduce(0) { $0 + max($1.count, 1) }
        let mean = parts.reduce(0.0) { $0 + Double(max($1.count, 1)) * $1.meanMs } / Double(n)
        let ss = parts.reduce(0.0) { acc, p in
            acc + Double(max(p.count, 1)) * (p.stdMs * p.stdMs + (p.meanMs - mean) * (p.meanMs - mean))
        }
        return LatencyEntry(parts[0].signature, meanMs: mean, stdMs: (ss / Double(n)).squareRoot(), count: n)
    }
}
