import DuetCore
import DuetHardware
import DuetWorkload
import Foundation

/// Timeloop v3 (NVlabs/timeloop v3.0.x, "Ruby") inputs for a sub-accelerator and a network, with
/// the mapping Duet chose for every layer as mapspace constraints, so that Timeloop evaluates the
/// same dataflow and tiling (docs/validation/timeloop/README.md).
///
/// Files (all YAML Timeloop reads together: `timeloop-mapper BASE.arch.yaml BASE.ERT.yaml
/// BASE.constraints.yaml BASE.mapper.yaml BASE.LLL.yaml`):
/// - `BASE.arch.yaml`: the architecture (v0.3 tree): `DRAM` → `GlobalBuffer` (capacity, port width
///   `glb_words_per_cycle` as Timeloop's `shared_bandwidth`, reads and writes together, as Duet
///   counts it) → `PE[0..rows·cols−1]` (meshX = cols) holding the register files `inputs_rf`,
///   `weights_rf`, `outputs_rf` (each only when its `rf_*_bytes` > 0; capacity in words of
///   `precision_bits`) → `mac`. DRAM's `shared_bandwidth` is `dram_gbps` in words per cycle.
///   Double-buffered designs get `multiple-buffering: 2` on the global buffer (Timeloop always
///   overlaps transfers with compute; it cannot model Duet's single-buffered serial DRAM time).
/// - Energy, one of two ways (``Energy``): `BASE.ERT.yaml`, a fixed energy reference table written
///   from Duet's ``Technology`` per-access energies (the default: Timeloop then differs from Duet
///   only in access counts and cycles, so a disagreement is about the mapping model, not about two
///   energy tables), or `BASE.components.yaml`, Accelergy compound components (SRAM/regfile with
///   address generators, `intmac`, LPDDR4) of the node `node_nm`, for Timeloop to call Accelergy.
/// - `BASE.constraints.yaml`: which operands each level keeps (`architecture_constraints`).
/// - `BASE.mapper.yaml`: the mapper's search settings (random-pruned, one thread, small budget:
///   the constraints leave a small space).
/// - `BASE.LLL.yaml` per compute layer `LLL` (000, 001, … in network order): the problem (a grouped
///   CNN layer: ranks G, C, M, R, S, N, P, Q with C and M per group, P/R along the height with
///   `Hstride`/`Hdilation`, Q/S along the width; a grouped or depthwise layer is one problem whose
///   G rank Timeloop may unroll like any other, a dense layer has G = 1) and `mapspace_constraints`
///   from Duet's mapping: the loops on the PE columns (Timeloop's Spatial-X) and rows (Spatial-Y)
///   with their factors, the global-buffer tile as the DRAM-level trip counts and the DRAM loop
///   order. A factor that does not divide its rank (Duet folds a ragged last tile, Timeloop v3
///   factors exactly) is rounded to a divisor (fewer PEs, a tile no larger than Duet's).
/// - `BASE.layers.csv`: one row per layer file with Duet's own figures for it (cycles, energy by
///   level, accesses per level), for the comparison scripts.
public struct TimeloopExporter: DesignExporter {
    /// Where Timeloop's per-access energies come from.
    public enum Energy: String, Sendable, Hashable {
        /// A fixed ERT from Duet's technology table (pJ per word access, pJ per MAC).
        case duet
        /// Accelergy compound components of the sub-accelerator's node (CACTI, Aladdin plug-ins).
        case accelergy
    }

    public var energy: Energy
    /// The mapping objective Duet searched with (and the mapper's first metric).
    public var objective: MappingObjective = .latency

    public init(energy: Energy = .duet) { self.energy = energy }

    public var name: String { energy == .duet ? "timeloop" : "timeloop-accelergy" }
    public var fileExtension: String { "yaml" }
    public var summary: String {
        energy == .duet
            ? "Timeloop v3 architecture, problems and mapping constraints per layer, energy table from Duet's technology (ERT)"
            : "Timeloop v3 architecture, problems and mapping constraints per layer, energy by Accelergy compound components"
    }
    public var input: ExportInput { .networkAndSubAccelerator }
    public var isText: Bool { true }

    // MARK: - The mapping Duet chose, in Timeloop's terms

    /// One loop unrolled on the array: `dim` spans `factor` PEs.
    public struct SpatialLoop: Sendable, Hashable {
        public var dim: LoopDim
        public var factor: Int
        public init(_ dim: LoopDim, _ factor: Int) { self.dim = dim; self.factor = factor }
    }

    /// A layer's mapping as the exporter writes it: loops on PE rows and columns (one fold), the
    /// global-buffer tile (k per group; q, r, s and n are whole in a tile) and the DRAM-level tile
    /// loop order, outermost first (`"g"`, `"k"`, `"c"`, `"p"`).
    public struct LayerMapping: Sendable, Hashable {
        public var rows: [SpatialLoop]
        public var cols: [SpatialLoop]
        public var tile: (g: Int, k: Int, c: Int, p: Int)
        public var dramOrder: [String]
        /// The loops a PE runs in its register files (Duet's `peLoops`; the template's `stream`
        /// when built by hand).
        public var pe: [LoopDim] = []
        /// The PE loops' extents (a row-stationary PE's scratchpad block: kernels, channels, q, s).
        public var peFactors: [LoopDim: Int] = [:]
        /// Groups one fold runs side by side (a depthwise layer's channels on NVDLA's lanes), and
        /// whether they sit along the columns (else the rows).
        public var groupsPacked = 1, groupsOnColumns = false
        /// Images per buffer tile (nil: the whole batch); their loop runs innermost at DRAM.
        public var tileImages: Int?

        public init(rows: [SpatialLoop], cols: [SpatialLoop], tile: (g: Int, k: Int, c: Int, p: Int), dramOrder: [String], pe: [LoopDim] = []) {
            self.rows = rows; self.cols = cols; self.tile = tile; self.dramOrder = dramOrder; self.pe = pe
        }

        public static func == (a: Self, b: Self) -> Bool {
            a.rows == b.rows && a.cols == b.cols && a.tile == b.tile && a.dramOrder == b.dramOrder && a.pe == b.pe
        }
        public func hash(into h: inout Hasher) {
            h.combine(rows); h.combine(cols); h.combine([tile.g, tile.k, tile.c, tile.p]); h.combine(dramOrder)
        }

        /// The mapping of `cost` (Duet's search winner for `loops` on `hw`), from its structured
        /// ``MappingDescription``: the loops on the PE rows and columns with the PEs each spans,
        /// the loops run inside the PEs (the register files), the global-buffer tile and the DRAM
        /// order.
        public init(_ cost: LayerCost, loops: LoopNest, hw: SubAccelerator) {
            let m = cost.mapping
            rows = m.rowLoops.map { SpatialLoop($0.dim, $0.factor) }
            cols = m.colLoops.map { SpatialLoop($0.dim, $0.factor) }
            pe = m.peLoops.map(\.dim)
            peFactors = Dictionary(m.peLoops.map { ($0.dim, $0.factor) }, uniquingKeysWith: { a, _ in a })
            if !hw.mapping.rowStationary {
                groupsPacked = max(1, m.groupsPacked)
                groupsOnColumns = hw.mapping.groups == .cols
            }
            tile = (g: m.tileExtents.g, k: m.tileExtents.k, c: m.tileExtents.c, p: m.tileExtents.p)
            tileImages = m.tileExtents.n
            dramOrder = m.dramOrder
        }
    }

    // MARK: - Export

    public func export(_ design: ExportDesign, baseName: String, options: ExportOptions) throws -> [ExportedFile] {
        let net = try DesignExporters.firstNetwork(design, exporter: name)
        let hw = try DesignExporters.firstSubAccelerator(design, exporter: name)
        try Self.validate(hw)
        let analysis = try net.analyze()
        let result = try NetworkEvaluator.evaluate(analysis, on: hw, objective: objective)
        var files = [ExportedFile(name: "\(baseName).arch.yaml", text: architecture(hw))]
        switch energy {
        case .duet: files.append(ExportedFile(name: "\(baseName).ERT.yaml", text: energyTable(hw)))
        case .accelergy: files.append(ExportedFile(name: "\(baseName).components.yaml", text: Self.compoundComponents))
        }
        files.append(ExportedFile(name: "\(baseName).constraints.yaml", text: architectureConstraints(hw)))
        files.append(ExportedFile(name: "\(baseName).mapper.yaml", text: mapperSettings(hw)))
        var csv = [Self.layersHeader]
        var index = 0
        for l in result.layers where l.cost.macs > 0 {
            guard let loops = l.analysis.loops else { continue }
            let stem = String(format: "%@.%03d", baseName, index)
            let mapping = LayerMapping(l.cost, loops: loops, hw: hw)
            files.append(ExportedFile(name: "\(stem).yaml", text: try problem(loops, name: l.analysis.layer.name) + mapspaceConstraints(loops, mapping, hw: hw)))
            csv.append(Self.csvRow(file: "\(stem).yaml", layer: l.analysis.layer.name, kind: l.analysis.kind, loops: loops, cost: l.cost, hw: hw))
            index += 1
        }
        files.append(ExportedFile(name: "\(baseName).layers.csv", text: csv.joined(separator: "\n") + "\n"))
        return files
    }

    /// An ``InputError`` for a sub-accelerator Timeloop cannot describe as exported.
    static func validate(_ hw: SubAccelerator) throws {
        var issues: [InputIssue] = []
        if hw.array == .systolic {
            issues.append(InputIssue(keyPath: "accelerator", value: "\(hw.template) (systolic)",
                                     message: "the Timeloop export describes broadcast PE arrays with register files; a systolic array's operand forwarding has no Timeloop v3 equivalent here",
                                     hint: "export a broadcast template (eyeriss, nvdla, shidiannao), or use --format scalesim for systolic arrays"))
        }
        if hw.dataflow == .custom {
            issues.append(InputIssue(keyPath: "mapping", value: "custom", message: "a custom mapping has no template dataflow to constrain Timeloop's mapper with",
                                     hint: "export a template's dataflow (--set dataflow=ws|os|rs)"))
        }
        if hw.precisionBits < 1 || hw.peRows < 1 || hw.peCols < 1 || hw.globalBufferBytes < 1 {
            issues.append(InputIssue(keyPath: "accelerator", value: "\(hw.peRows)x\(hw.peCols), \(hw.precisionBits) b, \(hw.globalBufferKiB) KiB",
                                     message: "the array, precision and global buffer must be positive", hint: "check pe_rows, pe_cols, precision_bits, global_buffer_kib"))
        }
        if !issues.isEmpty { throw InputError(issues) }
    }

    // MARK: Architecture

    /// Register files present (capacity > 0), outermost first, with the operand each keeps.
    static func registerFiles(_ hw: SubAccelerator) -> [(name: String, bytes: Int, keeps: String)] {
        [("inputs_rf", hw.rfInputBytes, "Inputs"), ("weights_rf", hw.rfWeightBytes, "Weights"), ("outputs_rf", hw.rfOutputBytes, "Outputs")]
            .filter { $0.1 > 0 }
            .map { (name: $0.0, bytes: $0.1, keeps: $0.2) }
    }

    /// Words of `bits` that `bytes` hold (at least one).
    static func words(_ bytes: Int, bits: Int) -> Int { max(1, bytes * 8 / max(1, bits)) }

    /// Decimal text of a figure, without exponent or trailing zeros.
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        var s = String(format: "%.6f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// `BASE.arch.yaml`.
    public func architecture(_ hw: SubAccelerator) -> String {
        let bits = hw.precisionBits
        let pes = hw.peCount
        let glbWords = Self.words(hw.globalBufferBytes, bits: bits)
        let dramWordsPerCycle = hw.dramBytesPerCycle * 8 / Double(bits)
        let accelergy = energy == .accelergy
        var y = """
            # Timeloop v3 architecture of Duet sub-accelerator '\(hw.name)' (template \(hw.template), dataflow \(hw.dataflow.rawValue)):
            # \(hw.peRows)x\(hw.peCols) PEs, \(bits)-bit words, \(Self.number(hw.globalBufferKiB)) KiB global buffer at \(Self.number(hw.glbWordsPerCycle)) words/cycle,
            # DRAM \(Self.number(hw.dramGBps)) GB/s at \(Self.number(hw.clockMHz)) MHz = \(Self.number(dramWordsPerCycle)) words/cycle, \(hw.nodeNm) nm.
            architecture:
              version: 0.3
              subtree:
                - name: system
                  local:
                    - name: DRAM
                      class: DRAM
                      attributes:
                        type: LPDDR4
                        width: \(accelergy ? 64 : bits)
                        block-size: \(accelergy ? max(1, 64 / bits) : 1)
                        word-bits: \(bits)
                        shared_bandwidth: \(Self.number(dramWordsPerCycle))

            """
        y += """
                  subtree:
                    - name: chip
                      attributes:
                        technology: \(hw.nodeNm)nm
                      local:
                        - name: GlobalBuffer
                          class: \(accelergy ? "smartbuffer_SRAM" : "SRAM")
                          attributes:
                            memory_depth: \(glbWords)
                            memory_width: \(bits)
                            block-size: 1
                            word-bits: \(bits)
                            n_banks: 1
                            shared_bandwidth: \(Self.number(hw.glbWordsPerCycle))

            """
        if hw.doubleBuffer { y += "                multiple-buffering: 2\n" }
        y += """
                      subtree:
                        - name: PE[0..\(pes - 1)]
                          local:

            """
        for rf in Self.registerFiles(hw) {
            y += "                - name: \(rf.name)\n"
            y += "                  class: \(accelergy ? "smartbuffer_RF" : "regfile")\n"
            y += "                  attributes:\n"
            y += "                    memory_depth: \(Self.words(rf.bytes, bits: bits))\n"
            y += "                    memory_width: \(bits)\n"
            y += "                    block-size: 1\n"
            y += "                    word-bits: \(bits)\n"
            y += "                    meshX: \(hw.peCols)\n"
        }
        y += "                - name: mac\n"
        y += "                  class: intmac\n"
        y += "                  attributes:\n"
        y += "                    datawidth: \(bits)\n"
        y += "                    meshX: \(hw.peCols)\n"
        return y
    }

    /// The per-access energies of `hw` in pJ (Duet's ``Technology``): one word read or written at
    /// each storage level, one MAC.
    public static func accessEnergies(_ hw: SubAccelerator) -> [(level: String, pj: Double)] {
        let t = hw.technology
        let bits = Double(hw.precisionBits)
        var out: [(String, Double)] = [("DRAM", bits * t.dramPJPerBit), ("GlobalBuffer", bits * t.globalBufferPJPerBit(bytes: hw.globalBufferBytes))]
        for rf in registerFiles(hw) { out.append((rf.name, bits * t.registerFilePJPerBit(bytes: rf.bytes))) }
        out.append(("mac", t.macEnergy(bits: hw.precisionBits).value))
        return out
    }

    /// `BASE.ERT.yaml`: Accelergy's energy reference table format (v0.3), which Timeloop reads in
    /// place of calling Accelergy. Reads and writes of a level cost the same (Duet charges both
    /// alike); idle costs nothing (Duet's leakage is a separate term) and no network energy is
    /// written (Duet's array-network hops are reported beside Timeloop's figures, not in them).
    public func energyTable(_ hw: SubAccelerator) -> String {
        let last = hw.peCount - 1
        var y = """
            # Energy per action in pJ from Duet's \(hw.technology.name) technology table (\(hw.precisionBits)-bit words, block-size 1).
            ERT:
              version: 0.3
              tables:

            """
        for (level, pj) in Self.accessEnergies(hw) {
            let path: String
            switch level {
            case "DRAM": path = "system.DRAM"
            case "GlobalBuffer": path = "system.chip.GlobalBuffer"
            default: path = "system.chip.PE[0..\(last)].\(level)"
            }
            let actions = level == "mac" ? ["compute", "mac_random", "mac_gated", "mac_skipped"] : ["read", "write", "update"]
            y += "    - name: \(path)\n      actions:\n"
            for a in actions { y += "        - {name: \(a), arguments: null, energy: \(Self.number(pj))}\n" }
            if level != "mac" {
                for a in ["idle", "gated_read", "gated_write", "skipped_read", "skipped_write", "metadata_idle", "metadata_read", "metadata_write"] {
                    y += "        - {name: \(a), arguments: null, energy: 0}\n"
                }
            }
        }
        return y
    }

    /// `BASE.constraints.yaml`: each register file keeps its operand only; the global buffer and
    /// DRAM keep all three.
    public func architectureConstraints(_ hw: SubAccelerator) -> String {
        var y = "architecture_constraints:\n  targets:\n"
        for rf in Self.registerFiles(hw) {
            let others = ["Weights", "Inputs", "Outputs"].filter { $0 != rf.keeps }
            y += "    - {target: \(rf.name), type: bypass, keep: [\(rf.keeps)], bypass: [\(others.joined(separator: ", "))]}\n"
        }
        y += "    - {target: GlobalBuffer, type: bypass, keep: [Weights, Inputs, Outputs], bypass: []}\n"
        return y
    }

    /// `BASE.mapper.yaml`. Row-stationary designs and designs whose PEs hold only pipeline
    /// registers pin every loop (a mapspace of one mapping, which Timeloop's random search keeps
    /// re-drawing without ever ending), so their mapper walks the space linearly; otherwise the
    /// mapper searches what the constraints leave at random.
    public func mapperSettings(_ hw: SubAccelerator? = nil) -> String {
        let pinned = hw.map { h in h.mapping.rowStationary || Self.registerFiles(h).allSatisfy { Self.words($0.bytes, bits: h.precisionBits) < 8 } } ?? false
        return """
        mapper:
          optimization-metrics: [\(objective == .energy ? "energy, delay" : objective == .edp ? "edp" : "delay, energy")]
          live-status: False
          num-threads: 1
          algorithm: \(pinned ? "linear-pruned" : "random-pruned")
          timeout: 20000
          victory-condition: 300
          max-permutations-per-if-visit: 8
          log-suboptimal: False
          diagnostics: False

        """
    }

    // MARK: Problems and mappings

    /// Timeloop's rank for a Duet loop dimension (`k` → `M`).
    static func rank(_ d: LoopDim) -> String {
        switch d {
        case .n: return "N"
        case .k: return "M"
        case .c: return "C"
        case .p: return "P"
        case .q: return "Q"
        case .r: return "R"
        case .s: return "S"
        }
    }

    /// The problem of one layer: a grouped CNN layer with ranks G, C, M (per group), R, S, N, P, Q.
    public func problem(_ loops: LoopNest, name: String) throws -> String {
        let g = max(1, loops.groups)
        guard loops.k % g == 0 else {
            throw InputError(keyPath: "layers.\(name)", value: "k=\(loops.k), groups=\(g)", message: "the output channels are not a multiple of the groups",
                             hint: "give the layer a channel count divisible by its groups")
        }
        _ = try loops.macs()
        return """
            # Layer '\(name)': \(g > 1 ? "\(g) groups of " : "")k=\(loops.k / g) c=\(loops.c) p=\(loops.p) q=\(loops.q) r=\(loops.r) s=\(loops.s) n=\(loops.n).
            problem:
              shape:
                name: Grouped-CNN-Layer
                dimensions: [G, C, M, R, S, N, P, Q]
                coefficients:
                  - {name: Hstride, default: 1}
                  - {name: Wstride, default: 1}
                  - {name: Hdilation, default: 1}
                  - {name: Wdilation, default: 1}
                data-spaces:
                  - name: Weights
                    projection: [[[G]], [[C]], [[M]], [[R]], [[S]]]
                  - name: Inputs
                    projection: [[[N]], [[G]], [[C]], [[R, Hdilation], [P, Hstride]], [[S, Wdilation], [Q, Wstride]]]
                  - name: Outputs
                    projection: [[[N]], [[G]], [[M]], [[P]], [[Q]]]
                    read-write: True
              instance:
                G: \(g)
                C: \(loops.c)
                M: \(loops.k / g)
                R: \(loops.r)
                S: \(loops.s)
                N: \(loops.n)
                P: \(loops.p)
                Q: \(loops.q)
                Hstride: \(loops.strideH)
                Wstride: \(loops.strideW)
                Hdilation: \(loops.dilationH)
                Wdilation: \(loops.dilationW)

            """
    }

    /// The mapspace constraints that pin Duet's mapping of one layer (see the type's documentation).
    public func mapspaceConstraints(_ loops: LoopNest, _ m: LayerMapping, hw: SubAccelerator) -> String {
        let g = max(1, loops.groups)
        func size(_ rank: String) -> Int {
            switch rank {
            case "G": return g
            case "M": return max(1, loops.k / g)
            case "C": return loops.c
            case "P": return loops.p
            case "Q": return loops.q
            case "R": return loops.r
            case "S": return loops.s
            default: return loops.n
            }
        }
        let ranks = ["G", "C", "M", "R", "S", "N", "P", "Q"]
        // Spatial: columns are Timeloop's X (meshX = cols), rows its Y. Timeloop v3 factors each
        // rank exactly, Duet folds a ragged last tile: a factor that does not divide its rank
        // becomes its largest divisor below it (fewer PEs, never more). A rank on neither axis
        // is not unrolled.
        var x: [String] = [], yRanks: [String] = [], spatial: [String] = []
        var unrolled: [String: Int] = [:]
        // Packed groups (a depthwise layer's channels side by side) are one more spatial rank, G.
        let packed = m.groupsPacked > 1 ? [(rank: "G", factor: m.groupsPacked)] : []
        let colRanks = m.cols.map { (rank: Self.rank($0.dim), factor: $0.factor) } + (m.groupsOnColumns ? packed : [])
        let rowRanks = m.rows.map { (rank: Self.rank($0.dim), factor: $0.factor) } + (m.groupsOnColumns ? [] : packed)
        for (axisLoops, isX) in [(colRanks, true), (rowRanks, false)] {
            for l in axisLoops {
                let r = l.rank
                guard !x.contains(r), !yRanks.contains(r) else { continue }
                if isX { x.append(r) } else { yRanks.append(r) }
                let f = MappingSearch.largestDivisor(of: size(r), atMost: l.factor)
                unrolled[r] = f
                spatial.append("\(r)=\(f)")
            }
        }
        let unmapped = ranks.filter { !x.contains($0) && !yRanks.contains($0) }
        spatial += unmapped.map { "\($0)=1" }
        // DRAM: trips over the tile (g, k, c, p; q, r, s, n whole in a tile), Duet's order. The
        // trips of a rank divide what the array leaves of it (rank ÷ spatial factor) and give a
        // tile no larger than Duet's, nor smaller than the array's share: where Duet tiles a rank
        // finer than the array unrolls it (a layer that pays the idle PEs to fit the buffer, see
        // `TileResponse`), Timeloop, which cannot, gets the array's share as the tile, and the
        // output rows (then columns) are split as much finer, to stay within the buffer.
        let tile = ["G": m.tile.g, "M": m.tile.k, "C": m.tile.c, "P": m.tile.p]
        // Images: a batch split into tiles loops innermost at DRAM (Duet's BufferTiling).
        let imageTrips = m.tileImages.map { Self.smallestDivisor(of: loops.n, atLeast: (loops.n + $0 - 1) / max(1, $0)) } ?? 1
        var dram: [String] = ["R=1", "S=1", "N=\(imageTrips)"]
        var dramTrips: [String: Int] = [:]
        var qTrips = 1, finer = 1
        for r in ["G", "M", "C", "P"] {
            let f = unrolled[r] ?? 1
            let duetTile = min(size(r), max(1, tile[r] ?? size(r)))
            // What a tile raised to the array's share adds to the footprint, taken back by
            // splitting the output rows (then the output columns) that much finer.
            if duetTile < f { finer *= (f + duetTile - 1) / duetTile }
            let t = max(f, duetTile)
            var atLeast = (size(r) + t - 1) / t
            if r == "P" {
                let want = atLeast * finer
                atLeast = min(size(r) / f, want)
                let trips = Self.smallestDivisor(of: size(r) / f, atLeast: atLeast)
                if trips < want { qTrips = Self.smallestDivisor(of: size("Q"), atLeast: (want + trips - 1) / trips) }
            }
            let trips = Self.smallestDivisor(of: size(r) / f, atLeast: atLeast)
            dramTrips[r] = trips
            dram.append("\(r)=\(trips)")
        }
        dram.append("Q=\(qTrips)")
        // Register files: only the loops Duet runs inside a PE (its `peLoops`; the template's
        // `stream` for a hand-built mapping) may run at them; the mapper picks their factors and order.
        let streamed = Set((m.pe.isEmpty ? hw.mapping.stream : m.pe).map(Self.rank))
        let fixedAtRF = ranks.filter { !streamed.contains($0) }.map { "\($0)=1" }.joined(separator: " ")
        var rfTargets = ""
        let rowStationary = hw.mapping.rowStationary && !m.peFactors.isEmpty && Self.registerFiles(hw).count == 3
        if rowStationary {
            // Row-stationary PE (Duet's scratchpad block): the partial-sum scratchpad runs nK
            // kernels × nC channels × s filter columns, so the weight scratchpad holds s·nC·nK
            // words, the input scratchpad s·nC and the partial sums nK; q runs innermost at the
            // global buffer (the filter rows stay while the window slides). The factors are the
            // largest divisors, at most Duet's, of what the array and DRAM leave of each rank.
            func left(_ r: String) -> Int { size(r) / (unrolled[r] ?? 1) / (dramTrips[r] ?? 1) }
            let nK = MappingSearch.largestDivisor(of: left("M"), atMost: m.peFactors[.k] ?? 1)
            let nC = MappingSearch.largestDivisor(of: left("C"), atMost: m.peFactors[.c] ?? 1)
            let ones = { (keep: [String]) in ranks.filter { !keep.contains($0) }.map { "\($0)=1" }.joined(separator: " ") }
            rfTargets += "    - {target: inputs_rf, type: temporal, factors: \(ones([])), permutation: \(ranks.joined())}\n"
            rfTargets += "    - {target: weights_rf, type: temporal, factors: \(ones([])), permutation: \(ranks.joined())}\n"
            rfTargets += "    - {target: outputs_rf, type: temporal, factors: M=\(nK) C=\(nC) S=\(size("S")) \(ones(["M", "C", "S"])), permutation: MCSGRNPQ}\n"
        }
        // A register file of a few words (NVDLA's weight latch and accumulator) is a pipeline
        // register: no loop runs at it (Timeloop still keeps its word across loops above it that
        // do not touch its operand, as the stationary operand stays).
        for rf in Self.registerFiles(hw) where !rowStationary {
            let tiny = Self.words(rf.bytes, bits: hw.precisionBits) < 8
            let fixed = tiny ? ranks.map { "\($0)=1" }.joined(separator: " ") : fixedAtRF
            if !fixed.isEmpty { rfTargets += "    - {target: \(rf.name), type: temporal, factors: \(fixed)}\n" }
        }
        // When the PEs have only pipeline registers, the streamed loops run innermost at the
        // global buffer (the last of the template's `stream` list innermost), so that the
        // stationary operand stays in the PEs while they run; with register files they run there.
        let streamOrder = hw.mapping.stream.reversed().map(Self.rank)
        let pipelineOnly = Self.registerFiles(hw).allSatisfy { Self.words($0.bytes, bits: hw.precisionBits) < 8 }
        let glbTemporal = pipelineOnly
            ? "    - {target: GlobalBuffer, type: temporal, permutation: \((streamOrder + ranks.filter { !streamOrder.contains($0) }).joined())}\n"
            : (rowStationary ? "    - {target: GlobalBuffer, type: temporal, permutation: QPNCMGRS}\n" : "")
        let order = m.dramOrder.map { $0 == "k" ? "M" : $0.uppercased() }.filter(ranks.contains)
        // Innermost first; q (split only to keep a tile's footprint, see above) right inside p.
        var inner = Array(order.reversed())
        if let pAt = inner.firstIndex(of: "P") { inner.insert("Q", at: pAt) }
        inner.insert("N", at: 0)
        let dramPermutation = (inner + ranks.filter { !inner.contains($0) }).joined()
        return """
            # Duet's mapping: rows \(m.rows.map { "\($0.dim.rawValue):\($0.factor)" }.joined(separator: "·")), cols \(m.cols.map { "\($0.dim.rawValue):\($0.factor)" }.joined(separator: "·")); tile g=\(m.tile.g) k=\(m.tile.k) c=\(m.tile.c) p=\(m.tile.p); DRAM order \(m.dramOrder.joined(separator: ">")) (outermost first).
            mapspace_constraints:
              targets:
                - target: GlobalBuffer
                  type: spatial
                  factors: \(spatial.joined(separator: " "))
                  permutation: \((x + yRanks + unmapped).joined())
                  split: \(x.count)
                - target: DRAM
                  type: temporal
                  factors: \(dram.joined(separator: " "))
                  permutation: \(dramPermutation)
            \(glbTemporal)\(rfTargets)
            """
    }

    /// The smallest divisor of `n` that is at least `m` (at most `n`).
    static func smallestDivisor(of n: Int, atLeast m: Int) -> Int {
        guard n > 1 else { return 1 }
        var d = max(1, min(n, m))
        while n % d != 0 { d += 1 }
        return d
    }

    // MARK: Duet's figures

    /// The header of `BASE.layers.csv`.
    public static let layersHeader = "file,layer,kind,groups,macs,duet_cycles,duet_compute_cycles,duet_energy_pj,duet_mac_pj,duet_rf_pj,duet_noc_pj,duet_glb_pj,duet_dram_pj,duet_leakage_pj,duet_rf_reads,duet_rf_writes,duet_glb_reads,duet_glb_writes,duet_dram_reads,duet_dram_writes,duet_mapping"

    static func csvRow(file: String, layer: String, kind: String, loops: LoopNest, cost: LayerCost, hw: SubAccelerator) -> String {
        let e = cost.energy, a = cost.accesses
        let fields: [String] = [file, layer, kind, "\(max(1, loops.groups))", "\(cost.macs)", "\(cost.latencyCycles)", "\(cost.computeCycles)",
                                number(e.total.value), number(e.mac.value), number(e.registerFile.value), number(e.noc.value),
                                number(e.globalBuffer.value), number(e.dram.value), number(e.leakage.value),
                                number(a.registerFileReads), number(a.registerFileWrites), number(a.globalBufferReads), number(a.globalBufferWrites),
                                number(a.dramReads), number(a.dramWrites), cost.mapping.description]
        return fields.map { f in f.contains(",") || f.contains("\"") ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f }.joined(separator: ",")
    }

    // MARK: Accelergy compound components

    /// `BASE.components.yaml` for ``Energy/accelergy``: the smart-buffer classes of Timeloop's
    /// exercises (a storage array with two address generators), for the global buffer (SRAM,
    /// CACTI) and the register files (regfile, Aladdin).
    public static let compoundComponents = """
        compound_components:
          version: 0.3
          classes:
        \(smartBuffer("smartbuffer_SRAM", storage: "SRAM"))\(smartBuffer("smartbuffer_RF", storage: "regfile"))
        """

    static func smartBuffer(_ name: String, storage: String) -> String {
        """
          - name: \(name)
            attributes: {technology: 45nm, memory_depth: 12, memory_width: 16, n_rdwr_ports: 2, n_banks: 1, n_buffets: 1}
            subcomponents:
              - name: storage
                class: \(storage)
                attributes: {technology: technology, width: memory_width, depth: memory_depth, n_rdwr_ports: n_rdwr_ports, n_banks: n_banks}
              - name: address_generators[0..1]
                class: intadder
                attributes: {technology: technology, width: log(memory_depth)}
            actions:
              - name: write
                arguments: {data_delta: 0..1, address_delta: 0..n_banks}
                subcomponents:
                  - {name: storage, actions: [{name: write, arguments: {data_delta: data_delta, address_delta: address_delta}}]}
                  - {name: "address_generators[0]", actions: [{name: add}]}
                  - {name: "address_generators[1]", actions: [{name: idle}]}
              - name: read
                arguments: {data_delta: 0..1, address_delta: 0..n_banks}
                subcomponents:
                  - {name: storage, actions: [{name: read, arguments: {data_delta: data_delta, address_delta: address_delta}}]}
                  - {name: "address_generators[1]", actions: [{name: add}]}
                  - {name: "address_generators[0]", actions: [{name: idle}]}
              - name: idle
                subcomponents:
                  - {name: storage, actions: [{name: idle}]}
                  - {name: "address_generators[0..1]", actions: [{name: idle}]}

        """
    }
}
