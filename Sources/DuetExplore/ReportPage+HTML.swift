import DuetReport
import DuetStudy
import Foundation

extension ReportPage {
    static let css = """
        body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
        table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px;text-align:left}
        td.num{text-align:right;font-variant-numeric:tabular-nums}
        .plots{display:flex;flex-wrap:wrap;gap:4px}.plots svg{border:1px solid #eee;max-width:100%;height:auto}
        .card{border:2px solid #1f6fb4;border-radius:6px;padding:4px 14px 10px;margin:1em 0}
        .card h2{margin-top:.4em}.card code{word-break:break-all}
        .verdict.ok{color:#1a7f37}.verdict.bad{color:#b00}
        tr.idle td{background:#fff4e5}.flag{color:#b00;font-weight:bold}
        .caption{font-size:12px;color:#555;max-width:900px}
        .note{background:#fff8d6;padding:4px 8px}
        details{margin:4px 0}summary{cursor:pointer}
        @media print{body{max-width:none;margin:0}.plots svg,table,.card{break-inside:avoid}
        details::details-content{content-visibility:visible;display:contents}summary{list-style:none}}
        """

    func html(chosen: ChosenDesign?, plots: [(name: String, svg: String)], convergence: [(x: Double, y: Double)]) -> String {
        let esc = SVGPlot.esc
        let name = URL(fileURLWithPath: study.location).lastPathComponent
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Duet report: \(esc(name))</title><style>\(Self.css)</style></head><body>
            <h1>Duet exploration report</h1>
            <p>Study <code>\(esc(study.location))</code>: \(digest.trials) trials, \(digest.feasible) feasible, \(digest.failed) failed.</p>

            """
        if let e = estimateSentence { h += "<p class=\"note\"><b>\(esc(e))</b></p>\n" }
        if let chosen { h += cardHTML(chosen) }
        if let b = baseline {
            h += "<section id=\"baseline\"><h2>Successive baseline (NASAIC's comparison)</h2>\(Self.htmlTable(b.table))<p class=\"caption\">\(esc(b.note))</p></section>\n"
        }
        h += "<section id=\"summary\"><h2>Summary</h2>\(Self.htmlTable(summary))</section>\n"
        h += "<section id=\"fronts\"><h2>Pareto fronts</h2><p class=\"caption\">\(esc(plotsCaption))</p><div class=\"plots\">"
        for p in plots where p.name.hasPrefix("pareto") { h += p.svg }
        h += "</div></section>\n<section id=\"convergence\"><h2>Convergence</h2><div class=\"plots\">"
        for p in plots where p.name == "convergence.svg" { h += p.svg }
        h += "</div><p class=\"caption\">\(esc(Self.convergenceCaption))</p></section>\n"
        h += "<section id=\"breakdown\"><h2>Chosen design: per-layer breakdown</h2>\n"
        if let chosen {
            for b in chosen.breakdowns { h += breakdownHTML(b, plots: plots) }
            if !chosen.rooflines.isEmpty {
                h += "<h3>Roofline</h3><p class=\"caption\">Each compute layer of the chosen design on its sub-accelerator: MACs per byte of DRAM traffic "
                    + "(operational intensity) against MACs per cycle attained (MACs ÷ latency cycles). Roofs: the PE count (compute) and the DRAM bytes per cycle "
                    + "at the sub-accelerator's clock times the intensity (bandwidth). Hover a point for its layer.</p><div class=\"plots\">"
                for r in chosen.rooflines { h += r.svg }
                h += "</div>\n"
            }
            if !chosen.note.isEmpty { h += "<p class=\"note\">\(esc(chosen.note))</p>\n" }
        } else {
            h += "<p>No complete trial to break down.</p>\n"
        }
        h += "</section>\n<section id=\"pareto-set\"><h2>Pareto set</h2>\(Self.htmlTable(paretoTable))"
        if !paretoNote.isEmpty { h += "<p class=\"caption\">\(esc(paretoNote))</p>" }
        h += "</section>\n</body></html>\n"
        return h
    }

    func cardHTML(_ c: ChosenDesign) -> String {
        let esc = SVGPlot.esc
        let card = c.card
        var h = "<section id=\"chosen\" class=\"card\"><h2>Chosen design</h2>\n"
        if card.feasible {
            h += "<p class=\"verdict ok\">Meets every budget; the best \(esc(axisLabel(objectives.first ?? "objective"))) among the feasible designs.</p>\n"
        } else {
            h += "<p class=\"verdict bad\">No design meets every budget: this is the least-violating one (misses \(esc(ExploreOutput.missed(c.trial)))).</p>\n"
        }
        let totals = Self.totals(card.metrics, label: axisLabel)
        if !totals.isEmpty { h += "<p>" + totals.map { "<b>\(esc($0.0))</b> \(esc($0.1))" }.joined(separator: " · ") + "</p>\n" }
        h += "<h3>Tasks</h3>" + Self.htmlTable(taskTable(card), numeric: [2, 3, 4, 5])
        if let d = card.device {
            h += "<p>The tasks run one after another on the device <b>\(esc(d))</b>.</p>\n"
        } else if !card.subAccelerators.isEmpty {
            h += "<h3>Sub-accelerators</h3><table><tr>" + Self.subColumns.map { "<th>\(esc($0))</th>" }.joined() + "</tr>"
            for (s, row) in zip(card.subAccelerators, subRows(card)) {
                h += "<tr\(s.isIdle ? " class=\"idle\"" : "")>" + row.enumerated().map { i, v in
                    i == row.count - 1 && s.isIdle ? "<td class=\"flag\">\(esc(v))</td>" : "<td>\(esc(v))</td>"
                }.joined() + "</tr>"
            }
            h += "</table>\n"
            let idle = card.subAccelerators.filter(\.isIdle)
            if !idle.isEmpty {
                h += "<p class=\"flag\">⚠ \(idle.map(\.name).joined(separator: ", ")) run\(idle.count == 1 ? "s" : "") no task: "
                    + "\(idle.count == 1 ? "its" : "their") area and leakage are spent for nothing.</p>\n"
            }
        }
        return h + "</section>\n"
    }

    static let subColumns = ["sub-accelerator", "template (dataflow)", "PE array", "global buffer", "register files W/I/O", "node / clock",
                             "precision", "DRAM", "runs"]

    func subRows(_ card: DesignCard) -> [[String]] {
        card.subAccelerators.map { s in
            [s.name, "\(s.template) (\(s.dataflow))", "\(s.peRows)×\(s.peCols) = \(s.peRows * s.peCols) PEs",
             "\(SVGPlot.fmt(s.globalBufferKiB)) KiB",
             s.registerFiles.map { $0.weights + $0.inputs + $0.outputs == 0 ? "none (pipeline registers)" : "\($0.weights) / \($0.inputs) / \($0.outputs) B" } ?? "-",
             "\(s.nodeNm.map { "\($0) nm" } ?? "?") / \(s.clockMHz.map { "\(SVGPlot.fmt($0)) MHz" } ?? "?")",
             s.precisionBits.map { "\($0)-bit" } ?? "-",
             s.dramGBps.map { "\(SVGPlot.fmt($0)) GB/s" } ?? "-",
             s.tasks.map { $0.isEmpty ? "idle: runs no task" : $0.joined(separator: ", ") } ?? "unknown (not re-evaluated)"]
        }
    }

    func taskTable(_ card: DesignCard) -> TextTable {
        var t = TextTable(columns: ["task", "network", "accuracy", "latency (ms)", "energy (mJ)", "fps (frames/s)", "runs on"])
        for task in card.tasks {
            let acc = task.accuracy.map { String(format: "%.4g", $0) + (task.accuracyEstimate.map { " (\($0))" } ?? "") } ?? "-"
            t.append([task.name, task.network, acc, task.latencyMs.map { String(format: "%.4g", $0) } ?? "-",
                      task.energyMJ.map { String(format: "%.4g", $0) } ?? "-", task.fps.map { String(format: "%.4g", $0) } ?? "-",
                      task.runsOn ?? "?"])
        }
        return t
    }

    /// Whole-design figures for the card's headline, with units.
    static func totals(_ m: [String: Double], label: (String) -> String) -> [(String, String)] {
        let keys: [(String, String, String)] = [("accuracy", "", "mean accuracy"), ("latency_ms", "ms", "latency"), ("energy_mj", "mJ", "energy"),
                                                ("area_mm2", "mm²", "area"), ("power_mw", "mW", "peak power"),
                                                ("average_power_mw", "mW", "average power"), ("fps", "frames/s", "chip fps"),
                                                ("macs", "", "MACs"), ("params", "", "parameters")]
        return keys.compactMap { key, unit, name in
            guard let v = m[key], v.isFinite else { return nil }
            let title = key == "accuracy" ? label("accuracy").replacingOccurrences(of: "accuracy", with: "mean accuracy") : name
            return (title, String(format: "%.4g", v) + (unit.isEmpty ? "" : " \(unit)"))
        }
    }

    func breakdownHTML(_ b: LayerBreakdown, plots: [(name: String, svg: String)]) -> String {
        let esc = SVGPlot.esc
        let total = b.total
        var h = "<h3>\(esc(b.task)) on \(esc(b.runsOn)): \(SVGPlot.fmt(total.latencyUs)) µs"
            + (total.energyUJ.map { ", \(SVGPlot.fmt($0)) µJ" } ?? "") + ", \(total.layers) \(b.rows.first?.macs == 0 && total.macs == 0 ? "operators" : "layers")</h3>\n"
        h += "<div class=\"plots\">"
        for p in plots where p.name == "layers-stage-\(b.task).svg" || p.name == "layers-kind-\(b.task).svg" { h += p.svg }
        h += "</div>\n"
        h += Self.htmlTable(groupTable(b, by: \.stage, title: "stage"), numeric: [1, 2, 3, 4, 5, 6])
        h += Self.htmlTable(groupTable(b, by: \.kind, title: "operator kind"), numeric: [1, 2, 3, 4, 5, 6])
        h += "<details><summary>By block (\(b.grouped(by: \.block).count) blocks)</summary>"
            + Self.htmlTable(groupTable(b, by: \.block, title: "block"), numeric: [1, 2, 3, 4, 5, 6]) + "</details>\n"
        h += "<details><summary>Every layer (\(b.rows.count))</summary>" + Self.htmlTable(layerTable(b), numeric: [2, 3, 4, 5, 7]) + "</details>\n"
        return h
    }

    func groupTable(_ b: LayerBreakdown, by key: KeyPath<LayerBreakdown.Row, String>, title: String) -> TextTable {
        let total = b.total
        var t = TextTable(columns: [title, "layers", "MACs", "latency (µs)", "latency %", "energy (µJ)", "energy %"])
        for g in b.grouped(by: key) + [total] {
            t.append([g.name, String(g.layers), String(g.macs), String(format: "%.4g", g.latencyUs),
                      total.latencyUs > 0 ? String(format: "%.1f", 100 * g.latencyUs / total.latencyUs) : "-",
                      g.energyUJ.map { String(format: "%.4g", $0) } ?? "-",
                      g.energyUJ.flatMap { e in total.energyUJ.flatMap { $0 > 0 ? String(format: "%.1f", 100 * e / $0) : nil } } ?? "-"])
        }
        return t
    }

    func layerTable(_ b: LayerBreakdown) -> TextTable {
        var t = TextTable(columns: ["layer", "kind", "MACs", "latency (µs)", "energy (µJ)", "utilization", "bound by", "MAC/byte (DRAM)"])
        for r in b.rows {
            t.append([r.name, r.kind, String(r.macs), String(format: "%.4g", r.latencyUs), r.energyUJ.map { String(format: "%.4g", $0) } ?? "-",
                      r.utilization.map { String(format: "%.2f", $0) } ?? "-", r.bottleneck ?? "-",
                      r.dramBytes.flatMap { $0 > 0 && r.macs > 0 ? String(format: "%.3g", Double(r.macs) / $0) : nil } ?? "-"])
        }
        return t
    }

    static func htmlTable(_ t: TextTable, numeric: Set<Int> = []) -> String {
        "<table><tr>" + t.columns.map { "<th>\(SVGPlot.esc($0))</th>" }.joined() + "</tr>"
            + t.rows.map { "<tr>" + $0.enumerated().map { i, v in numeric.contains(i) ? "<td class=\"num\">\(SVGPlot.esc(v))</td>" : "<td>\(SVGPlot.esc(v))</td>" }.joined() + "</tr>" }.joined()
            + "</table>\n"
    }

    static func markdownTable(_ t: TextTable) -> String {
        "| " + t.columns.joined(separator: " | ") + " |\n|" + t.columns.map { _ in "---|" }.joined() + "\n"
            + t.rows.map { "| " + $0.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }.joined()
    }

    func markdown(chosen: ChosenDesign?, plots: [(name: String, svg: String)], convergence: [(x: Double, y: Double)]) -> String {
        var md = "# Duet exploration report\n\nStudy `\(study.location)`: \(digest.trials) trials, \(digest.feasible) feasible, \(digest.failed) failed.\n\n"
        if let e = estimateSentence { md += "**\(e)**\n\n" }
        if let c = chosen {
            md += "## Chosen design\n\n"
            md += c.card.feasible ? "Meets every budget.\n\n" : "No design meets every budget: the least-violating one (misses \(ExploreOutput.missed(c.trial))).\n\n"
            let totals = Self.totals(c.card.metrics, label: axisLabel)
            if !totals.isEmpty { md += totals.map { "**\($0.0)** \($0.1)" }.joined(separator: " · ") + "\n\n" }
            md += Self.markdownTable(taskTable(c.card)) + "\n"
            if let d = c.card.device {
                md += "The tasks run one after another on the device **\(d)**.\n\n"
            } else if !c.card.subAccelerators.isEmpty {
                var t = TextTable(columns: Self.subColumns)
                for row in subRows(c.card) { t.append(row) }
                md += Self.markdownTable(t) + "\n"
                let idle = c.card.subAccelerators.filter(\.isIdle)
                if !idle.isEmpty { md += "**⚠ \(idle.map(\.name).joined(separator: ", ")) run\(idle.count == 1 ? "s" : "") no task.**\n\n" }
            }
        }
        if let b = baseline { md += "## Successive baseline (NASAIC's comparison)\n\n" + Self.markdownTable(b.table) + "\n" + b.note + "\n\n" }
        md += "## Summary\n\n" + Self.markdownTable(summary)
        md += "\n## Pareto fronts\n\n" + plotsCaption + "\n\n"
        md += plots.filter { $0.name.hasPrefix("pareto") }.map { "![\($0.name)](plots/\($0.name))" }.joined(separator: "\n") + "\n"
        md += "\n## Convergence\n\n![convergence](plots/convergence.svg)\n\n" + Self.convergenceCaption + "\n"
        if let c = chosen {
            md += "\n## Chosen design: per-layer breakdown\n\n"
            for b in c.breakdowns {
                md += "### \(b.task) on \(b.runsOn)\n\n" + Self.markdownTable(groupTable(b, by: \.stage, title: "stage")) + "\n"
                    + Self.markdownTable(groupTable(b, by: \.kind, title: "operator kind")) + "\n"
            }
            for r in c.rooflines { md += "![roofline \(r.sub)](plots/roofline-\(r.sub).svg)\n" }
            if !c.note.isEmpty { md += "\n" + c.note + "\n" }
        }
        md += "\n## Pareto set\n\n" + Self.markdownTable(paretoTable)
        if !paretoNote.isEmpty { md += "\n" + paretoNote + "\n" }
        md += "\n## Plots\n\n" + plots.map { "![\($0.name)](plots/\($0.name))" }.joined(separator: "\n") + "\n"
        return md
    }
}
