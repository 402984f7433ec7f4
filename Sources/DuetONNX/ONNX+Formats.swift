import DuetCore
import DuetHardware
import DuetWorkload
import Foundation

extension ONNX {
    /// The loader that makes `.onnx` files networks wherever one is taken, once composed into a
    /// ``NetworkLoaders`` value (`NetworkLoaders.standard.adding(ONNX.loader())`): the batch of
    /// ``BuildOptions`` fills a dynamic batch dimension and its
    /// ``BuildOptions/allowUnknownOperators`` allows placeholders; `warn` is called with a line for
    /// each placeholder of an imported network.
    public static func loader(warn: (@Sendable (String) -> Void)? = nil) -> NetworkLoader {
        NetworkLoader(name: "onnx", extensions: ["onnx"]) { path, build in
            let r = try load(path: path, options: ImportOptions(batch: build.batch, allowUnknown: build.allowUnknownOperators))
            if let warn { for n in r.network.notes { warn("\(path): \(n)") } }
            return r.network
        }
    }

    /// The ONNX exporter of the design-exporter registry (``DesignExporters``).
    public static let exporter = ONNXDesignExporter()
}

/// ONNX export (``ONNX/export(_:weights:dynamicBatch:)``) as a ``DesignExporter``: an opset-17
/// model of the design's first network; random weights from ``ExportOptions/seed``, or with
/// ``ExportOptions/weights`` false every weight a shape-only graph input.
public struct ONNXDesignExporter: DesignExporter {
    public init() {}
    public var name: String { "onnx" }
    public var fileExtension: String { "onnx" }
    public var summary: String { "ONNX opset \(ONNX.exportOpset) model of the network (onnxruntime runs it)" }
    public var input: ExportInput { .network }
    public var isText: Bool { false }

    public func export(_ design: ExportDesign, baseName: String, options: ExportOptions) throws -> [ExportedFile] {
        let net = try DesignExporters.firstNetwork(design, exporter: name)
        let data = try ONNX.export(net, weights: options.weights ? .random(seed: options.seed) : .none, dynamicBatch: options.dynamicBatch)
        return [ExportedFile(name: "\(baseName).onnx", data: data)]
    }
}
