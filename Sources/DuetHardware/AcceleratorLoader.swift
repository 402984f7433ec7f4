import DuetCore
import Foundation

/// Builds an ``Accelerator`` from a template name (`tpu`, `tpu:edge`, `nvdla:nv_small`) or an
/// accelerator file, then applies `--set key=value` overrides. Parameter values are layered —
/// template defaults, variant, file, overrides — and validated together: every problem is
/// reported with where its value came from.
public struct AcceleratorLoader {
    public var dataDir: URL
    public init(dataDir: URL) { self.dataDir = dataDir }

    /// One parameter value and where it came from (for error messages).
    struct Value {
        var text: String
        var file: String?
        var keyPath: String
        /// Whether the value is the template's own (its defaults or variant), not the user's.
        var fromTemplate = false
    }

    /// Parameters a multi-sub-accelerator file may set once for the whole chip (top level).
    public static let chipParameters: [Parameter] = [.node_nm, .clock_mhz, .precision_bits, .activation_residency]

    /// Loads `reference` (template[:variant] or a .yaml/.json file) and applies `overrides`
    /// (`key=value`, `NAME.key=value` or `subaccelerators[i].key=value`).
    public func load(_ reference: String, overrides: [String] = []) throws -> Accelerator {
        let lower = reference.lowercased()
        var subs: [(name: String, template: DataflowTemplate, values: [String: Value], mapping: SpatialMapping?, base: [String: Value])] = []
        var chipDRAM: Double?
        var name = reference
        var fileIssues: [InputIssue] = []
        var allowOutside = false
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json") {
            let d = Diagnostics(file: reference)
            let r = ConfigReader(try ConfigNode.load(path: reference), diagnostics: d)
            name = r.string("name") ?? URL(fileURLWithPath: reference).deletingPathExtension().lastPathComponent
            chipDRAM = r.double("dram_gbps", min: 1e-6, max: 1e6)
            var entries: [ConfigReader] = []
            if let list = r.objects("subaccelerators") {
                entries = list
                if list.isEmpty {
                    d.add("subaccelerators", value: "[]", "an accelerator needs at least one sub-accelerator",
                          hint: "list one or more {name, template} entries, or drop 'subaccelerators' and give 'template' at the top")
                }
            } else if r.has("subaccelerators") {
                entries = []   // present but not a list: already reported
            } else { entries = [r] }
            allowOutside = r.bool("allow_outside_template_ranges") ?? false
            // Chip-wide settings (node, clock, precision) at the top of a multi-sub-accelerator file.
            var chipValues: [String: Value] = [:]
            if entries.first !== r {
                for p in Self.chipParameters {
                    if let n = r.raw(p.rawValue), let s = n.scalarText {
                        chipValues[p.rawValue] = Value(text: s, file: reference, keyPath: p.rawValue)
                    } else if r.raw(p.rawValue) != nil { d.add(p.rawValue, "expected a single value") }
                }
            }
            for (i, e) in entries.enumerated() {
                let isTop = entries.count == 1 && e === r
                let tname = e.string("template", required: true) ?? ""
                let variant = e.string("variant")
                let subName = isTop ? name : (e.string("name") ?? "sub\(i)")
                do {
                    let t = try DataflowTemplate.named(tname, dataDir: dataDir)
                    let base = try baseValues(t, variant: variant)
                    var values = base.merging(chipValues) { $1 }
                    for p in Parameter.allCases where p != .dram_gbps || !isTop {
                        if let n = e.raw(p.rawValue), let s = n.scalarText {
                            values[p.rawValue] = Value(text: s, file: reference, keyPath: e.keyPath(p.rawValue))
                        } else if e.raw(p.rawValue) != nil {
                            d.add(e.keyPath(p.rawValue), "expected a single value")
                        }
                    }
                    if isTop, let dram = chipDRAM { values["dram_gbps"] = Value(text: String(dram), file: reference, keyPath: "dram_gbps") }
                    let custom = e.object("mapping").map { SpatialMapping.decode($0, diagnostics: d) }
                    subs.append((subName, t, values, custom, base))
                } catch let err as InputError {
                    d.add(err.under(e.keyPath("")))
                }
                if isTop { _ = e.raw("name"); _ = e.raw("subaccelerators") }
                e.finish()
            }
            var seen: [String: Int] = [:]
            for (i, sub) in subs.enumerated() {
                if sub.name.isEmpty { d.add("subaccelerators[\(i)].name", value: "", "a sub-accelerator name cannot be empty", hint: "name it, e.g. name: sub\(i)") }
                if let j = seen[sub.name] {
                    d.add("subaccelerators[\(i)].name", value: sub.name, "the name is already used by subaccelerators[\(j)]",
                          hint: "give each sub-accelerator its own name; --set NAME.key=value and reports tell them apart by it")
                } else { seen[sub.name] = i }
            }
            if entries.first !== r { r.finish() }
            fileIssues = d.collector.issues
        } else {
            let parts = reference.split(separator: ":", maxSplits: 1).map(String.init)
            let t = try DataflowTemplate.named(parts[0], dataDir: dataDir)
            let base = try baseValues(t, variant: parts.count > 1 ? parts[1] : nil)
            subs.append((reference, t, base, nil, base))
        }
        // Overrides.
        var issues = IssueCollector()
        for o in overrides {
            let kv = o.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, !kv[1].isEmpty else {
                issues.add("--set", value: o, "expected key=value", hint: "e.g. --set pe_rows=32"); continue
            }
            var key = kv[0]
            if key == "allow_outside_template_ranges" {
                switch kv[1].lowercased() { case "true", "yes": allowOutside = true; case "false", "no": allowOutside = false
                default: issues.add("--set", value: o, "allow_outside_template_ranges must be true or false") }
                continue
            }
            var targets = Array(subs.indices)
            if let dot = key.lastIndex(of: ".") {
                let scope = String(key[..<dot])
                key = String(key[key.index(after: dot)...])
                if scope.hasPrefix("subaccelerators["), scope.hasSuffix("]"), let i = Int(scope.dropFirst(16).dropLast()), subs.indices.contains(i) {
                    targets = [i]
                } else if let i = subs.firstIndex(where: { $0.name == scope }) {
                    targets = [i]
                } else {
                    issues.add("--set", value: o, "unknown sub-accelerator '\(scope)'",
                               hint: Suggestion.hint(for: scope, in: subs.map(\.name) + subs.indices.map { "subaccelerators[\($0)]" }))
                    continue
                }
            }
            guard Parameter(rawValue: key) != nil else {
                issues.add("--set", value: o, "unknown parameter '\(key)'", hint: Suggestion.hint(for: key, in: Parameter.allCases.map(\.rawValue)))
                continue
            }
            for i in targets { subs[i].values[key] = Value(text: kv[1], file: nil, keyPath: "--set \(o)") }
        }
        try issues.throwIfAny()
        // Validate every sub-accelerator, collecting all problems.
        var built: [SubAccelerator] = []
        var all = IssueCollector()
        if !fileIssues.isEmpty { all.add(InputError(fileIssues)) }
        for s in subs {
            do { built.append(try resolve(name: s.name, template: s.template, values: s.values, customMapping: s.mapping, base: s.base)) } catch let e as InputError { all.add(e); continue }
            // The template's `ranges` (the sizes it is meant for) bound what files and --set may
            // give, unless the user allows more; the template's own defaults and variants are trusted.
            guard !allowOutside else { continue }
            for rg in s.template.ranges {
                guard let v = s.values[rg.key], !v.fromTemplate, let x = Double(v.text), x.isFinite,
                      x < rg.low || x > rg.high else { continue }
                all.add(InputError([InputIssue(
                    file: v.file, keyPath: v.keyPath, value: v.text,
                    message: "\(rg.key) is outside the \(s.template.name) template's range \(ValidRange(rg.low, rg.high))",
                    hint: "stay within Templates/\(s.template.name).yaml's ranges, or allow it explicitly with "
                        + "'allow_outside_template_ranges: true' in the accelerator file or --set allow_outside_template_ranges=true")]))
            }
        }
        try all.throwIfAny()
        // One technology node per chip: sub-accelerators of different nodes are refused.
        if Set(built.map(\.nodeNm)).count > 1 {
            let list = zip(subs, built).map { s, b in
                "\(b.name) \(b.nodeNm) nm (\(s.values["node_nm"].map { $0.fromTemplate ? "the \(b.template) template's" : $0.keyPath } ?? "?"))"
            }.joined(separator: ", ")
            throw InputError(file: reference.lowercased().hasSuffix(".yaml") || reference.lowercased().hasSuffix(".yml")
                                || reference.lowercased().hasSuffix(".json") ? reference : nil,
                             keyPath: "node_nm", value: list,
                             message: "a chip has one technology node, but its sub-accelerators have different ones",
                             hint: "set node_nm once at the top of the accelerator file (or --set node_nm=N): every template's energy "
                                + "and area are then taken from that node's table in HardwareModels/technology")
        }
        // Templates evaluated at another node than their published design's: say so.
        var notes: [String] = []
        for (s, b) in zip(subs, built) {
            if let published = s.base["node_nm"].flatMap({ Int($0.text) }), published != b.nodeNm {
                notes.append("\(b.name): the \(b.template) template's published design is \(published) nm; evaluated at \(b.nodeNm) nm "
                             + "(energy and area from HardwareModels/technology/\(b.nodeNm)nm.yaml)")
            }
        }
        let sum = built.reduce(0) { $0 + $1.dramGBps }
        if let chipDRAM, subs.count > 1, sum > chipDRAM * (1 + 1e-9) {
            throw InputError(file: reference, keyPath: "dram_gbps", value: "\(chipDRAM)",
                             message: "the sub-accelerators' DRAM shares add up to \(sum) GB/s, more than the chip's \(chipDRAM) GB/s",
                             hint: "lower their dram_gbps or raise the chip's")
        }
        var chip = Accelerator(name: name, subAccelerators: built, dramGBps: chipDRAM ?? sum)
        chip.notes = notes
        return chip
    }

    private func baseValues(_ t: DataflowTemplate, variant: String?) throws -> [String: Value] {
        let file = "Templates/\(t.name).yaml"
        var values: [String: Value] = [:]
        for (k, v) in t.parameters { values[k] = Value(text: v, file: file, keyPath: "parameters.\(k)", fromTemplate: true) }
        if let variant {
            guard let ov = t.variants.first(where: { $0.name == variant }) else {
                throw InputError(keyPath: "variant", value: variant, message: "template '\(t.name)' has no such variant",
                                 hint: Suggestion.hint(for: variant, in: t.variants.map(\.name)))
            }
            for (k, v) in ov.overrides { values[k] = Value(text: v, file: file, keyPath: "variants.\(variant).\(k)", fromTemplate: true) }
        }
        return values
    }

    /// Checks and converts layered values into a ``SubAccelerator``.
    /// `base` holds the template's own values (defaults and variant): a bandwidth the user did not
    /// give follows the template's ``BandwidthScaling`` from the base array to the resolved one.
    func resolve(name: String, template t: DataflowTemplate, values: [String: Value], customMapping: SpatialMapping? = nil,
                 base: [String: Value] = [:]) throws -> SubAccelerator {
        var issues = IssueCollector()
        func raw(_ p: Parameter) -> Value? {
            guard let v = values[p.rawValue] else {
                if !p.isRequired { return nil }
                issues.add(p.rawValue, "missing parameter '\(p.rawValue)' (\(p.help))", hint: "set it in the accelerator file or with --set \(p.rawValue)=…")
                return nil
            }
            return v
        }
        func bad(_ v: Value, _ message: String, hint: String? = nil) {
            issues.add(InputError([InputIssue(file: v.file, keyPath: v.keyPath, value: v.text, message: message, hint: hint)]))
        }
        func int(_ p: Parameter, min: Int) -> Int {
            guard let v = raw(p) else { return min }
            switch UserNumber.int(v.text, in: p.validRange ?? .atLeast(min)) {
            case .success(let x): return x
            case .failure(let e):
                let i = e.issues[0]
                bad(v, "\(p.rawValue) " + i.message, hint: (Int(v.text) ?? 1) <= 0 && min > 0
                    ? "a sub-accelerator needs at least one PE row and column, and positive sizes" : i.hint)
                return min
            }
        }
        func double(_ p: Parameter, min: Double, strict: Bool = false) -> Double {
            guard let v = raw(p) else { return max(min, 1) }
            switch UserNumber.double(v.text, in: p.validRange ?? ValidRange(min, 1e15, lowExclusive: strict)) {
            case .success(let x): return x
            case .failure(let e): bad(v, "\(p.rawValue) " + e.issues[0].message, hint: e.issues[0].hint); return max(min, 1)
            }
        }
        let dataflowValue = raw(.dataflow)
        var mapping = t.mappings.values.first ?? SpatialMapping(stationary: .weight, rows: [.c], cols: [.k], stream: [.p, .q])
        var dataflow = t.mappings.keys.sorted().first ?? .ws
        if let dv = dataflowValue {
            if let df = Dataflow(name: dv.text), let m = t.mappings[df] { mapping = m; dataflow = df } else if Dataflow(name: dv.text) == nil {
                let names = t.mappings.keys.sorted().map(\.rawValue)
                bad(dv, "unknown dataflow '\(dv.text)'",
                    hint: (Suggestion.closest(to: dv.text, in: names).map { "did you mean '\($0)'? " } ?? "") + "template '\(t.name)' has \(names.joined(separator: ", "))")
            } else {
                bad(dv, "template '\(t.name)' has no dataflow '\(dv.text)'", hint: Suggestion.hint(for: dv.text, in: t.mappings.keys.sorted().map(\.rawValue)))
            }
        }
        let rows = int(.pe_rows, min: 1), cols = int(.pe_cols, min: 1)
        let clock = double(.clock_mhz, min: 0, strict: true)
        let bits = int(.precision_bits, min: 1)
        let node = int(.node_nm, min: 1)
        let glb = double(.global_buffer_kib, min: 0, strict: true)
        let rfw = int(.rf_weight_bytes, min: 0), rfi = int(.rf_input_bytes, min: 0), rfo = int(.rf_output_bytes, min: 0)
        var glbBW = double(.glb_words_per_cycle, min: 0, strict: true), nocBW = double(.noc_words_per_cycle, min: 0, strict: true)
        var dram = double(.dram_gbps, min: 0, strict: true)
        // The template's bandwidth-scaling rule, from its own array to this one, for the
        // bandwidths the user left at the template's values (the rule ``BandwidthScaling/resized``
        // applies in hardware spaces).
        if let r0 = base["pe_rows"].flatMap({ Int($0.text) }), let c0 = base["pe_cols"].flatMap({ Int($0.text) }), r0 > 0, c0 > 0 {
            func scaled(_ p: Parameter, _ x: Double) -> Double {
                values[p.rawValue]?.fromTemplate == true ? t.bandwidthScaling.rule(for: p).scaled(x, from: (r0, c0), to: (rows, cols)) : x
            }
            glbBW = scaled(.glb_words_per_cycle, glbBW)
            nocBW = scaled(.noc_words_per_cycle, nocBW)
            dram = scaled(.dram_gbps, dram)
        }
        var db = true
        if let v = raw(.double_buffer) {
            switch v.text.lowercased() { case "true", "yes": db = true; case "false", "no": db = false
            default: bad(v, "double_buffer must be true or false") }
        }
        var channels = DRAMChannels.shared
        if let v = raw(.dram_channels) {
            if let c = DRAMChannels(rawValue: v.text.lowercased()) { channels = c } else {
                bad(v, "dram_channels must be one of \(DRAMChannels.allCases.map(\.rawValue).joined(separator: ", "))",
                    hint: Suggestion.hint(for: v.text, in: DRAMChannels.allCases.map(\.rawValue)))
            }
        }
        var residency = false
        if let v = raw(.activation_residency) {
            switch v.text.lowercased() { case "true", "yes": residency = true; case "false", "no": residency = false
            default: bad(v, "activation_residency must be true or false") }
        }
        var prefetch = false
        if let v = raw(.weight_prefetch) {
            switch v.text.lowercased() { case "true", "yes": prefetch = true; case "false", "no": prefetch = false
            default: bad(v, "weight_prefetch must be true or false") }
        }
        var factors = SpatialFactors.any
        if let v = raw(.spatial_factors) {
            if let f = SpatialFactors(rawValue: v.text.lowercased()) { factors = f } else {
                bad(v, "spatial_factors must be one of \(SpatialFactors.allCases.map(\.rawValue).joined(separator: ", "))",
                    hint: Suggestion.hint(for: v.text, in: SpatialFactors.allCases.map(\.rawValue)))
            }
        }
        let pipe = int(.pipeline_cycles, min: 0)
        var tech: Technology?
        if issues.isEmpty || values["node_nm"].map({ Int($0.text) != nil }) == true {
            do { tech = try Technology.load(nodeNm: node, dataDir: dataDir) } catch let e as InputError {
                if let v = values["node_nm"] { bad(v, e.issues[0].message, hint: e.issues[0].hint) } else { issues.add(e) }
            }
        }
        func optional(_ p: Parameter) -> Double? {
            guard let v = raw(p) else { return nil }
            switch UserNumber.double(v.text, in: p.validRange ?? ValidRange(0, 1e15)) {
            case .success(let x): return x
            case .failure(let e): bad(v, "\(p.rawValue) " + e.issues[0].message, hint: e.issues[0].hint); return nil
            }
        }
        if var t = tech {
            if let e = optional(.mac_pj) {
                let base = t.macEnergy(bits: bits).value
                t.mac = t.mac.map { Technology.MACFigure(bits: $0.bits, pj: base > 0 ? $0.pj * e / base : e, um2: $0.um2) }
                if !t.mac.contains(where: { $0.bits == bits }) { t.mac.append(.init(bits: bits, pj: e, um2: t.macArea(bits: bits))); t.mac.sort { $0.bits < $1.bits } }
            }
            if let e = optional(.rf_pj_per_bit) { t.registerFilePJPerBitOverride = e }
            if let e = optional(.glb_pj_per_bit) { t.globalBufferPJPerBitOverride = e }
            if let e = optional(.noc_hop_pj_per_bit) { t.nocHopPJPerBit = e }
            if let e = optional(.dram_pj_per_bit) { t.dramPJPerBit = e }
            if let e = optional(.leakage_mw_per_mm2) { t.leakageMWPerMm2 = e }
            tech = t
        }
        if let custom = customMapping { mapping = custom; dataflow = .custom }
        try issues.throwIfAny()
        var sub = SubAccelerator(name: name, template: t.name, array: t.array, dataflow: dataflow, mapping: mapping,
                              peRows: rows, peCols: cols, clockMHz: clock, precisionBits: bits, nodeNm: node,
                              globalBufferKiB: glb, rfWeightBytes: rfw, rfInputBytes: rfi, rfOutputBytes: rfo,
                              glbWordsPerCycle: glbBW, nocWordsPerCycle: nocBW, dramGBps: dram, doubleBuffer: db,
                              dramChannels: channels, pipelineCycles: pipe, technology: tech!)
        sub.activationResidency = residency
        sub.spatialFactors = factors
        sub.weightPrefetch = prefetch
        return sub
    }
}
