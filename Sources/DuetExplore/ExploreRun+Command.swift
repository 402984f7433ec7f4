import DuetCore
import DuetReport
import DuetStudy
import Foundation

/// What `duet explore` gives back: the exploration and, when asked, the successive baseline with
/// its comparison.
public struct ExploreOutcome: Sendable {
    public var result: ExploreResult
    public var baseline: (SuccessiveBaseline, BaselineComparison)?
    /// The front re-evaluated by the config's `confirm:` command (empty without one).
    public var confirmations: [FrontConfirmation.Row] = []

    /// The output in `format` (``ExploreOutput/render(_:config:format:baseline:)``); in text, the
    /// confirmations follow as a table.
    public func render(config: ExploreConfig, format: OutputFormat) -> String {
        let text = ExploreOutput.render(result, config: config, format: format, baseline: baseline)
        guard format == .table, !confirmations.isEmpty else { return text }
        return text + "\nfront confirmed by `\(confirmations[0].command)`:\n" + FrontConfirmation.table(confirmations)
    }
}

extension ExploreRun {
    /// `duet explore` after its config is loaded: opens `study` (an SQLite file or a PostgreSQL
    /// URL; created or resumed) when given, runs the exploration (through the study's queue when
    /// `shared` or PostgreSQL, `workerConcurrency` trials at once here, default the config's
    /// workers), then with `baseline` the successive baseline, whose comparison is kept with the
    /// study for `duet report`. The study is closed on every path. `overrides` are the `--set`
    /// values recorded with the study. `status` is given the lines for a terminal around the
    /// progress lines: the newline that ends them, and the baseline starting.
    public static func explore(config cfg: ExploreConfig, dataDir: URL, overrides: [String], study: String?, shared: Bool,
                               workerConcurrency: Int?, baseline: Bool, progress: (@Sendable (ExploreProgress) -> Void)? = nil,
                               status: (String) -> Void = { _ in }) async throws -> ExploreOutcome {
        if baseline && cfg.tasks.allSatisfy({ $0.space == nil }) {
            throw InputError(file: cfg.file, keyPath: "tasks", message: "the successive baseline needs a task with a searched 'space'",
                             hint: "with fixed networks only, successive design is the co-exploration itself")
        }
        if cfg.confirm != nil && study == nil {
            throw InputError(file: cfg.file, keyPath: "confirm", message: "confirming the front keeps both figures in the study",
                             hint: "give --study FILE|URL, or remove confirm:")
        }
        let exploration = try CoExploration(config: cfg, dataDir: dataDir)
        let store: (any StudyStore)? = if let study { try await openStudy(study, mode: .create) } else { nil }
        // Closed on every path: a PostgreSQL connection must be closed before it is released.
        do {
            // A steady-state study always goes through the queue (its proposals are made there).
            let queue = store.map { shared || $0.location.isPostgres || cfg.studyScheduling == .async } ?? false
            let worker = queue ? WorkerOptions(concurrency: workerConcurrency ?? cfg.workers) : nil
            var run = ExploreRun(exploration: exploration, store: store, worker: worker, overrides: overrides)
            // Memory holds the optimizer's state and the front, not every trial (they are in the
            // study); the successive baseline's comparison needs them all.
            run.keepsTrials = baseline
            let result = try await run.run(progress: progress)
            status("\n")
            var outcome = ExploreOutcome(result: result, baseline: nil)
            if baseline {
                status("baseline: successive design…\n")
                let b = try await SuccessiveBaseline.run(config: cfg, dataDir: dataDir)
                let c = BaselineComparison(coExploration: result, successive: b)
                outcome.baseline = (b, c)
                // Kept with the study, so that `duet report` shows the comparison too.
                try await store?.setAttribute("baseline", ExploreOutput.baselineJSON(b, c, cfg).serialized(pretty: false))
            }
            if let c = cfg.confirm, let store {
                status("confirming the Pareto front with `\(c.command)`…\n")
                outcome.confirmations = try await FrontConfirmation.run(store, command: c.command, timeoutSeconds: c.timeoutSeconds,
                                                                        retries: c.retries, limit: c.limit)
            }
            try? await store?.close()
            return outcome
        } catch {
            try? await store?.close()
            throw error
        }
    }
}

extension ExploreOutput {
    /// One progress line for a terminal (redrawn in place: it starts with a carriage return):
    /// evaluations, feasible designs, the best value of the first objective, hypervolume, rate.
    public static func progressLine(_ p: ExploreProgress, config cfg: ExploreConfig) -> String {
        let best = p.best.map { String(format: "%.4g", $0) } ?? "-"
        return String(format: "\r%d/%d evaluations, %d feasible, best %@ %@, hypervolume %@, %.0f eval/s%@", p.evaluations, p.total, p.feasible,
                      cfg.objectives[0].metric, best, p.hypervolume.map { String(format: "%.4f", $0) } ?? "-",
                      Double(p.evaluations - p.reused) / max(p.seconds, 1e-9), p.reused > 0 ? ", \(p.reused) resumed" : "")
    }
}
