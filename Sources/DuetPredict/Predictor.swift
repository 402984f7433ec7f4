import DuetCore
import DuetWorkload
import Foundation

/// A learned predictor of one metric (e.g. CIFAR-100 accuracy) for the architectures of one
/// network space: the feature schema it was trained on and its fitted model. A value; saved to and
/// loaded from one JSON file (docs/FORMATS.md, "Predictor files").
public struct Predictor: Sendable {
    /// The version of the predictor file format this code writes and reads.
    public static let schemaVersion = 1

    /// The network space's name (``NetworkSpace/name``); a predictor refuses another space.
    public var spaceName: String
    /// What is predicted (the training column, e.g. `cifar100_test_acc`).
    public var target: String
    public var featureSet: FeatureSet
    /// The feature names the model was trained on, in order.
    public var featureNames: [String]
    public var model: RegressionModel
    /// The seed of the fit.
    public var seed: UInt64
    /// Number of training rows.
    public var trainingRows: Int
    /// Quality measured when it was fitted (held-out or cross-validated), if any.
    public var quality: PredictionQuality?

    /// The space's feature extractor (checked against the stored schema on load).
    public let extractor: FeatureExtractor

    /// Fits a predictor of `targets` (one per architecture) on `archs` of `space`.
    public static func fit(space: any NetworkSpace, archs: [Architecture], targets: [Double], target: String,
                           features: FeatureSet = .structural, settings: FitSettings = FitSettings()) throws -> Predictor {
        precondition(archs.count == targets.count, "one target per architecture")
        guard !archs.isEmpty else { throw InputError(message: "no training rows", hint: "give at least one architecture with a target value") }
        let ex = FeatureExtractor(space: space, set: features)
        let x = try ex.matrix(archs)
        let model = try RegressionModel.fit(features: x, rows: archs.count, columns: ex.count, targets: targets, settings: settings)
        return Predictor(spaceName: space.name, target: target, featureSet: features, featureNames: ex.names, model: model,
                         seed: settings.seed, trainingRows: archs.count, quality: nil, extractor: ex)
    }

    /// Predictions for `archs`, in order.
    public func predict(_ archs: [Architecture]) throws -> [Double] {
        try model.predict(try extractor.matrix(archs), rows: archs.count, columns: extractor.count)
    }

    /// Predictions from precomputed feature rows (``FeatureExtractor/matrix(_:)``).
    public func predict(features x: [Float], rows: Int) throws -> [Double] {
        try model.predict(x, rows: rows, columns: extractor.count)
    }

    /// Refuses a predictor trained for another space (by the space's name, the key in the file).
    public func check(space: any NetworkSpace, file: String? = nil) throws {
        guard space.name == spaceName else {
            throw InputError(file: file, keyPath: "space", value: spaceName, message: "this predictor is for the space '\(spaceName)', not '\(space.name)'",
                             hint: "fit a predictor on \(space.name) architectures with duet predictor fit --space \(space.name)")
        }
    }
}

// MARK: - Evaluation

extension Predictor {
    /// Held-out quality of a fit: trains on `train` indices of (`archs`, `targets`), predicts the
    /// rest. Feature rows are computed once (`features`, from ``FeatureExtractor/matrix(_:)``).
    public static func heldOut(features x: [Float], columns: Int, targets y: [Double], train: [Int], test: [Int],
                               settings: FitSettings) throws -> PredictionQuality {
        let xt = rows(x, columns, train), yt = train.map { y[$0] }
        let m = try RegressionModel.fit(features: xt, rows: train.count, columns: columns, targets: yt, settings: settings)
        let p = try m.predict(rows(x, columns, test), rows: test.count, columns: columns)
        return PredictionQuality(predicted: p, actual: test.map { y[$0] })
    }

    /// k-fold cross-validation over `indices` (shuffled with `seed`): the mean quality over folds.
    public static func crossValidate(features x: [Float], columns: Int, targets y: [Double], indices: [Int], folds k: Int,
                                     settings: FitSettings, seed: UInt64) throws -> PredictionQuality {
        precondition(k >= 2 && indices.count >= k)
        var rng = SeededGenerator(seed: seed)
        let shuffled = indices.shuffled(using: &rng)
        var qs: [PredictionQuality] = []
        for f in 0..<k {
            let test = shuffled.enumerated().filter { $0.offset % k == f }.map(\.element)
            let train = shuffled.enumerated().filter { $0.offset % k != f }.map(\.element)
            qs.append(try heldOut(features: x, columns: columns, targets: y, train: train, test: test, settings: settings))
        }
        return PredictionQuality.mean(qs)
    }

    /// A seeded split of `0..<n` into `train` training indices and the rest.
    public static func split(count n: Int, train: Int, seed: UInt64) -> (train: [Int], test: [Int]) {
        var rng = SeededGenerator(seed: seed)
        let s = Array(0..<n).shuffled(using: &rng)
        let t = min(train, n)
        return (Array(s[..<t]), Array(s[t...]))
    }

    static func rows(_ x: [Float], _ p: Int, _ idx: [Int]) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(idx.count * p)
        for i in idx { out.append(contentsOf: x[(i * p)..<(i * p + p)]) }
        return out
    }
}

// MARK: - Fitting with a report

/// What `duet predictor fit` reports: the fitted predictor and its measured quality.
public struct FitReport: Sendable {
    /// The predictor fitted on the training rows (its ``Predictor/quality`` is the held-out one, or
    /// the cross-validated one when there are no held-out rows).
    public var predictor: Predictor
    /// Quality on the rows not used for training; nil when every row trained.
    public var heldOut: PredictionQuality?
    /// Mean quality over k folds of the training rows; nil without `folds`.
    public var crossValidated: PredictionQuality?
    public var folds: Int?
    public var trainRows: Int
    public var testRows: Int
    /// Seconds to fit the saved predictor (features included).
    public var fitSeconds: Double
}

extension Predictor {
    /// Fits a predictor on `train` seeded random rows of `data` (default: 80 %, all rows when
    /// fewer than 5), measures it on the other rows, and optionally cross-validates on the
    /// training rows with `folds` folds.
    public static func fit(data: PredictorData, space: any NetworkSpace, target: String, features: FeatureSet = .structural,
                           settings: FitSettings, train: Int? = nil, folds: Int? = nil) throws -> FitReport {
        let n = data.archs.count
        let trainCount = train ?? (n < 5 ? n : max(1, n * 4 / 5))
        guard trainCount >= 2, trainCount <= n else {
            throw InputError(keyPath: "--train", value: "\(trainCount)", message: "the training rows must be between 2 and the \(n) rows of the data",
                             hint: n < 2 ? "give at least 2 rows" : "use --train \(max(2, n * 4 / 5))")
        }
        if let folds, folds < 2 || folds > trainCount {
            throw InputError(keyPath: "--folds", value: "\(folds)", message: "k-fold cross-validation needs 2…\(trainCount) folds (one row per fold at least)")
        }
        let (tr, te) = split(count: n, train: trainCount, seed: settings.seed)
        let ex = FeatureExtractor(space: space, set: features)
        let t0 = Date()
        var p = try fit(space: space, archs: tr.map { data.archs[$0] }, targets: tr.map { data.targets[$0] }, target: target,
                        features: features, settings: settings)
        let seconds = Date().timeIntervalSince(t0)
        var held: PredictionQuality?
        if !te.isEmpty {
            let pred = try p.predict(te.map { data.archs[$0] })
            held = PredictionQuality(predicted: pred, actual: te.map { data.targets[$0] })
        }
        var cv: PredictionQuality?
        if let folds {
            let x = try ex.matrix(tr.map { data.archs[$0] })
            cv = try crossValidate(features: x, columns: ex.count, targets: tr.map { data.targets[$0] }, indices: Array(tr.indices),
                                   folds: folds, settings: settings, seed: settings.seed)
        }
        p.quality = held ?? cv
        return FitReport(predictor: p, heldOut: held, crossValidated: cv, folds: folds, trainRows: tr.count, testRows: te.count, fitSeconds: seconds)
    }
}
