import ArgumentParser
import DuetCore
import DuetPredict
import DuetReport
import DuetWorkload
import Foundation

/// `duet predictor`: learned predictors of a metric (accuracy, latency, …) over a network space.
struct PredictorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predictor",
        abstract: "Fit, apply and check predictors learned from measured architectures (XGBoost, linear, ensemble).",
        discussion: """
            A predictor learns one metric of a network space from architectures that were measured \
            (a CSV with an arch-string column and a target column). Features: the one-hot choices and \
            structural features of the lowered network (live layers, per-op counts on live paths, MACs, \
            parameters, depth; for NAS-Bench-201 the cell's live edges and paths). The predictor file \
            holds the space, the feature schema and the model (XGBoost's own JSON model for gbdt); \
            see docs/FORMATS.md. Use it in an exploration config as `accuracy: {predictor: FILE}`.
            """,
        subcommands: [Fit.self, Predict.self, Check.self])

    static func number(_ v: Double) -> String { v.isNaN ? "-" : String(format: "%.4f", v) }

    static func qualityJSON(_ q: PredictionQuality?) -> JSONValue {
        guard let q else { return .null }
        func d(_ v: Double) -> JSONValue { v.isNaN ? .null : .double(v) }
        return .obj(["count": .int(q.count), "kendall_tau": d(q.kendallTau), "spearman_rho": d(q.spearmanRho),
                     "rmse": d(q.rmse), "mape_percent": d(q.mape)])
    }

    static func qualityRow(_ label: String, _ q: PredictionQuality) -> [String] {
        [label, String(q.count), number(q.kendallTau), number(q.spearmanRho), number(q.rmse), number(q.mape)]
    }

    struct Fit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a predictor on a CSV of measured architectures; print held-out Kendall τ, Spearman ρ, RMSE, MAPE.")

        @Option(help: "The network space (nb201, fbnet, ofa-mbv3, nasaic).")
        var space: String

        @Option(help: "CSV with one architecture per row (the first line names the columns).")
        var data: String

        @Option(help: "The column holding the space's arch strings.")
        var archColumn = "arch_str"

        @Option(help: "The column to predict (numbers).")
        var target: String

        @Option(help: "gbdt (XGBoost), linear (least squares) or ensemble (their mean).")
        var model: ModelKind = .gbdt

        @Option(help: "structural (one-hot + network structure) or onehot (the bare choice vector).")
        var features: FeatureSet = .structural

        @Option(help: "Training rows, drawn at random with the seed (default: 80 % of the rows); the rest are held out.")
        var train: Int?

        @Option(help: "Also cross-validate on the training rows with this many folds.")
        var folds: Int?

        @Option(help: "Seed of the split and the fit.")
        var seed: UInt64 = 1

        @Option(help: "Where to write the predictor file (JSON).")
        var out: String

        @Option(help: "table or json.")
        var format: OutputFormat = .table

        func run() async throws {
            let s = try SpaceCommand.lookup(space)
            let d = try PredictorData.load(csv: data, space: s, archColumn: archColumn, target: target)
            let r = try Predictor.fit(data: d, space: s, target: target, features: features,
                                      settings: FitSettings(kind: model, seed: seed), train: train, folds: folds)
            try r.predictor.save(to: out)
            if format == .json {
                emit(JSONValue.obj([
                    "predictor": .string(out), "space": .string(s.name), "target": .string(target), "model": .string(model.rawValue),
                    "features": .string(features.rawValue), "seed": .int(Int(truncatingIfNeeded: seed)),
                    "train_rows": .int(r.trainRows), "test_rows": .int(r.testRows), "fit_seconds": .double(r.fitSeconds),
                    "held_out": PredictorCommand.qualityJSON(r.heldOut), "folds": r.folds.map { .int($0) } ?? .null,
                    "cross_validated": PredictorCommand.qualityJSON(r.crossValidated),
                ]).serialized() + "\n")
                return
            }
            var t = TextTable(columns: ["", "rows", "kendall τ", "spearman ρ", "rmse", "mape %"], numeric: Set(1...5))
            if let q = r.heldOut { t.append(PredictorCommand.qualityRow("held out", q)) }
            if let q = r.crossValidated { t.append(PredictorCommand.qualityRow("\(r.folds ?? 0)-fold", q)) }
            var text = "\(model.rawValue) predictor of \(target) on \(s.name) (\(features.rawValue) features, seed \(seed)): "
            text += "\(r.trainRows) training rows, \(r.testRows) held out, fitted in \(String(format: "%.2f", r.fitSeconds)) s\n"
            if !t.rows.isEmpty { text += t.rendered() }
            text += "wrote \(out)\n"
            emit(text)
        }
    }

    struct Predict: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Predict the metric of every architecture of a CSV, in its order.")

        @Argument(help: "The predictor file.")
        var predictor: String

        @Option(help: "CSV of architectures (the first line names the columns).")
        var archs: String

        @Option(help: "The column holding the arch strings.")
        var archColumn = "arch_str"

        @Option(help: "Refuse the predictor unless it is for this space.")
        var space: String?

        @Option(help: "table, json (a list of {\"arch\", \"value\"}) or csv.")
        var format: OutputFormat = .table

        func run() async throws {
            let p = try Predictor.load(path: predictor)
            if let space { try p.check(space: try SpaceCommand.lookup(space), file: predictor) }
            let d = try PredictorData.load(csv: archs, space: p.extractor.space, archColumn: archColumn, target: nil)
            let values = try p.predict(d.archs)
            switch format {
            case .json:
                emit(JSONValue.array(zip(d.archStrings, values).map { .obj(["arch": .string($0), "value": .double($1)]) }).serialized() + "\n")
            case .csv:
                emit("arch,predicted_\(p.target)\n" + zip(d.archStrings, values).map { "\"\($0)\",\(JSONValue.format($1))" }.joined(separator: "\n") + "\n")
            case .table:
                var t = TextTable(columns: ["arch", "predicted \(p.target)"], numeric: [1])
                for (a, v) in zip(d.archStrings, values) { t.append([a, String(format: "%.4g", v)]) }
                emit(t.rendered() + "(predictions of \(predictor), not measurements)\n")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a predictor file holds; with --data, measure it on a CSV of measured architectures.")

        @Argument(help: "The predictor file.")
        var predictor: String

        @Option(help: "Refuse the predictor unless it is for this space.")
        var space: String?

        @Option(help: "CSV of measured architectures to measure the predictor on.")
        var data: String?

        @Option(help: "The column holding the arch strings.")
        var archColumn = "arch_str"

        @Option(help: "The measured column (default: the predictor's own target).")
        var target: String?

        @Option(help: "table or json.")
        var format: OutputFormat = .table

        func run() async throws {
            let p = try Predictor.load(path: predictor)
            if let space { try p.check(space: try SpaceCommand.lookup(space), file: predictor) }
            var measured: PredictionQuality?
            if let data {
                let d = try PredictorData.load(csv: data, space: p.extractor.space, archColumn: archColumn, target: target ?? p.target)
                measured = PredictionQuality(predicted: try p.predict(d.archs), actual: d.targets)
            }
            if format == .json {
                emit(JSONValue.obj([
                    "predictor": .string(predictor), "schema_version": .int(Predictor.schemaVersion), "space": .string(p.spaceName),
                    "target": .string(p.target), "model": .string(p.model.kind.rawValue), "features": .string(p.featureSet.rawValue),
                    "feature_count": .int(p.featureNames.count), "training_rows": .int(p.trainingRows),
                    "seed": .int(Int(truncatingIfNeeded: p.seed)), "fit_quality": PredictorCommand.qualityJSON(p.quality),
                    "measured": PredictorCommand.qualityJSON(measured),
                ]).serialized() + "\n")
                return
            }
            var text = "\(predictor): \(p.model.kind.rawValue) predictor of \(p.target) on \(p.spaceName), "
            text += "\(p.featureNames.count) \(p.featureSet.rawValue) features, \(p.trainingRows) training rows, seed \(p.seed)\n"
            var t = TextTable(columns: ["", "rows", "kendall τ", "spearman ρ", "rmse", "mape %"], numeric: Set(1...5))
            if let q = p.quality { t.append(PredictorCommand.qualityRow("when fitted", q)) }
            if let q = measured { t.append(PredictorCommand.qualityRow(data ?? "", q)) }
            if !t.rows.isEmpty { text += t.rendered() }
            emit(text)
        }
    }
}

extension ModelKind: ExpressibleByArgument {}
extension FeatureSet: ExpressibleByArgument {}
