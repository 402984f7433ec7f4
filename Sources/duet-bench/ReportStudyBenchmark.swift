import ArgumentParser
import DuetCore
import DuetExplore
import DuetHardware
import DuetStudy
import Foundation

/// `duet-bench report-study`: writes a synthetic study of `--trials` trials (``SyntheticStudy``:
/// real designs of `--config` with perturbed metrics) for measuring `duet report` at scale
/// (docs/validation/report-scale.sh). Prints JSON: trials, designs evaluated, seconds.
struct ReportStudyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report-study", abstract: "Write a synthetic study of N trials for report benchmarks (JSON).")

    @Option(help: "Study to create: an SQLite file or a postgresql:// URL with ?study=NAME (must be new).") var study: String
    @Option(help: "Exploration config whose designs the trials copy.") var config = "Examples/nasaic-two-tasks/config.yaml"
    @Option(help: "Trials to store.") var trials = 1_000_000
    @Option(help: "Real designs evaluated and perturbed.") var designs = 50
    @Option(help: "Seed of the designs and the perturbations.") var seed: UInt64 = 1

    mutating func validate() throws {
        guard (1...10_000_000).contains(trials), (1...10_000).contains(designs) else { throw ValidationError("--trials 1…1e7 and --designs 1…1e4") }
    }

    func run() async throws {
        let t0 = Date()
        let synthetic = try await SyntheticStudy(configPath: config, dataDir: try DataDirectory.locate(), designs: designs, seed: seed)
        let store = try await openStudy(study, mode: .create)
        guard try await store.counts().total == 0 else {
            throw InputError(value: study, message: "the benchmark needs a new study", hint: "give a new file or ?study=NAME")
        }
        try await synthetic.fill(store, count: trials)
        let c = try await store.counts()
        try await store.close()
        print(JSONValue.obj(["study": .string(study), "trials": .int(c.total), "feasible": .int(c.feasible), "failed": .int(c.failed),
                             "designs": .int(designs), "seed": .int(Int(truncatingIfNeeded: seed)),
                             "seconds": .double(Date().timeIntervalSince(t0))]).serialized())
    }
}
