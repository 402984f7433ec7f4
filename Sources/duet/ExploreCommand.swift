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
    @Option(help: "nsga2, random or evolution (overrides the config).") var optimizer: String?
    @Option(help: "Evaluation budget (overrides the config).") var evaluations: Int?
    @Option(help: "Random seed (overrides the config).") var seed: UInt64?
    @Option(help: "Study file (SQLite); created or resumed.") var study: String?
    @Option(help: "Concurrent evaluations (overrides the config).") var workers: Int?
    @Option(name: .customLong("set"), help: "Override a config scalar: key.path=value (repeatable).") var overrides: [String] = []
    @Option(help: "table or json.") var format: OutputFormat = .table

    func validate() throws {
        if let optimizer, !ExploreConfig.optimizers.contains(optimizer) {
            throw ValidationError("--optimizer must be one of \(ExploreConfig.optimizers.joined(separator: ", ")) (got '\(optimizer)')")
        }
        if let evaluations, evaluations < 1 { throw ValidationError("--evaluations must be at least 1") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
    }

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        var sets = overrides
        if let optimizer { sets.append("optimizer=\(optimizer)") }
        if let evaluations { sets.append("evaluations=\(evaluations)") }
        if let seed { sets.append("seed=\(seed)") }
        if let workers { sets.append("workers=\(workers)") }
        let cfg = try ExploreConfig.load(path: config, overrides: sets, dataDir: dataDir)
        let exploration = try CoExploration(config: cfg, dataDir: dataDir)
        let store = try study.map { try Study(path: $0) }
        let tty = isatty(2) != 0
        let result = try await ExploreRun(exploration: exploration, study: store).run(progress: { p in
            guard tty else { return }
            let best = p.best.map { String(format: "%.4g", $0) } ?? "-"
            let line = String(format: "\r%d/%d evaluations, %d feasible, best %@ %@, %.0f eval/s%@", p.evaluations, p.total, p.feasible,
                              cfg.objectives[0].metric, best, Double(p.evaluations - p.reused) / max(p.seconds, 1e-9),
                              p.reused > 0 ? ", \(p.reused) resumed" : "")
            FileHandle.standardError.write(Data(line.utf8))
        })
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        emit(ExploreOutput.render(result, config: cfg, format: format))
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

    static func render(_ r: ExploreResult, config cfg: ExploreConfig, format: OutputFormat) -> String {
        let accuracy = JSONValue.object(cfg.tasks.map { .init($0.name, .string($0.accuracy.label)) })
        if format == .json {
            return JSONValue.obj([
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
        let proxies = cfg.tasks.filter { $0.accuracy.isProxy }
        if !proxies.isEmpty {
            out += "note: accuracy of " + proxies.map { "\($0.name) is a PROXY (\($0.accuracy.label))" }.joined(separator: ", ") + "\n"
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
        return out
    }
}
