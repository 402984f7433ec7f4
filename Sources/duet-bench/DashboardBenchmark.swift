#if Dashboard
import ArgumentParser
import DuetCore
import DuetDashboard
import DuetStudy
import Foundation

/// `duet-bench dashboard`: what the dashboard costs on a large study. Writes `--trials` complete
/// trials (3 objectives from a seeded generator, a ~120-character design each) into a new SQLite
/// study, then times, through ``StudyWatch`` as `duet dashboard` uses it (no report renders): the
/// first read (the whole trial index), a poll when nothing changed, a page of a filtered and sorted
/// table (first, then from the cache), the next page, the Pareto front, and the update after
/// `--add` more trials. Prints JSON, with the process's peak resident memory.
struct DashboardBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard", abstract: "Dashboard reads on a large SQLite study: index, polls, filtered pages, front (JSON).")

    @Option(help: "Study: a new SQLite file (written by the benchmark).") var study: String
    @Option(help: "Trials to store.") var trials = 1_000_000
    @Option(help: "Trials added before the update is timed.") var add = 100
    @Option(help: "Seed of the synthetic objectives.") var seed: UInt64 = 1

    mutating func validate() throws {
        guard (1...10_000_000).contains(trials), (1...100_000).contains(add) else { throw ValidationError("--trials 1…1e7 and --add 1…1e5") }
    }

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: study) else {
            throw InputError(file: study, message: "the benchmark writes a new study", hint: "give a path that does not exist")
        }
        var rng = SeededGenerator(seed: seed)
        let settings = StudySettings(config: "", configPath: "", seed: seed,
                                     objectives: [.init(name: "accuracy", direction: .maximize), .init(name: "latency_ms", direction: .minimize),
                                                  .init(name: "energy_mj", direction: .minimize)],
                                     budgets: [.init(name: "latency_ms", limit: 5)], accuracy: [], optimizer: "random", population: 100,
                                     duetVersion: "bench")
        func trial(_ i: Int) -> TrialRecord {
            let acc = Double.random(in: 60...75, using: &rng), lat = Double.random(in: 0.5...10, using: &rng)
            let energy = Double.random(in: 0.1...2, using: &rng)
            let failed = Double.random(in: 0...1, using: &rng) < 0.02
            let design = "{\"cifar10\": \"|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|\", \"pe\": \(i % 64)}"
            return TrialRecord(generation: i / 100, slot: i % 100, genome: [Double(i % 5), Double(i % 7), Double(i % 3)], design: design,
                               metrics: failed ? [:] : ["accuracy": acc, "latency_ms": lat, "energy_mj": energy],
                               objectives: failed ? [] : [acc, lat, energy], constraints: failed ? [:] : ["latency_ms": (lat - 5) / 5],
                               violation: failed ? .infinity : max(0, (lat - 5) / 5), status: failed ? .failed : .complete,
                               error: failed ? "bench" : nil, seconds: 0.01, seed: seed, version: "bench")
        }
        let writer = try SQLiteStudyStore(path: study, mode: .create)
        try await writer.setSettingsOnce(settings)
        let t0 = Date()
        for start in stride(from: 0, to: trials, by: 5000) { try await writer.record((start..<min(trials, start + 5000)).map(trial)) }
        let writeSeconds = Date().timeIntervalSince(t0)
        try await writer.close()

        func time<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
            let s = Date(); let v = try await body(); return (v, Date().timeIntervalSince(s))
        }
        let watch = try await StudyWatch(study: study, settings: DashboardSettings(dataDir: URL(fileURLWithPath: "/nonexistent"), pollSeconds: 0,
                                                                                   renderReport: false))
        let (status, first) = try await time { try await watch.status() }
        let (_, idle) = try await time { try await watch.status() }
        let query = try TrialQuery(query: "feasible=true&min.accuracy=70&sort=energy_mj&limit=50", objectives: settings.objectives.map(\.name))
        let (page, uncached) = try await time { try await watch.trials(query) }
        let (_, cached) = try await time { try await watch.trials(query) }
        var next = query; next.offset = 50
        let (_, nextPage) = try await time { try await watch.trials(next) }
        let (all, unfiltered) = try await time { try await watch.trials(TrialQuery(offset: 500_000 % max(1, trials))) }
        let (front, frontSeconds) = try await time { try await watch.front() }
        let adder = try SQLiteStudyStore(path: study, mode: .open)
        try await adder.record((trials..<(trials + add)).map(trial))
        try await adder.close()
        let (after, update) = try await time { try await watch.status() }
        await watch.close()
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)   // ru_maxrss in KiB on Linux
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif

        var j = JSONObject()
        j.set("trials", trials)
        j.set("write_seconds", writeSeconds)
        j.set("first_read_seconds", first)
        j.set("poll_unchanged_seconds", idle)
        j.set("filtered_matches", page.total)
        j.set("filtered_page_seconds", uncached)
        j.set("filtered_page_cached_seconds", cached)
        j.set("next_page_seconds", nextPage)
        j.set("unfiltered_page_seconds", unfiltered)
        j.set("unfiltered_total", all.total)
        j.set("front_size", front.count)
        j.set("front_seconds", frontSeconds)
        j.set("added", add)
        j.set("update_seconds", update)
        j.set("total_after", after.counts.total)
        j.set("version_before_after", [status.version, after.version])
        j.set("peak_rss_mb", Double(usage.ru_maxrss) / 1024)
        print(j.text)
    }
}
#endif
