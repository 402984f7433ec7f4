import DuetCore
import DuetWorkload
import Foundation
import Synchronization

/// ONNX import and export for Duet networks.
///
/// Import reads only tensor shapes (weights are skipped while decoding, so models whose weights
/// live in external data files import without them) and maps ONNX nodes onto Duet's operators;
/// export writes an opset-17 model that onnxruntime loads and runs.
public enum ONNX {
    /// Default-domain opsets the importer reads.
    public static let supportedOpsets = 11...21
    /// The opset the exporter writes.
    public static let exportOpset = 17
    /// Model metadata key listing the graph inputs that are weights (written by `--no-weights` exports).
    public static let weightInputsKey = "duet.weight_inputs"

    /// How to import a model.
    public struct ImportOptions: Sendable, Hashable {
        /// Batch size used where the model's batch dimension is dynamic.
        public var batch: Int = 1
        /// Count unsupported operators as zero-cost placeholders (noted in ``Network/notes``)
        /// instead of failing.
        public var allowUnknown: Bool = false
        public init(batch: Int = 1, allowUnknown: Bool = false) { self.batch = batch; self.allowUnknown = allowUnknown }
    }

    /// The outcome of an import.
    public struct ImportResult: Sendable {
        /// The network; `notes` names every placeholder when unknown operators were allowed.
        public var network: Network
        /// The model's default-domain opset.
        public var opset: Int
        /// `OpType:node name` of every node imported as a placeholder.
        public var unknownNodes: [String]
    }

    /// Imports the model in the file at `path`.
    public static func load(path: String, options: ImportOptions = ImportOptions()) throws -> ImportResult {
        guard options.batch >= 1 else { throw InputError(keyPath: "batch", value: "\(options.batch)", message: "batch must be at least 1") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw InputError(file: path, message: "cannot read the ONNX file", hint: "check the path")
        }
        let model = try ONNXWire.decodeModel(path: path)
        var importer = try ONNXImporter(model: model, file: path, options: options)
        return try importer.run()
    }

    /// Imports a serialized ModelProto; `file` names it in error messages.
    public static func importModel(_ data: Data, file: String? = nil, options: ImportOptions = ImportOptions()) throws -> ImportResult {
        guard options.batch >= 1 else { throw InputError(keyPath: "batch", value: "\(options.batch)", message: "batch must be at least 1") }
        let model = try ONNXWire.decodeModel(data, file: file)
        var importer = try ONNXImporter(model: model, file: file, options: options)
        return try importer.run()
    }

    /// What an export stores for learned tensors.
    public enum Weights: Sendable, Hashable {
        /// Uniform random values (±1/√fan-in, BatchNorm as identity) from a ``SeededGenerator`` with this seed.
        case random(seed: UInt64)
        /// No values: every weight becomes a graph input with its shape (listed in the model's
        /// `duet.weight_inputs` metadata), so runtimes can feed random tensors.
        case none
    }

    /// Serializes `network` as an opset-17 ONNX model. With `dynamicBatch`, the batch dimension
    /// of every input, output and intermediate tensor is the symbol `N` (any batch size runs;
    /// importing takes ``ImportOptions/batch``); otherwise it is the network's batch size.
    public static func export(_ network: Network, weights: Weights, dynamicBatch: Bool = false) throws -> Data {
        var e = try ONNXExporter(network: network, weights: weights, dynamicBatch: dynamicBatch)
        return try e.run()
    }
}
