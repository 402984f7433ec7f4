import ArgumentParser
import DuetCore
import DuetExplore
import DuetHardware
import DuetReport
import DuetStudy
import Foundation

struct ExploreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Co-explore networks and hardware: Pareto set and best feasible design.",
        discussion: "CONFIG is a YAML/JSON exploration config (docs/FORMATS.md). With --study the trials are stored as they finish and an interrupted run resumes.")

    @Argument(help: "The exploration config.") var config: String
    @Option(help: "nsga2, random, evolution, z3 (the exact Pareto front of one decomposable task) or hybrid (NSGA-II seeded with it); overrides the config.") var optimizer: String?
    @Option(help: "Evaluation budget (overrides the config).") var evaluations: Int?
    @Option(help: "Random seed (overrides the config).") var seed: UInt64?
    @Option(help: "Study file (SQLite); created or resumed.") var study: String?
    @Option(help: "Concurrent evaluations (overrides the config).") var workers: Int?
    @Option(name: .customLong("set"), help: "Override a config scalar: key.path=value (repeatable).") var overrides: [String] = []
    @Option(help: "table or json.") var format: OutputFormat = .table
    @Option(help: ArgumentHelp("Also run a baseline and compare: 'successive' (NASAIC's: best-accuracy networks first, then the hardware for them, same optimizer and budget).",
                               valueName: "successive")) var baseline: String?

    func validate() throws {
        if let optimizer, !ExploreConfig.optimizers.contains(optimizer) {
            throw ValidationError("--optimizer must be one of \(ExploreConfig.optimizers.joined(separator: ", ")) (got '\(optimizer)')")
        }
        if let evaluations, evaluations < 1 { throw ValidationError("--evaluations must be at least 1") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let baseline, baseline != "successive" { throw ValidationError("--baseline must be 'successive' (got '\(baseline)')") }
        if format == .csv { throw ValidationError("--format must be table or json (csv: duet study export)") }
    }

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        var sets = overrides
        if let optimizer { sets.append("optimizer=\(optimizer)") }
        if let evaluations { sets.append("evaluations=\(evaluations)") }
        if let seed { sets.append("seed=\(seed)") }
        if let workers { sets.append("workers=\(workers)") }
        let cfg = try ExploreConfig.load(path: config, overrides: sets, dataDir: dataDir)
        if baseline != nil && cfg.tasks.allSatisfy({ $0.space == nil }) {
            throw InputError(file: cfg.file, keyPath: "tasks", message: "the successive baseline needs a task with a searched 'space'",
                             hint: "with fixed networks only, successive design is the co-exploration itself")
        }
        let exploration = try CoExploration(config: cfg, dataDir: dataDir)
        let store = try study.map { try Study(path: $0) }
        let tty = isatty(2) != 0
        let result = try await ExploreRun(exploration: exploration, study: store).run(progress: { p in
            guard tty else { return }
            let best = p.best.map { String(format: "%.4g", $0) } ?? "-"
            let line = String(format: "\r%d/%d evaluations, %d feasible, best %@ %@, hypervolume %@, %.0f eval/s%@", p.evaluations, p.total, p.feasible,
                              cfg.objectives[0].metric, best, p.hypervolume.map { String(format: "%.4f", $0) } ?? "-",
                              Double(p.evaluations - p.reused) / max(p.seconds, 1e-9), p.reused > 0 ? ", \(p.reused) resumed" : "")
            FileHandle.standardError.write(Data(line.utf8))
        })
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        var comparison: (SuccessiveBaseline, BaselineComparison)?
        if baseline != nil {
            if tty { FileHandle.standardError.write(Data("baseline: successive design…\n".utf8)) }
            let b = try await SuccessiveBaseline.run(config: cfg, dataDir: dataDir)
            let c = BaselineComparison(coExploration: result, successive: b)
            comparison = (b, c)
            // Kept with the study, so that `duet report` shows the comparison too.
            try store?.setSetting("baseline", ExploreOutput.baselineJSON(b, c, cfg).serialized(pretty: false))
        }
        emit(ExploreOutput.render(result, config: cfg, format: format, baseline: comparison))
    }
}

/// Renders an exploration result.
enum ExploreOutput {
    static func designJSON(_ t: TrialRecord) -> JSONValue {
        (try? JSONSerialization.jsonObject(with: Data(t.design.utf8))).map(anyToJSON) ?? .string(t.design)
    }

    static func anyToJSON(_ v: Any) -> JSONValue {
        switch v {
        case let s as String: return .string(s)
        case let n as NSNumber: return n.doubleValue == n.doubleValue.rounded() && abs(n.doubleValue) < 1e15 ? .int(n.intValue) : .double(n.doubleValue)
        case let a as [Any]: return .array(a.map(anyToJSON))
        case let d as [String: Any]: return .object(d.keys.sorted().map { .init($0, anyToJSON(d[$0]!)) })
        default: return .null
        }
    }

    /// A one-line summary of a design: each task's arch and each sub-accelerator's size.
    static func compact(_ t: TrialRecord) -> String {
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

    static func trialJSON(_ t: TrialRecord, _ cfg: ExploreConfig) -> JSONValue {
        .obj(["design": designJSON(t),
              "objectives": .object(zip(cfg.objectives, t.objectives).map { .init($0.metric, .double($1)) }),
              "metrics": .object(t.metrics.keys.sorted().map { .init($0, .double(t.metrics[$0]!)) }),
              "feasible": .bool(t.isFeasible)])
    }

    static func render(_ r: ExploreResult, config cfg: ExploreConfig, format: OutputFormat,
                       baseline: (SuccessiveBaseline, BaselineComparison)? = nil) -> String {
        let accuracy = JSONValue.object(cfg.tasks.map { .init($0.name, .string($0.accuracy.label)) })
        if format == .json {
            return JSONValue.obj([
                "baseline": baseline.map { baselineJSON($0.0, $0.1, cfg) } ?? .null,
                "pareto": .array(r.pareto.map { trialJSON($0, cfg) }),
                "best": r.best.map { trialJSON($0, cfg) } ?? .null,
                "evaluations": .int(r.evaluations), "resumed": .int(r.reused), "seconds": .double(r.seconds),
                "seed": .int(Int(truncatingIfNeeded: r.seed)), "study": r.study.map { .string($0) } ?? .null,
                "accuracy_source": accuracy,
                "feasible": .int(r.trials.filter(\.isFeasible).count),
                "failed": .int(r.trials.filter { $0.status == "failed" }.count),
            ]).serialized() + "\n"
        }
        var out = "\(cfg.name): \(r.evaluations) evaluations in \(String(format: "%.1f", r.seconds)) s (seed \(r.seed), \(cfg.optimizer))"
        out += r.reused > 0 ? ", \(r.reused) resumed from the study\n" : "\n"
        out += "feasible: \(r.trials.filter(\.isFeasible).count), failed: \(r.trials.filter { $0.status == "failed" }.count)\n"
        let proxies = cfg.tasks.filter { $0.accuracy.isEstimate }
        if !proxies.isEmpty {
            out += "note: accuracy of " + proxies.map { "\($0.name) is a \($0.accuracy.estimateWord ?? "PROXY") (\($0.accuracy.label))" }.joined(separator: ", ") + "\n"
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

    static func accuracyText(_ v: Double?) -> String { v.map { String(format: "%.4g", $0) } ?? "infeasible" }

    /// The budgets a trial misses, with how far: "latency_ms +35%, area_mm2 +4%".
    static func missed(_ t: TrialRecord) -> String {
        t.constraints.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) +\(String(format: "%.0f", $0.value * 100))%" }.joined(separator: ", ")
    }

    static func baselineText(_ b: SuccessiveBaseline, _ c: BaselineComparison, _ cfg: ExploreConfig) -> String {
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

    static func baselineJSON(_ b: SuccessiveBaseline, _ c: BaselineComparison, _ cfg: ExploreConfig) -> JSONValue {
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
