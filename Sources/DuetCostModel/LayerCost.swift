import DuetCore
import DuetHardware
import DuetWorkload

/// What limits a layer's latency.
public enum Bottleneck: String, Sendable, Hashable {
    case compute, noc, buffer, dram
}

/// What a cost search minimizes.
public enum MappingObjective: String, Sendable, Hashable, CaseIterable {
    case latency, energy, edp
}

/// Energy of one layer by where it is spent.
public struct EnergyBreakdown: Sendable, Hashable {
    public var mac = Picojoules.zero
    public var registerFile = Picojoules.zero
    public var noc = Picojoules.zero
    public var globalBuffer = Picojoules.zero
    public var dram = Picojoules.zero
    public var leakage = Picojoules.zero
    public var total: Picojoules { mac + registerFile + noc + globalBuffer + dram + leakage }

    public static func + (a: Self, b: Self) -> Self {
        EnergyBreakdown(mac: a.mac + b.mac, registerFile: a.registerFile + b.registerFile, noc: a.noc + b.noc,
                        globalBuffer: a.globalBuffer + b.globalBuffer, dram: a.dram + b.dram, leakage: a.leakage + b.leakage)
    }
}

/// Data moved by one layer, in words of the accelerator's precision (DRAM in bytes).
public struct Traffic: Sendable, Hashable {
    /// Global buffer → array reads of weights, inputs and partial sums.
    public var glbReads: Double = 0
    /// Array → global buffer writes of (partial) outputs.
    public var glbWrites: Double = 0
    /// Words delivered over the array network (each delivery once per hop counted in energy).
    public var nocWords: Double = 0
    /// DRAM → global buffer and back, bytes.
    public var dramReadBytes: Double = 0
    public var dramWriteBytes: Double = 0
    public var dramBytes: Double { dramReadBytes + dramWriteBytes }
}

/// Accesses per level of the memory hierarchy, in words of the accelerator's precision, as the
/// energy model charges them (Timeloop's per-level statistics, summed over operands): register
/// files one weight, one input and one partial-sum read and one partial-sum write per MAC; the
/// global buffer the array's reads and writes plus the DRAM fills (writes) and drains (reads);
/// DRAM the words moved. `accesses × per-access energy` is each level's energy.
public struct Accesses: Sendable, Hashable {
    public var registerFileReads: Double = 0
    public var registerFileWrites: Double = 0
    public var globalBufferReads: Double = 0
    public var globalBufferWrites: Double = 0
    public var dramReads: Double = 0
    public var dramWrites: Double = 0

    public static func + (a: Self, b: Self) -> Self {
        Accesses(registerFileReads: a.registerFileReads + b.registerFileReads, registerFileWrites: a.registerFileWrites + b.registerFileWrites,
                 globalBufferReads: a.globalBufferReads + b.globalBufferReads, globalBufferWrites: a.globalBufferWrites + b.globalBufferWrites,
                 dramReads: a.dramReads + b.dramReads, dramWrites: a.dramWrites + b.dramWrites)
    }
}

/// Reads and writes of one operand at one level, in words.
public struct LevelAccesses: Sendable, Hashable {
    public var reads = 0.0
    public var writes = 0.0
    public init(reads: Double = 0, writes: Double = 0) { self.reads = reads; self.writes = writes }
    public static func + (a: Self, b: Self) -> Self { LevelAccesses(reads: a.reads + b.reads, writes: a.writes + b.writes) }
}

/// One level's accesses per operand (weights, inputs, outputs with their partial sums).
public struct OperandLevel: Sendable, Hashable {
    public var weights = LevelAccesses()
    public var inputs = LevelAccesses()
    public var outputs = LevelAccesses()
    public init(weights: LevelAccesses = .init(), inputs: LevelAccesses = .init(), outputs: LevelAccesses = .init()) {
        self.weights = weights; self.inputs = inputs; self.outputs = outputs
    }
    public var total: LevelAccesses { weights + inputs + outputs }
    public static func + (a: Self, b: Self) -> Self { OperandLevel(weights: a.weights + b.weights, inputs: a.inputs + b.inputs, outputs: a.outputs + b.outputs) }
}

/// ``Accesses`` split by operand, level by level, as Timeloop's statistics list them per tensor:
/// register files (a weight read, an input read, a partial-sum read and write per MAC), the
/// global buffer (reads toward the array — partial sums read back to accumulate — and toward
/// DRAM; writes from the array and fills from DRAM) and DRAM (fills read, outputs and spilled
/// partial sums written). Each level's sum over operands is that level's ``Accesses`` figure.
public struct OperandAccesses: Sendable, Hashable {
    public var registerFile = OperandLevel()
    public var globalBuffer = OperandLevel()
    public var dram = OperandLevel()
    public init(registerFile: OperandLevel = .init(), globalBuffer: OperandLevel = .init(), dram: OperandLevel = .init()) {
        self.registerFile = registerFile; self.globalBuffer = globalBuffer; self.dram = dram
    }
    public static func + (a: Self, b: Self) -> Self {
        OperandAccesses(registerFile: a.registerFile + b.registerFile, globalBuffer: a.globalBuffer + b.globalBuffer, dram: a.dram + b.dram)
    }
}

/// Where a layer's cycles go: each component's time, and whether DRAM transfers overlap the
/// on-chip work (double-buffered) or follow it (single-buffered: latency = on-chip + DRAM).
public struct LatencyComponents: Sendable, Hashable {
    public var compute: Double = 0
    public var noc: Double = 0
    public var buffer: Double = 0
    public var dram: Double = 0
    public var overlapped = true
    /// Single-buffered with weight prefetch: DRAM cycles of weight transfers hidden behind the
    /// on-chip work.
    public var dramHidden: Double = 0
    /// DRAM cycles not hidden behind on-chip work.
    public var dramStall: Double { overlapped ? max(0, dram - max(compute, noc, buffer)) : dram - dramHidden }
}

/// One loop of a mapping at one level: a loop dimension and how many of its iterations that level
/// covers (PEs spanned when spatial, trips when temporal).
public struct MappedLoop: Sendable, Hashable, CustomStringConvertible {
    public var dim: LoopDim
    public var factor: Int
    public init(_ dim: LoopDim, _ factor: Int) { self.dim = dim; self.factor = factor }
    public var description: String { "\(dim.rawValue)=\(factor)" }
}

/// The global-buffer tile of a mapping: groups, kernels per group, channels and output rows held
/// at once (output width q and the window r × s are whole in a tile), and the images of the batch
/// it holds (`n`; nil: the whole batch), whose loop runs innermost at DRAM.
public struct TileExtents: Sendable, Hashable {
    public var g: Int, k: Int, c: Int, p: Int
    public var n: Int?
    public init(g: Int, k: Int, c: Int, p: Int, n: Int? = nil) { self.g = g; self.k = k; self.c = c; self.p = p; self.n = n }
}

/// The chosen mapping of a layer, in readable form and as loops per level (what exporters to
/// Timeloop, ZigZag and MAESTRO turn into mapping constraints).
public struct MappingDescription: Sendable, Hashable, CustomStringConvertible {
    /// e.g. "rows c·r·s=576/32 (18 folds) × cols k=64/32 (2 folds)".
    public var spatial: String
    /// Global-buffer tile sizes, e.g. "k=64 c=32 p=8 g=1".
    public var tile: String
    /// DRAM-level loop order, outermost first, e.g. "p>k>c".
    public var order: String
    /// Groups packed block-diagonally on the array at once (1 for dense layers).
    public var groupsPacked: Int
    /// Loops unrolled on the PE rows in one fold (factor = rows that loop spans), outermost first.
    /// Flattened axes (SCALE-Sim style) are split greedily from the innermost loop.
    public var rowLoops: [MappedLoop] = []
    /// Loops unrolled on the PE columns in one fold (factor = columns spanned).
    public var colLoops: [MappedLoop] = []
    /// Loops run in time at the array level within one fold (streamed through the array or
    /// iterated in the PEs' register files), innermost last; factor = trips per fold.
    public var peLoops: [MappedLoop] = []
    /// The global-buffer tile.
    public var tileExtents = TileExtents(g: 1, k: 1, c: 1, p: 1)
    /// The DRAM-level tile loops ("g", "k", "c", "p"), outermost first.
    public var dramOrder: [String] = []

    public init(spatial: String, tile: String, order: String, groupsPacked: Int) {
        self.spatial = spatial; self.tile = tile; self.order = order; self.groupsPacked = groupsPacked
    }

    public var description: String { "\(spatial); tile \(tile); order \(order)" + (groupsPacked > 1 ? "; \(groupsPacked) groups packed" : "") }
}

/// The cost of one layer on one sub-accelerator.
public struct LayerCost: Sendable, Hashable {
    public var macs: Int
    /// Cycles the PE array needs with perfect memory (folds, under-utilization, fill/drain).
    public var computeCycles: Int64
    /// Cycles including memory stalls: the slowest of compute, array network, buffer and DRAM.
    public var latencyCycles: Int64
    public var stallCycles: Int64 { latencyCycles - computeCycles }
    /// MACs ÷ (compute cycles × PEs).
    public var utilization: Double
    public var bottleneck: Bottleneck
    public var energy: EnergyBreakdown
    public var traffic: Traffic
    public var mapping: MappingDescription
    /// Global-buffer bytes the chosen tile occupies (twice the tile when double-buffered): the
    /// layer's working set beside activations kept on chip.
    public var bufferBytes: Double = 0
    /// Accesses per memory level (words).
    public var accesses = Accesses()
    /// The same accesses per level and operand (words).
    public var operandAccesses = OperandAccesses()
    /// The cycles of each component (compute, array network, global buffer, DRAM).
    public var components = LatencyComponents()

    /// The bottleneck, with the share of the latency that DRAM stalls add when they are not the
    /// bottleneck themselves but take at least 5 % (e.g. `compute + 41 % dram stall` single-buffered).
    public var bottleneckDescription: String {
        let share = latencyCycles > 0 ? components.dramStall / Double(latencyCycles) : 0
        guard bottleneck != .dram, share >= 0.05 else { return bottleneck.rawValue }
        return "\(bottleneck.rawValue) + \(Int((share * 100).rounded())) % dram stall"
    }
}

/// Which operands of a compute layer stay in the global buffer between layers (inter-layer
/// activation residency) and how much of the buffer resident tensors take while it runs.
public struct Residency: Sendable, Hashable {
    /// The layer's input tensor is already in the global buffer: no DRAM reads of inputs.
    public var input = false
    /// The layer's output stays in the global buffer for its consumers: no DRAM writes of outputs
    /// and no partial-sum round trips.
    public var output = false
    /// Bytes of the global buffer held by resident tensors while the layer runs (its own resident
    /// input and output included); the tiles get the rest.
    public var reservedBytes: Double = 0
    public init(input: Bool = false, output: Bool = false, reservedBytes: Double = 0) {
        self.input = input; self.output = output; self.reservedBytes = reservedBytes
    }
    /// Layer at a time: everything through DRAM, the whole buffer for tiles.
    public static let none = Residency()
}
