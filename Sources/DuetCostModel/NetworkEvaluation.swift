import DuetCore
import DuetHardware
import DuetWorkload

/// Cost of one layer of a network: a compute layer through the mapping search, or a vector
/// layer (pooling, elementwise, activation, normalization) on the array's output path.
public struct LayerResult: Sendable {
    public var analysis: LayerAnalysis
    public var cost: LayerCost
}

/// Cost of a whole network on one sub-accelerator (layers run one after another).
public struct NetworkResult: Sendable {
    public var network: String
    public var subAccelerator: String
    public var layers: [LayerResult]
    public var clockMHz: Double

    public var macs: Int { layers.reduce(0) { $0 &+ $1.cost.macs } }
    public var latencyCycles: Int64 { layers.reduce(0) { $0 + $1.cost.latencyCycles } }
    public var computeCycles: Int64 { layers.reduce(0) { $0 + $1.cost.computeCycles } }
    public var energy: EnergyBreakdown { layers.reduce(EnergyBreakdown()) { $0 + $1.cost.energy } }
    public var latency: Seconds { Cycles(latencyCycles).seconds(at: Megahertz(clockMHz)) }
    public var dramBytes: Double { layers.reduce(0) { $0 + $1.cost.traffic.dramBytes } }
}

public enum NetworkEvaluator {
    /// Evaluates every layer of `analysis` on `hw`. Compute layers (with MACs) use the cached
    /// mapping search; vector layers run on a vector unit one array-row wide (`pe_cols` ops per
    /// cycle), reading inputs and writing outputs through the global buffer (and DRAM when the
    /// tensors do not fit); shape-only layers cost nothing.
    public static func evaluate(_ analysis: NetworkAnalysis, on hw: SubAccelerator, objective: MappingObjective = .latency,
                                cache: MappingCache = MappingCache()) throws -> NetworkResult {
        var out: [LayerResult] = []
        var issues = IssueCollector()
        for (i, l) in analysis.layers.enumerated() {
            if let loops = l.loops, l.macs > 0 {
                do {
                    out.append(LayerResult(analysis: l, cost: try cache.best(loops, on: hw, objective: objective, layerName: l.layer.name)))
                } catch let e as InputError {
                    issues.add(e.issues.count == 1 && e.issues[0].keyPath == "global_buffer_kib" ? e : e.under("layers[\(i)]"))
                    if issues.issues.count >= 3 { break }  // one buffer problem repeats for every layer
                }
            } else {
                out.append(LayerResult(analysis: l, cost: vectorCost(l, hw)))
            }
        }
        try issues.throwIfAny()
        return NetworkResult(network: analysis.network.name, subAccelerator: hw.name, layers: out, clockMHz: hw.clockMHz)
    }

    static func vectorCost(_ l: LayerAnalysis, _ hw: SubAccelerator) -> LayerCost {
        let shapeOnly = l.vectorOps == 0 && l.macs == 0
        let words = shapeOnly ? 0 : Double(l.inputElements + l.outputElements)
        let bits = Double(hw.precisionBits)
        let fits = words * bits / 8 <= Double(hw.globalBufferBytes) / 2
        let dramBytes = fits ? 0 : words * bits / 8
        let compute = Double(l.vectorOps) / Double(hw.peCols)
        let glb = words / hw.glbWordsPerCycle
        let dram = dramBytes / hw.dramBytesPerCycle
        let latency = max(compute, glb, dram)
        let t = hw.technology
        var e = EnergyBreakdown()
        // An ALU op (add, compare, scale) costs about a third of a MAC (Horowitz: add ≪ multiply).
        e.mac = Picojoules(Double(l.vectorOps) * t.macEnergy(bits: hw.precisionBits).value / 3)
        e.globalBuffer = Picojoules(words * bits * t.globalBufferPJPerBit(bytes: hw.globalBufferBytes))
        e.dram = Picojoules(dramBytes * 8 * t.dramPJPerBit)
        let bottleneck: Bottleneck = latency == 0 || latency == compute ? .compute : (latency == dram ? .dram : .buffer)
        var traffic = Traffic()
        traffic.glbReads = Double(l.inputElements)
        traffic.glbWrites = Double(l.outputElements)
        traffic.dramReadBytes = dramBytes / 2
        traffic.dramWriteBytes = dramBytes / 2
        return LayerCost(macs: 0, computeCycles: Int64(compute.rounded(.up)), latencyCycles: Int64(latency.rounded(.up)),
                         utilization: 0, bottleneck: bottleneck, energy: e, traffic: traffic,
                         mapping: MappingDescription(spatial: shapeOnly ? "shape only" : "vector unit, \(hw.peCols) ops/cycle",
                                                     tile: "-", order: "-", groupsPacked: 1))
    }
}
