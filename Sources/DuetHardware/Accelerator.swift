import DuetCore
import Foundation

/// One sub-accelerator: a PE array of a dataflow template with its buffers, clock, precision and
/// technology node. Every field is a parameter `--set` can change (names in ``Parameter``).
public struct SubAccelerator: Sendable, Hashable {
    public var name: String
    public var template: String
    public var array: ArrayKind
    public var dataflow: Dataflow
    public var mapping: SpatialMapping
    public var peRows: Int
    public var peCols: Int
    public var clockMHz: Double
    public var precisionBits: Int
    public var nodeNm: Int
    public var globalBufferKiB: Double
    /// Per-PE register-file (scratchpad) capacities in bytes; 0 = pipeline registers only.
    public var rfWeightBytes: Int
    public var rfInputBytes: Int
    public var rfOutputBytes: Int
    /// Global-buffer port width in words per cycle (reads + writes).
    public var glbWordsPerCycle: Double
    /// Array network delivery width in words per cycle.
    public var nocWordsPerCycle: Double
    /// DRAM bandwidth available to this sub-accelerator, gigabytes per second.
    public var dramGBps: Double
    /// Whether buffers are double-buffered (DRAM transfers overlap compute).
    public var doubleBuffer: Bool
    /// How the DRAM bandwidth (`dramGBps`) reaches the buffers: one shared link, or one dedicated
    /// channel per operand (weights in, inputs in, outputs out) with a third of the bandwidth each.
    public var dramChannels: DRAMChannels = .shared
    /// Whether a layer's output may stay in the global buffer as its consumers' input (inter-layer
    /// activation residency, `activation_residency`); false: every layer reads its inputs from and
    /// writes its output to DRAM (layer-at-a-time, as SCALE-Sim and ZigZag count).
    public var activationResidency = false
    /// Single-buffered only: the next pass's weights stream in from DRAM while the array works
    /// (`weight_prefetch`; Eyeriss loads filters into the PEs' scratchpads during processing), so
    /// weight transfers add to the latency only where they outlast the on-chip work; activations
    /// still load before and drain after.
    public var weightPrefetch = false
    /// Which unroll factors a mapping search that chooses them (row-stationary) and which buffer
    /// tile sizes it may use (`spatial_factors`): any (strip-mined, the last fold or tile partly
    /// idle) or divisors only.
    public var spatialFactors: SpatialFactors = .any
    /// Fixed pipeline latency per fold of a broadcast array, in cycles.
    public var pipelineCycles: Int
    /// The node's technology figures.
    public var technology: Technology

    public var peCount: Int { peRows * peCols }
    public var globalBufferBytes: Int { Int(globalBufferKiB * 1024) }
    /// DRAM bytes deliverable per clock cycle.
    public var dramBytesPerCycle: Double { dramGBps * 1e9 / (clockMHz * 1e6) }
}

/// How a sub-accelerator's DRAM bandwidth is wired to its buffers (`dram_channels`).
public enum DRAMChannels: String, Sendable, Hashable, CaseIterable {
    /// One link carries all operands: transfer time = total bytes ÷ `dram_gbps`.
    case shared
    /// Three dedicated channels — weights (read), inputs (read), outputs (partial-sum reads and
    /// writes) — each with `dram_gbps` ÷ 3, as in SCALE-Sim's separate ifmap, filter and ofmap
    /// SRAM interfaces or a TPU's weight FIFO beside its activation path. Double-buffered,
    /// transfer time = the busiest channel's bytes ÷ (`dram_gbps` ÷ 3); single-buffered, the
    /// largest operand read, then the output writes, each at `dram_gbps` ÷ 3.
    case perOperand = "per_operand"
}

/// Which spatial unroll factors a mapping search may choose (`spatial_factors`).
public enum SpatialFactors: String, Sendable, Hashable, CaseIterable {
    /// Any factor up to the array's extent: a loop is strip-mined over folds and the last fold
    /// may leave PEs idle (what Eyeriss's own mapper does, e.g. AlexNet CONV1's 55 output rows on
    /// 14 columns).
    case any
    /// Divisors of the loop's extent only, as Timeloop's mapper factors loops (so a Timeloop
    /// export evaluates the same mapping).
    case perfect
}

/// A chip: one or more sub-accelerators sharing DRAM.
public struct Accelerator: Sendable, Hashable {
    public var name: String
    public var subAccelerators: [SubAccelerator]
    /// Total DRAM bandwidth of the chip, GB/s (the sub-accelerators' shares add up to at most this).
    public var dramGBps: Double
    /// What a reader should know about how the chip was built (e.g. a template evaluated at
    /// another technology node than its published design's), shown with its evaluation.
    public var notes: [String] = []

    public init(name: String, subAccelerators: [SubAccelerator], dramGBps: Double) {
        self.name = name
        self.subAccelerators = subAccelerators
        self.dramGBps = dramGBps
    }

    /// Area of the whole chip.
    public var area: SquareMillimeters {
        SquareMillimeters(subAccelerators.reduce(0) { $0 + AreaModel.area(of: $1).total.value })
    }
}

/// Names of the parameters a template, an accelerator file and `--set` accept.
public enum Parameter: String, CaseIterable, Sendable {
    case dataflow, pe_rows, pe_cols, clock_mhz, precision_bits, node_nm, global_buffer_kib
    case rf_weight_bytes, rf_input_bytes, rf_output_bytes, glb_words_per_cycle, noc_words_per_cycle
    case dram_gbps, double_buffer, pipeline_cycles
    /// Optional: `shared` (default) or `per_operand` (see ``DRAMChannels``).
    case dram_channels
    /// Optional: keep activations on chip between layers when they fit (default false).
    case activation_residency
    /// Optional: `any` (default) or `perfect` (see ``SpatialFactors``).
    case spatial_factors
    /// Optional: weights of the next pass stream in while the array works (single-buffered; default false).
    case weight_prefetch
    // Optional energy overrides (default: the node's technology table).
    case mac_pj, rf_pj_per_bit, glb_pj_per_bit, noc_hop_pj_per_bit, dram_pj_per_bit, leakage_mw_per_mm2

    /// Parameters a template must define; the others are optional overrides.
    public var isRequired: Bool {
        switch self {
        case .dram_channels, .activation_residency, .spatial_factors, .weight_prefetch, .mac_pj, .rf_pj_per_bit, .glb_pj_per_bit, .noc_hop_pj_per_bit, .dram_pj_per_bit, .leakage_mw_per_mm2: return false
        default: return true
        }
    }

    /// The values accepted wherever this parameter enters (accelerator files, `--set`, template
    /// files): physically plausible bounds, beyond which cycle and energy counts of the cost
    /// model stop being meaningful (and integer conversions would overflow). Nil for
    /// non-numeric parameters.
    public var validRange: ValidRange? {
        switch self {
        case .pe_rows, .pe_cols: return ValidRange(1...65_536)
        case .clock_mhz: return .above(0, upTo: 100_000)                       // up to 100 GHz
        case .precision_bits: return ValidRange(1...64)
        case .node_nm: return ValidRange(1...1_000)
        case .global_buffer_kib: return .above(0, upTo: Double(1 << 30))        // up to 1 TiB
        case .rf_weight_bytes, .rf_input_bytes, .rf_output_bytes: return ValidRange(0...(1 << 30))
        case .glb_words_per_cycle, .noc_words_per_cycle: return .above(0, upTo: 1e9)
        case .dram_gbps: return ValidRange(1e-6, 1e6)                           // 1 KB/s to 1 PB/s
        case .pipeline_cycles: return ValidRange(0...1_000_000)
        case .mac_pj, .rf_pj_per_bit, .glb_pj_per_bit, .noc_hop_pj_per_bit, .dram_pj_per_bit: return ValidRange(0, 1e6)
        case .leakage_mw_per_mm2: return ValidRange(0, 1e6)
        case .dataflow, .double_buffer, .dram_channels, .activation_residency, .spatial_factors, .weight_prefetch: return nil
        }
    }

    /// Unit and meaning, for `duet template show`.
    public var help: String {
        switch self {
        case .dataflow: return "which mapping of the template (e.g. ws, os, is, rs)"
        case .pe_rows: return "PE array rows"
        case .pe_cols: return "PE array columns"
        case .clock_mhz: return "clock, MHz"
        case .precision_bits: return "bits per weight and activation word"
        case .node_nm: return "technology node, nm (a table in HardwareModels/technology)"
        case .global_buffer_kib: return "global buffer capacity, KiB"
        case .rf_weight_bytes: return "per-PE weight scratchpad, bytes"
        case .rf_input_bytes: return "per-PE input scratchpad, bytes"
        case .rf_output_bytes: return "per-PE partial-sum scratchpad, bytes"
        case .glb_words_per_cycle: return "global buffer bandwidth, words/cycle"
        case .noc_words_per_cycle: return "array network delivery bandwidth, words/cycle"
        case .dram_gbps: return "DRAM bandwidth, gigabytes per second (GB/s)"
        case .double_buffer: return "overlap DRAM transfers with compute (true/false)"
        case .pipeline_cycles: return "fixed pipeline latency per fold of a broadcast array, cycles"
        case .dram_channels: return "optional: DRAM wiring, shared (one link, default) or per_operand (weights, inputs, outputs on three channels of dram_gbps/3 each)"
        case .activation_residency: return "optional: keep a layer's output in the global buffer for its consumers when it fits beside their working set (true/false; default false: layer at a time, every activation through DRAM)"
        case .weight_prefetch: return "optional: single-buffered, the next pass's weights load from DRAM while the array works, so their transfer adds only what outlasts the on-chip work (true/false; default false)"
        case .spatial_factors: return "optional: unroll factors of the row-stationary mapping and buffer tile sizes the mapping search may choose, any (strip-mined, default) or perfect (divisors only, as Timeloop's mapper)"
        case .mac_pj: return "optional: energy per MAC, pJ (overrides the technology table)"
        case .rf_pj_per_bit: return "optional: register-file access energy, pJ/bit"
        case .glb_pj_per_bit: return "optional: global-buffer access energy, pJ/bit"
        case .noc_hop_pj_per_bit: return "optional: array-network energy per hop, pJ/bit"
        case .dram_pj_per_bit: return "optional: DRAM access energy, pJ/bit"
        case .leakage_mw_per_mm2: return "optional: leakage power density, mW/mm²"
        }
    }
}
