import DuetCore
import DuetReport
import Foundation

// What `duet predictor fit|predict|check` print: a fit's quality, predictions, a predictor file's
// contents; as a text table or JSON (predictions also as CSV).

extension PredictionQuality {
    /// The quality as JSON (`count`, `kendall_tau`, `spearman_rho`, `rmse`, `mape_percent`; NaN as null).
    public var json: JSONValue {
        func d(_ v: Double) -> JSONValue { v.isNaN ? .null : .double(v) }
        return .obj(["count": .int(count), "kendall_tau": d(kendallTau), "spearman_rho": d(spearmanRho), "rmse": d(rmse), "mape_percent": d(mape)])
    }

    /// A row of ``table(_:)`` labelled `label`.
    func row(_ label: String) -> [String] {
        func number(_ v: Double) -> String { v.isNaN ? "-" : String(format: "%.4f", v) }
        return [label, String(count), number(kendallTau), number(spearmanRho), number(rmse), number(mape)]
    }

    /// A text table of labelled qualities (empty when there are none).
    static func table(_ rows: [(label: String, quality: PredictionQuality)]) -> String {
        var t = TextTable(columns: ["", "rows", "kendall τ", "spearman ρ", "rmse", "mape %"], numeric: Set(1...5))
        for r in rows { t.append(r.quality.row(r.label)) }
        return t.rows.isEmpty ? "" : t.rendered()
    }
}

extension FitReport {
    /// What `duet predictor fit` prints after saving the predictor to `file`: `.json`, else text.
    public func render(format: OutputFormat, file: String) -> String {
        let p = predictor
        if format == .json {
            return JSONValue.obj([
                "predictor": .string(file), "space": .string(p.spaceName), "target": .string(p.target), "model": .string(p.model.kind.rawValue),
                "features": .string(p.featureSet.rawValue), "seed": .int(Int(truncatingIfNeeded: p.seed)),
                "train_rows": .int(trainRows), "test_rows": .int(testRows), "fit_seconds": .double(fitSeconds),
                "held_out": heldOut?.json ?? .null, "folds": folds.map { .int($0) } ?? .null,
                "cross_validated": crossValidated?.json ?? .null,
            ]).serialized() + "\n"
        }
        var text = "\(p.model.kind.rawValue) predictor of \(p.target) on \(p.spaceName) (\(p.featureSet.rawValue) features, seed \(p.seed)): "
        text += "\(trainRows) training rows, \(testRows) held out, fitted in \(String(format: "%.2f", fitSeconds)) s\n"
        var rows: [(String, PredictionQuality)] = []
        if let heldOut { rows.append(("held out", heldOut)) }
        if let crossValidated { rows.append(("\(folds ?? 0)-fold", crossValidated)) }
        return text + PredictionQuality.table(rows) + "wrote \(file)\n"
    }
}

extension Predictor {
    /// What `duet predictor predict` prints: `values` predicted for `archs` (in order) by this
    /// predictor, read from `file`; JSON is a list of `{"arch", "value"}`.
    public func render(predictions values: [Double], for archs: [String], format: OutputFormat, file: String) -> String {
        switch format {
        case .json:
            return JSONValue.array(zip(archs, values).map { .obj(["arch": .string($0), "value": .double($1)]) }).serialized() + "\n"
        case .csv:
            return "arch,predicted_\(target)\n" + zip(archs, values).map { "\"\($0)\",\(JSONValue.format($1))" }.joined(separator: "\n") + "\n"
        case .table:
            var t = TextTable(columns: ["arch", "predicted \(target)"], numeric: [1])
            for (a, v) in zip(archs, values) { t.append([a, String(format: "%.4g", v)]) }
            return t.rendered() + "(predictions of \(file), not measurements)\n"
        }
    }

    /// What `duet predictor check` prints for the predictor read from `file`: what it holds, its
    /// quality when fitted and, when given, its quality `measured` on the data file `dataLabel`.
    public func describe(file: String, format: OutputFormat, measured: PredictionQuality? = nil, dataLabel: String = "") -> String {
        if format == .json {
            return JSONValue.obj([
                "predictor": .string(file), "schema_version": .int(Predictor.schemaVersion), "space": .string(spaceName),
                "target": .string(target), "model": .string(model.kind.rawValue), "features": .string(featureSet.rawValue),
                "feature_count": .int(featureNames.count), "training_rows": .int(trainingRows),
                "seed": .int(Int(truncatingIfNeeded: seed)), "fit_quality": quality?.json ?? .null,
                "measured": measured?.json ?? .null,
            ]).serialized() + "\n"
        }
        var text = "\(file): \(model.kind.rawValue) predictor of \(target) on \(spaceName), "
        text += "\(featureNames.count) \(featureSet.rawValue) features, \(trainingRows) training rows, seed \(seed)\n"
        var rows: [(String, PredictionQuality)] = []
        if let quality { rows.append(("when fitted", quality)) }
        if let measured { rows.append((dataLabel, measured)) }
        return text + PredictionQuality.table(rows)
    }
}
