import DuetCore
import DuetPredict
import DuetStudy
import Foundation
import Synchronization

/// Each screened generation's predictor quality (``SurrogateQuality``) on its way into the study:
/// the surrogate optimizer hands records to ``append(_:)`` as results are told, and whoever writes
/// the study (``ExploreLog``, ``StudyAskTell``) stores the pending ones with ``write(to:)``.
///
/// Stored as one study attribute per generation — key `surrogate.quality.gNNNNNN` (the generation,
/// six digits), value a JSON object `{"generation", "kendall_tau" (null when undefined),
/// "evaluated", "training_rows", "pool", "objective"}` — so no table changes. A resumed study or a
/// worker replays the same seeded generations and writes the same values again.
public final class SurrogateQualityLog: Sendable {
    private let pending = Mutex<[SurrogateQuality]>([])
    /// The objective names, to name the judged objective in the stored record.
    let objectives: [String]

    public init(objectives: [String]) { self.objectives = objectives }

    /// The prefix of the study attribute keys.
    public static let keyPrefix = "surrogate.quality.g"

    public func append(_ q: SurrogateQuality) { pending.withLock { $0.append(q) } }

    /// Writes the records not yet written into `store` (no-op without a store).
    public func write(to store: (any StudyStore)?) async throws {
        let items = pending.withLock { p in defer { p.removeAll() }; return p }
        guard let store else { return }
        for q in items { try await store.setAttribute(Self.key(q.generation), encode(q)) }
    }

    static func key(_ generation: Int) -> String {
        let digits = String(generation)
        return keyPrefix + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    func encode(_ q: SurrogateQuality) -> String {
        JSONValue.object([
            .init("generation", .int(q.generation)), .init("kendall_tau", q.tau.map { .double($0) } ?? .null),
            .init("evaluated", .int(q.evaluated)), .init("training_rows", .int(q.trainingRows)), .init("pool", .int(q.pool)),
            .init("objective", .string(objectives.indices.contains(q.objective) ? objectives[q.objective] : "\(q.objective)")),
        ]).serialized(pretty: false)
    }

    /// One stored record as read back: the generation, τ (nil when undefined), the designs it is over.
    public struct Stored: Sendable, Hashable {
        public var generation: Int
        public var tau: Double?
        public var evaluated: Int
        public var trainingRows: Int
        public var pool: Int
        public var objective: String
    }

    /// The records stored in a study's attributes, by generation; entries that do not parse are skipped.
    public static func read(_ attributes: [String: String]) -> [Stored] {
        attributes.filter { $0.key.hasPrefix(keyPrefix) }.compactMap { _, v -> Stored? in
            guard let o = (try? JSONSerialization.jsonObject(with: Data(v.utf8))) as? [String: Any],
                  let g = (o["generation"] as? NSNumber)?.intValue else { return nil }
            return Stored(generation: g, tau: (o["kendall_tau"] as? NSNumber)?.doubleValue, evaluated: (o["evaluated"] as? NSNumber)?.intValue ?? 0,
                          trainingRows: (o["training_rows"] as? NSNumber)?.intValue ?? 0, pool: (o["pool"] as? NSNumber)?.intValue ?? 0,
                          objective: o["objective"] as? String ?? "")
        }.sorted { $0.generation < $1.generation }
    }

    /// One line on the stored records (`duet study show`): generations screened and mean τ; nil without records.
    public static func summary(_ attributes: [String: String]) -> String? {
        let records = read(attributes)
        guard !records.isEmpty else { return nil }
        let taus = records.compactMap(\.tau)
        return "\(records.count) screened generations, mean Kendall τ "
            + (taus.isEmpty ? "undefined" : String(format: "%.3f", taus.reduce(0, +) / Double(taus.count))) + " (per generation in duet report)"
    }
}
