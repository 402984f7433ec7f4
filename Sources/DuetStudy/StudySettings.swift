import Foundation

/// What a study was made from: everything a worker on another host needs to evaluate the same
/// problem, and everything a resumed run must agree with. Stored once per study, as JSON, by the
/// first process that creates it (``StudyStore/setSettingsOnce(_:)``); never holds a password.
public struct StudySettings: Codable, Sendable, Hashable {
    public enum Direction: String, Codable, Sendable, Hashable { case minimize, maximize }
    public enum SchedulingMode: String, Codable, Sendable, Hashable, CaseIterable {
        /// Generations as a barrier: the designs of every (generation, slot) are a function of the seed
        /// and the earlier generations' results, whatever the number of workers.
        case deterministic
        /// Steady state: a new proposal as soon as a trial finishes.
        case async
    }

    public struct Objective: Codable, Sendable, Hashable {
        public var name: String
        public var direction: Direction
        public init(name: String, direction: Direction) { self.name = name; self.direction = direction }
        public var maximize: Bool { direction == .maximize }
    }

    /// A budget: the metric `name` must not exceed (or, for accuracy-like metrics, fall below) `limit`,
    /// in the metric's own unit (the key names it: `latency_ms`, `energy_mj`, …).
    public struct Budget: Codable, Sendable, Hashable {
        public var name: String
        public var limit: Double
        public init(name: String, limit: Double) { self.name = name; self.limit = limit }
    }

    /// Where a task's accuracy comes from, as labelled in every output (e.g. `table:…`, `proxy:macs`).
    public struct AccuracyLabel: Codable, Sendable, Hashable {
        public var task: String
        public var label: String
        public init(task: String, label: String) { self.task = task; self.label = label }
    }

    /// The configuration file's text, as read when the study was created.
    public var config: String
    /// The configuration file's absolute path on the host that created the study.
    public var configPath: String
    /// Path (as written in the config) → lowercase hex SHA-256 of each file the configuration names
    /// (tables, networks), so a worker can check it evaluates the same problem.
    public var fileHashes: [String: String]
    public var seed: UInt64
    public var objectives: [Objective]
    public var budgets: [Budget]
    public var accuracy: [AccuracyLabel]
    /// The optimizer's name (`nsga2`, `random`, …); empty when not recorded (studies of schema 1).
    public var optimizer: String
    /// Designs per generation; 0 when not recorded (studies of schema 1).
    public var population: Int
    public var scheduling: SchedulingMode
    /// The Duet version that created the study.
    public var duetVersion: String

    public init(config: String, configPath: String, fileHashes: [String: String] = [:], seed: UInt64, objectives: [Objective],
                budgets: [Budget], accuracy: [AccuracyLabel], optimizer: String, population: Int,
                scheduling: SchedulingMode = .deterministic, duetVersion: String) {
        self.config = config; self.configPath = configPath; self.fileHashes = fileHashes; self.seed = seed
        self.objectives = objectives; self.budgets = budgets; self.accuracy = accuracy; self.optimizer = optimizer
        self.population = population; self.scheduling = scheduling; self.duetVersion = duetVersion
    }

    // MARK: JSON (sorted keys: the same settings always give the same text)

    public func jsonText() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    public static func fromJSON(_ text: String) throws -> StudySettings {
        try JSONDecoder().decode(StudySettings.self, from: Data(text.utf8))
    }

    // MARK: Schema 1 (comma-joined key/value settings)

    /// The keys schema-1 studies used for what these settings now hold.
    public static let legacyKeys: Set<String> = ["config", "config_path", "seed", "objectives", "maximize", "budgets", "accuracy", "duet_version"]

    /// Settings rebuilt from a schema-1 study's key/value rows (`objectives=a,b`, `maximize=1,0`,
    /// `budgets=latency_ms=5,…`, `accuracy=task=label,…`); nil when the rows do not name objectives.
    public init?(legacy kv: [String: String]) {
        guard let objectiveText = kv["objectives"], !objectiveText.isEmpty else { return nil }
        let names = objectiveText.split(separator: ",").map(String.init)
        let maximize = (kv["maximize"] ?? "").split(separator: ",").map { $0 == "1" }
        self.objectives = names.enumerated().map { i, n in
            Objective(name: n, direction: i < maximize.count && maximize[i] ? .maximize : .minimize)
        }
        self.budgets = (kv["budgets"] ?? "").split(separator: ",").compactMap { item in
            guard let eq = item.lastIndex(of: "="), let v = Double(item[item.index(after: eq)...]) else { return nil }
            return Budget(name: String(item[..<eq]), limit: v)
        }
        self.accuracy = (kv["accuracy"] ?? "").split(separator: ",").compactMap { item in
            guard let eq = item.firstIndex(of: "=") else { return nil }
            return AccuracyLabel(task: String(item[..<eq]), label: String(item[item.index(after: eq)...]))
        }
        self.config = kv["config"] ?? ""
        self.configPath = kv["config_path"] ?? ""
        self.fileHashes = [:]
        self.seed = kv["seed"].flatMap { UInt64($0) } ?? 0
        self.optimizer = ""
        self.population = 0
        self.scheduling = .deterministic
        self.duetVersion = kv["duet_version"] ?? ""
    }

    /// The schema-1 key/value view of these settings (what `Study.setting(_:)` answers for those keys).
    public var legacyValues: [String: String] {
        ["config": config, "config_path": configPath, "seed": String(seed),
         "objectives": objectives.map(\.name).joined(separator: ","),
         "maximize": objectives.map { $0.maximize ? "1" : "0" }.joined(separator: ","),
         "budgets": budgets.map { "\($0.name)=\($0.limit)" }.joined(separator: ","),
         "accuracy": accuracy.map { "\($0.task)=\($0.label)" }.joined(separator: ","),
         "duet_version": duetVersion]
    }
}
