import DuetCore
import Foundation

/// Budgets a design must meet, from a spec YAML:
///
///     budgets:            # for the whole chip
///       latency_ms: 10    # makespan
///       energy_mj: 5
///       area_mm2: 20
///       power_mw: 500
///     tasks:              # per network, by name
///       resnet50: {latency_ms: 8, energy_mj: 3}
public struct Spec: Sendable, Hashable {
    public struct Budget: Sendable, Hashable {
        /// `latency_ms`, `energy_mj`, `area_mm2` or `power_mw`.
        public var metric: String
        /// Network name for a per-task budget, nil for the chip.
        public var task: String?
        public var limit: Double
        /// The name used in verdicts, e.g. `latency_ms` or `resnet50.latency_ms`.
        public var name: String { task.map { "\($0).\(metric)" } ?? metric }
    }

    public static let metrics = ["latency_ms", "energy_mj", "area_mm2", "power_mw"]
    public var budgets: [Budget]

    public init(budgets: [Budget]) { self.budgets = budgets }

    public static func load(path: String) throws -> Spec {
        let d = Diagnostics(file: path)
        let r = ConfigReader(try ConfigNode.load(path: path), diagnostics: d)
        var budgets: [Budget] = []
        func read(_ reader: ConfigReader, task: String?, allowArea: Bool) {
            for m in metrics {
                guard let v = reader.double(m) else { continue }
                if v <= 0 {
                    d.add(reader.keyPath(m), value: String(v), "a budget must be positive",
                          hint: v < 0 ? "budgets are upper limits; remove the minus sign" : "remove the budget to leave it unconstrained")
                    continue
                }
                if !allowArea && m == "area_mm2" {
                    d.add(reader.keyPath(m), "area is a chip budget, not a task budget", hint: "move area_mm2 under budgets")
                    continue
                }
                budgets.append(Budget(metric: m, task: task, limit: v))
            }
            reader.finish()
        }
        if let b = r.object("budgets") { read(b, task: nil, allowArea: true) }
        if let t = r.object("tasks") {
            for name in t.keys { if let tr = t.object(name) { read(tr, task: name, allowArea: false) } }
            t.finish()
        }
        r.finish()
        try d.throwIfAny()
        if budgets.isEmpty { throw InputError(file: path, message: "the spec sets no budget", hint: "add e.g. 'budgets: {latency_ms: 10}'") }
        return Spec(budgets: budgets)
    }
}

/// The verdict on one budget: the value reached, the margin (limit − value, in the budget's
/// unit; negative when violated) and whether it is met.
public struct Verdict: Sendable, Hashable {
    public var budget: String
    public var limit: Double
    public var value: Double
    public var margin: Double { limit - value }
    public var met: Bool { value <= limit }
}

extension Spec {
    /// Verdicts for `result`; a per-task budget naming no evaluated network is an input error.
    public func verdicts(for result: ChipResult) throws -> [Verdict] {
        var out: [Verdict] = []
        var issues = IssueCollector()
        for b in budgets {
            let value: Double
            if let task = b.task {
                guard let n = result.networks.first(where: { $0.network == task }) else {
                    issues.add("tasks.\(task)", value: task, "no evaluated network has this name",
                               hint: Suggestion.hint(for: task, in: result.networks.map(\.network)))
                    continue
                }
                switch b.metric {
                case "latency_ms": value = n.latency.milliseconds
                case "energy_mj": value = n.energy.total.millijoules
                default: value = Milliwatts(energy: n.energy.total, over: n.latency).value
                }
            } else {
                switch b.metric {
                case "latency_ms": value = result.makespan.milliseconds
                case "energy_mj": value = result.energy.millijoules
                case "area_mm2": value = result.area.value
                default: value = result.power.value
                }
            }
            out.append(Verdict(budget: b.name, limit: b.limit, value: value))
        }
        try issues.throwIfAny()
        return out
    }
}

extension Spec {
    /// Verdicts for networks on a table-driven device, which run one after another: latency only
    /// (a budget on energy, area or power is an input error naming it).
    public func verdicts(tableLatencies: [(network: String, latencyMs: Double)]) throws -> [Verdict] {
        var out: [Verdict] = []
        var issues = IssueCollector()
        for b in budgets {
            guard b.metric == "latency_ms" else {
                issues.add("budgets.\(b.name)", value: String(b.limit), "a latency table gives latency only",
                           hint: "remove this budget, or evaluate on an --accelerator for energy, area and power")
                continue
            }
            if let task = b.task {
                guard let n = tableLatencies.first(where: { $0.network == task }) else {
                    issues.add("tasks.\(task)", value: task, "no evaluated network has this name",
                               hint: Suggestion.hint(for: task, in: tableLatencies.map(\.network)))
                    continue
                }
                out.append(Verdict(budget: b.name, limit: b.limit, value: n.latencyMs))
            } else {
                out.append(Verdict(budget: b.name, limit: b.limit, value: tableLatencies.reduce(0) { $0 + $1.latencyMs }))
            }
        }
        try issues.throwIfAny()
        return out
    }
}
