import DuetCore
import DuetReport
import Foundation

/// What `duet template list|show` prints: the dataflow templates (Templates/*.yaml), or one
/// template's mappings, its first sub-accelerator's parameters with their units, area, variants,
/// search ranges and sources.
public enum TemplateReport {
    /// The bandwidths a template's ``BandwidthScaling`` rules resize.
    static let scaled: [Parameter] = [.glb_words_per_cycle, .noc_words_per_cycle, .dram_gbps]

    /// Every template in `dataDir`: name, array kind, dataflows, variants, summary.
    public static func list(dataDir: URL, format: OutputFormat) throws -> String {
        let all = try DataflowTemplate.all(dataDir: dataDir)
        switch format {
        case .json:
            return JSONValue.array(all.map { t in
                .obj(["name": .string(t.name), "array": .string(t.array.rawValue), "dataflows": .array(t.mappings.keys.sorted().map { .string($0.rawValue) }),
                      "variants": .array(t.variants.map { .string($0.name) }), "summary": .string(t.summary)])
            }).serialized() + "\n"
        case .table, .csv:
            var tab = TextTable(columns: ["name", "array", "dataflows", "variants", "summary"])
            for t in all {
                tab.append([t.name, t.array.rawValue, t.mappings.keys.sorted().map(\.rawValue).joined(separator: " "), t.variants.map(\.name).joined(separator: " "), t.summary])
            }
            return format == .csv ? tab.csv() : tab.rendered()
        }
    }

    /// One template (`name` or `name:variant`) with `overrides` (`key=value`) applied; `format`
    /// `.csv` renders as `.table`.
    public static func show(_ template: String, overrides: [String], dataDir: URL, format: OutputFormat) throws -> String {
        let t = try DataflowTemplate.named(String(template.prefix { $0 != ":" }), dataDir: dataDir)
        let acc = try AcceleratorLoader(dataDir: dataDir).load(template, overrides: overrides)
        let s = acc.subAccelerators[0]
        let values: [(Parameter, String)] = [
            (.dataflow, s.dataflow.rawValue), (.pe_rows, "\(s.peRows)"), (.pe_cols, "\(s.peCols)"), (.clock_mhz, "\(s.clockMHz)"),
            (.precision_bits, "\(s.precisionBits)"), (.node_nm, "\(s.nodeNm)"), (.global_buffer_kib, "\(s.globalBufferKiB)"),
            (.rf_weight_bytes, "\(s.rfWeightBytes)"), (.rf_input_bytes, "\(s.rfInputBytes)"), (.rf_output_bytes, "\(s.rfOutputBytes)"),
            (.glb_words_per_cycle, "\(s.glbWordsPerCycle)"), (.noc_words_per_cycle, "\(s.nocWordsPerCycle)"),
            (.dram_gbps, "\(s.dramGBps)"), (.double_buffer, "\(s.doubleBuffer)"), (.pipeline_cycles, "\(s.pipelineCycles)"),
        ] + (s.weightPrefetch ? [(.weight_prefetch, "true")] : [])
        let area = AreaModel.area(of: s)
        if format == .json {
            return JSONValue.obj([
                "name": .string(t.name), "summary": .string(t.summary), "array": .string(t.array.rawValue),
                "mappings": .object(t.mappings.keys.sorted().map { k in
                    let m = t.mappings[k]!
                    return .init(k.rawValue, .obj(["stationary": .string(m.stationary.rawValue), "rows": .string(m.label(m.rows)),
                                          "cols": .string(m.label(m.cols)), "stream": .array(m.stream.map { .string($0.rawValue) }),
                                          "groups": .string(m.groups.rawValue), "row_stationary": .bool(m.rowStationary)]))
                }),
                "parameters": .object(values.map { .init($0.0.rawValue, .string($0.1)) }),
                "variants": .array(t.variants.map { .string($0.name) }),
                "ranges": .object(t.ranges.map { .init($0.key, .array([.double($0.low), .double($0.high)])) }),
                "area_mm2": .double(area.total.value),
                "area_breakdown_mm2": .obj(["pes": .double(area.pes.value), "global_buffer": .double(area.globalBuffer.value),
                                            "noc": .double(area.noc.value), "control": .double(area.control.value)]),
                "bandwidth_scaling": .object(Self.scaled.map { .init($0.rawValue, .string(t.bandwidthScaling.rule(for: $0).rawValue)) }),
                "sources": .array(t.sources.map { .string($0) }),
            ]).serialized() + "\n"
        }
        var out = "\(t.name): \(t.summary)\narray: \(t.array.rawValue)\n\nmappings:\n"
        for k in t.mappings.keys.sorted() {
            let m = t.mappings[k]!
            out += m.rowStationary
                ? "  \(k.rawValue): row-stationary; rows r (filter rows) replicated over c, k or groups, cols p (output rows) replicated over k or groups, PE q·s with k × c blocked in the scratchpads\n"
                : "  \(k.rawValue): \(m.stationary.rawValue)-stationary; rows \(m.label(m.rows)), cols \(m.label(m.cols)), stream \(m.stream.map(\.rawValue).joined(separator: "·"))\n"
            out += "    grouped/depthwise layers: " + (m.rowStationary ? "PE sets replicated over groups"
                : m.groups == .rows ? "groups along the rows, sharing the columns (one group per row lane)"
                : m.groups == .cols ? "groups along the columns, sharing the rows"
                : "groups packed block-diagonally (own rows and columns)") + "\n"
        }
        var tab = TextTable(columns: ["parameter", "value", "meaning"])
        for (p, v) in values { tab.append([p.rawValue, v, p.help]) }
        out += "\n" + tab.rendered()
        out += String(format: "\narea: %.4g mm² (PEs %.4g, global buffer %.4g, network %.4g, control/DMA %.4g)\n",
                      area.total.value, area.pes.value, area.globalBuffer.value, area.noc.value, area.control.value)
        out += "bandwidth scaling (pe_rows/pe_cols away from \(t.name)'s own array): "
            + Self.scaled.map { "\($0.rawValue) \(t.bandwidthScaling.rule(for: $0).rawValue)" }.joined(separator: ", ")
            + " (perimeter: × (rows + cols) / (\(s.peRows) + \(s.peCols)), one port per row and column; fixed: the SoC's DRAM)\n"
        out += "variants: " + t.variants.map(\.name).joined(separator: ", ") + "\n"
        if !t.ranges.isEmpty { out += "search ranges: " + t.ranges.map { "\($0.key) \(Int($0.low))–\(Int($0.high))" }.joined(separator: ", ") + "\n" }
        out += "\nsources:\n" + t.sources.map { "  - " + $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n") + "\n"
        return out
    }
}
