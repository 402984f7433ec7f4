import Foundation

/// A JSON object that keeps its keys in insertion order, for readable benchmark output.
struct JSONObject {
    private var entries: [(String, String)] = []

    mutating func set(_ key: String, _ value: String) { entries.append((key, "\"" + escape(value) + "\"")) }
    mutating func set(_ key: String, _ value: Int) { entries.append((key, String(value))) }
    mutating func set(_ key: String, _ value: Double?) { entries.append((key, number(value))) }
    mutating func set(_ key: String, _ values: [Double]) { entries.append((key, "[" + values.map(number).joined(separator: ", ") + "]")) }
    mutating func set(_ key: String, _ values: [Int]) { entries.append((key, "[" + values.map(String.init).joined(separator: ", ") + "]")) }

    var text: String {
        "{\n" + entries.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}"
    }

    private func number(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "null" }
        return String(format: "%.6g", x)
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

/// Mean and (population) standard deviation, as numpy's `mean` and `std` compute them.
func meanAndStd(_ xs: [Double]) -> (mean: Double, std: Double) {
    guard !xs.isEmpty else { return (.nan, .nan) }
    let mean = xs.reduce(0, +) / Double(xs.count)
    let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
    return (mean, variance.squareRoot())
}
