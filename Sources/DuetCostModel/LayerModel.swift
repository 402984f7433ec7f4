import DuetCore
import DuetHardware
import DuetWorkload

/// Analytical cost of one compute layer on one sub-accelerator under one global-buffer tiling:
/// latency = compute cycles (folds, under-utilization, fill/drain) bounded by array-network,
/// global-buffer and DRAM transfer time (overlapped when double-buffered; DRAM time on one shared
/// link or, with `dram_channels: per_operand`, on the busiest of three per-operand channels); energy = MACs × MAC
/// energy + accesses × per-access energy at every level (register files, network hops, global
/// buffer, DRAM) + leakage × time. A pure function.
public enum LayerModel {
    /// Everything about a layer on a sub-accelerator that does not depend on the buffer tiling,
    /// computed once per search.
    struct Context {
        var loops: LoopNest
        var hw: SubAccelerator
        var array: ArrayModel
        var shape: BufferTiling.Shape
        var macs: Int
        var leakageMW: Double
        var bits: Double
        var bytesPerWord: Double
        var glbPJPerWord: Double
        var dramPJPerWord: Double
        /// Network energy per word-hop (pJ).
        var hopPJ: Double
        var fixedEnergy: EnergyBreakdown  // MAC and register file energy
        var residency: Residency
        /// Per-search constants of ``quick(_:traffic:)`` (the same expressions, evaluated once).
        var fixedEnergyTotal: Double
        var dramBytesPerCycle: Double
        var clockHz: Double

        init(_ loops: LoopNest, _ hw: SubAccelerator, macs: Int, residency: Residency = .none) {
            self.loops = loops
            self.residency = residency
            self.hw = hw
            self.macs = macs
            array = ArrayModel(loops: loops, hw: hw)
            shape = BufferTiling.Shape(loops)
            leakageMW = AreaModel.area(of: hw).total.value * hw.technology.leakageMWPerMm2
            bits = Double(hw.precisionBits)
            bytesPerWord = bits / 8
            let t = hw.technology
            glbPJPerWord = bits * t.globalBufferPJPerBit(bytes: hw.globalBufferBytes)
            dramPJPerWord = bits * t.dramPJPerBit
            var e = EnergyBreakdown()
            e.mac = t.macEnergy(bits: hw.precisionBits) * Double(macs)
            let rfPerMAC = bits * (t.registerFilePJPerBit(bytes: hw.rfWeightBytes) + t.registerFilePJPerBit(bytes: hw.rfInputBytes)
                                   + 2 * t.registerFilePJPerBit(bytes: hw.rfOutputBytes))
            e.registerFile = Picojoules(Double(macs) * rfPerMAC)
            hopPJ = bits * t.nocHopPJPerBit
            fixedEnergy = e
            fixedEnergyTotal = e.total.value
            dramBytesPerCycle = hw.dramBytesPerCycle
            clockHz = hw.clockMHz * 1e6
        }
    }

    /// Latency (cycles), energy (pJ) and DRAM words of one tiling: arithmetic only.
    struct Quick {
        var latency: Double
        var energy: Double
        var dramReads: Double
        var dramWrites: Double
        var glbCycles: Double
        var dramCycles: Double
        var dramHidden: Double
        var compute: Double
        var nocCycles: Double
    }

    static func quick(_ c: Context, _ tiling: BufferTiling) -> Quick {
        quick(c, array: c.array.figures(tiling), traffic: tiling.dramTraffic(c.shape))
    }

    /// The DRAM traffic of a tiling less what activation residency keeps on chip.
    @inline(__always)
    static func resident(_ c: Context, _ t: BufferTiling.DRAMTraffic) -> BufferTiling.DRAMTraffic {
        var traffic = t
        if c.residency.input { traffic.inputs = 0 }
        if c.residency.output { traffic.partialSumReads = 0; traffic.outputWrites = 0 }
        return traffic
    }

    /// ``quick(_:_:)`` of a tiling whose array-level figures are `a` (``ArrayModel/figures(_:)``)
    /// and whose DRAM traffic is `traffic` (``BufferTiling/Tile/traffic(_:)``).
    @inline(__always)
    static func quick(_ c: Context, array a: ArrayFigures, traffic t: BufferTiling.DRAMTraffic) -> Quick {
        let traffic = resident(c, t)
        let r = traffic.reads, w = traffic.writes
        let compute = Double(a.computeCycles)
        let nocCycles = c.hw.array == .broadcast ? (a.reads + a.writes) / c.hw.nocWordsPerCycle : 0
        let glbAccesses = a.reads + a.writes + r + w
        let glbCycles = glbAccesses / c.hw.glbWordsPerCycle
        // Words on the DRAM critical path, in units of the whole bandwidth. A shared link carries
        // everything. Three per-operand channels of a third each: double-buffered, all three run
        // the whole time (the busiest one decides); single-buffered, the reads of all operands
        // (loaded side by side) come before the output writes.
        let dramPathWords: Double
        switch c.hw.dramChannels {
        case .shared: dramPathWords = r + w
        case .perOperand:
            dramPathWords = 3 * (c.hw.doubleBuffer
                ? max(traffic.weights, traffic.inputs, traffic.outputChannel)
                : max(traffic.weights, traffic.inputs, traffic.partialSumReads) + traffic.outputWrites)
        }
        let dramCycles = dramPathWords * c.bytesPerWord / c.dramBytesPerCycle
        let onChip = max(compute, nocCycles, glbCycles)
        // Single-buffered with weight prefetch (shared link): weights stream in during the on-chip
        // work; only what outlasts it, and the activations, add.
        let hidden = !c.hw.doubleBuffer && c.hw.weightPrefetch && c.hw.dramChannels == .shared
            ? min(traffic.weights * c.bytesPerWord / c.dramBytesPerCycle, onChip) : 0
        let latency = max(compute, (c.hw.doubleBuffer ? max(onChip, dramCycles) : onChip + dramCycles - hidden).rounded(.up))
        let seconds = latency / c.clockHz
        let energy = c.fixedEnergyTotal + a.hopWords * c.hopPJ + glbAccesses * c.glbPJPerWord + (r + w) * c.dramPJPerWord
            + c.leakageMW * 1e9 * seconds
        return Quick(latency: latency, energy: energy, dramReads: r, dramWrites: w, glbCycles: glbCycles, dramCycles: dramCycles,
                     dramHidden: hidden, compute: compute, nocCycles: nocCycles)
    }

    static func score(_ q: Quick, _ o: MappingObjective) -> Double {
        switch o {
        case .latency: return q.latency + q.energy * 1e-12  // energy breaks ties
        case .energy: return q.energy + q.latency * 1e-9
        case .edp: return q.energy * q.latency
        }
    }

    /// The full report of one tiling (built once, for the winner of a search).
    static func cost(_ c: Context, _ tiling: BufferTiling) -> LayerCost {
        let a = c.array.figures(tiling)
        let q = quick(c, array: a, traffic: tiling.dramTraffic(c.shape))
        let hw = c.hw
        let onChip = max(q.compute, q.nocCycles, q.glbCycles)
        let bottleneck: Bottleneck
        if hw.doubleBuffer {
            let m = max(onChip, q.dramCycles)
            bottleneck = m == q.compute ? .compute : (m == q.dramCycles ? .dram : (m == q.glbCycles ? .buffer : .noc))
        } else {
            bottleneck = q.dramCycles - q.dramHidden > onChip ? .dram : (onChip == q.compute ? .compute : (onChip == q.glbCycles ? .buffer : .noc))
        }
        var e = c.fixedEnergy
        e.noc = Picojoules(a.hopWords * c.hopPJ)
        e.globalBuffer = Picojoules((a.reads + a.writes + q.dramReads + q.dramWrites) * c.glbPJPerWord)
        e.dram = Picojoules((q.dramReads + q.dramWrites) * c.dramPJPerWord)
        e.leakage = Picojoules(c.leakageMW * 1e9 * q.latency / (hw.clockMHz * 1e6))
        var traffic = Traffic()
        traffic.glbReads = a.reads
        traffic.glbWrites = a.writes
        traffic.nocWords = a.reads + a.writes
        traffic.dramReadBytes = q.dramReads * c.bytesPerWord
        traffic.dramWriteBytes = q.dramWrites * c.bytesPerWord
        let macs = Double(c.macs)
        let accesses = Accesses(registerFileReads: 3 * macs, registerFileWrites: macs,
                                globalBufferReads: a.reads + q.dramWrites, globalBufferWrites: a.writes + q.dramReads,
                                dramReads: q.dramReads, dramWrites: q.dramWrites)
        let d = resident(c, tiling.dramTraffic(c.shape))
        let perOperand = OperandAccesses(
            registerFile: OperandLevel(weights: LevelAccesses(reads: macs), inputs: LevelAccesses(reads: macs),
                                       outputs: LevelAccesses(reads: macs, writes: macs)),
            globalBuffer: OperandLevel(weights: LevelAccesses(reads: a.weightReads, writes: d.weights),
                                       inputs: LevelAccesses(reads: a.inputReads, writes: d.inputs),
                                       outputs: LevelAccesses(reads: a.outputReads + d.outputWrites, writes: a.writes + d.partialSumReads)),
            dram: OperandLevel(weights: LevelAccesses(reads: d.weights), inputs: LevelAccesses(reads: d.inputs),
                               outputs: LevelAccesses(reads: d.partialSumReads, writes: d.outputWrites)))
        var components = LatencyComponents(compute: q.compute, noc: q.nocCycles, buffer: q.glbCycles, dram: q.dramCycles, overlapped: hw.doubleBuffer)
        components.dramHidden = q.dramHidden
        var cost = LayerCost(
            macs: c.macs, computeCycles: a.computeCycles, latencyCycles: Int64(q.latency),
            utilization: Double(c.macs) / (q.compute * Double(hw.peCount)),
            bottleneck: bottleneck, energy: e, traffic: traffic,
            mapping: c.array.description(tiling),
            bufferBytes: Double(BufferTiling.footprint(c.shape, g: tiling.g, k: tiling.k, c: tiling.c, p: tiling.p, n: tiling.n)) * c.bytesPerWord * (hw.doubleBuffer ? 2 : 1),
            accesses: accesses, components: components)
        cost.operandAccesses = perOperand
        return cost
    }
}
