import DuetCore
import DuetHardware
import DuetWorkload
import Foundation

/// ZigZag 3 (Mei et al., IEEE TC 2021; `pip install zigzag-dse==3.9.1`) inputs for a
/// sub-accelerator and a network, in the YAML shapes of ZigZag's bundled `inputs/` files:
/// - `NAME_accelerator.yaml`: the PE array as `operational_array` (D1 = PE rows, D2 = PE
///   columns, `unit_energy` the node's MAC energy in pJ; a systolic array lists both as
///   `systolic_dimensions`) and the memories innermost first: per-PE register files for
///   weights (`I2`), inputs (`I1`) and partial sums (`O`), each at least one word (a systolic
///   PE's pipeline register), the global buffer shared by all operands behind one read/write
///   port of `glb_words_per_cycle` words, and DRAM behind one port of the DRAM bytes per cycle.
///   Sizes and port widths are in bits (ZigZag's unit); `r_cost`/`w_cost` are pJ per access of
///   `bandwidth_max` bits, from Duet's technology figures (so a word costs what Duet charges).
/// - `NAME_workload.yaml`: one `Conv` (or `Gemm`-shaped `Conv` with 1×1 extents) per layer with
///   MACs, ZigZag's grouped equation `O[b][g][k][oy][ox]+=W[g][k][c][fy][fx]*I[b][g][c][iy][ix]`
///   with K and C per group (a depthwise layer: G = channels, K = C = 1), strides and dilations in
///   `dimension_relations`, the unpadded input extent `(q − 1)·stride + (s − 1)·dilation + 1`
///   (padding 0, so ZigZag keeps Duet's output extent), W and I at the accelerator's precision,
///   partial sums at twice it. Layers are independent (no `operand_source`): each is evaluated as
///   Duet evaluates it, layer at a time.
/// - `NAME_mapping.yaml`: one entry per layer (matched by name) with the spatial mapping Duet
///   chose for it (``MappingDescription/rowLoops`` and ``MappingDescription/colLoops``): D1 the
///   loops on the PE rows, D2 those on the columns, each `DIM, factor` (flattened axes such as a
///   TPU's `rows: [c, r, s]` split innermost first, S, then R, then C, as Duet splits them);
///   groups packed side by side as G on the axis the template puts them on (see
///   ``spatial(_:chosen:placement:rows:cols:)``). A `default` entry (ZigZag
///   requires one) repeats the template's mapping. Temporal ordering is left to ZigZag's LOMA
///   search.
///
/// Duet's layer names become ZigZag names with only letters, digits, `_` and `.` kept (others
/// `_`), unique; the workload's `name` is the link between the three files.
public struct ZigZagExporter: DesignExporter {
    public init() {}

    public var name: String { "zigzag" }
    public var fileExtension: String { "yaml" }
    public var summary: String { "ZigZag 3 accelerator, workload and mapping YAML (_accelerator, _workload, _mapping) for a sub-accelerator running the network" }
    public var input: ExportInput { .networkAndSubAccelerator }
    public var isText: Bool { true }

    /// ZigZag's name of a Duet loop dimension.
    public static func dimension(_ d: LoopDim) -> String {
        switch d {
        case .n: return "B"
        case .k: return "K"
        case .c: return "C"
        case .p: return "OY"
        case .q: return "OX"
        case .r: return "FY"
        case .s: return "FX"
        }
    }

    public func export(_ design: ExportDesign, baseName: String, options: ExportOptions) throws -> [ExportedFile] {
        let net = try DesignExporters.firstNetwork(design, exporter: name)
        let hw = try DesignExporters.firstSubAccelerator(design, exporter: name)
        let analysis = try net.analyze()
        let result = try NetworkEvaluator.evaluate(analysis, on: hw)
        let layers = try self.layers(analysis, result: result, hw: hw)
        return [ExportedFile(name: "\(baseName)_accelerator.yaml", text: accelerator(hw, name: baseName)),
                ExportedFile(name: "\(baseName)_workload.yaml", text: workload(layers, hw: hw)),
                ExportedFile(name: "\(baseName)_mapping.yaml", text: mapping(layers, hw: hw))]
    }

    /// One layer of the export: ZigZag's name, Duet's, the loop nest and the spatial unrolling per array axis.
    public struct Layer: Sendable, Hashable {
        public var name: String
        public var duetName: String
        public var loops: LoopNest
        /// (ZigZag dimension, factor) on D1 (PE rows) and D2 (PE columns).
        public var d1: [(String, Int)]
        public var d2: [(String, Int)]

        public static func == (a: Layer, b: Layer) -> Bool {
            a.name == b.name && a.duetName == b.duetName && a.loops == b.loops
                && a.d1.map { "\($0.0)\($0.1)" } == b.d1.map { "\($0.0)\($0.1)" } && a.d2.map { "\($0.0)\($0.1)" } == b.d2.map { "\($0.0)\($0.1)" }
        }
        public func hash(into h: inout Hasher) { h.combine(name); h.combine(loops) }
    }

    /// The layers with MACs of `analysis`, with the spatial unrolling of `result`'s chosen mappings.
    public func layers(_ analysis: NetworkAnalysis, result: NetworkResult, hw: SubAccelerator) throws -> [Layer] {
        var used: Set<String> = []
        var out: [Layer] = []
        let costs = Dictionary(result.layers.map { ($0.analysis.layer.name, $0.cost) }, uniquingKeysWith: { a, _ in a })
        for l in analysis.layers where l.macs > 0 {
            guard let n = l.loops else { continue }
            var base = String(l.layer.name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") ? $0 : "_" })
            if base.isEmpty || base == "default" { base = "L" + base }
            var name = base, i = 1
            while used.contains(name) { name = "\(base)_\(i)"; i += 1 }
            used.insert(name)
            let (d1, d2): ([(String, Int)], [(String, Int)])
            if let m = costs[l.layer.name]?.mapping, !(m.rowLoops.isEmpty && m.colLoops.isEmpty) {
                (d1, d2) = Self.spatial(n, chosen: m, placement: hw.mapping.groups, rows: hw.peRows, cols: hw.peCols)
            } else {
                (d1, d2) = Self.spatial(n, mapping: hw.mapping, rows: hw.peRows, cols: hw.peCols, groupsPacked: 1)
            }
            out.append(Layer(name: name, duetName: l.layer.name, loops: n, d1: d1, d2: d2))
        }
        return out
    }

    /// The per-group extent of `d` in `loops` (K per group; the others as they are).
    static func perGroup(_ d: LoopDim, _ loops: LoopNest) -> Int {
        d == .k ? max(1, loops.k / max(1, loops.groups)) : max(1, d.size(in: loops))
    }

    /// The spatial unrolling of Duet's chosen mapping `m` (its row and column loops, factor = PEs
    /// spanned): per axis, (ZigZag dimension, factor), factors of 1 left out. A loop spanning more
    /// PEs than its per-group extent replicates over groups (row-stationary PE sets on a grouped
    /// layer) and becomes G; groups packed side by side otherwise (`groups packed`) become G on the
    /// axis the template places them on (`groups: rows|cols`; block-diagonal and row-stationary
    /// packing on the axis holding C, else the rows), capped at what the axis has left.
    public static func spatial(_ loops: LoopNest, chosen m: MappingDescription, placement: GroupPlacement,
                               rows: Int, cols: Int) -> ([(String, Int)], [(String, Int)]) {
        let groups = max(1, loops.groups)
        var sawGroups = false
        func axis(_ mapped: [MappedLoop]) -> [(String, Int)] {
            mapped.compactMap { ml in
                guard ml.factor > 1 else { return nil }
                if groups > 1 && ml.factor > perGroup(ml.dim, loops) { sawGroups = true; return ("G", min(ml.factor, groups)) }
                return (dimension(ml.dim), min(ml.factor, perGroup(ml.dim, loops)))
            }
        }
        var d1 = axis(m.rowLoops), d2 = axis(m.colLoops)
        let packed = min(max(1, m.groupsPacked), groups)
        if packed > 1 && !sawGroups {
            func left(_ u: [(String, Int)], _ extent: Int) -> Int { max(1, extent / max(1, u.reduce(1) { $0 * $1.1 })) }
            let onCols: Bool
            switch placement {
            case .rows: onCols = false
            case .cols: onCols = true
            case .block: onCols = m.colLoops.contains { $0.dim == .c } && !m.rowLoops.contains { $0.dim == .c }
            }
            if onCols { d2.append(("G", min(packed, left(d2, cols)))) } else { d1.append(("G", min(packed, left(d1, rows)))) }
        }
        return (d1.filter { $0.1 > 1 }, d2.filter { $0.1 > 1 })
    }

    /// The spatial unrolling of `loops` on a `rows` × `cols` array under the template's `mapping`
    /// alone (layers without a chosen array mapping): flattened loops innermost first, as far as
    /// the axis holds them; per axis, (ZigZag dimension, factor), factors of 1 left out.
    public static func spatial(_ loops: LoopNest, mapping: SpatialMapping, rows: Int, cols: Int, groupsPacked: Int) -> ([(String, Int)], [(String, Int)]) {
        func axis(_ dims: [LoopDim], _ capacity: Int) -> [(String, Int)] {
            var left = max(1, capacity)
            var out: [(String, Int)] = []
            for d in dims.reversed() {
                let f = min(perGroup(d, loops), mapping.factors[d] ?? left, left)
                if f > 1 { out.insert((dimension(d), f), at: 0) }
                left /= max(1, f)
            }
            return out
        }
        var d1 = axis(mapping.rows, rows)
        let d2 = axis(mapping.cols, cols)
        let g = min(groupsPacked, max(1, loops.groups))
        if g > 1 { d1.append(("G", g)) }
        return (d1, d2)
    }

    /// Partial-sum precision: twice the operands' (ZigZag's bundled examples: 8-bit operands, 16-bit partial sums).
    static func psumBits(_ hw: SubAccelerator) -> Int { 2 * max(1, hw.precisionBits) }

    /// The accelerator YAML of `hw` (see the type's documentation).
    public func accelerator(_ hw: SubAccelerator, name: String) -> String {
        let bits = max(1, hw.precisionBits), psum = Self.psumBits(hw)
        let t = hw.technology
        func num(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(format: "%.1f", x) : String(format: "%.6g", x) }
        var lines = ["# ZigZag 3 accelerator written by Duet (duet export-design --format zigzag)",
                     "# \(hw.name): \(hw.template), \(hw.dataflow) dataflow, \(hw.peRows)x\(hw.peCols) PEs, \(hw.precisionBits)-bit, \(hw.nodeNm) nm",
                     "# sizes and bandwidths in bits; r_cost/w_cost in pJ per access of bandwidth_max bits",
                     "name: \(name)", "", "memories:"]
        func rf(_ label: String, operand: String, bytes: Int, width: Int, output: Bool) {
            let sizeBits = max(width, bytes * 8)
            let cost = Double(width) * t.registerFilePJPerBit(bytes: max(1, bytes))
            lines += ["  \(label):", "    size: \(sizeBits)", "    r_cost: \(num(cost))", "    w_cost: \(num(cost))",
                      "    area: 0.0", "    latency: 1", "    operands: [\(operand)]", "    ports:",
                      "      - name: r_port_1", "        type: read", "        bandwidth_min: \(width)", "        bandwidth_max: \(width)",
                      "        allocation:", "          - \(operand), tl"] + (output ? ["          - \(operand), th"] : [])
                + ["      - name: w_port_1", "        type: write", "        bandwidth_min: \(width)", "        bandwidth_max: \(width)",
                   "        allocation:", "          - \(operand), fh"] + (output ? ["          - \(operand), fl"] : [])
                + ["    served_dimensions: []", ""]
        }
        rf("rf_weight", operand: "I2", bytes: hw.rfWeightBytes, width: bits, output: false)
        rf("rf_input", operand: "I1", bytes: hw.rfInputBytes, width: bits, output: false)
        rf("rf_psum", operand: "O", bytes: hw.rfOutputBytes, width: psum, output: true)
        func shared(_ label: String, sizeBits: Int, width: Int, pjPerBit: Double) {
            lines += ["  \(label):", "    size: \(sizeBits)", "    r_cost: \(num(Double(width) * pjPerBit))", "    w_cost: \(num(Double(width) * pjPerBit))",
                      "    area: 0.0", "    latency: 1", "    operands: [I1, I2, O]", "    ports:",
                      "      - name: rw_port_1", "        type: read_write", "        bandwidth_min: \(bits)", "        bandwidth_max: \(width)",
                      "        allocation:", "          - I1, fh", "          - I1, tl", "          - I2, fh", "          - I2, tl",
                      "          - O, fh", "          - O, tl", "          - O, fl", "          - O, th",
                      "    served_dimensions: [D1, D2]", ""]
        }
        let glbWidth = max(bits, Int((hw.glbWordsPerCycle * Double(bits)).rounded(.down)))
        shared("global_buffer", sizeBits: max(bits, hw.globalBufferBytes * 8), width: glbWidth, pjPerBit: t.globalBufferPJPerBit(bytes: hw.globalBufferBytes))
        let dramWidth = max(bits, Int((hw.dramBytesPerCycle * 8).rounded(.down)))
        shared("dram", sizeBits: 10_000_000_000, width: dramWidth, pjPerBit: t.dramPJPerBit)
        lines += ["operational_array:", "  unit_energy: \(num(t.macEnergy(bits: bits).value))", "  unit_area: 1.0",
                  "  dimensions: [D1, D2]", "  sizes: [\(hw.peRows), \(hw.peCols)]"]
        if hw.array == .systolic { lines.append("  systolic_dimensions: [D1, D2]") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The workload YAML of `layers` (see the type's documentation).
    public func workload(_ layers: [Layer], hw: SubAccelerator) -> String {
        let bits = max(1, hw.precisionBits)
        var lines = ["# ZigZag 3 workload written by Duet (duet export-design --format zigzag): one entry per layer with MACs,",
                     "# K and C per group (depthwise: G = channels, K = C = 1), unpadded input extents, layers independent."]
        for (i, l) in layers.enumerated() {
            let n = l.loops
            let groups = max(1, n.groups)
            lines += ["- id: \(i)", "  name: \(l.name)", "  operator_type: Conv",
                      "  equation: O[b][g][k][oy][ox]+=W[g][k][c][fy][fx]*I[b][g][c][iy][ix]",
                      "  dimension_relations: [ix=\(n.strideW)*ox+\(n.dilationW)*fx, iy=\(n.strideH)*oy+\(n.dilationH)*fy]",
                      "  loop_dims: [B, K, G, OX, OY, C, FX, FY]",
                      "  loop_sizes: [\(n.n), \(max(1, n.k / groups)), \(groups), \(n.q), \(n.p), \(n.c), \(n.s), \(n.r)]",
                      "  operand_precision: {W: \(bits), I: \(bits), O: \(Self.psumBits(hw)), O_final: \(bits)}",
                      "  pr_loop_dims: [IX, IY]",
                      "  pr_loop_sizes: [\(n.inputWidth), \(n.inputHeight)]",
                      "  padding: [[0, 0], [0, 0]]",
                      "  # duet: \(l.duetName)"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The mapping YAML of `layers` (see the type's documentation).
    public func mapping(_ layers: [Layer], hw: SubAccelerator) -> String {
        var lines = ["# ZigZag 3 mapping written by Duet (duet export-design --format zigzag): Duet's spatial mapping per layer;",
                     "# temporal ordering left to ZigZag's search. D1 = PE rows (\(hw.peRows)), D2 = PE columns (\(hw.peCols))."]
        func entry(_ name: String, _ d1: [(String, Int)], _ d2: [(String, Int)]) {
            lines += ["- name: \(name)", "  spatial_mapping:"]
            for (axis, u) in [("D1", d1), ("D2", d2)] {
                lines.append("    \(axis):")
                lines += (u.isEmpty ? [("K", 1)] : u).map { "      - \($0.0), \($0.1)" }
            }
            lines += ["  memory_operand_links:", "    O: O", "    W: I2", "    I: I1"]
        }
        let template = hw.mapping
        entry("default", template.rows.map { (Self.dimension($0), template.factors[$0] ?? hw.peRows) }.prefix(1).map { $0 },
              template.cols.map { (Self.dimension($0), template.factors[$0] ?? hw.peCols) }.prefix(1).map { $0 })
        for l in layers { entry(l.name, l.d1, l.d2) }
        return lines.joined(separator: "\n") + "\n"
    }
}
