import DuetCore
import DuetHardware
import DuetWorkload
import Foundation

/// MAESTRO (Kwon et al., MICRO 2019; github.com/maestro-project/maestro) inputs for a
/// sub-accelerator and a network: `NAME.m`, the network with one `Layer` per compute layer and a
/// `Dataflow` block per layer in MAESTRO's data-centric directives, and `NAME_hw.m`, the hardware
/// file (`num_pes`, `l1_size_cstr`, `l2_size_cstr`, `noc_bw_cstr`, `offchip_bw_cstr`).
/// Run them with `maestro --HW_file=NAME_hw.m --Mapping_file=NAME.m --print_res_csv_file=true`.
///
/// The dataflow block is the template's dataflow in the form of MAESTRO's own examples
/// (`data/mapping/*.m` in its repository), with the cluster sizes taken from the array and, for
/// `kcp_ws`, the outer step and depthwise lanes of the mapping Duet's search chose (the network
/// is evaluated on the sub-accelerator first). MAESTRO requires R and S tiles equal to the whole
/// kernel, so the kernel window always runs inside a PE there:
/// - weight-stationary (`nvdla`, `tpu` ws): `kcp_ws`, the NVDLA-style mapping: K spatial across
///   `pe_cols` clusters of `pe_rows` PEs, C spatial inside a cluster (a TPU's c·r·s rows become C
///   rows; MAESTRO cannot flatten loops on one axis). One outer step holds its weights while the
///   clusters stream a stripe of outputs: the output rows of the global-buffer tile Duet's
///   mapping search chose (its `tile … p=`), every output column, one output per inner step —
///   the weights Duet's array holds across a tile's pixels, NVDLA's stripe of atomic operations.
///   (MAESTRO charges the NoC's head latency and a refill of the outer step's L2 tile once per
///   outer step: a one-pixel outer step, as `kcp_ws.m` writes it, doubles a 1×1 layer's cycles
///   and makes it off-chip bound.) Depthwise on a broadcast array: Duet's mapping, one channel
///   per C lane — a cluster of as many PEs as Duet packs channels (64 on `nvdla` 64×4), the
///   other clusters idle (an outer spatial map over the whole R, one iteration), the same
///   stripe. Depthwise otherwise (a systolic `tpu`): C spatial over every PE (the
///   channel-parallel `DSCONV` form of MAESTRO's `MobileNetV2_kcp_ws.m`).
/// - output-stationary with output rows and columns on the array (`shidiannao`): `yxp_os`, Y
///   spatial across `pe_rows` clusters, X spatial over the `pe_cols` PEs of a cluster (the X tile
///   `(pe_cols − 1)·stride + S` wide, `pe_cols·stride` apart, at most the input width).
/// - output-stationary with K on the columns (`tpu` os): K spatial across `pe_cols` clusters,
///   X spatial over the `pe_rows` PEs of a cluster, C, R, S in time.
/// - input-stationary (`input_stationary`, `tpu` is): X spatial across `pe_cols` clusters, C
///   spatial over the `pe_rows` PEs of a cluster, K innermost in time. Depthwise: `xp_ws`'s
///   X-parallel form.
/// - row-stationary (`eyeriss`): MAESTRO's Eyeriss mapping (`googlenet_rs.m`): output rows Y'
///   spatial across clusters of Sz(R) PEs, filter rows R and input rows Y on the PEs of a cluster
///   (the diagonal), K in tiles of 16 in time; depthwise layers the same without K.
///
/// Shapes: MAESTRO convolves without padding, so each layer's input is sized `(p − 1)·stride + r`
/// by `(q − 1)·stride + s` and MAESTRO derives Duet's output p × q (dilation folded into that
/// size, as the SCALE-Sim export does). A 1×1 window with a stride reads every stride-th input
/// and is written as stride 1 over the p × q inputs it reads (MAESTRO 4eb08d1 evaluates a
/// kernel-1 stride-2 dimension tiled in stripes at 8.8× the MACs and cycles). A temporal tile
/// that covers its dimension is written as one tile (offset = size), and tiles are never
/// narrower than their offset. Depthwise layers (one input and one output channel per group)
/// become `Type: DSCONV` with `K: 1, C: groups` (repeated per channel multiplier above 1,
/// `name_m1`, …); other grouped layers become one `CONV` layer per group (`name_g0`, …); a batch
/// above 1 adds `N` and `TemporalMap(1,1) N;` outermost. Layers without MACs are left out; the
/// layers' MACs add up to the network's. Layer names keep letters, digits and `_` (others become
/// `_`), made unique with a numeric suffix; a `// duet: NAME` comment before each layer gives
/// Duet's name.
///
/// Hardware: `num_pes` = rows × columns; `l1_size_cstr` the PE's register files (bytes, at least
/// 1); `l2_size_cstr` the global buffer (bytes); `noc_bw_cstr` the array network's words per
/// cycle; `offchip_bw_cstr` DRAM words per cycle (bytes per cycle ÷ bytes per word), each at
/// least 1. MAESTRO has no systolic skew, no clock and no double buffering: its runtime is in
/// cycles of the array.
public struct MAESTROExporter: DesignExporter {
    /// At most this many `Layer` entries (one per group of a grouped layer).
    public var maxLayers = 20_000
    /// The K tile of the row-stationary mapping (MAESTRO's Eyeriss examples use 16).
    public var rowStationaryKTile = 16
    /// The mapping objective Duet's search uses for the tiles the export writes (`kcp_ws`).
    public var objective: MappingObjective = .latency

    public init() {}

    public var name: String { "maestro" }
    public var fileExtension: String { "m" }
    public var summary: String { "MAESTRO network + dataflow file (.m) and hardware file (_hw.m) for a sub-accelerator running the network" }
    public var input: ExportInput { .networkAndSubAccelerator }
    public var isText: Bool { true }

    /// How a sub-accelerator's dataflow is written in MAESTRO's directives (see the type's documentation).
    public enum Style: String, Sendable, Hashable, CaseIterable {
        /// NVDLA-style weight-stationary: K across clusters, C inside (`kcp_ws`).
        case kcpWS = "kcp_ws"
        /// ShiDianNao-style output-stationary: output rows across clusters, columns inside (`yxp_os`).
        case yxpOS = "yxp_os"
        /// Output-stationary with K across clusters and output columns inside (TPU `os`).
        case kxOS = "kx_os"
        /// Input-stationary: output columns across clusters, C inside, K innermost in time.
        case xcIS = "xc_is"
        /// Eyeriss row-stationary (`rs`).
        case rs
    }

    public func export(_ design: ExportDesign, baseName: String, options: ExportOptions) throws -> [ExportedFile] {
        let net = try DesignExporters.firstNetwork(design, exporter: name)
        let hw = try DesignExporters.firstSubAccelerator(design, exporter: name)
        let style = try Self.style(of: hw)
        let analysis = try net.analyze()
        // Each layer's outer step from Duet's mapping search (kcp_ws only).
        var steps: [Step?] = Array(repeating: nil, count: analysis.layers.count)
        if style == .kcpWS {
            let result = try NetworkEvaluator.evaluate(analysis, on: hw, objective: objective)
            for (i, l) in result.layers.enumerated() where l.cost.macs > 0 {
                let m = l.cost.mapping
                // NVDLA's lanes: a broadcast array running one group per PE (a depthwise channel per C lane).
                let lanes = hw.array == .broadcast && m.groupsPacked > 1 ? m.groupsPacked : nil
                steps[i] = Step(rows: m.tileExtents.p, lanes: lanes)
            }
        }
        return [ExportedFile(name: "\(baseName).m", text: try mapping(analysis, hw: hw, style: style, steps: steps)),
                ExportedFile(name: "\(baseName)_hw.m", text: hardware(hw))]
    }

    /// The MAESTRO style of `hw`'s dataflow, or an ``InputError`` for a custom mapping.
    public static func style(of hw: SubAccelerator) throws -> Style {
        switch hw.dataflow {
        case .ws: return .kcpWS
        case .os: return hw.mapping.cols.contains(.k) || hw.mapping.rows.contains(.k) ? .kxOS : .yxpOS
        case .inputStationary: return .xcIS
        case .rs: return .rs
        case .custom:
            throw InputError(keyPath: "accelerator", value: "\(hw.template) (custom mapping)",
                             message: "the MAESTRO export writes a template's dataflow (ws, os, is or rs), not a custom mapping",
                             hint: "export a template's sub-accelerator, e.g. nvdla, shidiannao, eyeriss, tpu or input_stationary")
        }
    }

    /// The hardware file of `hw` (see the type's documentation for the units).
    public func hardware(_ hw: SubAccelerator) -> String {
        let wordBytes = Double(max(1, hw.precisionBits)) / 8
        let l1 = max(1, hw.rfWeightBytes + hw.rfInputBytes + hw.rfOutputBytes)
        let offchip = max(1, Int((hw.dramBytesPerCycle / wordBytes).rounded(.down)))
        let noc = max(1, Int(hw.nocWordsPerCycle.rounded(.down)))
        return """
            num_pes: \(hw.peCount)
            l1_size_cstr: \(l1)
            l2_size_cstr: \(max(1, hw.globalBufferBytes))
            noc_bw_cstr: \(noc)
            offchip_bw_cstr: \(offchip)

            """
    }

    /// One MAESTRO layer: its name, Duet's layer name, type, dimensions and stride.
    public struct Layer: Sendable, Hashable {
        public var name: String
        public var duetName: String
        public var depthwise: Bool
        public var n, k, c, r, s, y, x: Int
        public var strideY, strideX: Int
        /// Output rows one outer step of the `kcp_ws` mapping streams (Duet's buffer tile; at least 1).
        public var rowsPerStep: Int
        /// A depthwise layer's channels side by side in Duet's mapping (NVDLA's C lanes, one
        /// channel per PE); nil: MAESTRO's `DSCONV` form, channels over every PE.
        public var lanes: Int?
        /// Output rows and columns: (y − r) / stride + 1 and (x − s) / stride + 1.
        public var p: Int { (y - r) / max(1, strideY) + 1 }
        public var q: Int { (x - s) / max(1, strideX) + 1 }
    }

    /// What Duet's mapping of one layer sets in the `kcp_ws` export: the output rows of its
    /// global-buffer tile and, for a depthwise layer, the channels it runs side by side.
    public struct Step: Sendable, Hashable {
        public var rows: Int
        public var lanes: Int?
        public init(rows: Int, lanes: Int? = nil) { self.rows = rows; self.lanes = lanes }
    }

    /// The MAESTRO layers of `analysis` (see the type's documentation), in Duet's layer order.
    /// `steps[i]`: Duet's mapping of layer `i` (nil or missing: every output row, MAESTRO's
    /// `DSCONV` form for depthwise).
    public func layers(_ analysis: NetworkAnalysis, steps: [Step?] = []) throws -> [Layer] {
        var out: [Layer] = []
        var used: Set<String> = []
        func unique(_ base: String) -> String {
            var name = base, i = 1
            while used.contains(name) { name = "\(base)_\(i)"; i += 1 }
            used.insert(name)
            return name
        }
        for (index, l) in analysis.layers.enumerated() where l.macs > 0 {
            guard let n = l.loops else { continue }
            let step = index < steps.count ? steps[index] : nil
            let rowsPerStep = min(n.p, max(1, step?.rows ?? n.p))
            let groups = max(1, n.groups)
            // A window of one with stride above one reads every stride-th input: the same layer as
            // stride 1 over the p (q) inputs it reads.
            let strideY = n.r == 1 ? 1 : n.strideH, strideX = n.s == 1 ? 1 : n.strideW
            let y = try Checked.sum(try Checked.product([n.p - 1, strideY], what: "input height"), n.r, what: "input height")
            let x = try Checked.sum(try Checked.product([n.q - 1, strideX], what: "input width"), n.s, what: "input width")
            let kPerGroup = n.k / groups
            let base = Self.sanitized(l.layer.name)
            let depthwise = groups > 1 && n.c == 1
            let copies = depthwise ? kPerGroup : (groups > 1 ? groups : 1)
            guard out.count + copies <= maxLayers else {
                throw InputError(keyPath: "network", value: analysis.network.name,
                                 message: "the MAESTRO file would have more than \(maxLayers) layers (one per group of a grouped layer)",
                                 hint: "export a network with fewer or smaller grouped layers")
            }
            for i in 0..<copies {
                let suffix = copies == 1 ? "" : (depthwise ? "_m\(i)" : "_g\(i)")
                out.append(Layer(name: unique(base + suffix), duetName: l.layer.name, depthwise: depthwise, n: n.n,
                                 k: depthwise ? 1 : kPerGroup, c: depthwise ? groups : n.c, r: n.r, s: n.s, y: y, x: x,
                                 strideY: strideY, strideX: strideX, rowsPerStep: rowsPerStep,
                                 lanes: depthwise ? step?.lanes : nil))
            }
        }
        return out
    }

    /// The network file: every layer of `analysis` with `style`'s dataflow on `hw`'s array
    /// (`steps` as in ``layers(_:steps:)``).
    public func mapping(_ analysis: NetworkAnalysis, hw: SubAccelerator, style: Style, steps: [Step?] = []) throws -> String {
        var lines = ["// MAESTRO network and dataflow written by Duet (duet export-design --format maestro)",
                     "// sub-accelerator \(hw.name): \(hw.template), \(hw.dataflow) dataflow, \(hw.peRows)x\(hw.peCols) PEs; style \(style.rawValue)",
                     "Network \(Self.sanitized(analysis.network.name)) {"]
        for l in try layers(analysis, steps: steps) {
            lines.append("\t// duet: \(l.duetName)")
            lines.append("\tLayer \(l.name) {")
            lines.append("\t\tType: \(l.depthwise ? "DSCONV" : "CONV")")
            lines.append("\t\tStride { X: \(l.strideX), Y: \(l.strideY) }")
            lines.append("\t\tDimensions { \(l.n > 1 ? "N: \(l.n), " : "")K: \(l.k), C: \(l.c), R: \(l.r), S: \(l.s), Y: \(l.y), X: \(l.x) }")
            lines.append("\t\tDataflow {")
            if l.n > 1 { lines.append("\t\t\tTemporalMap(1,1) N;") }
            lines += directives(l, hw: hw, style: style).map { "\t\t\t" + $0 }
            lines.append("\t\t}")
            lines.append("\t}")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The `Dataflow` directives of one layer, outermost first.
    public func directives(_ l: Layer, hw: SubAccelerator, style: Style) -> [String] {
        let rows = max(1, hw.peRows), cols = max(1, hw.peCols)
        let rsFull = ["TemporalMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;"]
        /// A temporal tile of `n` outputs along a dimension of `extent` inputs (kernel `kernel`,
        /// stride `stride`) in input coordinates: (n − 1)·stride + kernel wide — at least
        /// n·stride, so that tiles do not leave gaps (a 1×1 stride-2 layer), at most the extent
        /// (MAESTRO 4eb08d1 reports 0 cycles for a tile wider than the dimension) — n·stride apart,
        /// or one tile as wide as the dimension when it covers it (MAESTRO 4eb08d1 miscounts the
        /// MACs of tiles further apart than they are wide: 8.8× on a 1×1 stride-2 layer).
        func tile(_ n: Int, _ dim: String, extent: Int, kernel: Int, stride: Int) -> String {
            let size = min(max((n - 1) * stride + kernel, n * stride), extent)
            return "TemporalMap(\(size),\(size == extent ? size : n * stride)) \(dim);"
        }
        func xTile(_ n: Int) -> String { tile(n, "X", extent: l.x, kernel: l.s, stride: l.strideX) }
        switch style {
        case .kcpWS:
            // One outer step: a stripe of `rowsPerStep` output rows by every output column.
            let stripe = tile(l.rowsPerStep, "Y", extent: l.y, kernel: l.r, stride: l.strideY)
            if l.depthwise {
                guard let lanes = l.lanes else {
                    return ["SpatialMap(1,1) C;", "TemporalMap(Sz(R),1) Y;", "TemporalMap(Sz(S),1) X;"] + rsFull
                }
                // Duet's lanes: `lanes` channels on one cluster of `lanes` PEs. MAESTRO wants a
                // spatial map at every cluster level; R mapped whole is one spatial iteration, so
                // the other clusters stay idle, as the PEs outside the lanes do in Duet.
                return ["TemporalMap(\(lanes),\(lanes)) C;", "SpatialMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;",
                        stripe, xTile(l.q), "Cluster(\(lanes),P);", "SpatialMap(1,1) C;",
                        "TemporalMap(Sz(R),1) Y;", "TemporalMap(Sz(S),1) X;"] + rsFull
            }
            return ["SpatialMap(1,1) K;", "TemporalMap(\(rows),\(rows)) C;"] + rsFull
                + [stripe, xTile(l.q), "Cluster(\(rows),P);", "SpatialMap(1,1) C;",
                   "TemporalMap(Sz(R),1) Y;", "TemporalMap(Sz(S),1) X;"] + rsFull
        case .yxpOS:
            return (l.depthwise ? [] : ["TemporalMap(1,1) K;"])
                + ["TemporalMap(1,1) C;", "SpatialMap(Sz(R),1) Y;", xTile(cols)] + rsFull
                + ["Cluster(\(cols),P);", "SpatialMap(Sz(S),1) X;"]
        case .kxOS:
            if l.depthwise {
                return ["TemporalMap(1,1) C;", "TemporalMap(Sz(R),1) Y;", "SpatialMap(Sz(S),1) X;"] + rsFull
            }
            return ["SpatialMap(1,1) K;", "TemporalMap(1,1) C;", "TemporalMap(Sz(R),1) Y;", xTile(rows)] + rsFull
                + ["Cluster(\(rows),P);", "SpatialMap(Sz(S),1) X;"]
        case .xcIS:
            if l.depthwise {
                return ["TemporalMap(1,1) C;", "TemporalMap(Sz(R),1) Y;", "SpatialMap(Sz(S),1) X;"] + rsFull
            }
            return ["SpatialMap(Sz(S),1) X;", "TemporalMap(Sz(R),1) Y;", "TemporalMap(\(rows),\(rows)) C;"] + rsFull
                + ["TemporalMap(1,1) K;", "Cluster(\(rows),P);", "SpatialMap(1,1) C;"]
        case .rs:
            return ["SpatialMap(1,1) Y';", "TemporalMap(1,1) X';", "TemporalMap(1,1) C;"]
                + (l.depthwise ? [] : ["TemporalMap(\(rowStationaryKTile),\(rowStationaryKTile)) K;"]) + rsFull
                + ["Cluster(Sz(R),P);", "SpatialMap(1,1) Y;", "SpatialMap(1,1) R;", "TemporalMap(Sz(S),Sz(S)) S;"]
        }
    }

    /// `name` with every character but ASCII letters, digits and `_` replaced by `_` (a leading digit prefixed with `L`).
    public static func sanitized(_ name: String) -> String {
        let s = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
        guard let first = s.first else { return "L" }
        return first.isNumber ? "L" + s : s
    }
}
