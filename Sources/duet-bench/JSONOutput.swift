import DuetCore
import Foundation

/// Ordered JSON output for benchmarks: a thin builder over DuetCore's ``JSONValue``.
struct JSONObject {
    private var fields: [JSONValue.Field] = []

    mutating func set(_ key: String, _ value: String) { fields.append(.init(key, .string(value))) }
    mutating func set(_ key: String, _ value: Int) { fields.append(.init(key, .int(value))) }
    mutating func set(_ key: String, _ value: Double?) { fields.append(.init(key, value.map { .double($0) } ?? .null)) }
    mutating func set(_ key: String, _ values: [Double]) { fields.append(.init(key, .array(values.map { .double($0) }))) }
    mutating func set(_ key: String, _ values: [Int]) { fields.append(.init(key, .array(values.map { .int($0) }))) }

    var text: String { JSONValue.object(fields).serialized() }
}

/// Mean and (population) standard deviation, as numpy's `mean` and `std` compute them.
func meanAndStd(_ xs: [Double]) -> (mean: Double, std: Double) {
    guard !xs.isEmpty else { return (.nan, .nan) }
    let mean = xs.reduce(0, +) / Double(xs.count)
    let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
    return (mean, variance.squareRoot())
}
