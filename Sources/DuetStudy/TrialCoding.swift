import DuetCore
import Foundation

/// How trial fields are stored as text, the same in every backend. Exact: a Double's description
/// round-trips, and non-finite values are stored as the finite sentinel 1e308 (SQLite has no
/// infinity literal), read back as +∞ for violations.
enum TrialCoding {
    static let infinitySentinel = 1e308

    static func encode(_ v: [Double]) -> String { "[" + v.map { $0.isFinite ? "\($0)" : "1e308" }.joined(separator: ",") + "]" }

    static func encode(_ d: [String: Double]) -> String {
        JSONValue.object(d.keys.sorted().map { .init($0, d[$0]!.isFinite ? .double(d[$0]!) : .null) }).serialized(pretty: false)
    }

    static func decodeDoubles(_ s: String) -> [Double] {
        s.dropFirst().dropLast().split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    static func decodeDict(_ s: String) -> [String: Double] {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any] else { return [:] }
        var out: [String: Double] = [:]
        for (k, v) in obj { out[k] = (v as? NSNumber)?.doubleValue ?? .nan }
        return out
    }

    static func storedViolation(_ v: Double) -> Double { v.isFinite ? v : infinitySentinel }
    static func loadedViolation(_ v: Double) -> Double { v >= infinitySentinel ? .infinity : v }

    /// The error text of a lease that expired; `exhausted` when no retries are left.
    static func leaseExpired(worker: String?, attempt: Int, retries: Int, maxRetries: Int) -> String {
        let base = "lease of worker \(worker ?? "?") expired without a heartbeat (attempt \(attempt))"
        return retries < maxRetries ? base + "; re-queued (retry \(retries + 1) of \(maxRetries))"
                                    : base + "; no retries left (\(maxRetries) used): recorded as failed"
    }
}
