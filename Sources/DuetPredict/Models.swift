import DuetCore
import Foundation
import Synchronization

/// The kinds of regression model a predictor can hold.
public enum ModelKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Gradient-boosted trees (XGBoost).
    case gbdt
    /// Ridge-stabilized least squares on standardized features.
    case linear
    /// The mean of a gbdt and a linear model's predictions.
    case ensemble
}

/// Settings of a fit. The defaults are what docs/VALIDATION.md measured on NAS-Bench-201.
public struct FitSettings: Sendable, Hashable {
    public var kind: ModelKind = .gbdt
    /// Seed of every random choice of the fit (XGBoost's row and column subsampling).
    public var seed: UInt64 = 1
    /// Boosting rounds.
    public var rounds: Int = 400
    /// Learning rate (XGBoost `eta`).
    public var learningRate: Double = 0.05
    /// Tree depth; nil picks by the number of rows (3 below 300 rows, 5 below 3,000, else 6).
    public var maxDepth: Int?
    /// Fraction of rows and of columns each tree sees.
    public var subsample: Double = 0.8
    public var columnSample: Double = 0.8
    /// XGBoost's tree construction: `hist` (quantile histograms, fast) or `exact`.
    public var treeMethod = "hist"
    /// Ridge penalty of the linear model, relative to the number of rows.
    public var ridge: Double = 1e-3

    public init(kind: ModelKind = .gbdt, seed: UInt64 = 1) { self.kind = kind; self.seed = seed }

    func depth(rows: Int) -> Int { maxDepth ?? (rows < 300 ? 3 : rows < 3_000 ? 5 : 6) }
}

/// A fitted regression model from feature vectors to one value.
public enum RegressionModel: Sendable {
    case gbdt(GBDTModel)
    case linear(LinearModel)
    case ensemble([RegressionModel])

    /// Fits a model of `settings.kind` to `rows × columns` features (row-major) and targets `y`.
    public static func fit(features x: [Float], rows: Int, columns: Int, targets y: [Double],
                           settings: FitSettings) throws -> RegressionModel {
        switch settings.kind {
        case .gbdt: return .gbdt(try GBDTModel.fit(features: x, rows: rows, columns: columns, targets: y, settings: settings))
        case .linear: return .linear(LinearModel.fit(features: x, rows: rows, columns: columns, targets: y, ridge: settings.ridge))
        case .ensemble:
            return .ensemble([.gbdt(try GBDTModel.fit(features: x, rows: rows, columns: columns, targets: y, settings: settings)),
                              .linear(LinearModel.fit(features: x, rows: rows, columns: columns, targets: y, ridge: settings.ridge))])
        }
    }

    public var kind: ModelKind {
        switch self { case .gbdt: return .gbdt; case .linear: return .linear; case .ensemble: return .ensemble }
    }

    /// One prediction per row of the `rows × columns` row-major matrix `x`.
    public func predict(_ x: [Float], rows: Int, columns: Int) throws -> [Double] {
        switch self {
        case .gbdt(let m): return try m.predict(x, rows: rows, columns: columns)
        case .linear(let m): return m.predict(x, rows: rows, columns: columns)
        case .ensemble(let ms):
            var sum = [Double](repeating: 0, count: rows)
            for m in ms { for (i, v) in try m.predict(x, rows: rows, columns: columns).enumerated() { sum[i] += v } }
            return sum.map { $0 / Double(ms.count) }
        }
    }
}

/// Gradient-boosted trees through XGBoost. The model is kept as XGBoost's JSON model (what the
/// predictor file stores) with a loaded booster for predictions; the booster is used by one thread
/// at a time.
public final class GBDTModel: Sendable {
    /// XGBoost's JSON model.
    public let json: Data
    private let booster: Mutex<XGBBoosterBox>

    // Safe: XGBBooster wraps a C handle that XGBoost lets one thread use at a time; the box is
    // only ever stored in `booster`, a Mutex, and the handle is reached only inside withLock.
    struct XGBBoosterBox: @unchecked Sendable { var booster: XGBBooster }

    /// A model from XGBoost's JSON model text.
    public init(json: Data) throws {
        self.json = json
        booster = Mutex(XGBBoosterBox(booster: try XGBBooster(jsonModel: json)))
    }

    /// Fits boosted regression trees (squared error) with one thread, so the same seed gives the
    /// same trees byte for byte.
    public static func fit(features x: [Float], rows: Int, columns: Int, targets y: [Double], settings: FitSettings) throws -> GBDTModel {
        precondition(rows > 0 && y.count == rows)
        let m = try XGBMatrix(values: x, rows: rows, columns: columns, labels: y.map(Float.init))
        let mean = y.reduce(0, +) / Double(rows)
        let params: [(String, String)] = [
            ("nthread", "1"), ("seed", String(settings.seed % UInt64(Int32.max))), ("objective", "reg:squarederror"),
            ("tree_method", settings.treeMethod), ("base_score", String(mean)), ("eta", String(settings.learningRate)),
            ("max_depth", String(settings.depth(rows: rows))), ("subsample", String(settings.subsample)),
            ("colsample_bytree", String(settings.columnSample)), ("min_child_weight", "1"), ("lambda", "1"),
            ("verbosity", "0"),
        ]
        let b = try XGBBooster.train(on: m, parameters: params, rounds: settings.rounds)
        return try GBDTModel(json: try b.jsonModel())
    }

    public func predict(_ x: [Float], rows: Int, columns: Int) throws -> [Double] {
        guard rows > 0 else { return [] }
        return try booster.withLock { try $0.booster.predict(dense: x, rows: rows, columns: columns) }.map(Double.init)
    }
}

/// Least squares on standardized features with a small ridge penalty (so constant or collinear
/// one-hot columns do not make the system singular): y ≈ intercept + Σ wⱼ (xⱼ − μⱼ) / σⱼ.
public struct LinearModel: Sendable, Hashable, Codable {
    public var intercept: Double
    public var weights: [Double]
    public var means: [Double]
    public var scales: [Double]

    public static func fit(features x: [Float], rows n: Int, columns p: Int, targets y: [Double], ridge: Double) -> LinearModel {
        var mu = [Double](repeating: 0, count: p), sd = [Double](repeating: 0, count: p)
        for i in 0..<n { for j in 0..<p { mu[j] += Double(x[i * p + j]) } }
        for j in 0..<p { mu[j] /= Double(n) }
        for i in 0..<n { for j in 0..<p { let d = Double(x[i * p + j]) - mu[j]; sd[j] += d * d } }
        for j in 0..<p { sd[j] = (sd[j] / Double(n)).squareRoot(); if sd[j] == 0 { sd[j] = 1 } }
        let ym = y.reduce(0, +) / Double(n)
        // Normal equations (ZᵀZ + λnI) w = Zᵀ(y − ȳ).
        var a = [Double](repeating: 0, count: p * p), b = [Double](repeating: 0, count: p)
        var z = [Double](repeating: 0, count: p)
        for i in 0..<n {
            for j in 0..<p { z[j] = (Double(x[i * p + j]) - mu[j]) / sd[j] }
            let r = y[i] - ym
            for j in 0..<p {
                b[j] += z[j] * r
                for k in j..<p { a[j * p + k] += z[j] * z[k] }
            }
        }
        for j in 0..<p { for k in 0..<j { a[j * p + k] = a[k * p + j] }; a[j * p + j] += ridge * Double(n) + 1e-9 }
        let w = choleskySolve(a, b, p) ?? [Double](repeating: 0, count: p)
        return LinearModel(intercept: ym, weights: w, means: mu, scales: sd)
    }

    public func predict(_ x: [Float], rows: Int, columns p: Int) -> [Double] {
        (0..<rows).map { i in
            var s = intercept
            for j in 0..<p { s += weights[j] * (Double(x[i * p + j]) - means[j]) / scales[j] }
            return s
        }
    }

    /// Solves the symmetric positive definite system `a x = b` (`a` is `p × p`, row-major); nil when not positive definite.
    static func choleskySolve(_ a: [Double], _ b: [Double], _ p: Int) -> [Double]? { Cholesky(a, n: p)?.solve(b) }
}
