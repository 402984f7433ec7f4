import DuetCore
import DuetSearch
import Foundation

/// The co-exploration as a search ``Problem``: the config's objectives (maximized or minimized),
/// one constraint per budget in the config's order — (value − limit) / limit, ≤ 0 when met — and
/// the evaluation's metrics and design JSON kept with each trial.
extension CoExploration: Problem {
    public var objectives: [Objective] {
        config.objectives.map { Objective($0.metric, $0.maximize ? .maximize : .minimize) }
    }

    public var constraints: [String] { config.budgets.map(\.name) }

    public func evaluate(_ point: Point) async throws -> Evaluation {
        let (design, metrics, error) = await measure(point)
        if let error { throw TrialFailure(message: error) }
        return Evaluation(objectives: objectives(metrics), constraints: constraintValues(metrics), metrics: metrics, detail: design)
    }

    /// Budget violations in the config's budget order: (value − limit) / limit — for a frame
    /// rate, a lower bound, (limit − value) / limit — +∞ when the design has no value for the
    /// budget's metric.
    public func constraintValues(_ metrics: [String: Double]) -> [Double] {
        config.budgets.map { b in
            guard let v = metrics[b.name] else { return .infinity }
            return (ExploreConfig.isLowerBound(b.name) ? b.limit - v : v - b.limit) / b.limit
        }
    }

    /// The design JSON of `point` as it is evaluated (canonical order), without evaluating it:
    /// what a queued or failed trial stores.
    func designJSON(_ point: Point) -> String { (try? decode(canonical(point)).json) ?? "{}" }

    /// An evaluation's budget violations by budget name, as studies store them.
    func namedConstraints(_ e: Evaluation) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(constraints, e.constraints))
    }

    /// A chip with its sub-accelerators sorted by (template, dataflow, rows, columns, buffer):
    /// the sub-accelerators of a hardware space are interchangeable, so A+B and B+A are one design,
    /// evaluated once and stored in this order.
    public func canonical(_ point: Point) -> Point {
        guard case .hardware(let h) = config.target, h.maxSubaccelerators > 1 else { return point }
        let count = point["hw.count"]?.intValue ?? h.minSubaccelerators
        guard count > 1 else { return point }
        let fields = ["template", "dataflow", "pe_rows", "pe_cols", "global_buffer_kib"]
        let slots = (0..<count).map { slot in fields.map { point["hw.\(slot).\($0)"] } }
        func key(_ s: [Value?]) -> String { s.map { $0.map { "\($0)" } ?? "" }.joined(separator: "|") }
        let keys = slots.map(key)
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        if order == Array(keys.indices) { return point }
        var values: [String: Value] = [:]
        for (i, v) in space.variables.enumerated() { if let x = point[i] { values[v.name] = x } }
        for (slot, from) in order.enumerated() {
            for (f, v) in zip(fields, slots[from]) {
                if let v { values["hw.\(slot).\(f)"] = v } else { values["hw.\(slot).\(f)"] = nil }
            }
        }
        guard let genome = try? space.encode(values) else { return point }
        return space.decode(genome)
    }
}

/// Why a trial failed, as recorded with it.
struct TrialFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
