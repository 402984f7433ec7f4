import DuetCore
import DuetCostModel
import DuetHardware
import DuetPredict
import DuetStudy
import DuetWorkload
import Foundation

/// A co-exploration (and `duet solve`) configuration, decoded and validated from YAML/JSON.
/// See docs/FORMATS.md ("Exploration configs") for every key.
public struct ExploreConfig: Sendable {
    /// One task: a network space (or a fixed network) and where its accuracy comes from.
    public struct Task: Sendable {
        public var name: String
        /// The searched space, or nil for a fixed network.
        public var space: (any NetworkSpace)?
        /// A fixed network reference (built-in, file, SPACE:ARCH), when no space is searched.
        public var network: String?
        public var accuracy: AccuracySource
        /// Metrics other than accuracy learned by predictors of the task's space
        /// (`metrics: {train_hours: {predictor: FILE}}`): each is the task's `TASK.NAME`, labelled
        /// a prediction in every output, in place of what an external evaluator would return.
        public var predictedMetrics: [PredictedMetric] = []
    }

    /// A task metric supplied by a learned predictor (`tasks[i].metrics.NAME: {predictor: FILE}`).
    public struct PredictedMetric: Sendable {
        /// The metric's name within the task (stored as `TASK.NAME`).
        public var name: String
        /// The predictor file (absolute, or as resolved against the config's folder).
        public var path: String
        public var predictor: Predictor
        /// `predictor:FILE`, as outputs label it.
        public var label: String { "predictor:\(URL(fileURLWithPath: path).lastPathComponent)" }
    }

    /// The hardware searched: sub-accelerator count, template per slot, array and buffer sizes.
    public struct HardwareSpaceSpec: Sendable {
        public var minSubaccelerators: Int
        public var maxSubaccelerators: Int
        public var templates: [String]
        public var peRows: ClosedRange<Int>
        public var peCols: ClosedRange<Int>
        public var globalBufferKiB: ClosedRange<Int>
        /// Chip DRAM bandwidth, GB/s, shared equally by the sub-accelerators.
        public var dramGBps: Double
        /// The chip's technology node, nm (`node_nm`): one value sets every sub-accelerator's
        /// node, several are a searched choice (one node per chip). Empty: the templates' own,
        /// which must then agree.
        public var nodeNm: [Int] = []
        /// The chip's clock, MHz (`clock_mhz`): one value or searched choices; empty: each template's own.
        public var clockMHz: [Int] = []
        /// The chip's precision, bits (`precision_bits`): one value or searched choices; empty: each template's own.
        public var precisionBits: [Int] = []
        /// Every sub-accelerator keeps activations on chip between layers when they fit
        /// (`activation_residency`; default false: layer at a time).
        public var activationResidency = false

        /// The most sub-accelerators a hardware space may have (the chip search enumerates
        /// template × size combinations per slot; beyond this it never ends).
        public static let maxSubaccelerators = 16
    }

    public enum Target: Sendable {
        /// A fixed accelerator (template or file, with overrides).
        case accelerator(String, overrides: [String])
        /// A hardware space searched together with the networks.
        case hardware(HardwareSpaceSpec)
        /// A table-driven device: a latency table file (.json, .csv, .yaml; path resolved
        /// against the config's folder). Latency only: no energy, area or power.
        case table(String)
        /// A device model (HardwareModels/devices name or file) predicting every operator.
        case device(String)
        /// A learned predictor of a whole network's latency in milliseconds (a `duet predictor
        /// fit` file whose target column ends in `latency_ms`, for the tasks' space; path resolved
        /// against the config's folder). Latency only; not additive, so not for exact solving.
        case predictor(String, Predictor)

        /// Whether the target is a table-driven device (a table or a device model).
        public var isTableDriven: Bool {
            switch self { case .table, .device: return true; default: return false }
        }

        /// Whether latency is the target's only hardware metric (a table, a device model or a predictor).
        public var isLatencyOnly: Bool {
            switch self { case .table, .device, .predictor: return true; default: return false }
        }
    }

    public var name: String
    public var file: String
    public var tasks: [Task]
    public var target: Target
    /// Budget name (`latency_ms`, `energy_mj`, `area_mm2`, `power_mw`, or `TASK.latency_ms`) → limit.
    public var budgets: [(name: String, limit: Double)]
    /// (metric, maximize?) in order.
    public var objectives: [(metric: String, maximize: Bool)]
    public var optimizer: String
    /// Surrogate-assisted screening of the optimizer's proposals (`optimizer: {name: …, surrogate: {…}}`); nil without.
    public var surrogate: SurrogateSettings?
    public var evaluations: Int
    public var population: Int
    public var seed: UInt64
    public var workers: Int
    /// How a chip's tasks share its sub-accelerators (`target.schedule`: `networks`, the default,
    /// or `layers`: a network's layers may be spread over them).
    public var scheduling: ChipScheduling = .networks
    /// Whether the config gave `evaluations` (solvers that search use a budget of their own otherwise).
    public var evaluationsGiven = false
    /// How a study's trials are proposed (`scheduling`): `deterministic` (the default: generations,
    /// the same study for any number of workers) or `async` (steady-state NSGA-II: a new proposal as
    /// soon as a trial finishes; reproducible given the order of completions, which the study records).
    public var studyScheduling: StudySettings.SchedulingMode = .deterministic
    /// A second fidelity tier run when the exploration ends (`confirm: {command, limit, timeout_s,
    /// retries}`): the command re-evaluates the study's Pareto front (``FrontConfirmation``).
    public var confirm: ConfirmSettings?

    /// `confirm:` of a config.
    public struct ConfirmSettings: Sendable, Hashable {
        public var command: String
        /// At most this many front designs (best first).
        public var limit = 20
        /// Seconds per design before the command is stopped.
        public var timeoutSeconds = 3600.0
        public var retries = 0
    }

    /// `power_mw` is peak (back-to-back) power; `fps` the achievable frame rate (chip: 1 /
    /// makespan; TASK.fps with the other tasks at their required rates); `average_power_mw` the
    /// average power at the required rates (see ``FrameSchedule``).
    public static let metrics = ["accuracy", "latency_ms", "energy_mj", "area_mm2", "power_mw", "pe_count", "macs", "params", "fps", "average_power_mw"]
    /// `pe_count`: the chip's processing elements (a count), for a total-PE budget. `fps` is a
    /// lower bound (the required frame rate); the others are upper bounds.
    public static let budgetMetrics = ["latency_ms", "energy_mj", "area_mm2", "power_mw", "pe_count", "fps", "average_power_mw"]
    public static let optimizers = ["nsga2", "random", "evolution", "z3", "hybrid"]

    /// Loads `path`, applying `overrides` (`key.path=value`, scalars only) before validation.
    public static func load(path: String, overrides: [String] = [], dataDir: URL) throws -> ExploreConfig {
        var node = try ConfigNode.load(path: path)
        for o in overrides { node = try apply(o, to: node, file: path) }
        let config = try decode(node, file: path, dataDir: dataDir)
        try config.checkSources()
        return config
    }

    /// Checks that every task's accuracy table can be read and has its key and accuracy columns,
    /// so that a missing file or a misspelt column stops the run before the first trial (exit 2)
    /// instead of failing every trial. Problems are reported at the task's key path in the config.
    public func checkSources() throws {
        var issues = IssueCollector(file: file)
        for (i, t) in tasks.enumerated() {
            guard case .table(let path, let key, let column) = t.accuracy else { continue }
            do { _ = try AccuracyTable.load(path: path, key: key, column: column) } catch let e as InputError {
                for issue in e.issues {
                    let sub = ["key", "column"].contains(issue.keyPath) ? issue.keyPath : "table"
                    issues.add(InputError([InputIssue(
                        file: file, keyPath: "tasks[\(i)].accuracy.\(sub)", value: issue.value ?? (sub == "table" ? path : nil),
                        message: issue.message + (issue.file.map { " (in \($0)\(sub == "table" && !issue.keyPath.isEmpty ? " at \(issue.keyPath)" : ""))" } ?? ""),
                        hint: issue.hint)]))
                }
            }
        }
        try issues.throwIfAny()
    }

    /// Decodes configuration `text` as if it were the file at `path` (relative paths resolve
    /// against its folder); used to rebuild a study's configuration from the copy it stores.
    public static func load(text: String, path: String, overrides: [String] = [], dataDir: URL) throws -> ExploreConfig {
        var node = try ConfigNode.parse(yaml: text, file: path)
        for o in overrides { node = try apply(o, to: node, file: path) }
        return try decode(node, file: path, dataDir: dataDir)
    }

    /// The files this configuration reads (accuracy tables, latency tables, network and
    /// accelerator files), as absolute paths: what must be the same on every host that evaluates
    /// it. Built-in names (templates, devices, networks) are not files.
    public var inputFiles: [String] {
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        // Standardized whether absolute or not: a table path decoded against an absolute config path
        // keeps its "..", and the keys must match those of the host that made the study.
        func resolved(_ p: String) -> String {
            (p.hasPrefix("/") ? URL(fileURLWithPath: p) : base.appendingPathComponent(p)).standardizedFileURL.path
        }
        func isFile(_ p: String) -> Bool { FileManager.default.fileExists(atPath: resolved(p)) }
        var out: [String] = []
        for t in tasks {
            if case .table(let path, _, _) = t.accuracy { out.append(resolved(path)) }
            if case .predictor(let path, _) = t.accuracy { out.append(resolved(path)) }
            for m in t.predictedMetrics { out.append(resolved(m.path)) }
            if let n = t.network, isFile(n) { out.append(resolved(n)) }
        }
        switch target {
        case .table(let p): out.append(resolved(p))
        case .predictor(let p, _): out.append(resolved(p))
        case .device(let d) where isFile(d): out.append(resolved(d))
        case .accelerator(let a, _) where isFile(a): out.append(resolved(a))
        default: break
        }
        return Array(Set(out)).sorted()
    }

    /// Sets the value at a dotted key path (`budgets.latency_ms=4.2`, `tasks[0].name=x`,
    /// `target.hardware.templates=[eyeriss, tpu]`).
    static func apply(_ override: String, to node: ConfigNode, file: String) throws -> ConfigNode {
        let kv = override.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2, !kv[0].isEmpty else {
            throw InputError(keyPath: "--set", value: override, message: "expected key.path=value", hint: "e.g. --set budgets.latency_ms=4.2")
        }
        var parts: [String] = []
        for p in kv[0].split(separator: ".") {
            var s = String(p)
            while let open = s.firstIndex(of: "[") {
                if open > s.startIndex { parts.append(String(s[..<open])) }
                guard let close = s.firstIndex(of: "]") else { break }
                parts.append(String(s[open...close])); s = String(s[s.index(after: close)...])
            }
            if !s.isEmpty { parts.append(s) }
        }
        // A value written as a YAML flow list or mapping (`[eyeriss, tpu]`, `{table: a.csv}`) sets a
        // list or mapping; anything else is one scalar.
        func value() throws -> ConfigNode {
            let v = kv[1].trimmingCharacters(in: .whitespaces)
            guard v.hasPrefix("[") || v.hasPrefix("{") else { return ConfigNode(.scalar(kv[1], quoted: false)) }
            do { return try ConfigNode.parse(yaml: v, file: nil) } catch let e as InputError {
                throw InputError(keyPath: "--set", value: override, message: "the value is not a valid YAML list or mapping: \(e.issues[0].message)",
                                 hint: "write a list as [a, b] and a mapping as {key: value}; quote a scalar that starts with '[' or '{'")
            }
        }
        func set(_ n: ConfigNode, _ path: ArraySlice<String>, parent: String? = nil) throws -> ConfigNode {
            guard var head = path.first else { return try value() }
            var path = path
            if head.hasPrefix("[") {
                guard case .sequence(var items) = n.value, let i = Int(head.dropFirst().dropLast()), items.indices.contains(i) else {
                    throw InputError(file: file, keyPath: kv[0], value: override, message: "no list element \(head) here")
                }
                items[i] = try set(items[i], path.dropFirst(), parent: head)
                return ConfigNode(.sequence(items), line: n.line)
            }
            var entries: [(key: String, value: ConfigNode)] = []
            if case .mapping(let m) = n.value { entries = m } else if case .null = n.value {} else {
                throw InputError(file: file, keyPath: kv[0], value: override, message: "'\(head)' is not inside a mapping")
            }
            // Keys may contain dots (`budgets: {cifar10.latency_ms: 1}`): the longest existing key
            // made of the next parts wins; under `budgets` the whole rest is one key.
            let plain = path.prefix { !$0.hasPrefix("[") }
            if plain.count > 1 {
                let joined = (1...plain.count).reversed().map { plain.prefix($0).joined(separator: ".") }
                if let k = joined.first(where: { j in entries.contains { $0.key == j } }) ?? (parent == "budgets" ? joined.first : nil) {
                    head = k
                    path = path.dropFirst(k.split(separator: ".").count - 1)
                }
            }
            if let i = entries.firstIndex(where: { $0.key == head }) {
                entries[i].value = try set(entries[i].value, path.dropFirst(), parent: head)
            } else {
                entries.append((head, try set(ConfigNode(.null), path.dropFirst(), parent: head)))
            }
            return ConfigNode(.mapping(entries), line: n.line)
        }
        return try set(node, parts[...])
    }

    static func decode(_ node: ConfigNode, file: String, dataDir: URL) throws -> ExploreConfig {
        let d = Diagnostics(file: file)
        let r = ConfigReader(node, diagnostics: d)
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        let name = r.string("name") ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var tasks: [Task] = []
        let taskReaders = r.objects("tasks", required: true)
        if taskReaders?.isEmpty == true {
            d.add("tasks", value: "[]", "an exploration needs at least one task",
                  hint: "add a task, e.g. tasks: [{name: cifar10, space: nb201}]")
        }
        for t in taskReaders ?? [] {
            let tname = t.string("name") ?? "task\(tasks.count)"
            if tname.trimmingCharacters(in: .whitespaces).isEmpty {
                d.add(t.keyPath("name"), value: tname, "a task name cannot be empty", hint: "name the task, e.g. name: task\(tasks.count)")
            } else if tname.contains(".") || tname.contains("=") {
                d.add(t.keyPath("name"), value: tname, "a task name cannot contain '.' or '='",
                      hint: "budgets and objectives refer to a task as TASK.metric; use letters, digits, '-' or '_'")
            }
            var space: (any NetworkSpace)?
            if let s = t.string("space") {
                if let found = NetworkSpaces.named(s) { space = found } else {
                    d.add(t.keyPath("space"), value: s, "unknown network space", hint: Suggestion.hint(for: s, in: NetworkSpaces.names))
                }
            }
            let network = t.string("network")
            if t.has("space") == t.has("network") {
                d.add(t.path, "a task needs exactly one of 'space' (searched) or 'network' (fixed)")
            }
            // A searched space defaults to the MACs proxy (labelled as such); a fixed network has no accuracy.
            var acc = t.has("space") ? AccuracySource.proxy("macs") : AccuracySource.none
            if let text = t.raw("accuracy")?.scalarText {
                // Short form: `accuracy: proxy:macs`, `accuracy: proxy:params` or `accuracy: none`.
                if text == "proxy:macs" || text == "proxy:params" { acc = .proxy(String(text.dropFirst(6))) }
                else if text == "none" { acc = .none }
                else {
                    d.add(t.keyPath("accuracy"), value: text, "unknown accuracy source",
                          hint: "use proxy:macs, proxy:params, none, or a mapping {table: FILE, column: C} / {command: CMD} / {predictor: FILE}")
                }
            } else if let a = t.object("accuracy") {
                acc = AccuracySource.decode(a, base: base)
            }
            // A predictor belongs to one space (the key in its file): refuse another task's space.
            if case .predictor(_, let p) = acc, let space, p.spaceName != space.name {
                d.add(t.keyPath("accuracy") + ".predictor", value: p.spaceName,
                      "this predictor is for the space '\(p.spaceName)', not the task's space '\(space.name)'",
                      hint: "fit one on \(space.name) architectures: duet predictor fit --space \(space.name) …")
            }
            let predicted = predictedMetrics(t, space: space, base: base, diagnostics: d)
            t.finish()
            tasks.append(Task(name: tname, space: space, network: network, accuracy: acc, predictedMetrics: predicted))
        }
        var firstTask: [String: Int] = [:]
        for (i, t) in tasks.enumerated() {
            if let j = firstTask[t.name] {
                d.add("tasks[\(i)].name", value: t.name, "task names must be unique: tasks[\(j)] already has this name", hint: "rename one of them")
            } else { firstTask[t.name] = i }
        }
        var target: Target = .accelerator("eyeriss", overrides: [])
        var scheduling = ChipScheduling.networks
        if let tr = r.object("target", required: true) {
            let kinds = ["accelerator", "hardware", "table", "device", "predictor"]
            if kinds.filter({ tr.has($0) }).count != 1 {
                d.add(tr.path, "the target needs exactly one of 'accelerator', 'hardware', 'table', 'device' or 'predictor'")
            }
            if let p = tr.string("predictor") {
                let path = p.hasPrefix("/") ? p : base.appendingPathComponent(p).path
                do {
                    let predictor = try Predictor.load(path: path)
                    target = .predictor(path, predictor)
                    if !predictor.target.hasSuffix("latency_ms") {
                        d.add(tr.keyPath("predictor"), value: p, "this predictor predicts '\(predictor.target)', not a latency in milliseconds",
                              hint: "fit one on a latency column: duet predictor fit --space \(predictor.spaceName) --data CSV --target pixel3_latency_ms --out FILE")
                    }
                    for (i, t) in tasks.enumerated() {
                        let space = t.space?.name ?? t.network.flatMap { n in n.firstIndex(of: ":").map { String(n[..<$0]) } }
                        if space != predictor.spaceName {
                            d.add("tasks[\(i)]", value: space ?? t.network ?? "", "the latency predictor estimates networks of the space '\(predictor.spaceName)' only",
                                  hint: "give the task 'space: \(predictor.spaceName)' (or a network '\(predictor.spaceName):ARCH'), or use a latency table or device model")
                        }
                    }
                } catch let e as InputError {
                    d.add(tr.keyPath("predictor"), value: p, "cannot use the predictor: " + e.issues.map(\.description).joined(separator: "; "),
                          hint: "make one with duet predictor fit --space SPACE --data CSV --target COLUMN_latency_ms --out FILE")
                } catch {
                    d.add(tr.keyPath("predictor"), value: p, "cannot load the predictor: \(error)")
                }
            }
            if let t = tr.string("table") {
                let path = t.hasPrefix("/") ? t : base.appendingPathComponent(t).path
                if FileManager.default.fileExists(atPath: path) { target = .table(path) } else {
                    d.add(tr.keyPath("table"), value: t, "no such latency table (looked for \(path))",
                          hint: "paths are relative to the config file; make one with `duet table generate` or `duet table fit`")
                }
            }
            if let dev = tr.string("device") {
                let lower = dev.lowercased()
                target = .device((lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json")) && !dev.hasPrefix("/")
                                 ? base.appendingPathComponent(dev).path : dev)
            }
            if let a = tr.string("accelerator") {
                let lower = a.lowercased()
                let ref = (lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json")) && !a.hasPrefix("/")
                    ? base.appendingPathComponent(a).path : a
                target = .accelerator(ref, overrides: tr.strings("set") ?? [])
            }
            if let h = tr.object("hardware") {
                func range(_ key: String, _ def: ClosedRange<Int>, max: Int) -> ClosedRange<Int> {
                    guard let v = h.ints(key, min: 1, max: max) else { return def }
                    if v.count == 1 { return v[0]...v[0] }
                    if v.count != 2 { d.add(h.keyPath(key), value: "\(v)", "expected [low, high]"); return def }
                    if v[0] > v[1] {
                        d.add(h.keyPath(key), value: "\(v)", "lower bound \(v[0]) > upper bound \(v[1]) for \(key)", hint: "did you swap them?")
                        return def
                    }
                    return v[0]...v[1]
                }
                let subs = range("subaccelerators", 1...1, max: HardwareSpaceSpec.maxSubaccelerators)
                let known = DataflowTemplate.names(dataDir: dataDir)
                let templates = h.strings("templates") ?? ["tpu"]
                if templates.isEmpty {
                    d.add(h.keyPath("templates"), value: "[]", "the hardware space needs at least one template",
                          hint: "list templates to choose from, e.g. templates: [tpu, eyeriss]; known: " + known.joined(separator: ", "))
                }
                var seenTemplates = Set<String>()
                for (i, t) in templates.enumerated() where !seenTemplates.insert(t).inserted {
                    d.add(h.keyPath("templates") + "[\(i)]", value: t, "template listed twice", hint: "list each template once")
                }
                for (i, t) in templates.enumerated() where !known.contains(t) {
                    d.add(h.keyPath("templates") + "[\(i)]", value: t, "unknown template", hint: Suggestion.hint(for: t, in: known))
                }
                // One value or a list of choices (searched), each listed once.
                func choices(_ key: String, _ p: Parameter) -> [Int] {
                    let r = p.validRange ?? ValidRange(1...1_000_000)
                    guard let v = h.ints(key, min: Swift.max(1, Int(r.low.rounded(.up))), max: Int(Swift.min(r.high, 1e9))) else { return [] }
                    if v.isEmpty { d.add(h.keyPath(key), value: "[]", "list at least one value, or leave '\(key)' out for each template's own") }
                    if Set(v).count != v.count { d.add(h.keyPath(key), value: "\(v)", "a value is listed twice", hint: "list each choice once") }
                    return v
                }
                var spec = HardwareSpaceSpec(minSubaccelerators: subs.lowerBound, maxSubaccelerators: subs.upperBound, templates: templates,
                                             peRows: range("pe_rows", 8...64, max: 65_536), peCols: range("pe_cols", 8...64, max: 65_536),
                                             globalBufferKiB: range("global_buffer_kib", 64...1024, max: 1 << 30),
                                             dramGBps: h.double("dram_gbps", min: 0.001, max: 1e6) ?? 16)
                spec.nodeNm = choices("node_nm", .node_nm)
                spec.clockMHz = choices("clock_mhz", .clock_mhz)
                spec.precisionBits = choices("precision_bits", .precision_bits)
                spec.activationResidency = h.bool("activation_residency") ?? false
                for (key, rg) in [("pe_rows", spec.peRows), ("pe_cols", spec.peCols), ("global_buffer_kib", spec.globalBufferKiB)] {
                    for v in [rg.lowerBound, rg.upperBound] where v & (v - 1) != 0 {
                        d.add(h.keyPath(key), value: "\(v)", "bounds of \(key) must be powers of two", hint: "the search varies it in powers of two")
                    }
                }
                h.finish()
                target = .hardware(spec)
            }
            if let v = tr.choice("schedule", in: ChipScheduling.allCases.map(\.rawValue)).flatMap(ChipScheduling.init) {
                scheduling = v
                if v == .layers, target.isTableDriven {
                    d.add(tr.keyPath("schedule"), value: v.rawValue, "layer scheduling spreads a network over a chip's sub-accelerators; a table, device or predictor target has none",
                          hint: "use schedule: layers with target.accelerator or target.hardware")
                }
            }
            tr.finish()
        }
        var budgets: [(String, Double)] = []
        if let b = r.object("budgets") {
            for key in b.keys {
                let metric = key.split(separator: ".").last.map(String.init) ?? key
                let task = key.contains(".") ? String(key.split(separator: ".")[0]) : nil
                guard budgetMetrics.contains(metric) else {
                    _ = b.raw(key)
                    d.add(b.keyPath(key), "unknown budget '\(key)'",
                          hint: Suggestion.closest(to: metric, in: budgetMetrics).map { "did you mean '\($0)'? budgets carry their unit in the name" }
                            ?? "budgets are latency_ms, energy_mj, area_mm2, power_mw, pe_count, fps, average_power_mw (or TASK.latency_ms, TASK.energy_mj, TASK.fps)")
                    continue
                }
                if task != nil, !["latency_ms", "energy_mj", "fps"].contains(metric) {
                    d.add(b.keyPath(key), "a per-task budget is TASK.latency_ms, TASK.energy_mj or TASK.fps",
                          hint: "area, power and PEs belong to the whole chip: write '\(metric)' without the task")
                }
                if let task, !tasks.contains(where: { $0.name == task }) {
                    d.add(b.keyPath(key), value: task, "no task has this name", hint: Suggestion.hint(for: task, in: tasks.map(\.name)))
                }
                guard let v = b.double(key) else { continue }
                if v <= 0 { d.add(b.keyPath(key), value: "\(v)", "a budget must be positive", hint: v < 0 ? "remove the minus sign" : nil); continue }
                budgets.append((key, v))
            }
            b.finish()
        }
        var objectives: [(String, Bool)] = []
        let objectiveReaders = r.objects("objectives")
        if objectiveReaders?.isEmpty == true {
            d.add("objectives", value: "[]", "list at least one objective, or leave 'objectives' out for the default",
                  hint: "e.g. objectives: [{maximize: accuracy}, {minimize: latency_ms}]")
        }
        for (i, o) in (objectiveReaders ?? []).enumerated() {
            let maxi = o.string("maximize"), mini = o.string("minimize")
            o.finish()
            guard (maxi == nil) != (mini == nil), let m = maxi ?? mini else {
                d.add("objectives[\(i)]", "each objective is 'maximize: METRIC' or 'minimize: METRIC'"); continue
            }
            let metric = m.split(separator: ".").last.map(String.init) ?? m
            let predicted = tasks.flatMap { t in t.predictedMetrics.map { "\(t.name).\($0.name)" } }
            guard metrics.contains(metric) || predicted.contains(m) else {
                d.add("objectives[\(i)]", value: m, "unknown metric", hint: Suggestion.hint(for: metric, in: metrics + predicted)); continue
            }
            if metric == "accuracy" {
                let owners = m.contains(".") ? tasks.filter { $0.name == String(m.split(separator: ".")[0]) } : tasks
                if !owners.isEmpty && owners.allSatisfy({ $0.accuracy.isNone }) {
                    d.add("objectives[\(i)]", value: m, "no accuracy to optimize: fixed networks have none unless their task gives an 'accuracy:' source",
                          hint: "minimize latency_ms, energy_mj or area_mm2 instead, or add accuracy: {table: …} / {command: …} to the task")
                    continue
                }
            }
            if let j = objectives.firstIndex(where: { $0.0 == m }) {
                d.add("objectives[\(i)]", value: m, "the metric is already an objective (objectives[\(j)])", hint: "list each metric once"); continue
            }
            objectives.append((m, maxi != nil))
        }
        if objectives.isEmpty && !r.has("objectives") {
            objectives = !tasks.allSatisfy({ $0.accuracy.isNone }) ? [("accuracy", true), ("latency_ms", false)]
                : target.isLatencyOnly ? [("latency_ms", false), ("macs", false)] : [("latency_ms", false), ("energy_mj", false)]
        }
        // Average power is averaged at the required frame rates: every task needs one.
        let rated = budgets.contains { $0.0 == "fps" } || tasks.allSatisfy { t in budgets.contains { $0.0 == "\(t.name).fps" } }
        if !rated {
            for (name, _) in budgets where name == "average_power_mw" {
                d.add("budgets.average_power_mw", "average power needs the frame rates it is averaged at",
                      hint: "add budgets.fps (every task's rate), or TASK.fps for every task")
            }
            for (i, o) in objectives.enumerated() where o.0 == "average_power_mw" {
                d.add("objectives[\(i)]", value: o.0, "average power needs the frame rates it is averaged at",
                      hint: "add budgets.fps (every task's rate), or TASK.fps for every task")
            }
        }
        if target.isLatencyOnly {
            // A latency table (or a latency predictor) knows latency only.
            for (name, _) in budgets where !name.hasSuffix("latency_ms") {
                d.add("budgets.\(name)", "a table-driven or predicted target ('table:', 'device:' or 'predictor:') gives latency only",
                      hint: "remove this budget, or evaluate on an accelerator (target: {accelerator: …}) for energy, area and power")
            }
            for (i, o) in objectives.enumerated() where ["energy_mj", "area_mm2", "power_mw", "pe_count", "fps", "average_power_mw"].contains(o.0.split(separator: ".").last.map(String.init) ?? o.0) {
                d.add("objectives[\(i)]", value: o.0, "a table-driven or predicted target gives latency only", hint: "optimize accuracy, latency_ms, macs or params")
            }
        }
        var optimizer = "nsga2"
        var surrogate: SurrogateSettings?
        if let o = r.raw("optimizer"), case .mapping = o.value {
            // `optimizer: {name: nsga2, surrogate: {model: gbdt, screen: 20}}`
            let or = ConfigReader(o, path: "optimizer", diagnostics: d)
            optimizer = or.choice("name", in: optimizers) ?? "nsga2"
            if let sr = or.object("surrogate") {
                var s = SurrogateSettings()
                if let m = sr.choice("model", in: ModelKind.allCases.map(\.rawValue)) { s.model = ModelKind(rawValue: m)! }
                if let k = sr.int("screen", min: 1, max: 1_000) { s.screen = k }
                if let k = sr.int("min_trials", min: 2, max: 1_000_000) { s.minimumTrainingRows = k }
                if let k = sr.int("batch", min: 1, max: 100_000) { s.batch = k }
                if let k = sr.int("pool", min: 2, max: 10_000_000) { s.pool = k }
                if let k = sr.int("members", min: 1, max: 100) { s.members = k }
                if let k = sr.double("exploration", min: 0, max: 100) { s.exploration = k }
                if let k = sr.int("training_rows", min: 2, max: 10_000_000) { s.maximumTrainingRows = k }
                if let k = sr.bool("exact") { s.exactCosts = k }
                sr.finish()
                if !["nsga2", "evolution", "random"].contains(optimizer) {
                    d.add("optimizer.surrogate", value: optimizer, "surrogate screening works with nsga2, evolution and random",
                          hint: "the exact optimizers (z3, hybrid) need no predictor")
                }
                surrogate = s
            }
            or.finish()
        } else {
            optimizer = r.choice("optimizer", in: optimizers) ?? "nsga2"
        }
        let givenEvaluations = r.int("evaluations", min: 1, max: 1_000_000_000)
        let evaluations = givenEvaluations ?? 2000
        let population = r.int("population", min: 2, max: 100_000) ?? 50
        let seed = r.int("seed", min: 0, max: Int.max).map { UInt64($0) } ?? 1
        let workers = r.int("workers", min: 1, max: 1024) ?? ProcessInfo.processInfo.activeProcessorCount
        let studyScheduling = r.choice("scheduling", in: StudySettings.SchedulingMode.allCases.map(\.rawValue))
            .flatMap(StudySettings.SchedulingMode.init) ?? .deterministic
        if studyScheduling == .async && (optimizer != "nsga2" || surrogate != nil) {
            d.add("scheduling", value: "async", "steady-state (async) scheduling works with the nsga2 optimizer without surrogate screening (here: \(optimizer)\(surrogate != nil ? " with a surrogate" : ""))",
                  hint: "use optimizer: nsga2 without surrogate:, or scheduling: deterministic")
        }
        var confirm: ConfirmSettings?
        if let c = r.object("confirm") {
            let command = c.string("command", required: true) ?? ""
            var s = ConfirmSettings(command: command)
            s.limit = c.int("limit", min: 1, max: 100_000) ?? s.limit
            s.timeoutSeconds = c.double("timeout_s", min: 0, minExclusive: true) ?? s.timeoutSeconds
            s.retries = c.int("retries", min: 0, max: 100) ?? 0
            c.finish()
            confirm = s
        }
        r.finish()
        try d.throwIfAny()
        var config = ExploreConfig(name: name, file: file, tasks: tasks, target: target, budgets: budgets, objectives: objectives,
                                   optimizer: optimizer, surrogate: surrogate, evaluations: evaluations, population: population, seed: seed, workers: workers)
        config.scheduling = scheduling
        config.evaluationsGiven = givenEvaluations != nil
        config.studyScheduling = studyScheduling
        config.confirm = confirm
        return config
    }
}

extension ExploreConfig {
    /// Every predicted task metric (`TASK.NAME`) with its label (`predictor:FILE`), in task order:
    /// what outputs and the study name as predictions.
    public var predictedMetricLabels: [(metric: String, label: String)] {
        tasks.flatMap { t in t.predictedMetrics.map { ("\(t.name).\($0.name)", $0.label) } }
    }

    /// The table-driven device of a `table:` or `device:` target (nil for accelerator targets).
    public func tableTarget(dataDir: URL) throws -> TableTarget? {
        switch target {
        case .table(let path):
            do {
                let t = try LatencyTable.load(path: path)
                return TableTarget(table: t, name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
            } catch let e as InputError { throw e.issues.allSatisfy({ $0.file != nil }) ? e : e.inFile(path) }
        case .device(let ref):
            do { return TableTarget(model: try DeviceModel.resolve(ref, dataDirectory: dataDir)) } catch let e as InputError {
                throw e.issues.allSatisfy({ $0.file != nil }) ? e : e.under("target.device").inFile(file)
            }
        case .accelerator, .hardware, .predictor:
            return nil
        }
    }

    /// The estimator of a latency-only target: its table or device model (``tableTarget(dataDir:)``)
    /// or its latency predictor; nil for accelerator and hardware-space targets.
    public func latencyEstimator(dataDir: URL) throws -> (any CostEstimator)? {
        if case .predictor(let path, let p) = target { return PredictedLatency(predictor: p, path: path) }
        return try tableTarget(dataDir: dataDir)
    }

    /// A task's `metrics:` mapping: NAME → `{predictor: FILE}`, each a predictor fitted on the
    /// task's space (refused for another space, naming both). NAME cannot be one of Duet's own
    /// metrics (accuracy comes from `accuracy:`, latency and the others from the target).
    static func predictedMetrics(_ t: ConfigReader, space: (any NetworkSpace)?, base: URL, diagnostics d: Diagnostics) -> [PredictedMetric] {
        guard let mr = t.object("metrics") else { return [] }
        var out: [PredictedMetric] = []
        for name in mr.keys {
            guard let r = mr.object(name) else { continue }
            let key = mr.keyPath(name)
            if metrics.contains(name) {
                d.add(key, value: name, "'\(name)' is one of Duet's own metrics",
                      hint: name == "accuracy" ? "a predicted accuracy is accuracy: {predictor: FILE}" : "name the predicted metric differently, e.g. predicted_\(name)")
            } else if name.isEmpty || name.contains(".") || name.contains("=") {
                d.add(key, value: name, "a metric name cannot be empty or contain '.' or '='", hint: "use letters, digits, '-' or '_'")
            }
            guard let file = r.string("predictor", required: true) else { r.finish(); continue }
            r.finish()
            let path = file.hasPrefix("/") ? file : base.appendingPathComponent(file).path
            do {
                let p = try Predictor.load(path: path)
                guard let space else {
                    d.add(key + ".predictor", value: file, "a predicted metric needs the task's searched space", hint: "give the task 'space: \(p.spaceName)'")
                    continue
                }
                if p.spaceName != space.name {
                    d.add(key + ".predictor", value: p.spaceName, "this predictor is for the space '\(p.spaceName)', not the task's space '\(space.name)'",
                          hint: "fit one on \(space.name) architectures: duet predictor fit --space \(space.name) …")
                    continue
                }
                out.append(PredictedMetric(name: name, path: path, predictor: p))
            } catch let e as InputError {
                d.add(key + ".predictor", value: file, "cannot use the predictor: " + e.issues.map(\.description).joined(separator: "; "),
                      hint: "make one with duet predictor fit --space SPACE --data CSV|STUDY --target \(name) --out FILE")
            } catch {
                d.add(key + ".predictor", value: file, "cannot load the predictor: \(error)")
            }
        }
        mr.finish()
        return out
    }
}
