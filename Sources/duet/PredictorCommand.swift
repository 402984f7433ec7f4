import ArgumentParser
import DuetCore
import DuetExplore
import DuetPredict
import DuetReport
import DuetWorkload

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

    struct Fit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a predictor on a CSV of measured architectures; print held-out Kendall τ, Spearman ρ, RMSE, MAPE.")
        @Option(help: "The network space (nb201, fbnet, ofa-mbv3, nasaic); for a study, its task's (may be left out).") var space: String?
        @Option(help: "CSV with one architecture per row (the first line names the columns), or a study (.sqlite file or postgresql:// URL): its complete trials.") var data: String
        @Option(help: "The column holding the space's arch strings.") var archColumn = "arch_str"
        @Option(help: "The column to predict (numbers); for a study, a metric it stores (e.g. cifar100.accuracy, latency_ms).") var target: String
        @Option(help: "gbdt (XGBoost), linear (least squares) or ensemble (their mean).") var model: ModelKind = .gbdt
        @Option(help: "structural (one-hot + network structure) or onehot (the bare choice vector).") var features: FeatureSet = .structural
        @Option(help: "Training rows, drawn at random with the seed (default: 80 % of the rows); the rest are held out.") var train: Int?
        @Option(help: "Also cross-validate on the training rows with this many folds.") var folds: Int?
        @Option(help: "Seed of the split and the fit.") var seed: UInt64 = 1
        @Option(help: "Where to write the predictor file (JSON).") var out: String
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            let s: any NetworkSpace, rows: PredictorData
            if StudyTrainingData.isStudy(data) {
                (rows, s) = try await StudyTrainingData.load(study: data, target: target, space: space)
            } else {
                guard let space else {
                    throw InputError(keyPath: "--space", message: "a CSV needs the network space of its architectures", hint: "add --space nb201 (or fbnet, ofa-mbv3, nasaic)")
                }
                s = try NetworkSpaces.lookup(space)
                rows = try PredictorData.load(csv: data, space: s, archColumn: archColumn, target: target)
            }
            let r = try Predictor.fit(data: rows, space: s, target: target,
                                      features: features, settings: FitSettings(kind: model, seed: seed), train: train, folds: folds)
            try r.predictor.save(to: out)
            emit(r.render(format: format, file: out))
        }
    }

    struct Predict: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Predict the metric of every architecture of a CSV, in its order.")
        @Argument(help: "The predictor file.") var predictor: String
        @Option(help: "CSV of architectures (the first line names the columns).") var archs: String
        @Option(help: "The column holding the arch strings.") var archColumn = "arch_str"
        @Option(help: "Refuse the predictor unless it is for this space.") var space: String?
        @Option(help: "table, json (a list of {\"arch\", \"value\"}) or csv.") var format: OutputFormat = .table

        func run() async throws {
            let p = try Predictor.load(path: predictor)
            if let space { try p.check(space: try NetworkSpaces.lookup(space), file: predictor) }
            let d = try PredictorData.load(csv: archs, space: p.extractor.space, archColumn: archColumn, target: nil)
            emit(p.render(predictions: try p.predict(d.archs), for: d.archStrings, format: format, file: predictor))
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a predictor file holds; with --data, measure it on a CSV of measured architectures.")
        @Argument(help: "The predictor file.") var predictor: String
        @Option(help: "Refuse the predictor unless it is for this space.") var space: String?
        @Option(help: "CSV of measured architectures to measure the predictor on.") var data: String?
        @Option(help: "The column holding the arch strings.") var archColumn = "arch_str"
        @Option(help: "The measured column (default: the predictor's own target).") var target: String?
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            let p = try Predictor.load(path: predictor)
            if let space { try p.check(space: try NetworkSpaces.lookup(space), file: predictor) }
            let d = try data.map { try PredictorData.load(csv: $0, space: p.extractor.space, archColumn: archColumn, target: target ?? p.target) }
            let measured = try d.map { PredictionQuality(predicted: try p.predict($0.archs), actual: $0.targets) }
            emit(p.describe(file: predictor, format: format, measured: measured, dataLabel: data ?? ""))
        }
    }
}

extension ModelKind: ExpressibleByArgument {}
extension FeatureSet: ExpressibleByArgument {}
