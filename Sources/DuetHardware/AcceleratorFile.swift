import DuetCore
import DuetWorkload
import Foundation

/// Writes a chip as an accelerator file that ``AcceleratorLoader`` reads back into the same
/// sub-accelerators: every parameter spelled out (array, buffers, bandwidths after the template's
/// scaling rule, node, clock, precision), so nothing depends on the template's defaults staying
/// as they are, except the template's optional energy overrides, copied from the template file.
/// Used by `duet study design` to hand an explored design to `duet evaluate` and to other tools.
public enum AcceleratorFile {
    /// The chip as a document tree (written as YAML or JSON). Sub-accelerator names are kept; the
    /// chip-wide settings (node, clock, precision) are written at the top when every
    /// sub-accelerator shares them, as a multi-sub-accelerator file sets them.
    /// - Throws: ``InputError`` when a sub-accelerator's template is not in `dataDir`'s Templates.
    public static func document(_ chip: Accelerator, dataDir: URL) throws -> JSONValue {
        var top: [JSONValue.Field] = [.init("name", .string(chip.name))]
        let subs = chip.subAccelerators
        func shared<T: Equatable>(_ f: (SubAccelerator) -> T) -> T? {
            guard let v = subs.first.map(f), subs.allSatisfy({ f($0) == v }) else { return nil }
            return v
        }
        let node = shared(\.nodeNm), clock = shared(\.clockMHz), bits = shared(\.precisionBits)
        if let node { top.append(.init(Parameter.node_nm.rawValue, .int(node))) }
        if let clock { top.append(.init(Parameter.clock_mhz.rawValue, .double(clock))) }
        if let bits { top.append(.init(Parameter.precision_bits.rawValue, .int(bits))) }
        top.append(.init(Parameter.dram_gbps.rawValue, .double(chip.dramGBps)))
        var outside = false
        var entries: [JSONValue] = []
        for s in subs {
            let t = try DataflowTemplate.named(s.template, dataDir: dataDir)
            var f: [JSONValue.Field] = [.init("name", .string(s.name)), .init("template", .string(s.template))]
            if let m = t.mappings[s.dataflow], m == s.mapping {
                f.append(.init(Parameter.dataflow.rawValue, .string(s.dataflow.rawValue)))
            } else {
                f.append(.init("mapping", mappingDocument(s.mapping)))
            }
            func add(_ p: Parameter, _ v: JSONValue) { f.append(.init(p.rawValue, v)) }
            add(.pe_rows, .int(s.peRows)); add(.pe_cols, .int(s.peCols))
            if node == nil { add(.node_nm, .int(s.nodeNm)) }
            if clock == nil { add(.clock_mhz, .double(s.clockMHz)) }
            if bits == nil { add(.precision_bits, .int(s.precisionBits)) }
            add(.global_buffer_kib, .double(s.globalBufferKiB))
            add(.rf_weight_bytes, .int(s.rfWeightBytes)); add(.rf_input_bytes, .int(s.rfInputBytes)); add(.rf_output_bytes, .int(s.rfOutputBytes))
            add(.glb_words_per_cycle, .double(s.glbWordsPerCycle)); add(.noc_words_per_cycle, .double(s.nocWordsPerCycle))
            add(.dram_gbps, .double(s.dramGBps))
            add(.double_buffer, .bool(s.doubleBuffer))
            add(.dram_channels, .string(s.dramChannels.rawValue))
            add(.pipeline_cycles, .int(s.pipelineCycles))
            if s.activationResidency { add(.activation_residency, .bool(true)) }
            if s.weightPrefetch { add(.weight_prefetch, .bool(true)) }
            if s.spatialFactors != .any { add(.spatial_factors, .string(s.spatialFactors.rawValue)) }
            // The template's own energy overrides (relative to the node's table): as the template has them.
            for (k, v) in t.parameters {
                guard let p = Parameter(rawValue: k), !p.isRequired, ![.dram_channels, .activation_residency, .weight_prefetch, .spatial_factors].contains(p) else { continue }
                f.append(.init(k, Double(v).map(JSONValue.double) ?? .string(v)))
            }
            for rg in t.ranges {
                if let v = Parameter(rawValue: rg.key).flatMap({ numericValue($0, of: s) }), v < rg.low || v > rg.high { outside = true }
            }
            entries.append(.object(f))
        }
        if outside { top.append(.init("allow_outside_template_ranges", .bool(true))) }
        top.append(.init("subaccelerators", .array(entries)))
        return .object(top)
    }

    /// The chip as YAML (see ``document(_:dataDir:)``).
    public static func yaml(_ chip: Accelerator, dataDir: URL) throws -> String {
        YAMLWriter.write(try document(chip, dataDir: dataDir))
    }

    /// A numeric parameter's value in `s` (nil for the non-numeric and the optional energy ones).
    static func numericValue(_ p: Parameter, of s: SubAccelerator) -> Double? {
        switch p {
        case .pe_rows: return Double(s.peRows)
        case .pe_cols: return Double(s.peCols)
        case .clock_mhz: return s.clockMHz
        case .precision_bits: return Double(s.precisionBits)
        case .node_nm: return Double(s.nodeNm)
        case .global_buffer_kib: return s.globalBufferKiB
        case .rf_weight_bytes: return Double(s.rfWeightBytes)
        case .rf_input_bytes: return Double(s.rfInputBytes)
        case .rf_output_bytes: return Double(s.rfOutputBytes)
        case .glb_words_per_cycle: return s.glbWordsPerCycle
        case .noc_words_per_cycle: return s.nocWordsPerCycle
        case .dram_gbps: return s.dramGBps
        case .pipeline_cycles: return Double(s.pipelineCycles)
        default: return nil
        }
    }

    /// A spatial mapping as the `mapping:` entry of an accelerator file reads it.
    static func mappingDocument(_ m: SpatialMapping) -> JSONValue {
        func dims(_ l: [LoopDim]) -> JSONValue {
            .array(l.map { d in .string(m.factors[d].map { "\(d.rawValue):\($0)" } ?? d.rawValue) })
        }
        return .obj(["stationary": .string(m.stationary.rawValue), "rows": dims(m.rows), "cols": dims(m.cols),
                     "stream": .array(m.stream.map { .string($0.rawValue) }), "input_reuse": .string(m.windowReuse ? "window" : "im2col")])
    }
}
