import ArgumentParser
import DuetExplore
import DuetHardware
import DuetReport
import DuetSolver

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
    @Option(help: "Solve once per value of a config scalar: key.path=v1,v2,… (e.g. budgets.latency_ms=2,3.5,5); JSON: a list.") var sweep: String?
    @Flag(name: .customLong("no-cache"), help: "Do not read or write the tabulation cache ($DUET_CACHE_DIR, $XDG_CACHE_HOME/duet or ~/.cache/duet).") var noCache = false

    func validate() throws {
        if !(timeout > 0 && timeout <= 86_400) { throw ValidationError("--timeout must be greater than 0 and at most 86,400 seconds (got \(timeout))") }
        if format == .csv { throw ValidationError("--format must be table or json: a solve has one design, not rows (csv: duet study export)") }
        if let sweep, sweep.split(separator: "=", maxSplits: 1).count != 2 { throw ValidationError("--sweep takes key.path=v1,v2,… (got '\(sweep)')") }
    }

    func run() async throws {
        let (text, infeasible) = try await ExactSolve.render(config: config, overrides: overrides, sweep: sweep, dataDir: try DataDirectory.locate(),
                                                       timeoutSeconds: timeout, cache: noCache ? nil : TabulationCache.default, format: format)
        emit(text)
        if infeasible { throw ExitCode(1) }
    }
}
