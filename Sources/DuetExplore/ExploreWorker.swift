import DuetCore
import DuetStudy
import Foundation

/// `duet worker URL`: the explore loop without the config file. It reads the problem from the
/// study (the configuration's text, its `--set` overrides, the hashes of the files it names),
/// replays the study's seeded search and evaluates the trials it claims from the queue, until the
/// search's evaluation budget is spent, ``WorkerOptions/maxTrials`` were evaluated here, or the
/// queue stayed empty for ``WorkerOptions/idleExitSeconds``.
public enum ExploreWorker {
    /// `keepsTrials`: whether the result lists the run's trials (``ExploreRun/keepsTrials``; off,
    /// memory stays flat in the study's size).
    public static func run(study location: String, options: WorkerOptions, dataDir: URL, keepsTrials: Bool = true,
                           progress: (@Sendable (ExploreProgress) -> Void)? = nil) async throws -> ExploreResult {
        let store = try await openStudy(location, mode: .open)
        // Closed on every path: a PostgreSQL connection must be closed before it is released.
        do {
            let result = try await run(store: store, options: options, dataDir: dataDir, keepsTrials: keepsTrials, progress: progress)
            try? await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    static func run(store: any StudyStore, options: WorkerOptions, dataDir: URL, keepsTrials: Bool = true,
                    progress: (@Sendable (ExploreProgress) -> Void)?) async throws -> ExploreResult {
        guard let settings = try await store.settings(), !settings.config.isEmpty else {
            throw InputError(file: store.location.description, message: "this study holds no configuration to evaluate",
                             hint: "start it with duet explore CONFIG --study \(store.location.description); workers then join it")
        }
        let (exploration, overrides) = try await storedExploration(store: store, settings: settings, dataDir: dataDir)
        var run = ExploreRun(exploration: exploration, store: store, worker: options, overrides: overrides)
        run.keepsTrials = keepsTrials
        return try await run.run(progress: progress)
    }

    /// The problem a study holds: its configuration's text loaded with the `--set` overrides stored
    /// beside it (an error in it says it is the study's configuration), and those overrides.
    static func storedExploration(store: any StudyStore, settings: StudySettings, dataDir: URL) async throws -> (CoExploration, overrides: [String]) {
        var overrides: [String] = []
        if let text = try await store.attribute("overrides"),
           case .array(let items)? = try? JSONValue(parsing: text) { overrides = items.compactMap(\.stringValue) }
        let config: ExploreConfig
        do {
            config = try ExploreConfig.load(text: settings.config, path: settings.configPath, overrides: overrides, dataDir: dataDir)
        } catch let e as InputError {
            throw InputError(e.issues.map { var i = $0; i.message = "in the study's configuration: " + i.message; return i })
        }
        return (try CoExploration(config: config, dataDir: dataDir), overrides)
    }
}
