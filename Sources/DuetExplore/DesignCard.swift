import DuetHardware
import DuetStudy
import Foundation

/// The chosen design of a study, as the report's card shows it: per task its network and numbers,
/// per sub-accelerator its size and the tasks it runs (an idle one is flagged).
public struct DesignCard: Sendable {
    public struct Task: Sendable, Hashable {
        public var name: String
        /// The network: the space's architecture string or the fixed network's name.
        public var network: String
        public var accuracy: Double?
        /// "proxy" or "predicted" when the accuracy is an estimate, nil when measured (a table, a command).
        public var accuracyEstimate: String?
        /// Milliseconds.
        public var latencyMs: Double?
        /// Millijoules.
        public var energyMJ: Double?
        /// Frames per second the chip sustains for this task at the required rates; nil if none was set.
        public var fps: Double?
        /// The sub-accelerator (or device) it runs on; nil when not known.
        public var runsOn: String?
    }

    public struct SubAccelerator: Sendable, Hashable {
        public var name: String
        public var template: String
        public var dataflow: String
        public var peRows: Int
        public var peCols: Int
        /// Kibibytes.
        public var globalBufferKiB: Double
        /// Per-PE register files, bytes; nil when not known.
        public var registerFiles: RegisterFiles?
        public var nodeNm: Int?
        public var clockMHz: Double?
        public var precisionBits: Int?
        /// Gigabytes per second.
        public var dramGBps: Double?
        /// The tasks assigned to it; nil when the assignment is not known.
        public var tasks: [String]?
        /// Whether it runs no task (known only with the assignment).
        public var isIdle: Bool { tasks?.isEmpty ?? false }
    }

    /// Per-PE register-file capacities, bytes.
    public struct RegisterFiles: Sendable, Hashable {
        public var weights: Int, inputs: Int, outputs: Int
    }

    public var tasks: [Task]
    public var subAccelerators: [SubAccelerator]
    /// The table-driven device the tasks run on, one after another; nil on an accelerator.
    public var device: String?
    /// Whether the design meets every budget (false: the least-violating design, shown for want of a feasible one).
    public var feasible: Bool
    /// Whole-design metrics (latency_ms, energy_mj, area_mm2, power_mw, fps, …) as stored.
    public var metrics: [String: Double]

    /// The card of `trial`. `taskNames` in the config's order (nil: the design's order);
    /// `estimates` maps a task to "proxy"/"predicted"; `assignment` maps a task to the
    /// sub-accelerator it runs on (nil when not re-evaluated); `chip`, when known, adds the
    /// register files and fixes the sub-accelerators' figures.
    public init(trial: TrialRecord, taskNames: [String]? = nil, estimates: [String: String] = [:], assignment: [String: String]? = nil,
                chip: Accelerator? = nil) {
        let obj = (try? JSONSerialization.jsonObject(with: Data(trial.design.utf8))) as? [String: Any] ?? [:]
        let archs = obj["tasks"] as? [String: Any] ?? [:]
        let names = taskNames ?? archs.keys.sorted()
        // A task's entry names its sub-accelerator, or several joined by "+" when layer scheduling
        // spread it (NetworkResult.subAccelerator).
        func assigned(to sub: String) -> [String]? {
            assignment.map { a in names.filter { a[$0].map { $0.split(separator: "+").contains(Substring(sub)) } ?? false } }
        }
        let m = trial.metrics
        device = obj["device"] as? String
        feasible = trial.isFeasible
        metrics = m
        tasks = names.map { t in
            Task(name: t, network: archs[t].map { "\($0)" } ?? "?", accuracy: m["\(t).accuracy"], accuracyEstimate: estimates[t],
                 latencyMs: m["\(t).latency_ms"], energyMJ: m["\(t).energy_mj"], fps: m["\(t).fps"],
                 runsOn: assignment?[t] ?? (obj["device"] as? String))
        }
        func num(_ v: Any?) -> Double? { (v as? NSNumber)?.doubleValue }
        if let chip {
            subAccelerators = chip.subAccelerators.map { s in
                SubAccelerator(name: s.name, template: s.template, dataflow: s.dataflow.rawValue, peRows: s.peRows, peCols: s.peCols,
                               globalBufferKiB: s.globalBufferKiB, registerFiles: RegisterFiles(weights: s.rfWeightBytes, inputs: s.rfInputBytes, outputs: s.rfOutputBytes),
                               nodeNm: s.nodeNm, clockMHz: s.clockMHz, precisionBits: s.precisionBits, dramGBps: s.dramGBps,
                               tasks: assigned(to: s.name))
            }
        } else {
            subAccelerators = (obj["hardware"] as? [[String: Any]] ?? []).enumerated().map { i, h in
                let name = h["name"] as? String ?? "sub\(i)"
                return SubAccelerator(name: name, template: h["template"] as? String ?? "?", dataflow: h["dataflow"] as? String ?? "?",
                                      peRows: Int(num(h["pe_rows"]) ?? 0), peCols: Int(num(h["pe_cols"]) ?? 0),
                                      globalBufferKiB: num(h["global_buffer_kib"]) ?? 0, registerFiles: nil,
                                      nodeNm: num(h["node_nm"]).map { Int($0) }, clockMHz: num(h["clock_mhz"]), precisionBits: num(h["precision_bits"]).map { Int($0) },
                                      dramGBps: num(h["dram_gbps"]), tasks: assigned(to: name))
            }
        }
    }
}
