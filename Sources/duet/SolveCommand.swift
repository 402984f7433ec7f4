import ArgumentParser
import DuetCore
import DuetExplore
import DuetHardware
import DuetReport
import DuetSolver
import DuetWorkload
import Foundation

struct SolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Exact constrained optimum with Z3: the best design meeting the budgets, or a proof that none does.",
        discussion: """
            CONFIG is an exploration config (docs/FORMATS.md). Either one task whose space the solver can \
            decompose (nb201, fbnet) on a fixed accelerator, a latency table or a device model, with budgets \
            and an accuracy source (a table, or the macs proxy); or fixed-network tasks on a hardware space, \
            whose sub-accelerators are chosen and assigned exactly. Status: optimal (proven), feasible \
            (found, not proven), infeasible (with the conflicting budgets named), unknown (timeout; the \
            best design found so far is reported).
            """)

    @Argument(help: "The config file.") var config: String
    @Option(help: "Seconds before Z3 is stopped (status unknown); at most 86,400.") var timeout: Double = 60
    @Option(name: .customLong("set"), help: "Override a config scalar: key.path=value (repeatable).") var overrides: [String] = []
    @Option(help: "table or json.") var format: OutputFormat = .table

    func validate() throws {
        if !(timeout > 0 && timeout <= 86_400) { throw ValidationError("--timeout must be greater than 0 and at most 86,400 seconds (got \(timeout))") }
        if format == .csv { throw ValidationError("--format must be table or json: a solve has one design, not rows (csv: duet study export)") }
    }

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        let cfg = try ExploreConfig.load(path: config, overrides: overrides, dataDir: dataDir)
        if case .hardware = cfg.target { try await runChip(cfg, dataDir: dataDir); return }
        let start = Date()
        let exact = try ExactSolve(config: cfg, dataDir: dataDir, timeoutSeconds: timeout)
        let result = try exact.solve()
        emit(exact.render(result, seconds: Date().timeIntervalSince(start), format: format))
        if result.status == .infeasible { throw ExitCode(1) }
    }
}
