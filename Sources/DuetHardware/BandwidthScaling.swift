import DuetCore

/// How a template's bandwidths follow its PE array when `pe_rows`/`pe_cols` differ from the
/// template's own (or its variant's) array: the `bandwidth_scaling:` section of a template file.
///
///     bandwidth_scaling:
///       glb_words_per_cycle: perimeter   # × (rows + cols) / (rows₀ + cols₀)
///       noc_words_per_cycle: perimeter
///       dram_gbps: fixed                 # unchanged
///
/// One rule for every path that sizes an array — `duet evaluate --set pe_rows=…`, accelerator
/// files, `duet explore` and `duet solve` on hardware spaces — so a design gives the same figures
/// wherever it is evaluated. A bandwidth written explicitly (file, `--set`) is used as written.
public struct BandwidthScaling: Sendable, Hashable {
    /// How one bandwidth scales from the reference array (rows₀ × cols₀) to rows × cols.
    public enum Rule: String, Sendable, Hashable, CaseIterable {
        /// Unchanged.
        case fixed
        /// × (rows + cols) / (rows₀ + cols₀): operands enter and leave along the array's edges.
        case perimeter
        /// × rows / rows₀.
        case rows
        /// × cols / cols₀.
        case cols
        /// × (rows · cols) / (rows₀ · cols₀).
        case pes

        /// The factor from a rows₀ × cols₀ array to a rows × cols one.
        public func factor(from reference: (rows: Int, cols: Int), to array: (rows: Int, cols: Int)) -> Double {
            switch self {
            case .fixed: return 1
            case .perimeter: return Double(array.rows + array.cols) / Double(reference.rows + reference.cols)
            case .rows: return Double(array.rows) / Double(reference.rows)
            case .cols: return Double(array.cols) / Double(reference.cols)
            case .pes: return Double(array.rows) * Double(array.cols) / (Double(reference.rows) * Double(reference.cols))
            }
        }

        /// `value` (the reference array's bandwidth) scaled to a rows × cols array. An array equal
        /// to the reference returns `value` exactly.
        public func scaled(_ value: Double, from reference: (rows: Int, cols: Int), to array: (rows: Int, cols: Int)) -> Double {
            if self == .fixed || (reference.rows == array.rows && reference.cols == array.cols) { return value }
            return value * factor(from: reference, to: array)
        }
    }

    /// Global-buffer port width (`glb_words_per_cycle`).
    public var globalBuffer: Rule
    /// Array network delivery width (`noc_words_per_cycle`).
    public var noc: Rule
    /// DRAM bandwidth (`dram_gbps`). In a hardware space the chip's DRAM is shared among the
    /// sub-accelerators instead (``dram`` applies to templates evaluated on their own).
    public var dram: Rule

    public init(globalBuffer: Rule, noc: Rule, dram: Rule) {
        self.globalBuffer = globalBuffer; self.noc = noc; self.dram = dram
    }

    /// What a template without a `bandwidth_scaling` section gets: array-edge bandwidths (buffer
    /// and network) with the perimeter, DRAM fixed.
    public static let `default` = BandwidthScaling(globalBuffer: .perimeter, noc: .perimeter, dram: .fixed)

    /// The parameter each rule applies to, in file order.
    public static let parameters: [Parameter] = [.glb_words_per_cycle, .noc_words_per_cycle, .dram_gbps]

    /// The rule for `parameter` (one of ``parameters``).
    public func rule(for parameter: Parameter) -> Rule {
        switch parameter {
        case .glb_words_per_cycle: return globalBuffer
        case .noc_words_per_cycle: return noc
        case .dram_gbps: return dram
        default: return .fixed
        }
    }

    /// Reads a template's `bandwidth_scaling` mapping, recording problems in `d`.
    static func decode(_ r: ConfigReader) -> BandwidthScaling {
        var s = BandwidthScaling.default
        let names = Rule.allCases.map(\.rawValue)
        if let v = r.choice(Parameter.glb_words_per_cycle.rawValue, in: names).flatMap(Rule.init) { s.globalBuffer = v }
        if let v = r.choice(Parameter.noc_words_per_cycle.rawValue, in: names).flatMap(Rule.init) { s.noc = v }
        if let v = r.choice(Parameter.dram_gbps.rawValue, in: names).flatMap(Rule.init) { s.dram = v }
        r.finish()
        return s
    }

    /// `sub` resized to a rows × cols array, its bandwidths scaled by these rules from `sub`'s own
    /// array (the reference: a template's published design, as loaded with no overrides). The
    /// same function as the loader applies to `--set pe_rows=…`, so both give one answer.
    public func resized(_ sub: SubAccelerator, rows: Int, cols: Int) -> SubAccelerator {
        var s = sub
        let from = (sub.peRows, sub.peCols), to = (rows, cols)
        s.glbWordsPerCycle = globalBuffer.scaled(sub.glbWordsPerCycle, from: from, to: to)
        s.nocWordsPerCycle = noc.scaled(sub.nocWordsPerCycle, from: from, to: to)
        s.dramGBps = dram.scaled(sub.dramGBps, from: from, to: to)
        s.peRows = rows
        s.peCols = cols
        return s
    }
}
