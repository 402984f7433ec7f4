import DuetCore
import DuetCostModel
import DuetHardware
import DuetPredict
import DuetSearch
import DuetWorkload
import Foundation
import Synchronization

/// The joint space of a configuration (network choices per task × hardware choices) and the
/// evaluation of one point of it: networks + chip → cost model + accuracy → metrics, objectives
/// and budget violations. Caches network analyses by architecture and mapping searches by
/// (layer, sub-accelerator).
public final class CoExploration: Sendable {
    public let config: ExploreConfig
    public let space: DesignSpace
    let dataDir: URL
    /// Base sub-accelerator of each template (its published defaults with the chip's node, clock
    /// and precision applied), per chip setting of the hardware space, loaded once.
    let bases: [ExploreConfig.HardwareSpaceSpec.ChipSettings: [String: SubAccelerator]]
    let mappings: [String: [Dataflow: SpatialMapping]]
    /// Each template's bandwidth-scaling rule.
    let scalings: [String: BandwidthScaling]
    let fixedChip: Accelerator?
    /// The cost estimator of a latency-only target (`table:`, `device:` or `predictor:`); nil
    /// for accelerators and hardware spaces, which ``ChipEvaluator`` evaluates with the analytical model.
    public let latencyEstimator: (any CostEstimator)?
    /// The table-driven device of a `table:`/`device:` target.
    public var tableTarget: TableTarget? { latencyEstimator as? TableTarget }
    let fixedNetworks: [String: NetworkAnalysis]
    /// For fixed networks named `SPACE:ARCH`: the canonical arch string, the key of a table lookup.
    let fixedArchs: [String: String]
    let analyses = Mutex<[String: NetworkAnalysis]>([:])
    static let analysisCacheLimit = 1_024
    let cache = MappingCache()
    let tables = AccuracyTables()
    let taskTables = Mutex<[String: [String: Double]]>([:])
    /// The required frame rates of the budgets (`fps`, `TASK.fps`), by task name.
    let rates: FrameRates

    /// - Parameter allowFixed: accept a configuration with nothing to vary (the successive
    ///   baseline evaluates its fixed networks on a fixed accelerator this way).
    public init(config: ExploreConfig, dataDir: URL, allowFixed: Bool = false) throws {
        self.config = config
        self.dataDir = dataDir
        rates = config.rates
        var vars: [Variable] = []
        var fixed: [String: NetworkAnalysis] = [:]
        var fixedArchs: [String: String] = [:]
        var issues = IssueCollector(file: config.file)
        for (i, t) in config.tasks.enumerated() {
            if let s = t.space {
                for d in s.dimensions { vars.append(.categorical("\(t.name).\(d.name)", d.options.map { Value.string($0) })) }
            } else if let n = t.network {
                do {
                    let base = URL(fileURLWithPath: config.file).deletingLastPathComponent().path
                    var a = try NetworkReference.resolve(n, options: BuildOptions(loaders: DuetFormats.networkLoaders()), baseDirectory: base).analyze()
                    a.network.name = t.name
                    fixed[t.name] = a
                    if let colon = n.firstIndex(of: ":"), let s = NetworkSpaces.named(String(n[..<colon])),
                       let arch = try? s.parse(String(n[n.index(after: colon)...])) {
                        fixedArchs[t.name] = s.format(arch)
                    }
                } catch let e as InputError { issues.add(e.under("tasks[\(i)].network")) }
            }
        }
        var bases: [ExploreConfig.HardwareSpaceSpec.ChipSettings: [String: SubAccelerator]] = [:]
        var mappings: [String: [Dataflow: SpatialMapping]] = [:]
        var scalings: [String: BandwidthScaling] = [:]
        var chip: Accelerator?
        var latencyEstimator: (any CostEstimator)?
        let loader = AcceleratorLoader(dataDir: dataDir)
        switch config.target {
        case .table, .device, .predictor:
            do { latencyEstimator = try config.latencyEstimator(dataDir: dataDir) } catch let e as InputError { issues.add(e) }
        case .accelerator(let ref, let overrides):
            do { chip = try loader.load(ref, overrides: overrides) } catch let e as InputError { issues.add(e.under("target.accelerator")) }
        case .hardware(let h):
            if h.minSubaccelerators < h.maxSubaccelerators {
                vars.append(.integer("hw.count", lower: h.minSubaccelerators, upper: h.maxSubaccelerators))
            }
            for slot in 0..<h.maxSubaccelerators {
                let cond: Condition? = slot < h.minSubaccelerators ? nil
                    : Condition("hw.count", in: Set((slot + 1...h.maxSubaccelerators).map { Value.int($0) }))
                vars.append(.categorical("hw.\(slot).template", h.templates.map { Value.string($0) }, when: cond))
                vars.append(.powerOfTwo("hw.\(slot).pe_rows", lower: h.peRows.lowerBound, upper: h.peRows.upperBound, when: cond))
                vars.append(.powerOfTwo("hw.\(slot).pe_cols", lower: h.peCols.lowerBound, upper: h.peCols.upperBound, when: cond))
                vars.append(.powerOfTwo("hw.\(slot).global_buffer_kib", lower: h.globalBufferKiB.lowerBound, upper: h.globalBufferKiB.upperBound, when: cond))
                if h.templates.contains("tpu") {
                    vars.append(.categorical("hw.\(slot).dataflow", Self.tpuDataflows.map { Value.string($0.rawValue) }, when: Condition("hw.\(slot).template", in: ["tpu"])))
                }
            }
            // The chip's node, clock and precision: searched when several are listed.
            for (key, n) in zip(ExploreConfig.HardwareSpaceSpec.settingVariables, [h.nodeNm, h.clockMHz, h.precisionBits]) where n.count > 1 {
                vars.append(.categorical(key, n.map { Value.int($0) }))
            }
            do {
                let loaded = try h.loadBases(dataDir: dataDir)
                bases = loaded.bases
                mappings = loaded.templates.mapValues(\.mappings)
                scalings = loaded.templates.mapValues(\.bandwidthScaling)
            } catch let e as InputError { issues.add(e) }
        }
        try issues.throwIfAny()
        if vars.isEmpty && !allowFixed {
            throw InputError(file: config.file, message: "nothing to explore: every task has a fixed network and the target is fixed",
                             hint: "give a task a 'space', or the target a 'hardware' space; or use duet evaluate")
        }
        // Nothing varies (allowed for the baseline): one single-valued placeholder variable.
        if vars.isEmpty { vars = [.categorical("fixed", [Value.string("fixed")])] }
        do { space = try DesignSpace(vars) } catch let e as InputError {
            // The space is built from the config: name the file and the variable, not its index.
            throw InputError(e.issues.map { issue in
                var i = issue
                i.file = config.file
                if let r = i.keyPath.range(of: #"^variables\[[0-9]+\]"#, options: .regularExpression),
                   let n = Int(i.keyPath[r].dropFirst("variables[".count).dropLast()), n < vars.count {
                    i.keyPath = "design variable \(vars[n].name)" + i.keyPath[r.upperBound...]
                }
                return i
            })
        }
        self.bases = bases
        self.mappings = mappings
        self.scalings = scalings
        fixedChip = chip
        self.latencyEstimator = latencyEstimator
        fixedNetworks = fixed
        self.fixedArchs = fixedArchs
    }

    /// Objective names in order and whether each is maximized.
    public var objectiveNames: [String] { config.objectives.map(\.metric) }

    /// The decoded design: each task's arch string and the chip (nil on a table-driven device).
    public struct Design: Sendable {
        public var archs: [String: String]
        public var chip: Accelerator?
        /// JSON text: `{"tasks": {name: arch}, "hardware": [{template, dataflow, pe_rows, …}]}`.
        public var json: String
    }

    public func decode(_ point: Point) throws -> Design {
        var archs: [String: String] = [:]
        for t in config.tasks {
            guard let s = t.space else { continue }
            let choices = s.dimensions.map { d -> Int in
                let v = point["\(t.name).\(d.name)"]?.stringValue ?? d.options[0]
                return d.options.firstIndex(of: v) ?? 0
            }
            archs[t.name] = s.format(Architecture(choices))
        }
        let chip: Accelerator?
        if let latencyEstimator {
            let json = JSONValue.obj(["tasks": .object(config.tasks.map { t in .init(t.name, .string(archs[t.name] ?? t.network ?? "")) }),
                                      "device": .string(latencyEstimator.targetName)])
            return Design(archs: archs, chip: nil, json: json.serialized(pretty: false))
        }
        if let fixedChip { chip = fixedChip } else if case .hardware(let h) = config.target {
            let count = point["hw.count"]?.intValue ?? h.minSubaccelerators
            let settings = ExploreConfig.HardwareSpaceSpec.ChipSettings(
                nodeNm: point["hw.node_nm"]?.intValue ?? h.nodeNm.first, clockMHz: point["hw.clock_mhz"]?.intValue ?? h.clockMHz.first,
                precisionBits: point["hw.precision_bits"]?.intValue ?? h.precisionBits.first)
            var subs: [SubAccelerator] = []
            for slot in 0..<count {
                let t = point["hw.\(slot).template"]?.stringValue ?? h.templates[0]
                subs.append(Self.subAccelerator(template: t, base: bases[settings]![t]!, mappings: mappings[t] ?? [:], scaling: scalings[t] ?? .default,
                                                peRows: point["hw.\(slot).pe_rows"]?.intValue,
                                                peCols: point["hw.\(slot).pe_cols"]?.intValue,
                                                globalBufferKiB: point["hw.\(slot).global_buffer_kib"]?.intValue,
                                                dataflow: point["hw.\(slot).dataflow"]?.stringValue.flatMap(Dataflow.init(rawValue:)), slot: slot, count: count, dramGBps: h.dramGBps))
            }
            chip = Accelerator(name: "chip", subAccelerators: subs, dramGBps: h.dramGBps)
        } else { preconditionFailure("no target") }
        let hw = JSONValue.array((chip?.subAccelerators ?? []).map { s in
            .obj(["name": .string(s.name), "template": .string(s.template), "dataflow": .string(s.dataflow.rawValue), "pe_rows": .int(s.peRows),
                  "pe_cols": .int(s.peCols), "global_buffer_kib": .double(s.globalBufferKiB), "dram_gbps": .double(s.dramGBps),
                  "node_nm": .int(s.nodeNm), "clock_mhz": .double(s.clockMHz), "precision_bits": .int(s.precisionBits)])
        })
        let json = JSONValue.obj(["tasks": .object(config.tasks.map { t in .init(t.name, .string(archs[t.name] ?? t.network ?? "")) }),
                                  "hardware": hw])
        return Design(archs: archs, chip: chip, json: json.serialized(pretty: false))
    }

    /// Dataflows a `tpu` slot of a hardware space chooses among (other templates keep their own).
    public static let tpuDataflows: [Dataflow] = [.ws, .os, .inputStationary]

    /// Slot `slot` of a chip of `count` sub-accelerators from a hardware space: template
    /// `template`'s base design (`base`, its published defaults) with the given PE array, global buffer (KiB)
    /// and dataflow (a key of `mappings`; nil or unknown keeps the base's), bandwidths scaled by
    /// the template's rule (`scaling`, the one the accelerator loader applies to `--set pe_rows=…`),
    /// and an equal share of the chip's `dramGBps` (GB/s).
    /// Shared by the co-exploration and `duet solve` on hardware spaces.
    public static func subAccelerator(template: String, base: SubAccelerator, mappings: [Dataflow: SpatialMapping], scaling: BandwidthScaling = .default,
                                      peRows: Int?, peCols: Int?, globalBufferKiB: Int?, dataflow: Dataflow?, slot: Int, count: Int,
                                      dramGBps: Double) -> SubAccelerator {
        var s = scaling.resized(base, rows: peRows ?? base.peRows, cols: peCols ?? base.peCols)
        s.globalBufferKiB = Double(globalBufferKiB ?? Int(s.globalBufferKiB))
        if let df = dataflow, let m = mappings[df] { s.dataflow = df; s.mapping = m }
        s.dramGBps = dramGBps / Double(count)
        s.name = "sub\(slot)-\(template)"
        return s
    }

    func analysis(task: ExploreConfig.Task, arch: String?) throws -> NetworkAnalysis {
        guard let arch, let space = task.space else { return fixedNetworks[task.name]! }
        let key = "\(space.name):\(arch)"
        if var a = analyses.withLock({ $0[key] }) { a.network.name = task.name; return a }
        var a = try space.network(parsing: arch).analyze()
        a.network.name = task.name
        // Bounded: analyses of large networks take tens of kilobytes each; when the cache is full
        // it starts over (the optimizer's current population is re-analyzed on demand).
        analyses.withLock {
            if $0.count >= Self.analysisCacheLimit { $0.removeAll(keepingCapacity: true) }
            $0[key] = a
        }
        return a
    }

    /// Metrics of one design, or a failure message (recorded as a failed trial); the
    /// ``Problem`` conformance wraps it.
    public func measure(_ point: Point) async -> (design: String, metrics: [String: Double], error: String?) {
        let design: Design
        do { design = try decode(point) } catch { return ("{}", [:], "cannot decode the design: \(error)") }
        do {
            let nets = try config.tasks.map { try analysis(task: $0, arch: design.archs[$0.name]) }
            var m = try costMetrics(design, networks: nets)
            var accSum = 0.0, accCount = 0
            for (t, n) in zip(config.tasks, nets) {
                switch await accuracy(of: t, arch: design.archs[t.name] ?? fixedArchs[t.name], network: n, designJSON: design.json) {
                case .failure(let e): return (design.json, m, e.message)
                case .success(let out):
                    // A predicted metric is the predictor's, whatever an evaluator printed under its name.
                    for (k, v) in out where k != "accuracy" && !t.predictedMetrics.contains(where: { $0.name == k }) { m["\(t.name).\(k)"] = v }
                    if let arch = design.archs[t.name] {
                        for pm in t.predictedMetrics {
                            do { m["\(t.name).\(pm.name)"] = try pm.predictor.predict([try pm.predictor.extractor.space.parse(arch)])[0] } catch {
                                return (design.json, m, "predictor \(pm.path) (\(t.name).\(pm.name)): \(error)")
                            }
                        }
                    }
                    guard let acc = out["accuracy"] else { continue }
                    m["\(t.name).accuracy"] = acc
                    accSum += acc
                    accCount += 1
                }
            }
            if accCount > 0 { m["accuracy"] = accSum / Double(accCount) }
            return (design.json, m, nil)
        } catch let e as InputError {
            return (design.json, [:], e.description)
        } catch {
            return (design.json, [:], "\(error)")
        }
    }

    /// The metrics of a design that come from the hardware side — latency, energy, area, power,
    /// frame rates (per task and in total), MACs and parameters — without its accuracy: what is
    /// cheap to compute, which a surrogate search uses exactly (``exactEstimate(_:)``).
    func costMetrics(_ design: Design, networks nets: [NetworkAnalysis]) throws -> [String: Double] {
        var m: [String: Double] = [:]
        if let latencyEstimator {
            // The tasks run one after another on the device.
            var total = 0.0
            for (t, n) in zip(config.tasks, nets) {
                let ms = try latencyEstimator.estimate(costSubject(task: t, arch: design.archs[t.name], analysis: n)).totals["latency_ms"] ?? .nan
                m["\(t.name).latency_ms"] = ms
                total += ms
            }
            m["latency_ms"] = total
        } else if let chip = design.chip {
            let r = try ChipEvaluator.evaluate(nets, on: chip, cache: cache, scheduling: config.scheduling)
            m["latency_ms"] = r.makespan.milliseconds
            m["energy_mj"] = r.energy.millijoules
            m["area_mm2"] = r.area.value
            m["power_mw"] = r.power.value
            m["pe_count"] = Double(chip.subAccelerators.reduce(0) { $0 + $1.peCount })
            let schedule = r.schedule(at: rates)
            m["fps"] = schedule.chipFPS
            if let p = schedule.averagePower { m["average_power_mw"] = p.value }
            for (i, (t, res)) in zip(config.tasks, r.networks).enumerated() {
                m["\(t.name).latency_ms"] = res.latency.milliseconds
                m["\(t.name).energy_mj"] = res.energy.total.millijoules
                m["\(t.name).fps"] = schedule.achievableFPS[i]
            }
        }
        m["macs"] = Double(nets.reduce(0) { $0 + $1.totalMACs })
        m["params"] = Double(nets.reduce(0) { $0 + $1.totalParams })
        return m
    }

    /// What a cost estimator is asked for a task: a space's architecture (or a fixed `SPACE:ARCH`
    /// network) as a point of its space, otherwise the analyzed network.
    public func costSubject(task t: ExploreConfig.Task, arch: String?, analysis n: NetworkAnalysis) throws -> CostSubject {
        let space = t.space ?? t.network.flatMap { ref in ref.firstIndex(of: ":").flatMap { NetworkSpaces.named(String(ref[..<$0])) } }
        guard let space, let arch = arch ?? fixedArchs[t.name] else { return .network(n) }
        return .point(space, try space.parse(arch))
    }

    /// The network a table-driven device runs for a task: a space's architecture (or a fixed
    /// `SPACE:ARCH` network) as the device's converter sees it, otherwise the network itself.
    public func deviceNetwork(task t: ExploreConfig.Task, arch: String?, analysis n: NetworkAnalysis) throws -> Network {
        let space = t.space ?? t.network.flatMap { ref in ref.firstIndex(of: ":").flatMap { NetworkSpaces.named(String(ref[..<$0])) } }
        guard let space, let arch = arch ?? fixedArchs[t.name] else { return n.network }
        var net = try SpaceOperators.deviceNetwork(space, space.parse(arch))
        net.name = t.name
        return net
    }

    /// A task's accuracy (`accuracy`, plus any other metrics an external evaluator returns) from
    /// its source; empty for a task without one. `arch` is the space's string form, the table key.
    func accuracy(of t: ExploreConfig.Task, arch: String?, network n: NetworkAnalysis, designJSON: String) async
        -> Result<[String: Double], ExternalEvaluator.ExternalError> {
        switch t.accuracy {
        case .none:
            return .success([:])
        case .proxy(let p):
            return .success(["accuracy": log10(Double(max(1, p == "params" ? n.totalParams : n.totalMACs)))])
        case .table(let path, let key, let column):
            // Per task name: building the file#key#column id and hashing the path for every
            // evaluation was 5 % of the run.
            var table: [String: Double]
            if let t = taskTables.withLock({ $0[t.name] }) { table = t } else {
                do { table = try tables.table(path: path, key: key, column: column) } catch {
                    return .failure(.init(message: "\(error)"))
                }
                taskTables.withLock { [table] in $0[t.name] = table }
            }
            guard let v = table[arch ?? ""] else { return .failure(.init(message: "no accuracy for '\(arch ?? t.network ?? "")' in \(path)")) }
            return .success(["accuracy": v])
        case .command(let cmd, let timeout, let retries):
            return await ExternalEvaluator.run(cmd, input: designJSON, timeoutSeconds: timeout, retries: retries)
        case .predictor(let path, let p):
            do {
                guard let arch else { throw InputError(file: path, message: "task \(t.name) has no \(p.spaceName) architecture to predict") }
                let v = try p.predict([try p.extractor.space.parse(arch)])
                return .success(["accuracy": v[0]])
            } catch {
                return .failure(.init(message: "predictor \(path): \(error)"))
            }
        }
    }

    /// Objective values in the config's order (as reported, not negated).
    public func objectives(_ metrics: [String: Double]) -> [Double] {
        config.objectives.map { metrics[$0.metric] ?? .nan }
    }

}
