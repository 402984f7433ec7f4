import DuetCore
import DuetHardware
import DuetWorkload

/// Analytical cost of one compute layer on one sub-accelerator under one global-buffer tiling:
/// latency = compute cycles (folds, under-utilization, fill/drain) bounded by array-network,
/// global-buffer and DRAM transfer time (overlapped when double-buffered); energy = MACs × MAC
/// energy + accesses × per-access energy at every level (register files, network hops, global
/// buffer, DRAM) + leakage × time. A pure function.
public enum LayerModel {
    /// Cost of `loops` on `hw` with the array-level model `array` and buffer tiling `tiling`.
    static func cost(_ loops: LoopNest, _ hw: SubAccelerator, array: ArrayModel, tiling: BufferTiling, macs: Int, leakageMW: Double) -> LayerCost {
        let sh = BufferTiling.Shape(loops)
        let bits = Double(hw.precisionBits)
        let bytesPerWord = bits / 8
        let (dramReadWords, dramWriteWords) = tiling.dramWords(sh)
        let glbReads = array.reads.values.reduce(0, +)
        let glbAccesses = glbReads + array.writes + dramReadWords + dramWriteWords
        let nocWords = glbReads + array.writes
        let compute = Double(array.computeCycles)
        let nocCycles = hw.array == .broadcast ? nocWords / hw.nocWordsPerCycle : 0
        let glbCycles = glbAccesses / hw.glbWordsPerCycle
        let dramCycles = (dramReadWords + dramWriteWords) * bytesPerWord / hw.dramBytesPerCycle
        let onChip = max(compute, nocCycles, glbCycles)
        let latency = hw.doubleBuffer ? max(onChip, dramCycles) : onChip + dramCycles
        var bottleneck = Bottleneck.compute
        if hw.doubleBuffer {
            let m = max(compute, nocCycles, glbCycles, dramCycles)
            bottleneck = m == compute ? .compute : (m == dramCycles ? .dram : (m == glbCycles ? .buffer : .noc))
        } else {
            bottleneck = dramCycles > onChip ? .dram : (onChip == compute ? .compute : (onChip == glbCycles ? .buffer : .noc))
        }
        let t = hw.technology
        var e = EnergyBreakdown()
        e.mac = t.macEnergy(bits: hw.precisionBits) * Double(macs)
        let rfPerMAC = bits * (t.storagePJPerBit(bytes: hw.rfWeightBytes) + t.storagePJPerBit(bytes: hw.rfInputBytes)
                               + 2 * t.storagePJPerBit(bytes: hw.rfOutputBytes))
        e.registerFile = Picojoules(Double(macs) * rfPerMAC)
        e.noc = Picojoules(array.hopWords * bits * t.nocHopPJPerBit)
        e.globalBuffer = Picojoules(glbAccesses * bits * t.storagePJPerBit(bytes: hw.globalBufferBytes))
        e.dram = Picojoules((dramReadWords + dramWriteWords) * bits * t.dramPJPerBit)
        let seconds = latency / (hw.clockMHz * 1e6)
        e.leakage = Picojoules(leakageMW * 1e-3 * seconds * 1e12)
        let latencyCycles = Int64(latency.rounded(.up))
        var traffic = Traffic()
        traffic.glbReads = glbReads
        traffic.glbWrites = array.writes
        traffic.nocWords = nocWords
        traffic.dramReadBytes = dramReadWords * bytesPerWord
        traffic.dramWriteBytes = dramWriteWords * bytesPerWord
        return LayerCost(
            macs: macs, computeCycles: array.computeCycles, latencyCycles: max(latencyCycles, array.computeCycles),
            utilization: Double(macs) / (Double(array.computeCycles) * Double(hw.peCount)),
            bottleneck: bottleneck, energy: e, traffic: traffic,
            mapping: MappingDescription(spatial: array.spatial, tile: tiling.description, order: tiling.orderText, groupsPacked: array.groupsPacked))
    }

    /// The objective's value of a cost (cycles, pJ, or pJ·cycles).
    static func score(_ c: LayerCost, _ o: Objective) -> Double {
        switch o {
        case .latency: return Double(c.latencyCycles) + c.energy.total.value * 1e-12  // energy breaks ties
        case .energy: return c.energy.total.value + Double(c.latencyCycles) * 1e-9
        case .edp: return c.energy.total.value * Double(c.latencyCycles)
        }
    }
}
