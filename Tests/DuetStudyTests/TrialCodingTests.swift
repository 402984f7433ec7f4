import DuetCore
import Foundation
import Testing
@testable import DuetStudy

@Suite struct TrialCodingTests {
    /// The fast path reads what `encode` writes, exactly; Foundation's parser agrees to 1e-14.
    @Test func theFlatDictionaryReaderAgreesWithTheJSONParser() {
        var rng = SeededGenerator(seed: 11)
        for round in 0..<200 {
            var d: [String: Double] = [:]
            for k in 0..<Int.random(in: 0...20, using: &rng) {
                let v: Double = switch k % 5 {
                case 0: Double.random(in: -1e6...1e6, using: &rng)
                case 1: Double(Int.random(in: -1000...1000, using: &rng))
                case 2: Double.random(in: 0...1, using: &rng) * 1e-12
                case 3: 1e300 * Double.random(in: 1...1.7, using: &rng)
                default: round % 7 == 0 ? .infinity : 0.1
                }
                d["task\(k % 3).métric_\(k)"] = v
            }
            let text = TrialCoding.encode(d)
            let fast = TrialCoding.decodeFlatDict(text)
            let obj = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            let slow = obj.mapValues { ($0 as? NSNumber)?.doubleValue ?? .nan }
            #expect(fast != nil, "\(text)")
            #expect(fast?.keys.sorted() == slow.keys.sorted(), "\(text)")
            // Exact round trip of what was stored (non-finite is stored as null, read as NaN) ...
            for (k, v) in d { #expect(fast?[k] == v || (fast?[k]?.isNaN == true && !v.isFinite), "\(k) = \(v) in \(text)") }
            // ... and Foundation's reading to 1e-14 (it rounds some 17-digit values, tiny ones by tens of ulps).
            for (k, v) in slow {
                let f = fast?[k] ?? .infinity
                #expect(f == v || (f.isNaN && v.isNaN) || abs(f - v) <= 1e-14 * abs(v), "\(k): \(f) vs Foundation \(v)")
            }
        }
    }

    @Test func anythingElseFallsBackToTheJSONParser() {
        for text in ["{\"a\\\"b\":1}", "{ \"a\": 1 }", "{\"a\":\"x\"}", "{\"a\":true}", "{\"a\":1,}", "{\"a\":nan}", "[1,2]", "{\"a\":0x10}"] {
            #expect(TrialCoding.decodeFlatDict(text) == nil, "\(text)")
        }
        #expect(TrialCoding.decodeFlatDict("{}") == [:])
        #expect(TrialCoding.decodeDict("{ \"a\": 1.5 }") == ["a": 1.5])
        #expect(TrialCoding.decodeDict("{\"a\":true}") == ["a": 1])
    }
}
