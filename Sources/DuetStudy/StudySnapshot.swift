import Foundation

/// A study read whole, for what needs every finished trial at once (the report's plots): its
/// finished trials in storage order, its typed settings and its free key/value entries.
public struct StudySnapshot: Sendable {
    /// The study's location as shown to users (passwords masked).
    public var location: String
    /// The finished (`complete` or `failed`) trials, in storage order.
    public var trials: [TrialRecord]
    public var settings: StudySettings?
    public var attributes: [String: String]

    public init(location: String, trials: [TrialRecord], settings: StudySettings?, attributes: [String: String]) {
        self.location = location; self.trials = trials; self.settings = settings; self.attributes = attributes
    }

    /// A key/value entry, or for the schema-1 setting keys the typed settings' value.
    public func setting(_ key: String) -> String? {
        attributes[key] ?? settings?.legacyValues[key]
    }

    /// Reads the study through any backend, page by page.
    public static func load(_ store: any StudyStore) async throws -> StudySnapshot {
        var trials: [TrialRecord] = []
        for try await t in store.allTrials(pageSize: 1000) where t.status.isFinished { trials.append(t) }
        let attributes = Dictionary(try await store.attributes().map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        return StudySnapshot(location: store.location.description, trials: trials, settings: try await store.settings(), attributes: attributes)
    }

    /// Reads a study through the pre-protocol API.
    public init(study: Study) throws {
        let kv = Dictionary(try study.settings(), uniquingKeysWith: { a, _ in a })
        self.init(location: study.path, trials: try study.trials(), settings: try study.typedSettings(), attributes: kv)
    }
}

extension Study {
    /// The typed settings (nil when none were stored).
    public func typedSettings() throws -> StudySettings? {
        try store.readSync(SQLiteStudyStore.settings)
    }
}
