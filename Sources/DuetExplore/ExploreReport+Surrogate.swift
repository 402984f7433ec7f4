import DuetReport
import DuetStudy
import Foundation

/// The report's sections on predictions: the task metrics a predictor supplied, and for a
/// surrogate-assisted search each screened generation's predictor quality (Kendall τ of the
/// predicted against the measured objective of the designs it chose), read from the study
/// (``SurrogateQualityLog``) and plotted per generation.
extension ExploreReport {
    /// Adds what the study holds on predictions to the report: the note naming predicted task
    /// metrics, and the surrogate-quality section; a study with neither leaves the report unchanged.
    mutating func addPredictionSections(_ study: StudySnapshot) {
        addPredictedMetricsNote(study)
        addSurrogateQuality(study)
    }

    /// The surrogate-quality section and plot, when the study holds quality records (a search
    /// without `surrogate:` has none).
    mutating func addSurrogateQuality(_ study: StudySnapshot) {
        let records = SurrogateQualityLog.read(study.attributes)
        guard !records.isEmpty else { return }
        let defined = records.compactMap { r in r.tau.map { (x: Double(r.generation), y: $0) } }
        let mean = defined.isEmpty ? nil : defined.map(\.y).reduce(0, +) / Double(defined.count)
        let objective = records.first?.objective ?? ""
        let svg = SVGPlot.line(title: "Surrogate quality per generation (Kendall τ, predicted vs measured \(objective))",
                               xLabel: "generation", yLabel: "Kendall τ", points: defined)
        files["plots/surrogate-quality.svg"] = svg
        let meanText = mean.map { String(format: "%.3f", $0) } ?? "undefined"
        let text = "\(records.count) screened generations; mean τ \(meanText) over the \(defined.count) with τ defined "
            + "(each over the designs the surrogate chose in that generation, predicted before they were evaluated)."
        var table = TextTable(columns: ["generation", "Kendall τ", "evaluated", "training rows", "pool"])
        for r in records {
            table.append([String(r.generation), r.tau.map { String(format: "%.3f", $0) } ?? "-", String(r.evaluated), String(r.trainingRows), String(r.pool)])
        }
        let html = "<h2>Surrogate quality</h2><p>\(SVGPlot.esc(text))</p><div class=\"plots\">\(svg)</div>"
            + "<details><summary>per generation</summary>\(ReportPage.htmlTable(table))</details>"
        if let page = files["index.html"] {
            let anchor = page.range(of: "<h2>Pareto set</h2>") ?? page.range(of: "</body>")
            files["index.html"] = anchor.map { page.replacingCharacters(in: $0.lowerBound..<$0.lowerBound, with: html) } ?? page + html
        }
        if let md = files["report.md"] {
            files["report.md"] = md + "\n## Surrogate quality\n\n" + text + "\n\n![surrogate-quality.svg](plots/surrogate-quality.svg)\n\n" + ReportPage.markdownTable(table)
        }
    }

    /// Names the task metrics a predictor supplied (`predicted_metrics`) at the top of the report, as
    /// a proxy accuracy is named.
    mutating func addPredictedMetricsNote(_ study: StudySnapshot) {
        guard let text = study.attributes[ExploreRun.predictedMetricsKey], !text.isEmpty else { return }
        let items = text.split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }.filter { $0.count == 2 }
        guard !items.isEmpty else { return }
        let line = items.map { "\($0[0]) is a PREDICTION (\($0[1]))" }.joined(separator: ", ")
        if let page = files["index.html"], let r = page.range(of: "<h2>Summary</h2>") {
            files["index.html"] = page.replacingCharacters(in: r.lowerBound..<r.lowerBound, with: "<p><b>Predicted metrics:</b> \(SVGPlot.esc(line)), not measured.</p>")
        }
        if let md = files["report.md"], let r = md.range(of: "## Summary") {
            files["report.md"] = md.replacingCharacters(in: r.lowerBound..<r.lowerBound, with: "**Predicted metrics:** \(line), not measured.\n\n")
        }
    }
}
