import DuetCore
import DuetHardware
import DuetWorkload

/// Cost of one layer of a network: a compute layer through the mapping search, or a vector
/// layer (pooling, elementwise, activation, normalization) on the array's output path.
public struct LayerResult: Sendable {
    public var analysis: LayerAnalysis
    public var cost: LayerCost
    /// With activation residency (``SubAccelerator/activationResidency``): whether the layer's
    /// output stayed in the global buffer for its consumers; nil when layers run one at a time.
    public var outputOnChip: Bool? = nil
    /// With activation residency: the input tensors the layer read from the global buffer, not DRAM.
    public var inputsOnChip: [String] = []
    /// Under layer scheduling, the sub-accelerator this layer ran on (nil: the network's).
    public var subAccelerator: String? = nil
}

/// Cost of a whole network on one sub-accelerator (layers run one after another).
public struct NetworkResult: Sendable {
    public var network: String
    /// The sub-accelerator it ran on; under layer scheduling, every one its layers ran on, in order
    /// of first use, joined by "+".
    public var subAccelerator: String
    public var layers: [LayerResult]
    public var clockMHz: Double

    public var macs: Int { layers.reduce(0) { $0 &+ $1.cost.macs } }
    public var latencyCycles: Int64 { layers.reduce(0) { $0 + $1.cost.latencyCycles } }
    public var computeCycles: Int64 { layers.reduce(0) { $0 + $1.cost.computeCycles } }
    public var energy: EnergyBreakdown { layers.reduce(EnergyBreakdown()) { $0 + $1.cost.energy } }
    /// Seconds from the network's first layer starting to its last finishing: its layers' cycles at
    /// the clock, or under layer scheduling (layers on several sub-accelerators) its span in the schedule.
    public var latency: Seconds { scheduledSpan.map(Seconds.init) ?? Cycles(latencyCycles).seconds(at: Megahertz(clockMHz)) }
    /// Under layer scheduling, the network's span in the chip's schedule, seconds (waits included).
    public var scheduledSpan: Double? = nil
    public var dramBytes: Double { layers.reduce(0) { $0 + $1.cost.traffic.dramBytes } }
    /// With activation residency (nil: layer at a time): the layer outputs kept in the global
    /// buffer and those written to DRAM, by count and bytes (`bits` per element), and the names
    /// of the ones written to DRAM. Shape-only layers (reshapes) are not counted.
    public func activations(bits: Int) -> (kept: Int, toDRAM: [String], keptBytes: Double, dramBytes: Double)? {
        guard layers.first?.outputOnChip != nil else { return nil }
        var kept = 0, keptBytes = 0.0, dramBytes = 0.0, names: [String] = []
        for l in layers where !NetworkEvaluator.isShapeOnly(l.analysis) && l.analysis.outputElements > 0 {
            let b = Double(l.analysis.outputElements) * Double(bits) / 8
            if l.outputOnChip == true { kept += 1; keptBytes += b } else { names.append(l.analysis.layer.name); dramBytes += b }
        }
        return (kept, names, keptBytes, dramBytes)
    }
}

public enum NetworkEvaluator {
    /// Evaluates every layer of `analysis` on `hw`. Compute layers (with MACs) use the cached
    /// mapping search; vector layers run on a vector unit one array-row wide (`pe_cols` ops per
    /// cycle), reading inputs and writing outputs through the global buffer (and DRAM when the
    /// tensors do not fit); shape-only layers cost nothing.
    public static func evaluate(_ analysis: NetworkAnalysis, on hw: SubAccelerator, objective: MappingObjective = .latency,
                                cache: MappingCache = MappingCache()) throws -> NetworkResult {
        var out: [LayerResult] = []
        out.reserveCapacity(analysis.layers.count)
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
        if hw.activationResidency { out = try resident(analysis, out, on: hw, objective: objective, cache: cache) }
        return NetworkResult(network: analysis.network.name, subAccelerator: hw.name, layers: out, clockMHz: hw.clockMHz)
    }

    /// Inter-layer activation residency, decided greedily in layer order on the layer-at-a-time
    /// results `base`: a layer's output tensor stays in the global buffer when, at every layer from
    /// its producer to its last consumer, the tensors already kept plus this one plus that layer's
    /// working set (its layer-at-a-time tile, ``LayerCost/bufferBytes``) fit the buffer. Network
    /// outputs go to DRAM, as do tensors that some compute layer reads as other than its first
    /// input (the weight operand of an activation × activation product). Every layer under kept
    /// tensors is then searched again with the rest of the buffer (its old tile still fits, so no
    /// layer gets slower) and without the DRAM traffic of its kept input and output.
    static func resident(_ analysis: NetworkAnalysis, _ base: [LayerResult], on hw: SubAccelerator, objective: MappingObjective,
                         cache: MappingCache) throws -> [LayerResult] {
        let layers = analysis.layers
        let n = layers.count
        let bytesPerWord = Double(hw.precisionBits) / 8
        let capacity = Double(hw.globalBufferBytes)
        var producer: [String: Int] = [:]
        for (i, l) in layers.enumerated() { producer[l.layer.name] = i }
        var lastUse = [Int](repeating: -1, count: n)
        var eligible = [Bool](repeating: true, count: n)
        for (i, l) in layers.enumerated() {
            for (j, t) in l.layer.inputs.enumerated() {
                guard let p = producer[t] else { continue }
                lastUse[p] = max(lastUse[p], i)
                if l.loops != nil && l.macs > 0 && j > 0 { eligible[p] = false }
            }
        }
        for t in analysis.outputNames { if let p = producer[t] { eligible[p] = false } }
        let working = base.map { $0.cost.bufferBytes }
        var reserved = [Double](repeating: 0, count: n)
        var kept = [Bool](repeating: false, count: n)
        for p in 0..<n where eligible[p] && lastUse[p] > p {
            let size = Double(layers[p].outputElements) * bytesPerWord
            var range = p...lastUse[p]
            if isShapeOnly(layers[p]) {
                // A reshape's output is its input under another name: kept only if the input is,
                // and then it extends the input's stay (the input's own range already covers p).
                guard let q = layers[p].layer.inputs.first.flatMap({ producer[$0] }), kept[q] else { continue }
                if lastUse[p] <= lastUse[q] { kept[p] = true; continue }
                range = (lastUse[q] + 1)...lastUse[p]
            }
            guard size > 0, range.allSatisfy({ reserved[$0] + size + working[$0] <= capacity }) else { continue }
            kept[p] = true
            for i in range { reserved[i] += size }
        }
        var out: [LayerResult] = []
        out.reserveCapacity(n)
        for (i, l) in layers.enumerated() {
            let onChip = l.layer.inputs.filter { producer[$0].map { kept[$0] } ?? false }
            var r = base[i]
            if let loops = l.loops, l.macs > 0 {
                let residency = Residency(input: l.layer.inputs.first.map(onChip.contains) ?? false, output: kept[i], reservedBytes: reserved[i])
                if residency != .none {
                    r.cost = try cache.best(loops, on: hw, objective: objective, layerName: l.layer.name, residency: residency)
                }
            } else {
                r.cost = vectorCost(l, hw, residency: (analysis, onChip: Set(onChip), outputOnChip: kept[i]))
            }
            r.outputOnChip = kept[i]
            r.inputsOnChip = onChip
            out.append(r)
        }
        return out
    }

    static func isShapeOnly(_ l: LayerAnalysis) -> Bool { l.vectorOps == 0 && l.macs == 0 }

    /// A vector layer's cost. Its tensors stay in the buffer when inputs and output together fit
    /// half of it (the operation rides on its producer's output path); when they do not, layer at a
    /// time (`residency` nil) it reads and writes them all through DRAM, and with residency only the
    /// inputs not kept on chip and an output that is not kept.
    static func vectorCost(_ l: LayerAnalysis, _ hw: SubAccelerator,
                           residency: (analysis: NetworkAnalysis, onChip: Set<String>, outputOnChip: Bool)? = nil) -> LayerCost {
        let shapeOnly = l.vectorOps == 0 && l.macs == 0
        let words = shapeOnly ? 0 : Double(l.inputElements + l.outputElements)
        let bits = Double(hw.precisionBits)
        let dramBytes: Double
        let fits = words * bits / 8 <= Double(hw.globalBufferBytes) / 2
        if let residency, !fits {
            var dramWords = 0.0
            if shapeOnly {
                // A reshape moves nothing, unless its input is on chip and its output must go to DRAM.
                if !residency.outputOnChip && l.layer.inputs.allSatisfy(residency.onChip.contains) && !l.layer.inputs.isEmpty {
                    dramWords = Double(l.outputElements)
                }
            } else {
                let batch = Double(residency.analysis.network.batch)
                for t in l.layer.inputs where !residency.onChip.contains(t) {
                    dramWords += Double((try? residency.analysis.shapes[t]?.elementCount()) ?? 0) * batch
                }
                if !residency.outputOnChip { dramWords += Double(l.outputElements) }
            }
            dramBytes = dramWords * bits / 8
        } else {
            dramBytes = fits ? 0 : words * bits / 8
        }
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
        let dramWords = dramBytes * 8 / bits
        // (The vector unit's buffer energy counts its operands once; DRAM traffic as Traffic splits it.)
        let accesses = Accesses(globalBufferReads: shapeOnly ? 0 : Double(l.inputElements),
                                globalBufferWrites: shapeOnly ? 0 : Double(l.outputElements),
                                dramReads: dramWords / 2, dramWrites: dramWords / 2)
        return LayerCost(macs: 0, computeCycles: Int64(compute.rounded(.up)), latencyCycles: Int64(latency.rounded(.up)),
                         utilization: 0, bottleneck: bottleneck, energy: e, traffic: traffic,
                         mapping: MappingDescription(spatial: shapeOnly ? "shape only" : "vector unit, \(hw.peCols) ops/cycle",
                                                     tile: "-", order: "-", groupsPacked: 1),
                         accesses: accesses, components: LatencyComponents(compute: compute, buffer: glb, dram: dram, overlapped: true))
    }
}
