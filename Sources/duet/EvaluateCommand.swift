import ArgumentParser
import DuetCore
import DuetCostModel
import DuetHardware
import DuetONNX
import DuetReport
import DuetWorkload
import Foundation

struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate networks on an accelerator against spec budgets.",
        discussion: """
            Per-layer and total latency, energy, utilization and bottleneck, the chip's area and \
            power, and a verdict per budget. Exit code 0: every budget met; 1: a budget violated; \
            2: bad input. Several --network options run several tasks on the chip's sub-accelerators.
            """)

    @Option(name: .customLong("network"), help: "A network: built-in, SPACE:ARCH, layer:KIND,k=…, or a .yaml/.json file (repeatable).")
    var networks: [String] = []
    @Option(help: "A template (tpu, tpu:edge, nvdla:nv_small, eyeriss, …) or an accelerator .yaml/.json file.")
    var accelerator: String?
    @Option(help: "A latency table (.csv, .json, .yaml) of a table-driven device, in place of --accelerator.")
    var table: String?
    @Option(help: "A device model (HardwareModels/devices name or .yaml), in place of --accelerator.")
    var device: String?
    @Option(name: .customLong("set"), help: "Override a parameter: key=value, NAME.key=value or subaccelerators[i].key=value (repeatable).")
    var overrides: [String] = []
    @Option(help: "A spec file with budgets.") var spec: String?
    @Option(help: "What the mapping search minimizes: latency, energy or edp.") var objective: String = "latency"
    @Option(help: "Input size for built-in networks.") var input: Int?
    @Option(help: "Width multiplier for built-in networks.") var width: Double = 1.0
    @Option(help: "Batch size (overrides a network file's own).") var batch: Int?
    @Option(help: "table, json or csv.") var format: OutputFormat = .table
    @Flag(name: .customLong("allow-unknown"),
          help: "For .onnx files: count unsupported operators as zero-cost placeholders (warned on stderr, listed in the output).")
    var allowUnknown = false

    func validate() throws {
        if networks.isEmpty { throw ValidationError("give at least one --network") }
        if [accelerator, table, device].compactMap({ $0 }).count != 1 { throw ValidationError("give exactly one of --accelerator, --table and --device") }
        if MappingObjective(rawValue: objective) == nil { throw ValidationError("--objective must be latency, energy or edp (got '\(objective)')") }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1 (got \(batch))") }
    }

    func run() async throws {
        let (text, met) = try render()
        emit(text)
        if !met { throw ExitCode(1) }
    }

    /// The report and whether every budget is met.
    func render() throws -> (String, Bool) {
        if table != nil || device != nil {
            return try TableEvaluation.render(networks: networks, table: table, device: device, spec: spec,
                                              options: BuildOptions(input: input, width: width, batch: batch ?? 1), format: format)
        }
        let previous = ONNX.loaderOptions.withLock { o in defer { o.allowUnknown = o.allowUnknown || allowUnknown }; return o }
        defer { ONNX.loaderOptions.withLock { $0 = previous } }
        let dataDir = try DataDirectory.locate()
        let chip = try AcceleratorLoader(dataDir: dataDir).load(accelerator!, overrides: overrides)
        var analyses: [NetworkAnalysis] = []
        var issues = IssueCollector()
        for (i, n) in networks.enumerated() {
            do {
                var net = try NetworkReference.resolve(n, options: BuildOptions(input: input, width: width, batch: batch ?? 1))
                if let batch { net.batch = batch }
                var a = try net.analyze()
                if analyses.contains(where: { $0.network.name == a.network.name }) { a.network.name += "#\(i)" }
                analyses.append(a)
            } catch let e as InputError { issues.add(e.issues.allSatisfy { $0.file != nil } ? e : e.under("--network[\(i)]")) }
        }
        try issues.throwIfAny()
        let result = try ChipEvaluator.evaluate(analyses, on: chip, objective: MappingObjective(rawValue: objective)!)
        let verdicts = try spec.map { try Spec.load(path: $0).verdicts(for: result) } ?? []
        let met = verdicts.allSatisfy(\.met)
        switch format {
        case .json:
            var doc = EvaluationReport.json(result, verdicts: verdicts)
            let notes = analyses.flatMap { a in a.network.notes.map { "\(a.network.name): \($0)" } }
            if !notes.isEmpty, case .object(var fields) = doc { fields.append(.init("notes", .array(notes.map { .string($0) }))); doc = .object(fields) }
            return (doc.serialized() + "\n", met)
        case .csv: return (EvaluationReport.csv(result), met)
        case .table:
            let notes = analyses.flatMap { a in a.network.notes.map { "note: \(a.network.name): \($0)\n" } }
            return (EvaluationReport.table(result, verdicts: verdicts) + notes.joined(), met)
        }
    }
}

/// Renders an evaluation.
enum EvaluationReport {
    static func accelerator(_ a: Accelerator) -> JSONValue {
        .obj([
            "name": .string(a.name),
            "dram_gbps": .double(a.dramGBps),
            "area_mm2": .double(a.area.value),
            "subaccelerators": .array(a.subAccelerators.map { s in
                .obj(["name": .string(s.name), "template": .string(s.template), "dataflow": .string(s.dataflow),
                      "pe_rows": .int(s.peRows), "pe_cols": .int(s.peCols), "clock_mhz": .double(s.clockMHz),
                      "precision_bits": .int(s.precisionBits), "node_nm": .int(s.nodeNm), "global_buffer_kib": .double(s.globalBufferKiB),
                      "dram_gbps": .double(s.dramGBps), "area_mm2": .double(AreaModel.area(of: s).total.value)])
            }),
        ])
    }

    static func json(_ r: ChipResult, verdicts: [Verdict]) -> JSONValue {
        .obj([
            "accelerator": accelerator(r.accelerator),
            "networks": .array(r.networks.map { n in
                .obj([
                    "name": .string(n.network), "subaccelerator": .string(n.subAccelerator),
                    "layers": .array(n.layers.map { l in
                        .obj(["name": .string(l.analysis.layer.name), "kind": .string(l.analysis.kind), "macs": .int(l.cost.macs),
                              "latency_cycles": .int(Int(l.cost.latencyCycles)), "compute_cycles": .int(Int(l.cost.computeCycles)),
                              "energy_pj": .double(l.cost.energy.total.value), "utilization": .double(l.cost.utilization),
                              "bottleneck": .string(l.cost.bottleneck.rawValue), "mapping": .string(l.cost.mapping.description),
                              "dram_bytes": .double(l.cost.traffic.dramBytes),
                              "loops": NetworkReport.loops(l.analysis.loops)])
                    }),
                    "totals": .obj(["macs": .int(n.macs), "latency_cycles": .int(Int(n.latencyCycles)), "compute_cycles": .int(Int(n.computeCycles)),
                                    "latency_ms": .double(n.latency.milliseconds), "energy_pj": .double(n.energy.total.value),
                                    "energy_breakdown_pj": .obj(["mac": .double(n.energy.mac.value), "register_file": .double(n.energy.registerFile.value),
                                                                 "noc": .double(n.energy.noc.value), "global_buffer": .double(n.energy.globalBuffer.value),
                                                                 "dram": .double(n.energy.dram.value), "leakage": .double(n.energy.leakage.value)]),
                                    "dram_bytes": .double(n.dramBytes)]),
                ])
            }),
            "totals": .obj(["latency_cycles": .int(Int(r.latencyCycles)), "latency_ms": .double(r.makespan.milliseconds),
                            "energy_pj": .double(r.energy.value), "area_mm2": .double(r.area.value), "power_mw": .double(r.power.value)]),
            "verdict": .array(verdicts.map { v in
                .obj(["budget": .string(v.budget), "limit": .double(v.limit), "value": .double(v.value), "margin": .double(v.margin), "met": .bool(v.met)])
            }),
        ])
    }

    static func csv(_ r: ChipResult) -> String {
        var t = TextTable(columns: ["network", "subaccelerator", "layer", "kind", "macs", "latency_cycles", "compute_cycles", "energy_pj",
                                    "utilization", "bottleneck", "dram_bytes", "mapping"])
        for n in r.networks {
            for l in n.layers {
                t.append([n.network, n.subAccelerator, l.analysis.layer.name, l.analysis.kind, String(l.cost.macs), String(l.cost.latencyCycles),
                          String(l.cost.computeCycles), String(l.cost.energy.total.value), String(l.cost.utilization),
                          l.cost.bottleneck.rawValue, String(l.cost.traffic.dramBytes), l.cost.mapping.description])
            }
        }
        return t.csv()
    }

    static func table(_ r: ChipResult, verdicts: [Verdict]) -> String {
        var out = ""
        for n in r.networks {
            var t = TextTable(columns: ["layer", "kind", "macs", "cycles", "compute", "util", "energy", "bound", "mapping"], numeric: [2, 3, 4, 5, 6])
            for l in n.layers where l.cost.latencyCycles > 0 || l.cost.macs > 0 {
                t.append([l.analysis.layer.name, l.analysis.kind, NumberFormat.si(Double(l.cost.macs)), NumberFormat.grouped(Int(l.cost.latencyCycles)),
                          NumberFormat.grouped(Int(l.cost.computeCycles)), l.cost.macs > 0 ? String(format: "%.1f%%", l.cost.utilization * 100) : "",
                          NumberFormat.si(l.cost.energy.total.value * 1e-12) + "J", l.cost.bottleneck.rawValue,
                          l.cost.macs > 0 ? l.cost.mapping.spatial : l.cost.mapping.spatial])
            }
            out += "\(n.network) on \(n.subAccelerator)\n" + t.rendered()
            out += String(format: "  total: %@ cycles, %.4g ms, %.4g mJ, %@ MACs\n\n", NumberFormat.grouped(Int(n.latencyCycles)),
                          n.latency.milliseconds, n.energy.total.millijoules, NumberFormat.si(Double(n.macs)))
        }
        out += String(format: "chip %@: latency %.4g ms, energy %.4g mJ, area %.4g mm², power %.4g mW\n", r.accelerator.name,
                      r.makespan.milliseconds, r.energy.millijoules, r.area.value, r.power.value)
        if !verdicts.isEmpty {
            var t = TextTable(columns: ["budget", "limit", "value", "margin", "verdict"], numeric: [1, 2, 3])
            for v in verdicts {
                t.append([v.budget, String(format: "%.4g", v.limit), String(format: "%.4g", v.value), String(format: "%+.4g", v.margin), v.met ? "met" : "VIOLATED"])
            }
            out += "\n" + t.rendered()
        }
        return out
    }
}
