import DuetCore
import DuetWorkload
import Foundation

/// What an exporter writes from: networks and, for exporters whose format describes hardware
/// (peer simulators' architecture files), the accelerator they run on.
public struct ExportDesign: Sendable {
    public var networks: [Network]
    public var accelerator: Accelerator?

    public init(networks: [Network], accelerator: Accelerator? = nil) { self.networks = networks; self.accelerator = accelerator }
}

/// Settings an export may use; each exporter reads those that apply to its format.
public struct ExportOptions: Sendable, Hashable {
    /// Seed of anything random an export writes (ONNX weights).
    public var seed: UInt64 = 1
    /// Whether learned tensors are written with values (ONNX: false writes them as shape-only inputs).
    public var weights: Bool = true
    /// ONNX: the batch dimension as the symbol `N` instead of the network's batch.
    public var dynamicBatch: Bool = false

    public init(seed: UInt64 = 1, weights: Bool = true, dynamicBatch: Bool = false) {
        self.seed = seed; self.weights = weights; self.dynamicBatch = dynamicBatch
    }
}

/// One file of an export: its name (relative to the output folder, or the output file itself
/// when an export has one file) and its bytes.
public struct ExportedFile: Sendable, Hashable {
    public var name: String
    public var data: Data

    public init(name: String, data: Data) { self.name = name; self.data = data }
    public init(name: String, text: String) { self.name = name; self.data = Data(text.utf8) }
}

/// What an exporter needs of an ``ExportDesign``.
public enum ExportInput: String, Sendable, Hashable {
    /// One network (the first).
    case network
    /// Networks and one sub-accelerator (the accelerator's first).
    case networkAndSubAccelerator = "network+subaccelerator"
}

/// A writer of a design in another tool's format: a pure function from values to files. The
/// registry (``DesignExporters``) lists them by name and extension; `duet network export
/// --format NAME` goes through it. Adding a format (Timeloop, SCALE-Sim, ZigZag, MAESTRO) is one
/// file with a type conforming to this protocol, plus one line adding it where the registry is
/// composed (docs/ARCHITECTURE.md, "Exporters").
public protocol DesignExporter: Sendable {
    /// The format's name, as `--format` takes it (`yaml`, `onnx`, `scalesim`).
    var name: String { get }
    /// The main file's extension, without the dot.
    var fileExtension: String { get }
    /// What it writes, for help texts.
    var summary: String { get }
    /// What it needs of the design.
    var input: ExportInput { get }
    /// Whether its output is text (printable to stdout) rather than binary.
    var isText: Bool { get }
    /// The files of the export; `baseName` names them (e.g. `resnet18` → `resnet18.cfg`).
    func export(_ design: ExportDesign, baseName: String, options: ExportOptions) throws -> [ExportedFile]
}

/// Duet's own network format (``NetworkFormat``), YAML or JSON.
public struct DuetNetworkExporter: DesignExporter {
    public var json: Bool
    public init(json: Bool) { self.json = json }

    public var name: String { json ? "json" : "yaml" }
    public var fileExtension: String { json ? "json" : "yaml" }
    public var summary: String { "Duet's network format (\(json ? "JSON" : "YAML")): layers, shapes, options" }
    public var input: ExportInput { .network }
    public var isText: Bool { true }

    public func export(_ design: ExportDesign, baseName: String, options: ExportOptions) throws -> [ExportedFile] {
        let net = try DesignExporters.firstNetwork(design, exporter: name)
        return [ExportedFile(name: "\(baseName).\(fileExtension)", text: json ? NetworkFormat.json(net) : NetworkFormat.yaml(net))]
    }
}

/// The export formats a caller offers: a value composed explicitly (no process-wide
/// registration). ``standard`` holds Duet's own formats; other modules add theirs
/// (`DesignExporters.standard.adding(ONNX.exporter)`, and peers' formats from DuetCostModel).
public struct DesignExporters: Sendable {
    public private(set) var exporters: [any DesignExporter]

    public init(_ exporters: [any DesignExporter]) { self.exporters = exporters }

    /// Duet's network format as YAML and JSON.
    public static let standard = DesignExporters([DuetNetworkExporter(json: false), DuetNetworkExporter(json: true)])

    /// These exporters and `exporter` (replacing one of the same name).
    public func adding(_ exporter: any DesignExporter) -> DesignExporters {
        DesignExporters(exporters.filter { $0.name != exporter.name } + [exporter])
    }

    /// The names, in order.
    public var names: [String] { exporters.map(\.name) }

    /// The exporter named `name`, or an ``InputError`` at `keyPath` listing the formats.
    public func named(_ name: String, keyPath: String = "--format") throws -> any DesignExporter {
        if let e = exporters.first(where: { $0.name == name.lowercased() }) { return e }
        throw InputError(keyPath: keyPath, value: name, message: "unknown export format",
                         hint: (Suggestion.closest(to: name, in: names).map { "did you mean '\($0)'? " } ?? "")
                             + "formats: " + exporters.map { "\($0.name) (\($0.summary))" }.joined(separator: "; "))
    }

    /// The exporter writing files with extension `ext` (without the dot), if any.
    public func forExtension(_ ext: String) -> (any DesignExporter)? {
        exporters.first { $0.fileExtension == ext.lowercased() }
    }

    /// The design's first network, or an ``InputError`` naming the exporter.
    public static func firstNetwork(_ design: ExportDesign, exporter: String) throws -> Network {
        guard let n = design.networks.first else { throw InputError(keyPath: "network", message: "the \(exporter) export needs a network") }
        return n
    }

    /// The design's first sub-accelerator, or an ``InputError`` naming the exporter.
    public static func firstSubAccelerator(_ design: ExportDesign, exporter: String) throws -> SubAccelerator {
        guard let s = design.accelerator?.subAccelerators.first else {
            throw InputError(keyPath: "accelerator", message: "the \(exporter) export needs an accelerator", hint: "give one with --accelerator NAME (e.g. tpu:edge)")
        }
        return s
    }
}

extension DesignExporters {
    /// Exports `design` in `format` and writes the files: an export of one file to the file `out`
    /// (without `out`, a text export is returned for stdout); an export of several files into the
    /// folder `out` (created if needed), each under its own name. Returns the text to print, if any.
    public func write(_ design: ExportDesign, format: String, baseName: String, to out: String?, options: ExportOptions = ExportOptions()) throws -> String? {
        let exporter = try named(format)
        let files = try exporter.export(design, baseName: baseName, options: options)
        func save(_ data: Data, _ path: String) throws {
            do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                throw InputError(file: path, message: "cannot write the file: \(error.localizedDescription)", hint: "check that the folder exists and is writable")
            }
        }
        if files.count == 1 {
            if let out { try save(files[0].data, out); return nil }
            guard exporter.isText else {
                throw InputError(keyPath: "--out", message: "the \(exporter.name) export is binary", hint: "give --out FILE")
            }
            return String(decoding: files[0].data, as: UTF8.self)
        }
        guard let out else {
            throw InputError(keyPath: "--out", message: "the \(exporter.name) export writes \(files.count) files (\(files.map(\.name).joined(separator: ", ")))",
                             hint: "give --out FOLDER")
        }
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw InputError(file: out, message: "cannot create the folder: \(error.localizedDescription)", hint: "check the path")
        }
        for f in files { try save(f.data, (out as NSString).appendingPathComponent(f.name)) }
        return nil
    }
}
