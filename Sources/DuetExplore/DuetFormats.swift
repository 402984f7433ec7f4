import DuetCore
import DuetCostModel
import DuetHardware
import DuetONNX
import DuetWorkload

/// The file formats Duet reads networks from and writes designs to, composed in one place (the
/// registries are values; nothing registers itself process-wide). A new reader is a
/// ``NetworkLoader`` added to ``networkLoaders(warn:)``; a new exporter is a ``DesignExporter``
/// (one file, e.g. beside the cost model) added to ``exporters``.
public enum DuetFormats {
    /// Duet's network format (`.yaml`, `.yml`, `.json`) and ONNX (`.onnx`); `warn` gets a line per
    /// placeholder of an imported ONNX network (with `allowUnknownOperators`).
    public static func networkLoaders(warn: (@Sendable (String) -> Void)? = nil) -> NetworkLoaders {
        NetworkLoaders.standard.adding(ONNX.loader(warn: warn))
    }

    /// Every export format: Duet's network format (yaml, json), ONNX, SCALE-Sim, MAESTRO, ZigZag
    /// and Timeloop v3 (with Duet's energy table, or Accelergy's components).
    public static let exporters = DesignExporters.standard
        .adding(ONNX.exporter)
        .adding(SCALESimExporter())
        .adding(MAESTROExporter())
        .adding(ZigZagExporter())
        .adding(TimeloopExporter(energy: .duet))
        .adding(TimeloopExporter(energy: .accelergy))
}
