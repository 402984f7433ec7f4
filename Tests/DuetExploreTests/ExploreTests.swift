import Foundation
import Testing
import _DuetTestSupport
@testable import DuetCore
@testable import DuetExplore
@testable import DuetStudy

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func tempDir() throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("duet-explore-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

func writeConfig(_ dir: URL, _ text: String) throws -> String {
    let p = dir.appendingPathComponent("config.yaml").path
    try text.write(toFile: p, atomically: true, encoding: .utf8)
    return p
}

let smallConfig = smallExploreConfig

@Suite struct ExploreConfigTests {
    @Test func everyProblemIsReportedWithItsKeyPath() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, """
            tasks:
              - {name: a, space: nb210}
            target:
              hardware: {templates: [tpu, eyriss], pe_rows: [64, 8]}
            budgets: {latency: 3, energy_mj: -1}
            objectives: [{maximize: acuracy}]
            optimizer: nsga3
            """)
        let e = #expect(throws: InputError.self) { try ExploreConfig.load(path: path, dataDir: root) }
        let text = e?.issues.map(\.description) ?? []
        #expect(text.contains { $0.contains("tasks[0].space: unknown network space (got 'nb210'); did you mean 'nb201'?") })
        #expect(text.contains { $0.contains("target.hardware.templates[1]: unknown template (got 'eyriss'); did you mean 'eyeriss'?") })
        #expect(text.contains { $0.contains("target.hardware.pe_rows: lower bound 64 > upper bound 8 for pe_rows (got '[64, 8]'); did you swap them?") })
        #expect(text.contains { $0.contains("budgets.latency: unknown budget 'latency'; did you mean 'latency_ms'? budgets carry their unit in the name") })
        #expect(text.contains { $0.contains("budgets.energy_mj: a budget must be positive") })
        #expect(text.contains { $0.contains("objectives[0]: unknown metric (got 'acuracy'); did you mean 'accuracy'?") })
        #expect(text.contains { $0.contains("optimizer: unknown value (got 'nsga3'); did you mean 'nsga2'?") })
    }

    /// A worker decodes the study's config against its absolute path: the files it names must get the
    /// same keys (standardized, no "..") as on the host that made the study, else it refuses the study.
    @Test func inputFilesAreStandardizedWhateverTheConfigPath() throws {
        let path = root.appendingPathComponent("Examples/nasaic-two-tasks/config.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let absolute = try ExploreConfig.load(text: text, path: path, dataDir: root)
        let table = root.appendingPathComponent("Examples/data/nb201/accuracy.csv").standardizedFileURL.path
        #expect(absolute.inputFiles == [table])
        #expect(try ExploreConfig.load(path: path, dataDir: root).inputFiles == [table])
    }

    @Test func setOverridesScalars() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig)
        let c = try ExploreConfig.load(path: path, overrides: ["budgets.latency_ms=4.2", "seed=9", "tasks[0].name=c10"], dataDir: root)
        #expect(c.budgets.first { $0.name == "latency_ms" }?.limit == 4.2)
        #expect(c.seed == 9)
        #expect(c.tasks[0].name == "c10")
        // A budget key with a dot (TASK.latency_ms) is one key, new or existing.
        let d = try ExploreConfig.load(path: path, overrides: ["budgets.c10.latency_ms=0.5", "tasks[0].name=c10"], dataDir: root)
        #expect(d.budgets.first { $0.name == "c10.latency_ms" }?.limit == 0.5)
        let e = try ExploreConfig.load(path: path, overrides: ["budgets.c10.latency_ms=0.5", "budgets.c10.latency_ms=0.7", "tasks[0].name=c10"], dataDir: root)
        #expect(e.budgets.filter { $0.name == "c10.latency_ms" }.map(\.limit) == [0.7])
    }
}

@Suite struct ExploreRunTests {
    func run(_ path: String, study: Study?, overrides: [String] = []) async throws -> ExploreResult {
        let cfg = try ExploreConfig.load(path: path, overrides: overrides, dataDir: root)
        return try await ExploreRun(exploration: try CoExploration(config: cfg, dataDir: root), study: study).run()
    }

    @Test func sameSeedSameResult() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig)
        let a = try await run(path, study: nil), b = try await run(path, study: nil)
        #expect(a.trials.map(\.design) == b.trials.map(\.design))
        #expect(a.trials.map(\.objectives) == b.trials.map(\.objectives))
        #expect(a.evaluations == 120)
        #expect(a.best != nil)
        // Every Pareto design is feasible and no other feasible trial dominates it.
        for p in a.pareto {
            #expect(p.isFeasible)
            #expect(!a.trials.contains { $0.isFeasible && $0.objectives[0] >= p.objectives[0] && $0.objectives[1] <= p.objectives[1]
                && ($0.objectives[0] > p.objectives[0] || $0.objectives[1] < p.objectives[1]) })
        }
    }

    @Test func paretoKeepsOneOfAChipsSlotOrders() {
        func trial(_ slot: Int, _ design: String) -> TrialRecord {
            TrialRecord(generation: 0, slot: slot, genome: [], design: design, metrics: [:], objectives: [1, 2], constraints: [:],
                        violation: 0, status: "complete", seconds: 0, seed: 1, version: "t")
        }
        let a = #"{"tasks":{"x":"n"},"hardware":[{"name":"sub0-tpu","pe_rows":8},{"name":"sub1-nvdla","pe_rows":16}]}"#
        let b = #"{"tasks":{"x":"n"},"hardware":[{"name":"sub0-nvdla","pe_rows":16},{"name":"sub1-tpu","pe_rows":8}]}"#
        let c = #"{"tasks":{"x":"m"},"hardware":[{"name":"sub0-nvdla","pe_rows":16},{"name":"sub1-tpu","pe_rows":8}]}"#
        #expect(ExploreRun.canonicalDesign(a) == ExploreRun.canonicalDesign(b))
        #expect(Set(ExploreRun.pareto([trial(0, a), trial(1, b), trial(2, c)], maximize: [false, false]).map(\.slot)) == [0, 2])
    }

    @Test func resumeLosesAndRepeatsNothing() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig)
        let full = try await run(path, study: nil)
        // An interrupted study: 50 trials stored — two generations of 20 and half of the third,
        // as a run killed in the middle of a generation leaves it — then a resumed run to 120.
        let studyPath = dir.appendingPathComponent("s.sqlite").path
        _ = try await run(path, study: try Study(path: studyPath), overrides: ["evaluations=50"])
        let resumed = try await run(path, study: try Study(path: studyPath))
        #expect(resumed.reused == 50)
        #expect(resumed.trials.map(\.design) == full.trials.map(\.design))
        let stored = try Study(path: studyPath).trials()
        #expect(stored.count == 120)
        #expect(Set(stored.map { "\($0.generation)/\($0.slot)" }).count == 120)
    }

    @Test func aStudyRefusesAnotherSeed() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig)
        let studyPath = dir.appendingPathComponent("s.sqlite").path
        _ = try await run(path, study: try Study(path: studyPath), overrides: ["evaluations=20"])
        await #expect(throws: InputError.self) { _ = try await run(path, study: try Study(path: studyPath), overrides: ["seed=4"]) }
    }

    @Test(arguments: ["crash", "hang", "garbage"])
    func externalEvaluatorFailuresAreRecordedNotFatal(mode: String) async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = root.appendingPathComponent("Tests/DuetExploreTests/Fixtures/evaluator.sh").path
        let path = try writeConfig(dir, smallConfig.replacingOccurrences(of: "accuracy: proxy:macs",
            with: "accuracy: {command: \"DUET_TEST_MODE=\(mode) \(script)\", timeout_s: 0.5, retries: 0}")
            .replacingOccurrences(of: "evaluations: 120", with: "evaluations: 4").replacingOccurrences(of: "population: 20", with: "population: 4"))
        let studyPath = dir.appendingPathComponent("s.sqlite").path
        let r = try await run(path, study: try Study(path: studyPath))
        #expect(r.trials.count == 4)
        #expect(r.trials.allSatisfy { $0.status == "failed" && $0.error != nil })
        let expected = ["crash": "exited with status 3", "hang": "timed out after 0.5 s", "garbage": "printed no JSON object"][mode]!
        #expect(r.trials[0].error?.contains(expected) == true, "\(r.trials[0].error ?? "")")
        #expect(try Study(path: studyPath).trialCount() == 4)   // failures are stored, not lost
    }

    /// A training script as evaluator: progress on stdout, 100 MB of logs on stderr and a
    /// data-loader child that outlives it; its trials complete, nothing of it is left running.
    @Test func aTrainingScriptAsEvaluatorJustWorks() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = root.appendingPathComponent("Tests/DuetExploreTests/Fixtures/evaluator.sh").path
        let path = try writeConfig(dir, smallConfig.replacingOccurrences(of: "accuracy: proxy:macs",
            with: "accuracy: {command: \"DUET_TEST_MODE=training \(script)\", timeout_s: 60, retries: 0}")
            .replacingOccurrences(of: "evaluations: 120", with: "evaluations: 2").replacingOccurrences(of: "population: 20", with: "population: 2"))
        let r = try await run(path, study: nil)
        #expect(r.trials.count == 2)
        #expect(r.trials.allSatisfy { $0.status == "complete" && $0.metrics["cifar10.train_hours"] == 0.5 }, "\(r.trials.map { $0.error ?? "" })")
        // The lingering child sleeps 300 s; writing 100 MB of logs can take tens of seconds under load.
        #expect(r.trials.allSatisfy { $0.seconds < 200 }, "a trial waited on the lingering child: \(r.trials.map(\.seconds))")
    }

    /// An evaluator that exits without reading its input fails its trial (no SIGPIPE death of
    /// Duet); one that times out leaves no process of its tree behind.
    @Test func evaluatorsThatExitEarlyOrHangLeaveNothingBehind() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = root.appendingPathComponent("Tests/DuetExploreTests/Fixtures/evaluator.sh").path
        let pids = dir.appendingPathComponent("pids").path
        for (mode, expected) in [("noread", "exited with status 1"), ("orphans", "timed out after 0.5 s")] {
            let path = try writeConfig(dir, smallConfig.replacingOccurrences(of: "accuracy: proxy:macs",
                with: "accuracy: {command: \"DUET_TEST_MODE=\(mode) DUET_TEST_PIDS=\(pids) \(script)\", timeout_s: 0.5, retries: 0}")
                .replacingOccurrences(of: "evaluations: 120", with: "evaluations: 3").replacingOccurrences(of: "population: 20", with: "population: 3"))
            let r = try await run(path, study: nil)
            #expect(r.trials.count == 3)
            #expect(r.trials.allSatisfy { $0.status == "failed" && $0.error?.contains(expected) == true }, "\(r.trials.map { $0.error ?? "" })")
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        let started = ((try? String(contentsOfFile: pids, encoding: .utf8)) ?? "").split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        #expect(started.count == 9)
        for pid in started {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            let state = stat.lastIndex(of: ")").map { stat[stat.index(after: $0)...].trimmingCharacters(in: .whitespaces) } ?? ""
            #expect(stat.isEmpty || state.hasPrefix("Z"), "process \(pid) of a timed-out evaluator is still running")
        }
    }

    @Test func externalEvaluatorResultsAreUsed() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = root.appendingPathComponent("Tests/DuetExploreTests/Fixtures/evaluator.sh").path
        let path = try writeConfig(dir, smallConfig.replacingOccurrences(of: "accuracy: proxy:macs", with: "accuracy: {command: \"\(script)\"}")
            .replacingOccurrences(of: "evaluations: 120", with: "evaluations: 6").replacingOccurrences(of: "population: 20", with: "population: 6"))
        let r = try await run(path, study: nil)
        #expect(r.trials.allSatisfy { $0.status == "complete" && $0.metrics["cifar10.train_hours"] == 0.5 })
    }

    @Test func reportHasItsPlots() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig)
        let studyPath = dir.appendingPathComponent("s.sqlite").path
        _ = try await run(path, study: try Study(path: studyPath))
        let report = try ExploreReport(study: try Study(path: studyPath), dataDir: root)
        let html = try #require(report.files["index.html"])
        #expect(html.contains("<svg"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 4)   // Pareto, convergence, 2 per-layer charts
        #expect(html.contains("class=\"budget\""))                      // the latency budget line
        #expect(html.contains("Accuracy is a proxy"))
        #expect(!html.contains("http://") || !html.contains("<script"))  // nothing fetched from the network
        #expect(!html.contains("<script"))
        #expect(report.files.keys.contains("plots/convergence.svg"))
        #expect(report.files["report.md"]?.contains("## Pareto set") == true)
        // The same report through the backend-independent store, opened read-only.
        let store = try await openStudy(studyPath, mode: .readOnly)
        let again = try await ExploreReport(store: store, dataDir: root)
        try await store.close()
        #expect(again.files == report.files)
    }
}

@Suite struct DesignSpaceErrorTests {
    /// A design space the config checks did not catch (here: a hardware space emptied after
    /// loading) is reported at the config file and the variable's name, not "variables[N]".
    @Test func designSpaceErrorsNameTheFileAndTheVariable() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig)
        var cfg = try ExploreConfig.load(path: path, dataDir: root)
        guard case .hardware(var h) = cfg.target else { Issue.record("not a hardware target"); return }
        h.templates = []
        cfg.target = .hardware(h)
        let e = try #require(throws: InputError.self) { try CoExploration(config: cfg, dataDir: root) }
        #expect(e.issues.allSatisfy { $0.file == path }, "\(e)")
        #expect(e.description.contains("design variable hw.0.template"), "\(e)")
        #expect(!e.description.contains("variables["), "\(e)")
    }
}
