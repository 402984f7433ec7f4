import ArgumentParser
import DuetExplore
import DuetHardware
import DuetReport
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
        let tty = isatty(2) != 0
        var progress: (@Sendable (ExploreProgress) -> Void)?
        if tty { progress = { note(ExploreOutput.progressLine($0, config: cfg)) } }
        let outcome = try await ExploreRun.explore(config: cfg, dataDir: dataDir, overrides: sets, study: study, shared: shared, workerConcurrency: workerConcurrency,
                                                   baseline: baseline != nil, progress: progress, status: { if tty { note($0) } })
        emit(outcome.render(config: cfg, format: format))
        // Exit code 1 when no design met every budget (the contract of every command with budgets).
        if outcome.result.best == nil { throw ExitCode(1) }
    }
}
