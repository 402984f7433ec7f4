import DuetCore
import DuetWorkload
import Foundation

/// The predictor file: one JSON object (docs/FORMATS.md, "Predictor files").
///
/// ```json
/// {"format": "duet-predictor", "schema_version": 1, "space": "nb201", "target": "cifar100_test_acc",
///  "features": {"set": "structural", "names": [...]},
///  "model": {"kind": "gbdt", "xgboost": {XGBoost's own JSON model}},
///  "seed": 1, "training_rows": 1000, "quality": {"kendall_tau": …} }
/// ```
extension Predictor {
    /// The file's text, keys in the documented order (the same predictor always gives the same
    /// bytes; numbers in their shortest round-tripping form). XGBoost's JSON model is spliced in
    /// verbatim: re-encoding it would turn floats such as `0.0` into integers, which XGBoost's
    /// typed JSON reader refuses.
    public func fileData() throws -> Data {
        var raw: [Data] = []
        func d(_ v: Double) -> JSONValue { v.isNaN ? .null : .double(v) }
        var fields: [JSONValue.Field] = [
            .init("format", .string("duet-predictor")), .init("schema_version", .int(Self.schemaVersion)),
            .init("space", .string(spaceName)), .init("target", .string(target)),
            .init("features", .obj(["set": .string(featureSet.rawValue), "names": .array(featureNames.map { .string($0) })])),
            .init("seed", .string(String(seed))), .init("training_rows", .int(trainingRows)),
        ]
        if let q = quality {
            fields.append(.init("quality", .obj(["count": .int(q.count), "kendall_tau": d(q.kendallTau), "spearman_rho": d(q.spearmanRho),
                                                 "rmse": d(q.rmse), "mape_percent": d(q.mape)])))
        }
        fields.append(.init("model", Self.modelObject(model, raw: &raw)))
        var text = Data(JSONValue.object(fields).serialized(pretty: false).utf8)
        for (k, r) in raw.enumerated() {
            let placeholder = Data("\"\(Self.placeholder)\(k)\"".utf8)
            guard let range = text.range(of: placeholder) else { continue }
            text.replaceSubrange(range, with: r)
        }
        return text
    }

    static let placeholder = "@@duet-xgboost-model-"

    /// Writes the predictor file at `path`.
    public func save(to path: String) throws {
        do { try fileData().write(to: URL(fileURLWithPath: path)) } catch let e as XGBoostError { throw e } catch {
            throw InputError(file: path, message: "cannot write the predictor file: \(error.localizedDescription)", hint: "check that the folder exists and is writable")
        }
    }

    static func modelObject(_ m: RegressionModel, raw: inout [Data]) -> JSONValue {
        switch m {
        case .gbdt(let g):
            raw.append(g.json)
            return .obj(["kind": .string("gbdt"), "xgboost": .string("\(placeholder)\(raw.count - 1)")])
        case .linear(let l):
            func a(_ v: [Double]) -> JSONValue { .array(v.map { .double($0) }) }
            return .obj(["kind": .string("linear"), "intercept": .double(l.intercept), "weights": a(l.weights), "means": a(l.means), "scales": a(l.scales)])
        case .ensemble(let ms):
            var members: [JSONValue] = []
            for x in ms { members.append(modelObject(x, raw: &raw)) }
            return .obj(["kind": .string("ensemble"), "members": .array(members)])
        }
    }

    /// Loads a predictor file; every problem (unreadable, wrong format or version, unknown space,
    /// a feature schema this version does not compute) is an ``InputError`` naming the file and key.
    public static func load(path: String) throws -> Predictor {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, message: "cannot read the predictor file", hint: "make one with duet predictor fit … --out \(path)")
        }
        return try load(data: data, file: path)
    }

    /// Decodes a predictor file's bytes; `file` names it in errors.
    public static func load(data: Data, file: String) throws -> Predictor {
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw InputError(file: file, message: "not a JSON object", hint: "a predictor file is written by duet predictor fit")
        }
        guard obj["format"] as? String == "duet-predictor" else {
            throw InputError(file: file, keyPath: "format", value: "\(obj["format"] ?? "nothing")", message: "not a Duet predictor file",
                             hint: "a predictor file is written by duet predictor fit")
        }
        let version = (obj["schema_version"] as? NSNumber)?.intValue ?? -1
        guard version == schemaVersion else {
            throw InputError(file: file, keyPath: "schema_version", value: "\(version)", message: "this Duet reads predictor files of version \(schemaVersion)",
                             hint: "refit the predictor with this version of duet")
        }
        let spaceName = obj["space"] as? String ?? ""
        guard let space = NetworkSpaces.named(spaceName) else {
            throw InputError(file: file, keyPath: "space", value: spaceName, message: "unknown network space",
                             hint: Suggestion.hint(for: spaceName, in: NetworkSpaces.names))
        }
        let f = obj["features"] as? [String: Any] ?? [:]
        guard let set = (f["set"] as? String).flatMap(FeatureSet.init(rawValue:)) else {
            throw InputError(file: file, keyPath: "features.set", value: "\(f["set"] ?? "nothing")", message: "unknown feature set",
                             hint: "one of \(FeatureSet.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let ex = FeatureExtractor(space: space, set: set)
        let names = f["names"] as? [String] ?? []
        guard names == ex.names else {
            throw InputError(file: file, keyPath: "features.names", value: "\(names.count) features",
                             message: "the feature schema differs from what this Duet computes for \(space.name) (\(ex.count) features)",
                             hint: "refit the predictor with this version of duet")
        }
        var raw = RawJSON.values(forKey: "xgboost", in: data)[...]
        // Numbers of linear models through JSONDecoder: it reads doubles exactly (JSONSerialization
        // on Linux does not always give back the double that was written).
        let doc = (try? JSONDecoder().decode(FileDocument.self, from: data))?.model
        let model = try decodeModel(obj["model"], doc: doc, keyPath: "model", file: file, columns: ex.count, raw: &raw)
        var q: PredictionQuality?
        if let qo = obj["quality"] as? [String: Any] {
            var v = PredictionQuality(predicted: [], actual: [])
            v.count = (qo["count"] as? NSNumber)?.intValue ?? 0
            v.kendallTau = (qo["kendall_tau"] as? NSNumber)?.doubleValue ?? .nan
            v.spearmanRho = (qo["spearman_rho"] as? NSNumber)?.doubleValue ?? .nan
            v.rmse = (qo["rmse"] as? NSNumber)?.doubleValue ?? .nan
            v.mape = (qo["mape_percent"] as? NSNumber)?.doubleValue ?? .nan
            q = v
        }
        return Predictor(spaceName: space.name, target: obj["target"] as? String ?? "", featureSet: set, featureNames: names, model: model,
                         seed: (obj["seed"] as? String).flatMap { UInt64($0) } ?? (obj["seed"] as? NSNumber)?.uint64Value ?? 0, trainingRows: (obj["training_rows"] as? NSNumber)?.intValue ?? 0,
                         quality: q, extractor: ex)
    }

    /// The numeric parts of a model, decoded exactly.
    struct ModelDocument: Decodable {
        var intercept: Double?
        var weights: [Double]?, means: [Double]?, scales: [Double]?
        var members: [ModelDocument]?
    }

    struct FileDocument: Decodable { var model: ModelDocument }

    static func decodeModel(_ any: Any?, doc: ModelDocument?, keyPath: String, file: String, columns: Int,
                            raw: inout ArraySlice<Data>) throws -> RegressionModel {
        guard let m = any as? [String: Any], let kind = (m["kind"] as? String).flatMap(ModelKind.init(rawValue:)) else {
            throw InputError(file: file, keyPath: "\(keyPath).kind", message: "missing or unknown model kind",
                             hint: "one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        switch kind {
        case .gbdt:
            guard m["xgboost"] is [String: Any], let text = raw.popFirst() else {
                throw InputError(file: file, keyPath: "\(keyPath).xgboost", message: "missing XGBoost model (a JSON object)")
            }
            do {
                return .gbdt(try GBDTModel(json: text))
            } catch let e as XGBoostError {
                throw InputError(file: file, keyPath: "\(keyPath).xgboost", message: "XGBoost cannot load the model: \(e.firstLine)")
            }
        case .linear:
            let w = doc?.weights ?? [], mu = doc?.means ?? [], sd = doc?.scales ?? []
            guard let b = doc?.intercept, w.count == columns, mu.count == columns, sd.count == columns else {
                throw InputError(file: file, keyPath: keyPath, message: "a linear model needs intercept and \(columns) weights, means and scales")
            }
            return .linear(LinearModel(intercept: b, weights: w, means: mu, scales: sd))
        case .ensemble:
            let members = m["members"] as? [Any] ?? []
            guard !members.isEmpty else { throw InputError(file: file, keyPath: "\(keyPath).members", message: "an ensemble needs members") }
            var out: [RegressionModel] = []
            for (i, x) in members.enumerated() {
                let d = doc?.members.flatMap { $0.indices.contains(i) ? $0[i] : nil }
                out.append(try decodeModel(x, doc: d, keyPath: "\(keyPath).members[\(i)]", file: file, columns: columns, raw: &raw))
            }
            return .ensemble(out)
        }
    }
}

/// Finds the raw text of JSON values by key without re-encoding them.
enum RawJSON {
    /// The bytes of every value that follows the key `key` (at any depth), in document order.
    static func values(forKey key: String, in data: Data) -> [Data] {
        let b = [UInt8](data)
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        let target = [UInt8](key.utf8)
        var out: [Data] = []
        var i = 0
        func skipSpace(_ j: inout Int) { while j < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[j]) { j += 1 } }
        /// The index just past the string starting at `j` (a quote).
        func stringEnd(_ j: Int) -> Int {
            var k = j + 1
            while k < b.count {
                if b[k] == backslash { k += 2; continue }
                if b[k] == quote { return k + 1 }
                k += 1
            }
            return b.count
        }
        while i < b.count {
            guard b[i] == quote else { i += 1; continue }
            let end = stringEnd(i)
            let isKey = end - i - 2 == target.count && Array(b[(i + 1)..<(end - 1)]) == target
            i = end
            guard isKey else { continue }
            var j = end
            skipSpace(&j)
            guard j < b.count, b[j] == UInt8(ascii: ":") else { continue }
            j += 1
            skipSpace(&j)
            guard j < b.count, b[j] == UInt8(ascii: "{") else { continue }
            var depth = 0, k = j
            while k < b.count {
                let c = b[k]
                if c == quote { k = stringEnd(k); continue }
                if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
                if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") { depth -= 1; if depth == 0 { k += 1; break } }
                k += 1
            }
            out.append(Data(b[j..<k]))
            i = k
        }
        return out
    }
}
