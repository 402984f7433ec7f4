import DuetCore
import DuetHardware
import DuetReport
import DuetWorkload
import Foundation

/// `duet table predict`: network latencies from a table, for one architecture or a CSV of them;
/// with a measured column, the comparison (Kendall tau, APE) against it.
public struct TablePrediction: Sendable {
    public var space: any NetworkSpace
    /// The space as the user named it (used in the hint for missing entries).
    public var spaceLabel: String
    /// The table file.
    public var tablePath: String
    /// One architecture string, or a CSV (`archs`) with the architectures in `archColumn`.
    public var arch: String?
    public var archs: String?
    public var archColumn: String?
    /// A column of `archs` with measured latency in milliseconds to compare against.
    public var latencyColumn: String?
    /// List each network's device operators and their latencies (table format only).
    public var explain = false

    public init(space: any NetworkSpace, spaceLabel: String, tablePath: String) {
        self.space = space; self.spaceLabel = spaceLabel; self.tablePath = tablePath
    }

    /// The predictions in `format` (JSON: a list of `{"arch", "latency_ms"}` in input order) and,
    /// with `latencyColumn`, the comparison line for stderr. A missing entry is an ``InputError``
    /// naming it and how to fill it.
    public func render(format: OutputFormat) throws -> (text: String, comparison: String?) {
        guard (arch == nil) != (archs == nil) else { throw InputError(keyPath: "--arch", message: "give exactly one of --arch and --archs") }
        let t = try LatencyTable.load(path: tablePath)
        var nets: MeasuredNetworks?
        if let archs {
            guard let archColumn else { throw InputError(keyPath: "--arch-column", message: "--archs needs --arch-column") }
            nets = try MeasuredNetworks.load(path: archs, archColumn: archColumn, columns: latencyColumn.map { [$0] } ?? [])
        }
        let names = nets?.archs ?? arch.map { [$0] } ?? []
        let graphs = try SpaceOperators.lower(space, names, device: TableDevice(t), what: archs ?? "--arch")
        let hint = "run `duet table check --space \(spaceLabel) --table \(tablePath) --format csv > missing.csv`, then `duet table generate --operators missing.csv --device DEVICE --out \(tablePath)`"
        let reports = try graphs.map { try t.latency(of: $0, fillHint: hint) }
        if explain && format == .table {
            return (zip(names, zip(graphs, reports)).map { a, gr in
                var tt = TextTable(columns: ["operator", "layers", "latency_ms"], numeric: [2])
                for (op, l) in gr.1.operators { tt.append([op.signature.key, op.layers.joined(separator: "+"), String(format: "%.4f", l)]) }
                return "\(a): \(String(format: "%.4f", gr.1.latencyMs)) ms (network constant \(String(format: "%.4f", gr.1.overheadMs)) ms)\n" + tt.rendered()
                    + "  \(gr.0.deadLayers.count) dead, \(gr.0.foldedLayers.count) folded, \(gr.0.mergedLayers.count) merged layers\n"
            }.joined(), nil)
        }
        let lat = reports.map(\.latencyMs)
        let comparison = latencyColumn.flatMap { c in nets?.latencyMs[c].map { measured in
            let e = TableFit.errors(predicted: lat, measured: measured)
            return "against \(c): " + String(format: "%d networks: Kendall tau %.4f, APE mean %.2f%%, median %.2f%%", e.count, e.kendallTau, e.meanAPE, e.medianAPE)
        } }
        if format == .json { return (JSONValue.array(zip(names, lat).map { .obj(["arch": .string($0), "latency_ms": .double($1)]) }).serialized() + "\n", comparison) }
        var tt = TextTable(columns: ["arch", "latency_ms"], numeric: [1])
        for (a, l) in zip(names, lat) { tt.append([a, format == .csv ? JSONValue.format(l) : String(format: "%.4f", l)]) }
        return (format == .csv ? tt.csv() : "latency: from \(t.provenance.method.isEmpty ? "table" : t.provenance.method) table \(tablePath)\n" + tt.rendered(), comparison)
    }
}
