import ArgumentParser

/// `duet-bench`: release-built benchmark harness printing JSON (run by `make bench`).
/// Each benchmark is a subcommand in its own file.
@main struct DuetBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duet-bench",
        abstract: "Duet benchmarks (JSON on stdout).",
        subcommands: [MOOBenchmark.self, PredictorBenchmark.self, SampleEfficiencyBenchmark.self, SortBenchmark.self, HypervolumeBenchmark.self,
                      CostModelBenchmark.self, SolverBenchmark.self, ChipBenchmark.self, StudyBenchmark.self, StudyWorkerBenchmark.self,
                      CalibrationBenchmark.self, TableFitBenchmark.self, ServeBenchmark.self, LayerScheduleBenchmark.self, ReportStudyBenchmark.self]
                      + optionalBenchmarks)

    /// Benchmarks of parts behind package traits (on by default).
    static var optionalBenchmarks: [any ParsableCommand.Type] {
        #if Dashboard
        return [DashboardBenchmark.self]
        #else
        return []
        #endif
    }
}
