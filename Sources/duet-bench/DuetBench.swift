import ArgumentParser

/// `duet-bench`: release-built benchmark harness printing JSON (run by `make bench`).
@main struct DuetBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "duet-bench", abstract: "Duet benchmarks (JSON on stdout).")
}
