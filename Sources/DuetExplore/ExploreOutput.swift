import DuetCore
import DuetReport
import DuetStudy
import Foundation

/// Renders an exploration result: a text summary with the Pareto set, JSON, or CSV of the
/// Pareto set; and a trial's design in a line or as JSON.
public enum ExploreOutput {
    public static func designJSON(_ t: TrialRecord) -> JSONValue {
        (try? JSONSerialization.jsonObject(with: Data(t.design.utf8))).map(anyToJSON) ?? .string(t.design)
    }

    public static func anyToJSON(_ v: Any) -> JSONValue {
        switch v {
        case let s as String: return .string(s)
        case let n as NSNumber: return n.doubleValue == n.doubleValue.rounded() && abs(n.doubleValue) < 1e15 ? .int(n.intValue) : .double(n.doubleValue)
        case let a as [Any]: return .array(a.map(anyToJSON))
        case let d as [String: Any]: return .object(d.keys.sorted().map { .init($0, anyToJSON(d[$0]!)) })
        default: return .null
        }
    }

    /// A one-line summary of a design: each task's arch and each sub-accelerator's size.
    public static func compact(_ t: TrialRecord) -> String {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(t.design.utf8)) as? [String: Any] else { return t.design }
        var parts: [String] = []
        if let tasks = obj["tasks"] as? [String: Any] { for k in tasks.keys.sorted() { parts.append("\(k)=\(tasks[k]!)") } }
        if let hw = obj["hardware"] as? [[String: Any]] {
            parts.append("chip: " + hw.map { h in
                let t = h["template"] as? String ?? "?", df = h["dataflow"] as? String ?? ""
                let rows = (h["pe_rows"] as? NSNumber)?.intValue ?? 0, cols = (h["pe_cols"] as? NSNumber)?.intValue ?? 0
                let kib = (h["global_buffer_kib"] as? NSNumber)?.intValue ?? 0
                return "\(t)(\(df)) \(rows)x\(cols) \(kib)KiB"
            }.joined(separator: " + "))
        }
        return parts.joined(separator: "  ")
    }

    public static func trialJSON(_ t: TrialRecord, _ cfg: ExploreConfig) -> JSONValue {
        .obj(["design": designJSON(t),
              "objectives": .object(zip(cfg.objectives, t.objectives).map { .init($0.metric, .double($1)) }),
              "metrics": .object(t.metrics.keys.sorted().map { .init($0, .double(t.metrics[$0]!)) }),
              "feasible": .bool(t.isFeasible)])
    }

    public static func render(_ r: ExploreResult, config cfg: ExploreConfig, format: OutputFormat,
                              baseline: (SuccessiveBaseline, BaselineComparison)? = nil) -> String {
        let accuracy = JSONValue.object(cfg.tasks.map { .init($0.name, .string($0.accuracy.label)) })
        if format == .csv {
            // The Pareto set, one design a row: objectives, feasibility, the design in a line and as JSON.
            var t = TextTable(columns: cfg.objectives.map(\.metric) + ["feasible", "design", "design_json"])
            for p in r.pareto { t.append(p.objectives.map { JSONValue.format($0) } + [p.isFeasible ? "yes" : "no", compact(p), p.design]) }
            return t.csv()
        }
        if format == .json {
            return JSONValue.obj([
                "baseline": baseline.map { baselineJSON($0.0, $0.1, cfg) } ?? .null,
                "pareto": .array(r.pareto.map { trialJSON($0, cfg) }),
                "best": r.best.map { trialJSON($0, cfg) } ?? .null,
                "evaluations": .int(r.evaluations), "resumed": .int(r.reused), "seconds": .double(r.seconds),
                "seed": .int(Int(truncatingIfNeeded: r.seed)), "study": r.study.map { .string($0) } ?? .null,
                "accuracy_source": accuracy,
                "predicted_metrics": .object(cfg.predictedMetricLabels.map { .init($0.metric, .string($0.label)) }),
                "feasible": .int(r.feasibleCount),
                "failed": .int(r.failedCount),
            ]).serialized() + "\n"
        }
        var out = "\(cfg.name): \(r.evaluations) evaluations in \(String(format: "%.1f", r.seconds)) s (seed \(r.seed), \(cfg.optimizer))"
        out += r.reused > 0 ? ", \(r.reused) resumed from the study\n" : "\n"
        out += "feasible: \(r.feasibleCount), failed: \(r.failedCount)\n"
        let proxies = cfg.tasks.filter { $0.accuracy.isEstimate }
        if !proxies.isEmpty {
            out += "note: accuracy of " + proxies.map { "\($0.name) is a \($0.accuracy.estimateWord ?? "PROXY") (\($0.accuracy.label))" }.joined(separator: ", ") + "\n"
        }
        let predicted = cfg.predictedMetricLabels
        if !predicted.isEmpty {
            out += "note: " + predicted.map { "\($0.metric) is a PREDICTION (\($0.label))" }.joined(separator: ", ") + "\n"
        }
        var t = TextTable(columns: cfg.objectives.map { "\($0.maximize ? "max" : "min") \($0.metric)" } + ["feasible", "design"],
                          numeric: Set(0..<cfg.objectives.count))
        for p in r.pareto.prefix(20) {
            t.append(p.objectives.map { String(format: "%.4g", $0) } + [p.isFeasible ? "yes" : "no", compact(p)])
        }
        out += "\nPareto set (\(r.pareto.count) designs\(r.pareto.count > 20 ? ", first 20" : "")):\n" + t.rendered()
        if let b = r.best {
            out += "\nbest feasible: " + zip(cfg.objectives, b.objectives).map { "\($0.metric) \(String(format: "%.4g", $1))" }.joined(separator: ", ") + "\n  " + compact(b) + "\n"
        } else {
            out += "\nno design met every budget\n"
        }
        if let s = r.study { out += "study: \(s) (duet report \(s) --out DIR)\n" }
        if let (b, c) = baseline { out += "\n" + baselineText(b, c, cfg) }
        return out
    }

    public static func accuracyText(_ v: Double?) -> String { v.map { String(format: "%.4g", $0) } ?? "infeasible" }

    /// The budgets a trial misses, with how far: "latency_ms +35%, area_mm2 +4%".
    public static func missed(_ t: TrialRecord) -> String {
        t.constraints.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) +\(String(format: "%.0f", $0.value * 100))%" }.joined(separator: ", ")
    }

    public static func baselineText(_ b: SuccessiveBaseline, _ c: BaselineComparison, _ cfg: ExploreConfig) -> String {
        var out = "Baseline: successive design (best-accuracy networks first, then the hardware for them; \(String(format: "%.1f", b.seconds)) s)\n"
        for ch in b.choices {
            out += "  \(ch.task): \(ch.network)  accuracy \(String(format: "%.4g", ch.accuracy)), \(ch.method)\n"
        }
        let proxies = cfg.tasks.filter { $0.accuracy.isEstimate }
        if !proxies.isEmpty { out += "  (accuracy of " + proxies.map { "\($0.name) is a \($0.accuracy.estimateWord ?? "PROXY")" }.joined(separator: ", ") + ")\n" }
        var t = TextTable(columns: ["", "successive", "co-exploration"])
        func row(_ label: String, _ f: (BaselineComparison.Side) -> String) { t.append([label, f(c.successive), f(c.coExploration)]) }
        row("evaluations") { String($0.evaluations) }
        row("meets every budget") { $0.best != nil ? "yes" : "no" }
        row("feasible designs") { String($0.feasible) }
        row("best feasible accuracy") { accuracyText($0.bestAccuracy) }
        for task in cfg.tasks where !task.accuracy.isNone {
            row("  \(task.name).accuracy") { s in s.best.map { accuracyText($0.metrics["\(task.name).accuracy"]) } ?? "-" }
        }
        for m in ["latency_ms", "energy_mj", "area_mm2"] {
            row("  \(m)") { s in (s.best ?? s.leastViolating).map { String(format: "%.4g", $0.metrics[m] ?? .nan) } ?? "-" }
        }
        row("least violation (none feasible)") { s in s.leastViolating.map { missed($0) } ?? "-" }
        out += t.rendered()
        out += "  successive: " + ((c.successive.best ?? c.successive.leastViolating).map(compact) ?? "-") + "\n"
        out += "  co-exploration: " + ((c.coExploration.best ?? c.coExploration.leastViolating).map(compact) ?? "-") + "\n"
        if let g = c.accuracyGain {
            out += "co-exploration gains \(String(format: "%+.3g", g)) accuracy points over successive design\n"
        } else if c.successive.best == nil && c.coExploration.best != nil {
            out += "successive design meets no budget set; co-exploration finds feasible designs (best accuracy \(accuracyText(c.coExploration.bestAccuracy)))\n"
        } else if c.coExploration.best == nil {
            out += "co-exploration found no feasible design" + (c.successive.best != nil ? " (successive did)\n" : "; neither did successive design\n")
        }
        return out
    }

    public static func baselineJSON(_ b: SuccessiveBaseline, _ c: BaselineComparison, _ cfg: ExploreConfig) -> JSONValue {
        func side(_ s: BaselineComparison.Side) -> JSONValue {
            .obj(["evaluations": .int(s.evaluations), "feasible": .int(s.feasible), "meets_budgets": .bool(s.best != nil),
                  "best_accuracy": s.bestAccuracy.map { .double($0) } ?? .string("infeasible"),
                  "best": s.best.map { trialJSON($0, cfg) } ?? .null,
                  "least_violating": s.leastViolating.map { trialJSON($0, cfg) } ?? .null])
        }
        return .obj([
            "method": .string("successive"),
            "networks": .object(b.choices.map { ch in .init(ch.task, .obj(["network": .string(ch.network), "accuracy": .double(ch.accuracy),
                                                                               "method": .string(ch.method), "evaluations": .int(ch.evaluations)])) }),
            "seconds": .double(b.seconds),
            "successive": side(c.successive),
            "co_exploration": side(c.coExploration),
            "accuracy_gain": c.accuracyGain.map { .double($0) } ?? .null,
        ])
    }
}
