import DuetCore
import DuetHardware
import DuetReport
import DuetWorkload
import Foundation

/// Renders an evaluation.
public enum EvaluationReport {
    public static func accelerator(_ a: Accelerator) -> JSONValue {
        let notes: [JSONValue.Field] = a.notes.isEmpty ? [] : [.init("notes", .array(a.notes.map { .string($0) }))]
        let subs: [JSONValue] = a.subAccelerators.map { s in
            .obj(["name": .string(s.name), "template": .string(s.template), "dataflow": .string(s.dataflow.rawValue),
                  "pe_rows": .int(s.peRows), "pe_cols": .int(s.peCols), "clock_mhz": .double(s.clockMHz),
                  "precision_bits": .int(s.precisionBits), "node_nm": .int(s.nodeNm), "global_buffer_kib": .double(s.globalBufferKiB),
                  "dram_gbps": .double(s.dramGBps), "area_mm2": .double(AreaModel.area(of: s).total.value),
                  "area_breakdown_mm2": areaJSON(AreaModel.area(of: s))]).adding(s.activationResidency ? ("activation_residency", .bool(true)) : nil)
        }
        return .object([.init("name", .string(a.name)), .init("dram_gbps", .double(a.dramGBps)), .init("area_mm2", .double(a.area.value)),
                        .init("subaccelerators", .array(subs))] + notes)
    }

    /// An area breakdown by component (PEs, global buffer, network, control and DMA), mm².
    public static func areaJSON(_ b: AreaModel.Breakdown) -> JSONValue {
        .obj(["pes": .double(b.pes.value), "global_buffer": .double(b.globalBuffer.value), "noc": .double(b.noc.value),
              "control": .double(b.control.value)])
    }

    /// The power and frame-rate figures of `r` at `rates`: peak (back-to-back) power, the chip's
    /// achievable rate, and with rates the average power, utilizations and per-task rates.
    public static func powerJSON(_ r: ChipResult, rates: FrameRates) -> [JSONValue.Field] {
        let s = r.schedule(at: rates)
        var out: [JSONValue.Field] = [
            .init("power_mw", .double(r.power.value)),
            .init("power_basis", .string("peak: energy of one frame of every task back to back / makespan")),
            .init("fps", .double(s.chipFPS)),
        ]
        if !rates.isEmpty {
            out.append(.init("average_power_mw", s.averagePower.map { .double($0.value) } ?? .null))
            out.append(.init("frame_rates", .obj(["chip": rates.chip.map { .double($0) } ?? .null,
                                                   "tasks": .object(rates.tasks.keys.sorted().map { .init($0, .double(rates.tasks[$0]!)) })])))
            out.append(.init("utilization", .object(zip(r.accelerator.subAccelerators, s.utilization).map { .init($0.name, .double($1)) })))
            out.append(.init("task_fps", .object(zip(r.networks, s.achievableFPS).map { .init($0.network, .double($1)) })))
        }
        return out
    }

    /// - Parameters:
    ///   - rates: the required frame rates (a spec's `fps` budgets), for average power.
    ///   - layers: false leaves out each network's `"layers"` rows (totals only): the same object
    ///     with that key removed, without building the rows.
    public static func json(_ r: ChipResult, verdicts: [Verdict], rates: FrameRates = FrameRates(), layers: Bool = true) -> JSONValue {
        .obj([
            "accelerator": accelerator(r.accelerator),
            "networks": .array(r.networks.map { n in
                networkJSON(n, r.accelerator, layers: layers)
            }),
            "totals": .object([.init("latency_cycles", .int(Int(r.latencyCycles))), .init("latency_ms", .double(r.makespan.milliseconds)),
                               .init("energy_pj", .double(r.energy.value)), .init("area_mm2", .double(r.area.value))] + powerJSON(r, rates: rates)),
            "verdict": .array(verdicts.map { v in
                .obj(["budget": .string(v.budget), "limit": .double(v.limit), "value": .double(v.value), "margin": .double(v.margin), "met": .bool(v.met)])
            }),
        ]).adding(r.layerSchedule.map { ls in
            ("layer_schedule", .obj(["used": .bool(ls.used), "makespan_ms": .double(ls.makespan * 1e3),
                                     "whole_network_makespan_ms": .double(ls.wholeMakespan * 1e3),
                                     "lower_bound_ms": .double(ls.lowerBound * 1e3), "gap": .double(ls.gap)]))
        })
    }

    /// One network's object of ``json(_:verdicts:rates:layers:)``: name, sub-accelerator, the
    /// per-layer rows (when `layers`), totals and, under activation residency, activations.
    static func networkJSON(_ n: NetworkResult, _ chip: Accelerator, layers: Bool) -> JSONValue {
        var fields: [JSONValue.Field] = [.init("name", .string(n.network)), .init("subaccelerator", .string(n.subAccelerator))]
        if layers { fields.append(.init("layers", layerRows(n))) }
        // The network's sums, each over its layers once (NetworkResult's properties reduce on every read).
        var macs = 0, latency: Int64 = 0, compute: Int64 = 0, dram = 0.0
        var energy = EnergyBreakdown(), acc = Accesses()
        for l in n.layers {
            macs = macs &+ l.cost.macs
            latency += l.cost.latencyCycles
            compute += l.cost.computeCycles
            energy = energy + l.cost.energy
            dram += l.cost.traffic.dramBytes
            acc = acc + l.cost.accesses
        }
        fields.append(.init("totals", .obj([
            "macs": .int(macs), "latency_cycles": .int(Int(latency)), "compute_cycles": .int(Int(compute)),
            "latency_ms": .double(n.latency.milliseconds), "energy_pj": .double(energy.total.value),
            "energy_breakdown_pj": .obj(["mac": .double(energy.mac.value), "register_file": .double(energy.registerFile.value),
                                         "noc": .double(energy.noc.value), "global_buffer": .double(energy.globalBuffer.value),
                                         "dram": .double(energy.dram.value), "leakage": .double(energy.leakage.value)]),
            "dram_bytes": .double(dram),
            "accesses_words": accessesJSON(acc)])))
        return JSONValue.object(fields).adding(activationsJSON(n, chip))
    }

    /// The per-layer rows of a network's object.
    static func layerRows(_ n: NetworkResult) -> JSONValue {
                    .array(n.layers.map { l in
                        .obj(["name": .string(l.analysis.layer.name), "kind": .string(l.analysis.kind), "macs": .int(l.cost.macs),
                              "latency_cycles": .int(Int(l.cost.latencyCycles)), "compute_cycles": .int(Int(l.cost.computeCycles)),
                              "energy_pj": .double(l.cost.energy.total.value), "utilization": .double(l.cost.utilization),
                              "bottleneck": .string(l.cost.bottleneck.rawValue), "bottleneck_detail": .string(l.cost.bottleneckDescription),
                              "mapping": .string(l.cost.mapping.description),
                              "dram_bytes": .double(l.cost.traffic.dramBytes),
                              "dram_stall_cycles": .double(l.cost.components.dramStall),
                              "latency_components_cycles": componentsJSON(l.cost.components),
                              "accesses_words": accessesJSON(l.cost.accesses),
                              "accesses_by_operand_words": operandAccessesJSON(l.cost.operandAccesses),
                              "loops": NetworkReport.loops(l.analysis.loops)]).adding(l.outputOnChip.map { ("output_on_chip", .bool($0)) })
                            .adding(l.subAccelerator.map { ("subaccelerator", .string($0)) })
                    })
    }

    static func accessesJSON(_ a: Accesses) -> JSONValue {
        .obj(["register_file": .obj(["reads": .double(a.registerFileReads), "writes": .double(a.registerFileWrites)]),
              "global_buffer": .obj(["reads": .double(a.globalBufferReads), "writes": .double(a.globalBufferWrites)]),
              "dram": .obj(["reads": .double(a.dramReads), "writes": .double(a.dramWrites)])])
    }

    /// `{level: {weights|inputs|outputs: {reads, writes}}}` for register_file, global_buffer and dram.
    static func operandAccessesJSON(_ a: OperandAccesses) -> JSONValue {
        func level(_ l: OperandLevel) -> JSONValue {
            func rw(_ x: LevelAccesses) -> JSONValue { .obj(["reads": .double(x.reads), "writes": .double(x.writes)]) }
            return .obj(["weights": rw(l.weights), "inputs": rw(l.inputs), "outputs": rw(l.outputs)])
        }
        return .obj(["register_file": level(a.registerFile), "global_buffer": level(a.globalBuffer), "dram": level(a.dram)])
    }

    /// Per layer, level and operand: reads and writes in words (`duet evaluate --accesses`).
    static func accessTable(_ n: NetworkResult) -> String {
        var t = TextTable(columns: ["layer", "level", "weight reads", "weight writes", "input reads", "input writes", "output reads", "output writes"],
                          numeric: [2, 3, 4, 5, 6, 7])
        func add(_ name: String, _ a: OperandAccesses) {
            for (levelName, l) in [("register file", a.registerFile), ("global buffer", a.globalBuffer), ("DRAM", a.dram)] {
                t.append([name, levelName] + [l.weights, l.inputs, l.outputs].flatMap { [NumberFormat.grouped(Int($0.reads.rounded())), NumberFormat.grouped(Int($0.writes.rounded()))] })
            }
        }
        var total = OperandAccesses()
        for l in n.layers where l.cost.macs > 0 {
            add(l.analysis.layer.name, l.cost.operandAccesses)
            total = total + l.cost.operandAccesses
        }
        add("total", total)
        return "  accesses per level and operand (words):\n" + t.rendered().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
    }

    static func componentsJSON(_ c: LatencyComponents) -> JSONValue {
        .obj(["compute": .double(c.compute), "noc": .double(c.noc), "buffer": .double(c.buffer), "dram": .double(c.dram),
              "dram_overlapped": .bool(c.overlapped), "dram_hidden": .double(c.dramHidden)])
    }

    /// `"activations": {kept_on_chip, to_dram: [layer…], kept_bytes, dram_bytes}` under activation residency.
    static func activationsJSON(_ n: NetworkResult, _ chip: Accelerator) -> (String, JSONValue)? {
        let bits = chip.subAccelerators.first { $0.name == n.subAccelerator }?.precisionBits ?? 8
        return n.activations(bits: bits).map { a in
            ("activations", .obj(["kept_on_chip": .int(a.kept), "to_dram": .array(a.toDRAM.map { .string($0) }),
                                  "kept_bytes": .double(a.keptBytes), "dram_bytes": .double(a.dramBytes)]))
        }
    }

    public static func csv(_ r: ChipResult) -> String {
        var t = TextTable(columns: ["network", "subaccelerator", "layer", "kind", "macs", "latency_cycles", "compute_cycles", "energy_pj",
                                    "utilization", "bottleneck", "bottleneck_detail", "dram_bytes", "mapping"])
        for n in r.networks {
            for l in n.layers {
                t.append([n.network, n.subAccelerator, l.analysis.layer.name, l.analysis.kind, String(l.cost.macs), String(l.cost.latencyCycles),
                          String(l.cost.computeCycles), String(l.cost.energy.total.value), String(l.cost.utilization),
                          l.cost.bottleneck.rawValue, l.cost.bottleneckDescription, String(l.cost.traffic.dramBytes), l.cost.mapping.description])
            }
        }
        return t.csv()
    }

    public static func table(_ r: ChipResult, verdicts: [Verdict], rates: FrameRates = FrameRates(), accesses: Bool = false) -> String {
        var out = ""
        for n in r.networks {
            let split = n.layers.contains { $0.subAccelerator != nil }
            var t = TextTable(columns: ["layer", "kind", "macs", "cycles", "compute", "util", "energy", "bound"] + (split ? ["on"] : []) + ["mapping"],
                              numeric: [2, 3, 4, 5, 6])
            for l in n.layers where l.cost.latencyCycles > 0 || l.cost.macs > 0 {
                t.append([l.analysis.layer.name, l.analysis.kind, NumberFormat.si(Double(l.cost.macs)), NumberFormat.grouped(Int(l.cost.latencyCycles)),
                          NumberFormat.grouped(Int(l.cost.computeCycles)), l.cost.macs > 0 ? String(format: "%.1f%%", l.cost.utilization * 100) : "",
                          NumberFormat.si(l.cost.energy.total.value * 1e-12) + "J", l.cost.bottleneckDescription]
                         + (split ? [l.subAccelerator ?? n.subAccelerator] : []) + [l.cost.mapping.spatial])
            }
            out += "\(n.network) on \(n.subAccelerator)\n" + t.rendered()
            out += String(format: "  total: %@ cycles, %.4g ms, %.4g mJ, %@ MACs\n\n", NumberFormat.grouped(Int(n.latencyCycles)),
                          n.latency.milliseconds, n.energy.total.millijoules, NumberFormat.si(Double(n.macs)))
            let acc = n.layers.reduce(Accesses()) { $0 + $1.cost.accesses }
            out.removeLast()
            out += "  accesses (words): register files " + NumberFormat.si(acc.registerFileReads) + " reads, " + NumberFormat.si(acc.registerFileWrites)
                + " writes; global buffer " + NumberFormat.si(acc.globalBufferReads) + " reads, " + NumberFormat.si(acc.globalBufferWrites)
                + " writes; DRAM " + NumberFormat.si(acc.dramReads) + " reads, " + NumberFormat.si(acc.dramWrites) + " writes\n\n"
            if accesses {
                out.removeLast()
                out += accessTable(n) + "\n"
            }
            let bits = r.accelerator.subAccelerators.first { $0.name == n.subAccelerator }?.precisionBits ?? 8
            if let a = n.activations(bits: bits) {
                let shown = a.toDRAM.prefix(8).joined(separator: ", ") + (a.toDRAM.count > 8 ? ", … (\(a.toDRAM.count - 8) more)" : "")
                out.removeLast()
                out += "  activations kept on chip: \(a.kept) of \(a.kept + a.toDRAM.count) layer outputs (\(NumberFormat.si(a.keptBytes))B of "
                    + "\(NumberFormat.si(a.keptBytes + a.dramBytes))B); to DRAM: \(a.toDRAM.isEmpty ? "none" : shown)\n\n"
            }
        }
        out += String(format: "chip %@: latency %.4g ms (%.4g fps), energy %.4g mJ, area %.4g mm², peak power %.4g mW (back to back)\n",
                      r.accelerator.name, r.makespan.milliseconds, 1 / r.makespan.value, r.energy.millijoules, r.area.value, r.power.value)
        if let ls = r.layerSchedule {
            out += String(format: "layer schedule: %.4g ms vs %.4g ms with whole networks (%@); lower bound %.4g ms, gap at most %.1f%%\n",
                          ls.makespan * 1e3, ls.wholeMakespan * 1e3, ls.used ? "used" : "not shorter: whole networks kept", ls.lowerBound * 1e3, ls.gap * 100)
        }
        if !rates.isEmpty {
            let s = r.schedule(at: rates)
            let what = ([rates.chip.map { String(format: "%.4g fps", $0) }].compactMap { $0 }
                        + rates.tasks.keys.sorted().map { String(format: "%@ %.4g fps", $0, rates.tasks[$0]!) }).joined(separator: ", ")
            if let p = s.averagePower {
                out += String(format: "average power at %@: %.4g mW (utilization %@)\n", what, p.value,
                              s.utilization.map { String(format: "%.0f%%", $0 * 100) }.joined(separator: ", "))
            } else {
                out += "average power: needs a frame rate for every task (budgets.fps or tasks.NAME.fps)\n"
            }
        }
        for n in r.accelerator.notes { out += "note: \(n)\n" }
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
