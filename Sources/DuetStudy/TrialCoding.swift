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
        if let fast = decodeFlatDoubles(s) { return fast }
        return s.dropFirst().dropLast().split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// The fast path of ``decodeDoubles(_:)`` for what ``encode(_:)-([Double])`` writes, `[1.5,2,1e308]`,
    /// scanning bytes; nil for anything else (spaces, an unparsable element).
    static func decodeFlatDoubles(_ text: String) -> [Double]? {
        var text = text
        return text.withUTF8 { b -> [Double]? in
            let n = b.count
            guard n >= 2, b[0] == UInt8(ascii: "["), b[n - 1] == UInt8(ascii: "]") else { return nil }
            if n == 2 { return [] }
            var out: [Double] = []
            var start = 1
            for i in 1..<n where b[i] == UInt8(ascii: ",") || i == n - 1 {
                guard i > start, b[start..<i].allSatisfy(Self.isNumberByte),
                      let v = Double(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)) else { return nil }
                out.append(v)
                start = i + 1
            }
            return out
        }
    }

    static func decodeDict(_ s: String) -> [String: Double] {
        if let flat = decodeFlatDict(s) { return flat }
        guard let obj = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any] else { return [:] }
        var out: [String: Double] = [:]
        for (k, v) in obj { out[k] = (v as? NSNumber)?.doubleValue ?? .nan }
        return out
    }

    /// The fast path of ``decodeDict(_:)`` for what ``encode(_:)-(Dictionary<String,Double>)``
    /// writes — `{"key":number,"key":null}`, no whitespace, no escapes in keys — without
    /// Foundation's JSON parser (reading a 1,000,000-trial study parses two such objects a trial);
    /// nil for anything else, which the full parser then reads.
    static func decodeFlatDict(_ text: String) -> [String: Double]? {
        var text = text
        return text.withUTF8 { b -> [String: Double]? in
            let n = b.count
            guard n >= 2, b[0] == UInt8(ascii: "{"), b[n - 1] == UInt8(ascii: "}") else { return nil }
            var out: [String: Double] = [:]
            var i = 1
            while i < n - 1 {
                guard b[i] == UInt8(ascii: "\"") else { return nil }
                var j = i + 1
                while j < n - 1, b[j] != UInt8(ascii: "\"") {
                    if b[j] == UInt8(ascii: "\\") { return nil }
                    j += 1
                }
                guard j < n - 1 else { return nil }
                let key = String(decoding: UnsafeBufferPointer(rebasing: b[(i + 1)..<j]), as: UTF8.self)
                j += 1
                guard j < n - 1, b[j] == UInt8(ascii: ":") else { return nil }
                j += 1
                let start = j
                while j < n - 1, b[j] != UInt8(ascii: ",") { j += 1 }
                let token = String(decoding: UnsafeBufferPointer(rebasing: b[start..<j]), as: UTF8.self)
                if token == "null" {
                    out[key] = .nan
                } else if let c = token.utf8.first, c == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c),
                          token.utf8.allSatisfy(Self.isNumberByte), let v = Double(token) {
                    out[key] = v
                } else {
                    return nil
                }
                if j < n - 1 {   // a comma: another entry must follow
                    j += 1
                    guard j < n - 1 else { return nil }
                }
                i = j
            }
            return out
        }
    }

    /// Whether `b` can be part of a JSON number (digits, sign, point, exponent).
    static func isNumberByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return true
        default: return false
        }
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
