import DuetCore
import DuetCostModel
import DuetReport
import DuetSearch
import DuetStudy
import DuetWorkload
import Foundation

/// The report of a study: an HTML page with inline SVG plots (Pareto fronts for every pair of
/// objectives with budgets drawn, convergence as hypervolume per evaluation, the per-layer
/// latency and energy of the best design) and a summary table; the same as Markdown, and the
/// trials and the Pareto set as CSV. Readable offline: no scripts, no external resources.
public struct ExploreReport {
    public var files: [String: String] = [:]

    public init(study: Study, dataDir: URL) throws {
        try self.init(snapshot: try StudySnapshot(study: study), dataDir: dataDir)
    }

    /// The report of a study in any backend (SQLite or PostgreSQL), read page by page.
    public init(store: any StudyStore, dataDir: URL) async throws {
        try self.init(snapshot: try await StudySnapshot.load(store), dataDir: dataDir)
    }

    public init(snapshot study: StudySnapshot, dataDir: URL) throws {
        let trials = study.trials
        guard !trials.isEmpty else { throw InputError(file: study.location, message: "the study has no trials yet", hint: "run duet explore CONFIG --study \(study.location)") }
        let objectives = (study.setting("objectives") ?? "").split(separator: ",").map(String.init)
        let maximize = (study.setting("maximize") ?? "").split(separator: ",").map { $0 == "1" }
        let budgets: [(String, Double)] = (study.setting("budgets") ?? "").split(separator: ",").compactMap {
            let kv = $0.split(separator: "="); return kv.count == 2 ? (String(kv[0]), Double(kv[1]) ?? .nan) : nil
        }
        let accuracyLabels = study.setting("accuracy") ?? ""
        let pareto = ExploreRun.pareto(trials, maximize: maximize)
        let paretoSet = Set(pareto.map { "\($0.generation)/\($0.slot)" })
        let complete = trials.filter { $0.status == "complete" }
        var plots: [(String, String)] = []
        // Pareto plots for every pair of objectives.
        for i in 0..<objectives.count {
            for j in (i + 1)..<objectives.count {
                func pts(_ f: (TrialRecord) -> Bool) -> [(x: Double, y: Double)] {
                    complete.filter(f).map { (x: $0.objectives[i], y: $0.objectives[j]) }
                }
                var lines: [SVGPlot.Line] = []
                for (b, v) in budgets {
                    if b == objectives[i] { lines.append(.init(label: "budget \(b) \(v)", value: v, vertical: true)) }
                    if b == objectives[j] { lines.append(.init(label: "budget \(b) \(v)", value: v, vertical: false)) }
                }
                let svg = SVGPlot.scatter(
                    title: "\(objectives[i]) vs \(objectives[j])", xLabel: objectives[i], yLabel: objectives[j],
                    series: [.init(name: "infeasible", points: pts { !$0.isFeasible }, color: "#bbbbbb"),
                             .init(name: "feasible", points: pts { $0.isFeasible && !paretoSet.contains("\($0.generation)/\($0.slot)") }, color: "#1f6fb4"),
                             .init(name: "Pareto", points: pts { paretoSet.contains("\($0.generation)/\($0.slot)") }, color: "#d62728", radius: 4)],
                    lines: lines)
                plots.append(("pareto-\(objectives[i])-\(objectives[j]).svg", svg))
            }
        }
        // Convergence: hypervolume of the feasible front (objectives normalized over all
        // complete trials, in minimization form, reference 1.1) after each 2 % of the trials.
        let m = objectives.count
        var lo = [Double](repeating: .infinity, count: m), hi = [Double](repeating: -.infinity, count: m)
        for t in complete { for k in 0..<m where t.objectives[k].isFinite { lo[k] = min(lo[k], t.objectives[k]); hi[k] = max(hi[k], t.objectives[k]) } }
        func normalized(_ t: TrialRecord) -> [Double] {
            (0..<m).map { k in
                let span = hi[k] - lo[k], v = span > 0 ? (t.objectives[k] - lo[k]) / span : 0
                return maximize[k] ? 1 - v : v
            }
        }
        var hv: [(x: Double, y: Double)] = []
        let step = max(1, trials.count / 50)
        var frontPoints: [[Double]] = []
        for (n, t) in trials.enumerated() {
            if t.isFeasible { frontPoints.append(normalized(t)) }
            if (n + 1) % step == 0 || n == trials.count - 1 {
                let nd = NonDominatedSort.nonDominated(frontPoints).map { frontPoints[$0] }
                frontPoints = nd
                hv.append((x: Double(n + 1), y: nd.isEmpty ? 0 : Hypervolume.compute(nd, reference: [Double](repeating: 1.1, count: m))))
            }
        }
        plots.append(("convergence.svg", SVGPlot.line(title: "Convergence (normalized hypervolume, reference 1.1)", xLabel: "evaluations",
                                                       yLabel: "hypervolume", points: hv)))
        // The best design, re-evaluated for its per-layer breakdown.
        let best = trials.filter(\.isFeasible).max { a, b in maximize.first ?? true ? a.objectives[0] < b.objectives[0] : a.objectives[0] > b.objectives[0] }
        var breakdownNote = ""
        if let best, let text = study.setting("config"), let path = study.setting("config_path") {
            do {
                let cfg = try ExploreConfig.load(text: text, path: path, dataDir: dataDir)
                let ex = try CoExploration(config: cfg, dataDir: dataDir)
                let design = try ex.decode(ex.space.decode(best.genome))
                let nets = try cfg.tasks.map { try ex.analysis(task: $0, arch: design.archs[$0.name]) }
                if let table = ex.tableTarget {
                    for (t, n) in zip(cfg.tasks, nets) {
                        let r = try table.latency(of: ex.deviceNetwork(task: t, arch: design.archs[t.name], analysis: n))
                        plots.append(("layers-latency-\(t.name).svg", SVGPlot.bars(
                            title: "\(t.name) on \(table.name): latency per device operator", unit: "µs",
                            items: r.operators.map { (label: $0.op.layers.joined(separator: "+"), value: $0.latencyMs * 1e3) })))
                    }
                }
                for n in try design.chip.map({ try ChipEvaluator.evaluate(nets, on: $0).networks }) ?? [] {
                    let layers = n.layers.filter { $0.cost.latencyCycles > 0 }
                    plots.append(("layers-latency-\(n.network).svg", SVGPlot.bars(
                        title: "\(n.network) on \(n.subAccelerator): latency per layer", unit: "µs",
                        items: layers.map { (label: $0.analysis.layer.name, value: Double($0.cost.latencyCycles) / n.clockMHz) })))
                    plots.append(("layers-energy-\(n.network).svg", SVGPlot.bars(
                        title: "\(n.network) on \(n.subAccelerator): energy per layer", unit: "µJ",
                        items: layers.map { (label: $0.analysis.layer.name, value: $0.cost.energy.total.value * 1e-6) })))
                }
            } catch {
                breakdownNote = "The per-layer breakdown could not be recomputed: \(error)"
            }
        }
        // Summary.
        let feasible = trials.filter(\.isFeasible).count, failed = trials.filter { $0.status == "failed" }.count
        var summary = TextTable(columns: ["metric", "value"])
        summary.append(["trials", String(trials.count)])
        summary.append(["feasible", String(feasible)])
        summary.append(["failed", String(failed)])
        summary.append(["Pareto designs", String(pareto.count)])
        summary.append(["accuracy source", accuracyLabels])
        for (b, v) in budgets { summary.append(["budget \(b)", String(v)]) }
        if let best {
            for (k, v) in best.metrics.sorted(by: { $0.key < $1.key }) { summary.append(["best: \(k)", String(format: "%.5g", v)]) }
            summary.append(["best: design", best.design])
        }
        // The successive baseline, when `duet explore --baseline successive` stored one.
        var baselineTable: TextTable?
        var baselineNote = ""
        if let text = study.setting("baseline"),
           let b = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
            var t = TextTable(columns: ["method", "evaluations", "feasible", "meets budgets", "best accuracy"])
            for (label, key) in [("successive (best networks first, then hardware)", "successive"), ("co-exploration", "co_exploration")] {
                guard let side = b[key] as? [String: Any] else { continue }
                let acc = (side["best_accuracy"] as? NSNumber).map { String(format: "%.4g", $0.doubleValue) } ?? "\(side["best_accuracy"] ?? "-")"
                t.append([label, "\((side["evaluations"] as? NSNumber)?.intValue ?? 0)", "\((side["feasible"] as? NSNumber)?.intValue ?? 0)",
                          (side["meets_budgets"] as? Bool ?? false) ? "yes" : "no", acc])
            }
            baselineTable = t
            if let nets = b["networks"] as? [String: Any] {
                baselineNote = "Successive design picked, per task, the most accurate network first: " + nets.keys.sorted().map { k in
                    let n = nets[k] as? [String: Any] ?? [:]
                    return "\(k) = \(n["network"] ?? "?") (\((n["accuracy"] as? NSNumber).map { String(format: "%.4g", $0.doubleValue) } ?? "?"))"
                }.joined(separator: "; ") + "."
            }
            if let gain = b["accuracy_gain"] as? NSNumber { baselineNote += String(format: " Co-exploration's accuracy gain: %+.4g points.", gain.doubleValue) }
        }
        var paretoTable = TextTable(columns: objectives + ["design"])
        for p in pareto { paretoTable.append(p.objectives.map { String(format: "%.6g", $0) } + [p.design]) }
        let estimate = accuracyLabels.contains("proxy") ? "a proxy" : accuracyLabels.contains("predictor") ? "predicted" : nil
        let proxy = estimate.map { "<p><b>Accuracy is \($0)</b> (\(SVGPlot.esc(accuracyLabels))), not a measured accuracy.</p>" } ?? ""
        // HTML.
        var html = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>Duet report: \(SVGPlot.esc(URL(fileURLWithPath: study.location).lastPathComponent))</title>
            <style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}
            .plots svg{margin:4px;border:1px solid #eee}</style></head><body>
            <h1>Duet exploration report</h1>
            <p>Study <code>\(SVGPlot.esc(study.location))</code>: \(trials.count) trials, \(feasible) feasible, \(failed) failed.</p>
            \(proxy)
            <h2>Summary</h2>\(htmlTable(summary))
            <h2>Pareto fronts</h2><div class="plots">
            """
        for (name, svg) in plots where name.hasPrefix("pareto") { html += svg }
        html += "</div><h2>Convergence</h2><div class=\"plots\">"
        for (name, svg) in plots where name == "convergence.svg" { html += svg }
        html += "</div><h2>Best design: per-layer breakdown</h2><div class=\"plots\">"
        for (name, svg) in plots where name.hasPrefix("layers") { html += svg }
        if !breakdownNote.isEmpty { html += "<p>\(SVGPlot.esc(breakdownNote))</p>" }
        html += "</div>"
        if let baselineTable {
            html += "<h2>Successive baseline (NASAIC's comparison)</h2>\(htmlTable(baselineTable))<p>\(SVGPlot.esc(baselineNote))</p>"
        }
        html += "<h2>Pareto set</h2>\(htmlTable(paretoTable))</body></html>\n"
        files["index.html"] = html
        for (name, svg) in plots { files["plots/\(name)"] = svg }
        var md = "# Duet exploration report\n\nStudy `\(study.location)`: \(trials.count) trials, \(feasible) feasible, \(failed) failed.\n\n"
        if let estimate { md += "**Accuracy is \(estimate)** (\(accuracyLabels)), not a measured accuracy.\n\n" }
        md += "## Summary\n\n" + markdownTable(summary)
        if let baselineTable { md += "\n## Successive baseline (NASAIC's comparison)\n\n" + markdownTable(baselineTable) + "\n" + baselineNote + "\n" }
        md += "\n## Pareto set\n\n" + markdownTable(paretoTable)
        md += "\n## Plots\n\n" + plots.map { "![\($0.0)](plots/\($0.0))" }.joined(separator: "\n") + "\n"
        files["report.md"] = md
        files["pareto.csv"] = paretoTable.csv()
        addPredictionSections(study)
    }

    func htmlTable(_ t: TextTable) -> String {
        "<table><tr>" + t.columns.map { "<th>\(SVGPlot.esc($0))</th>" }.joined() + "</tr>"
            + t.rows.map { "<tr>" + $0.map { "<td>\(SVGPlot.esc($0))</td>" }.joined() + "</tr>" }.joined() + "</table>"
    }

    func markdownTable(_ t: TextTable) -> String {
        "| " + t.columns.joined(separator: " | ") + " |\n|" + t.columns.map { _ in "---|" }.joined() + "\n"
            + t.rows.map { "| " + $0.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }.joined()
    }

    /// Writes every file under `dir` (created if needed).
    public func write(to dir: String) throws {
        for (name, text) in files {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            } catch {
                throw InputError(file: url.path, message: "cannot write the report: \(error.localizedDescription)", hint: "check that --out is a writable folder")
            }
        }
    }
}
