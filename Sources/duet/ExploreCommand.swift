import ArgumentParser
import DuetCore
import DuetExplore
import DuetHardware
import DuetReport
import DuetStudy
import Foundation

struct ExploreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Co-explore networks and hardware: Pareto set and best feasible design.",
        discussion: "CONFIG is a YAML/JSON exploration config (docs/FORMATS.md). With --study the trials are stored as they finish and an interrupted run resumes.")

    @Argument(help: "The exploration config.") var config: String
    @Option(help: "nsga2, random, evolution, z3 (the exact Pareto front of one decomposable task) or hybrid (NSGA-II seeded with it); overrides the config.") var optimizer: String?
    @Option(help: "Evaluation budget (overrides the config).") var evaluations: Int?
    @Option(help: "Random seed (overrides the config).") var seed: UInt64?
    @Option(help: "The study: an SQLite file or a postgresql://USER@HOST[:PORT]/DB?study=NAME URL; created or resumed.") var study: String?
    @Flag(help: "Share the study with `duet worker`s through its queue (always so for PostgreSQL).") var shared = false
    @Option(name: .customLong("worker-concurrency"), help: "With a shared study: trials this process evaluates at once (default: --workers).") var workerConcurrency: Int?
    @Option(help: "Concurrent evaluations (overrides the config).") var workers: Int?
    @Option(name: .customLong("set"), help: "Override a config scalar: key.path=value (repeatable).") var overrides: [String] = []
    @Option(help: "table, json, or csv (the Pareto set; every trial: duet study export).") var format: OutputFormat = .table
    @Option(help: ArgumentHelp("Also run a baseline and compare: 'successive' (NASAIC's: best-accuracy networks first, then the hardware for them, same optimizer and budget).",
                               valueName: "successive")) var baseline: String?

    func validate() throws {
        if let optimizer, !ExploreConfig.optimizers.contains(optimizer) {
            throw ValidationError("--optimizer must be one of \(ExploreConfig.optimizers.joined(separator: ", ")) (got '\(optimizer)')")
        }
        if let evaluations, evaluations < 1 { throw ValidationError("--evaluations must be at least 1") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let baseline, baseline != "successive" { throw ValidationError("--baseline must be 'successive' (got '\(baseline)')") }
    }

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        var sets = overrides
        if let optimizer { sets.append("optimizer=\(optimizer)") }
        if let evaluations { sets.append("evaluations=\(evaluations)") }
        if let seed { sets.append("seed=\(seed)") }
        if let workers { sets.append("workers=\(workers)") }
        let cfg = try ExploreConfig.load(path: config, overrides: sets, dataDir: dataDir)
        if baseline != nil && cfg.tasks.allSatisfy({ $0.space == nil }) {
            throw InputError(file: cfg.file, keyPath: "tasks", message: "the successive baseline needs a task with a searched 'space'",
                             hint: "with fixed networks only, successive design is the co-exploration itself")
        }
        let exploration = try CoExploration(config: cfg, dataDir: dataDir)
        let store: (any StudyStore)? = if let study { try await openStudy(study, mode: .create) } else { nil }
        // Closed on every path: a PostgreSQL connection must be closed before it is released.
        do {
            try await explore(cfg: cfg, exploration: exploration, store: store, sets: sets, dataDir: dataDir)
            try? await store?.close()
        } catch {
            try? await store?.close()
            throw error
        }
    }

    func explore(cfg: ExploreConfig, exploration: CoExploration, store: (any StudyStore)?, sets: [String], dataDir: URL) async throws {
        let queue = store.map { shared || $0.location.isPostgres } ?? false
        let worker = queue ? WorkerOptions(concurrency: workerConcurrency ?? cfg.workers) : nil
        let tty = isatty(2) != 0
        let result = try await ExploreRun(exploration: exploration, store: store, worker: worker, overrides: sets).run(progress: { p in
            guard tty else { return }
            let best = p.best.map { String(format: "%.4g", $0) } ?? "-"
            let line = String(format: "\r%d/%d evaluations, %d feasible, best %@ %@, hypervolume %@, %.0f eval/s%@", p.evaluations, p.total, p.feasible,
                              cfg.objectives[0].metric, best, p.hypervolume.map { String(format: "%.4f", $0) } ?? "-",
                              Double(p.evaluations - p.reused) / max(p.seconds, 1e-9), p.reused > 0 ? ", \(p.reused) resumed" : "")
            FileHandle.standardError.write(Data(line.utf8))
        })
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        var comparison: (SuccessiveBaseline, BaselineComparison)?
        if baseline != nil {
            if tty { FileHandle.standardError.write(Data("baseline: successive design…\n".utf8)) }
            let b = try await SuccessiveBaseline.run(config: cfg, dataDir: dataDir)
            let c = BaselineComparison(coExploration: result, successive: b)
            comparison = (b, c)
            // Kept with the study, so that `duet report` shows the comparison too.
            try await store?.setAttribute("baseline", ExploreOutput.baselineJSON(b, c, cfg).serialized(pretty: false))
        }
        emit(ExploreOutput.render(result, config: cfg, format: format, baseline: comparison))
        // Exit code 1 when no design met every budget (the contract of every command with budgets).
        if result.best == nil { throw ExitCode(1) }
    }
}

