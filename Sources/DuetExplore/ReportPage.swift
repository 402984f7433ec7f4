import DuetCore
import DuetCostModel
import DuetHardware
import DuetReport
import DuetSearch
import DuetStudy
import Foundation

/// Builds the report's files from a digest and the study's settings (``ExploreReport``'s work).
struct ReportPage {
    let digest: ReportDigest
    let study: StudySnapshot
    let dataDir: URL
    /// The digest's Pareto set and convergence, computed once.
    let pareto: [TrialRecord]
    let convergence: [(x: Double, y: Double)]

    init(digest: ReportDigest, study: StudySnapshot, dataDir: URL) {
        self.digest = digest; self.study = study; self.dataDir = dataDir
        pareto = digest.pareto
        convergence = digest.convergence
    }

    var objectives: [String] { digest.objectives }
    var maximize: [Bool] { digest.maximize }

    /// The budgets stored with the study, in their order.
    var budgets: [(name: String, limit: Double)] {
        (study.setting("budgets") ?? "").split(separator: ",").compactMap {
            let kv = $0.split(separator: "="); return kv.count == 2 ? (String(kv[0]), Double(kv[1]) ?? .nan) : nil
        }
    }

    var accuracyLabels: String { study.setting("accuracy") ?? "" }

    /// Task → "proxy" / "predicted" for the tasks whose accuracy is an estimate.
    var estimates: [String: String] {
        var out: [String: String] = [:]
        for item in accuracyLabels.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            if kv[1].hasPrefix("proxy") { out[String(kv[0])] = "proxy" } else if kv[1].hasPrefix("predictor") { out[String(kv[0])] = "predicted" }
        }
        return out
    }

    /// A metric's name with its unit, and "(proxy)" / "(predicted)" for an estimated accuracy.
    func axisLabel(_ metric: String) -> String {
        if metric.hasSuffix("accuracy") {
            let task = metric.split(separator: ".").count > 1 ? String(metric.split(separator: ".")[0]) : nil
            let kinds = task.map { estimates[$0].map { [$0] } ?? [] } ?? Array(Set(estimates.values)).sorted()
            return kinds.isEmpty ? metric : "\(metric) (\(kinds.joined(separator: ", ")))"
        }
        return Self.withUnit(metric)
    }

    /// `energy_mj` → `energy_mj (mJ)`: the unit a key's suffix names.
    static func withUnit(_ metric: String) -> String {
        let units: [(String, String)] = [("_ms", "ms"), ("_mj", "mJ"), ("_mm2", "mm²"), ("_mw", "mW"), ("_us", "µs"), ("_uj", "µJ"),
                                         ("_kib", "KiB"), ("_gbps", "GB/s"), ("_hours", "h"), ("fps", "frames/s"), ("macs", "MACs"),
                                         ("params", "parameters"), ("pe_count", "PEs")]
        for (suffix, unit) in units where metric.hasSuffix(suffix) { return "\(metric) (\(unit))" }
        return metric
    }

    func files() -> [String: String] {
        var files: [String: String] = [:]
        let chosenTrial = digest.best ?? pareto.first
        let chosen = chosenTrial.map { ChosenDesign.make($0, study: study, estimates: estimates, dataDir: dataDir) }
        var plots: [(name: String, svg: String)] = paretoPlots()
        plots.append(("convergence.svg", SVGPlot.line(title: "Convergence: normalized hypervolume (1 = ideal)", xLabel: "trials evaluated",
                                                      yLabel: "hypervolume (fraction of the box, 0–1)", points: convergence, yRange: 0...1)))
        var breakdownPlots: [(name: String, svg: String)] = []
        for b in chosen?.breakdowns ?? [] {
            let slug = b.task
            breakdownPlots.append(("layers-stage-\(slug).svg", SVGPlot.bars(title: "\(b.task) on \(b.runsOn): latency by stage", unit: "µs",
                                                                            items: b.grouped(by: \.stage).map { ($0.name, $0.latencyUs) })))
            breakdownPlots.append(("layers-kind-\(slug).svg", SVGPlot.bars(title: "\(b.task) on \(b.runsOn): latency by operator kind", unit: "µs",
                                                                           items: b.grouped(by: \.kind).map { ($0.name, $0.latencyUs) })))
        }
        plots += breakdownPlots
        plots += (chosen?.rooflines ?? []).map { ("roofline-\($0.sub).svg", $0.svg) }
        for (name, svg) in plots { files["plots/\(name)"] = svg }
        files["index.html"] = html(chosen: chosen, plots: plots, convergence: convergence)
        files["report.md"] = markdown(chosen: chosen, plots: plots, convergence: convergence)
        var paretoTable = TextTable(columns: objectives + ["design"])
        for p in pareto { paretoTable.append(p.objectives.map { String(format: "%.6g", $0) } + [p.design]) }
        files["pareto.csv"] = paretoTable.csv()
        return files
    }

    // MARK: Plots

    /// The axis range of objective `k`: its feasible values and its budget (if any) with an 8 %
    /// margin; nil (span every point) when no trial is feasible.
    func axisRange(_ k: Int) -> ClosedRange<Double>? {
        guard let r = digest.feasibleRange[k] else { return nil }
        var lo = r.lowerBound, hi = r.upperBound
        for b in budgets where b.name == objectives[k] && b.limit.isFinite { lo = min(lo, b.limit); hi = max(hi, b.limit) }
        let pad = hi > lo ? (hi - lo) * 0.08 : max(abs(lo) * 0.1, 1e-9)
        return (lo - pad)...(hi + pad)
    }

    func paretoPlots() -> [(name: String, svg: String)] {
        var out: [(String, String)] = []
        let m = objectives.count
        let drawn = Self.thinned(pareto.filter(\.isFeasible), to: digest.limits.paretoDrawn)
        for i in 0..<m {
            for j in (i + 1)..<m {
                var lines: [SVGPlot.Line] = []
                for b in budgets {
                    if b.name == objectives[i] { lines.append(.init(label: "budget \(b.name) \(SVGPlot.fmt(b.limit))", value: b.limit, vertical: true)) }
                    if b.name == objectives[j] { lines.append(.init(label: "budget \(b.name) \(SVGPlot.fmt(b.limit))", value: b.limit, vertical: false)) }
                }
                let pts = { (s: [[Double]]) in s.map { (x: $0[i], y: $0[j]) } }
                let series: [SVGPlot.Series] = [
                    .init(name: "infeasible (sample)", points: pts(digest.infeasibleSample), color: "#bbbbbb", radius: 2),
                    .init(name: "feasible (sample)", points: pts(digest.feasibleSample), color: "#1f6fb4", radius: 2),
                    .init(name: "feasible front (2-D)", points: digest.pairFront(i, j), color: "#ff7f0e", connected: true),
                    .init(name: "Pareto set", points: drawn.map { (x: $0.objectives[i], y: $0.objectives[j]) }, color: "#d62728", radius: 3.5),
                ]
                out.append(("pareto-\(objectives[i])-\(objectives[j]).svg", SVGPlot.scatter(
                    title: "\(objectives[i]) vs \(objectives[j])", xLabel: axisLabel(objectives[i]), yLabel: axisLabel(objectives[j]),
                    series: series, lines: lines, xRange: axisRange(i), yRange: axisRange(j))))
            }
        }
        return out
    }

    /// At most `n` trials, evenly spaced along the list's order (its first objective): all of them when there are fewer.
    static func thinned(_ t: [TrialRecord], to n: Int) -> [TrialRecord] {
        guard t.count > n, n > 0 else { return t }
        return (0..<n).map { t[$0 * t.count / n] }
    }

    // MARK: Text

    var feasibleCount: Int { digest.feasible }

    var estimateSentence: String? {
        let e = accuracyLabels.contains("proxy") ? "a proxy" : accuracyLabels.contains("predictor") ? "predicted" : nil
        return e.map { "Accuracy is \($0) (\(accuracyLabels)), not a measured accuracy." }
    }

    var summary: TextTable {
        var t = TextTable(columns: ["metric", "value"])
        t.append(["trials", String(digest.trials)])
        t.append(["feasible", String(digest.feasible)])
        t.append(["failed", String(digest.failed)])
        t.append(["Pareto designs", String(pareto.filter(\.isFeasible).count)])
        t.append(["accuracy source", accuracyLabels])
        for b in budgets { t.append(["budget \(b.name)", SVGPlot.fmt(b.limit)]) }
        if let last = convergence.last, let box = digest.hypervolumeBox {
            t.append(["normalized hypervolume", String(format: "%.4f", last.y)])
            t.append(["hypervolume box (ideal → reference)", zip(objectives.indices, zip(box.ideal, box.reference)).map { k, v in
                let s = maximize[k] ? -1.0 : 1.0
                return "\(objectives[k]) \(SVGPlot.fmt(s * v.0)) → \(SVGPlot.fmt(s * v.1))"
            }.joined(separator: "; ")])
        }
        return t
    }

    /// The successive baseline stored by `duet explore --baseline successive`: its table and a sentence.
    var baseline: (table: TextTable, note: String)? {
        guard let text = study.setting("baseline"),
              let b = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        var t = TextTable(columns: ["method", "evaluations", "feasible", "meets budgets", "best accuracy"])
        for (label, key) in [("successive (best networks first, then hardware)", "successive"), ("co-exploration", "co_exploration")] {
            guard let side = b[key] as? [String: Any] else { continue }
            let acc = (side["best_accuracy"] as? NSNumber).map { String(format: "%.4g", $0.doubleValue) } ?? "\(side["best_accuracy"] ?? "-")"
            t.append([label, "\((side["evaluations"] as? NSNumber)?.intValue ?? 0)", "\((side["feasible"] as? NSNumber)?.intValue ?? 0)",
                      (side["meets_budgets"] as? Bool ?? false) ? "yes" : "no", acc])
        }
        var note = ""
        if let nets = b["networks"] as? [String: Any] {
            note = "Successive design picked, per task, the most accurate network first: " + nets.keys.sorted().map { k in
                let n = nets[k] as? [String: Any] ?? [:]
                return "\(k) = \(n["network"] ?? "?") (\((n["accuracy"] as? NSNumber).map { String(format: "%.4g", $0.doubleValue) } ?? "?"))"
            }.joined(separator: "; ") + "."
        }
        if let gain = b["accuracy_gain"] as? NSNumber { note += String(format: " Co-exploration's accuracy gain: %+.4g points.", gain.doubleValue) }
        return (t, note)
    }

    var paretoTable: TextTable {
        var t = TextTable(columns: objectives.map(axisLabel) + ["design"])
        for p in pareto.prefix(ExploreReport.paretoRowsShown) {
            t.append(p.objectives.map { String(format: "%.5g", $0) } + [ExploreOutput.compact(p)])
        }
        return t
    }

    var paretoNote: String {
        let n = pareto.count
        return n > ExploreReport.paretoRowsShown ? "The first \(ExploreReport.paretoRowsShown) of \(n) designs; pareto.csv lists all of them." : ""
    }

    static let convergenceCaption = "Hypervolume of the feasible front after each 2 % of the trials, normalized to the box between the best (ideal) "
        + "and the worst (reference) value of each objective over all feasible trials: 1 would be one design best in every objective, so it lies in [0, 1]."

    var plotsCaption: String {
        let l = digest.limits
        return "Axes span the feasible designs and the budgets (plus 8 %); a point beyond them is drawn on the edge as an open circle. "
            + "Drawn: the Pareto set (up to \(l.paretoDrawn) designs, evenly thinned along the first objective when larger), the 2-D feasible front of each pair, "
            + "and a seeded uniform sample of at most \(l.feasibleSample) feasible and \(l.infeasibleSample) infeasible trials "
            + "(of \(digest.feasible) and \(digest.complete - digest.feasible)), so the page does not grow with the study."
    }
}

/// The chosen design re-evaluated for its card, per-layer breakdown and rooflines.
struct ChosenDesign {
    var trial: TrialRecord
    var card: DesignCard
    var breakdowns: [LayerBreakdown] = []
    /// One roofline per sub-accelerator that runs a task.
    var rooflines: [(sub: String, svg: String)] = []
    /// Why the breakdown is missing, if it is.
    var note = ""

    static func make(_ t: TrialRecord, study: StudySnapshot, estimates: [String: String], dataDir: URL) -> ChosenDesign {
        var out = ChosenDesign(trial: t, card: DesignCard(trial: t, estimates: estimates))
        guard let text = study.setting("config"), let path = study.setting("config_path") else {
            out.note = "The study stores no configuration, so the per-layer breakdown cannot be recomputed."
            return out
        }
        do {
            let cfg = try ExploreConfig.load(text: text, path: path, dataDir: dataDir)
            let ex = try CoExploration(config: cfg, dataDir: dataDir)
            let design = try ex.decode(ex.space.decode(t.genome))
            let names = cfg.tasks.map(\.name)
            let nets = try cfg.tasks.map { try ex.analysis(task: $0, arch: design.archs[$0.name]) }
            if let table = ex.tableTarget {
                out.card = DesignCard(trial: t, taskNames: names, estimates: estimates,
                                      assignment: Dictionary(uniqueKeysWithValues: names.map { ($0, table.name) }))
                for (task, n) in zip(cfg.tasks, nets) {
                    let r = try table.latency(of: ex.deviceNetwork(task: task, arch: design.archs[task.name], analysis: n))
                    out.breakdowns.append(LayerBreakdown(task: task.name, device: table.name, report: r))
                }
                out.note = "A table-driven device gives latency per operator only: no energy and no roofline."
            } else if let chip = design.chip {
                let r = try ChipEvaluator.evaluate(nets, on: chip, scheduling: cfg.scheduling)
                let assignment = Dictionary(uniqueKeysWithValues: zip(names, r.networks.map(\.subAccelerator)))
                out.card = DesignCard(trial: t, taskNames: names, estimates: estimates, assignment: assignment, chip: chip)
                out.breakdowns = r.networks.map(LayerBreakdown.init)
                for sub in chip.subAccelerators {
                    let on = out.breakdowns.filter { $0.runsOn == sub.name }
                    guard !on.isEmpty else { continue }
                    let points = on.flatMap { $0.rooflinePoints(clockMHz: sub.clockMHz) }
                    out.rooflines.append((sub.name, SVGPlot.roofline(
                        title: "\(sub.name) (\(sub.peRows)×\(sub.peCols), \(on.map(\.task).joined(separator: ", "))): roofline",
                        points: points, peakMACsPerCycle: Double(sub.peCount), bytesPerCycle: sub.dramBytesPerCycle)))
                }
            }
        } catch {
            out.note = "The per-layer breakdown could not be recomputed: \(error)"
        }
        return out
    }
}
