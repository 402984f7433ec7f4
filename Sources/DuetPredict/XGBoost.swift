import CXGBoost
import Foundation

/// An error reported by the XGBoost library (its `XGBGetLastError` text) for a call of the C API.
public struct XGBoostError: Error, Sendable, CustomStringConvertible {
    /// The C function that failed.
    public var function: String
    /// XGBoost's own message.
    public var message: String
    public var description: String { "XGBoost \(function) failed: \(firstLine)" }
    /// The message without XGBoost's stack trace.
    public var firstLine: String { String(message.split(separator: "\n").first ?? "") }
}

/// Calls an XGBoost C function and turns a non-zero status into an ``XGBoostError``.
@inline(__always)
func xgbCheck(_ function: String, _ status: Int32) throws {
    if status != 0 { throw XGBoostError(function: function, message: String(cString: XGBGetLastError())) }
}

/// A dense matrix of features in XGBoost's own storage (`DMatrix`), optionally with labels.
/// Owns its handle and frees it when released.
public final class XGBMatrix {
    let handle: DMatrixHandle
    /// Number of rows (samples) and columns (features).
    public let rows: Int, columns: Int

    /// A matrix from `values` in row-major order (`rows × columns`); NaN marks a missing value.
    public init(values: [Float], rows: Int, columns: Int, labels: [Float]? = nil) throws {
        precondition(values.count == rows * columns, "values must hold rows × columns numbers")
        var h: DMatrixHandle?
        try values.withUnsafeBufferPointer { p in
            try xgbCheck("XGDMatrixCreateFromMat", XGDMatrixCreateFromMat(p.baseAddress, bst_ulong(rows), bst_ulong(columns), .nan, &h))
        }
        guard let h else { throw XGBoostError(function: "XGDMatrixCreateFromMat", message: "no matrix returned") }
        handle = h
        self.rows = rows
        self.columns = columns
        if let labels {
            precondition(labels.count == rows, "one label per row")
            try labels.withUnsafeBufferPointer { p in
                try xgbCheck("XGDMatrixSetFloatInfo", XGDMatrixSetFloatInfo(handle, "label", p.baseAddress, bst_ulong(rows)))
            }
        }
    }

    deinit { XGDMatrixFree(handle) }
}

/// A gradient-boosted tree model (`Booster`). Train with ``train(on:parameters:rounds:)``, predict
/// with ``predict(_:)``; ``jsonModel()`` and ``init(jsonModel:)`` move it through XGBoost's own
/// JSON model format.
///
/// Not thread-safe: one booster is used by one thread at a time (Duet's predictors copy the model
/// JSON and load a booster per use where they are shared).
public final class XGBBooster {
    let handle: BoosterHandle

    private init(handle: BoosterHandle) { self.handle = handle }

    deinit { XGBoosterFree(handle) }

    /// A booster trained on `matrix` (which must carry labels) for `rounds` boosting rounds with
    /// XGBoost parameters `parameters` (name → value, as in XGBoost's documentation), set in order.
    public static func train(on matrix: XGBMatrix, parameters: [(String, String)], rounds: Int) throws -> XGBBooster {
        var h: BoosterHandle?
        var m: DMatrixHandle? = matrix.handle
        try xgbCheck("XGBoosterCreate", XGBoosterCreate(&m, 1, &h))
        guard let h else { throw XGBoostError(function: "XGBoosterCreate", message: "no booster returned") }
        let b = XGBBooster(handle: h)
        for (k, v) in parameters { try xgbCheck("XGBoosterSetParam(\(k))", XGBoosterSetParam(h, k, v)) }
        for i in 0..<rounds { try xgbCheck("XGBoosterUpdateOneIter", XGBoosterUpdateOneIter(h, Int32(i), matrix.handle)) }
        return b
    }

    /// A booster loaded from XGBoost's JSON model format (what ``jsonModel()`` writes).
    public convenience init(jsonModel: Data, threads: Int = 1) throws {
        var h: BoosterHandle?
        try xgbCheck("XGBoosterCreate", XGBoosterCreate(nil, 0, &h))
        guard let h else { throw XGBoostError(function: "XGBoosterCreate", message: "no booster returned") }
        self.init(handle: h)
        try jsonModel.withUnsafeBytes { p in
            try xgbCheck("XGBoosterLoadModelFromBuffer", XGBoosterLoadModelFromBuffer(h, p.baseAddress, bst_ulong(p.count)))
        }
        try xgbCheck("XGBoosterSetParam(nthread)", XGBoosterSetParam(h, "nthread", String(threads)))
    }

    /// The model in XGBoost's JSON model format (trees, objective, base score, feature count).
    public func jsonModel() throws -> Data {
        var len: bst_ulong = 0
        var ptr: UnsafePointer<CChar>?
        try xgbCheck("XGBoosterSaveModelToBuffer", XGBoosterSaveModelToBuffer(handle, "{\"format\": \"json\"}", &len, &ptr))
        guard let ptr else { return Data() }
        return Data(bytes: ptr, count: Int(len))
    }

    /// One prediction per row of the `rows × columns` row-major `values` (NaN: missing), predicted
    /// in place (`XGBoosterPredictFromDense`: no DMatrix is built).
    public func predict(dense values: [Float], rows: Int, columns: Int) throws -> [Float] {
        precondition(values.count == rows * columns, "values must hold rows × columns numbers")
        guard rows > 0 else { return [] }
        var shape: UnsafePointer<bst_ulong>?
        var dim: bst_ulong = 0
        var out: UnsafePointer<Float>?
        try values.withUnsafeBufferPointer { p in
            let address = UInt(bitPattern: p.baseAddress)
            let array = "{\"data\": [\(address), true], \"shape\": [\(rows), \(columns)], \"typestr\": \"<f4\", \"version\": 3}"
            let config = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false, \"cache_id\": 0, \"missing\": NaN}"
            try xgbCheck("XGBoosterPredictFromDense", XGBoosterPredictFromDense(handle, array, config, nil, &shape, &dim, &out))
        }
        guard let out else { return [] }
        return Array(UnsafeBufferPointer(start: out, count: rows))
    }

    /// One prediction per row of `matrix`.
    public func predict(_ matrix: XGBMatrix) throws -> [Float] {
        var len: bst_ulong = 0
        var out: UnsafePointer<Float>?
        try xgbCheck("XGBoosterPredict", XGBoosterPredict(handle, matrix.handle, 0, 0, 0, &len, &out))
        guard let out else { return [] }
        return Array(UnsafeBufferPointer(start: out, count: Int(len)))
    }
}
