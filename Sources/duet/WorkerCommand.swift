import ArgumentParser
import DuetCore
import DuetExplore
import DuetHardware
import Foundation

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Join a study on any host: claim its queued trials, evaluate them, store the results.",
        discussion: """
            STUDY is a PostgreSQL URL (postgresql://USER@HOST:PORT/DB?study=NAME) or an SQLite study \
            file that duet explore CONFIG --study STUDY started. The worker reads the configuration \
            from the study (the files it names must be the same on this host) and replays its seeded \
            search, so any number of workers give the same study.
            """)

    @Argument(help: "The study: a postgresql:// URL or an SQLite file.") var study: String
    @Option(help: "Trials evaluated at once here.") var concurrency: Int = 1
    @Option(name: .customLong("max-trials"), help: "Stop after evaluating this many trials here.") var maxTrials: Int?
    @Option(name: .customLong("idle-exit"), help: "Stop after this many seconds with nothing to claim.") var idleExit: Double?
    @Option(help: "Seconds a claim holds without a heartbeat (heartbeats every third of it); a dead worker's claim is re-run after it.") var lease: Double = 60

    func validate() throws {
        if !(1...1024).contains(concurrency) { throw ValidationError("--concurrency must be between 1 and 1,024 (got \(concurrency))") }
        if let maxTrials, maxTrials < 1 { throw ValidationError("--max-trials must be at least 1 (got \(maxTrials))") }
        if let idleExit, !(idleExit >= 0) { throw ValidationError("--idle-exit must be at least 0 seconds") }
        if !(lease >= 1 && lease <= 86_400) { throw ValidationError("--lease must be between 1 and 86,400 seconds (got \(lease))") }
    }

    func run() async throws {
        let options = WorkerOptions(concurrency: concurrency, leaseSeconds: lease, maxTrials: maxTrials, idleExitSeconds: idleExit)
        let r = try await ExploreWorker.run(study: study, options: options, dataDir: try DataDirectory.locate(), keepsTrials: false)
        emit("worker \(options.id): \(r.evaluatedHere) trials evaluated here; the study holds \(r.evaluations) of this run's trials\n")
    }
}
