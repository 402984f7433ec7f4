import DuetCore
import DuetHardware
import Foundation

extension ExploreConfig.HardwareSpaceSpec {
    /// The chip-wide settings of one design of a hardware space: the technology node, clock and
    /// precision every sub-accelerator takes (nil: each template's own).
    public struct ChipSettings: Sendable, Hashable, CustomStringConvertible {
        /// Nanometres.
        public var nodeNm: Int?
        /// Megahertz.
        public var clockMHz: Int?
        /// Bits per weight and activation word.
        public var precisionBits: Int?

        public init(nodeNm: Int? = nil, clockMHz: Int? = nil, precisionBits: Int? = nil) {
            self.nodeNm = nodeNm; self.clockMHz = clockMHz; self.precisionBits = precisionBits
        }

        /// The `--set` overrides that apply these settings to a template.
        public var overrides: [String] {
            [nodeNm.map { "node_nm=\($0)" }, clockMHz.map { "clock_mhz=\($0)" }, precisionBits.map { "precision_bits=\($0)" }].compactMap { $0 }
        }

        public var description: String { overrides.isEmpty ? "the templates' own node, clock and precision" : overrides.joined(separator: ", ") }
    }

    /// Every combination of the listed chip settings (one, with nils, when none is listed), in
    /// the order node × clock × precision.
    public var chipSettings: [ChipSettings] {
        let nodes: [Int?] = nodeNm.isEmpty ? [nil] : nodeNm
        let clocks: [Int?] = clockMHz.isEmpty ? [nil] : clockMHz
        let precisions: [Int?] = precisionBits.isEmpty ? [nil] : precisionBits
        return nodes.flatMap { n in clocks.flatMap { c in precisions.map { p in ChipSettings(nodeNm: n, clockMHz: c, precisionBits: p) } } }
    }

    /// The design variables that choose among listed chip settings (only those with two or more
    /// choices): `hw.node_nm`, `hw.clock_mhz`, `hw.precision_bits`.
    public static let settingVariables = ["hw.node_nm", "hw.clock_mhz", "hw.precision_bits"]

    /// Each template's base sub-accelerator (its published defaults, with the chip settings
    /// applied) per chip setting, and each template as loaded. Throws when the templates'
    /// published nodes differ and the space sets no node (a chip has one node), or when a
    /// setting is invalid for a template (errors under `target.hardware`).
    public func loadBases(dataDir: URL) throws -> (bases: [ChipSettings: [String: SubAccelerator]], templates: [String: DataflowTemplate]) {
        let loader = AcceleratorLoader(dataDir: dataDir)
        var issues = IssueCollector()
        var templates: [String: DataflowTemplate] = [:]
        var bases: [ChipSettings: [String: SubAccelerator]] = [:]
        for t in self.templates where templates[t] == nil {
            do { templates[t] = try DataflowTemplate.named(t, dataDir: dataDir) } catch let e as InputError { issues.add(e.under("target.hardware.templates")) }
        }
        try issues.throwIfAny()
        for s in chipSettings {
            for t in self.templates {
                let overrides = s.overrides + (activationResidency ? ["activation_residency=true"] : [])
                do { bases[s, default: [:]][t] = try loader.load(t, overrides: overrides).subAccelerators[0] } catch let e as InputError {
                    issues.add(InputError(e.issues.map { i in
                        var i = i
                        i.file = nil
                        i.keyPath = "target.hardware" + (i.keyPath.hasPrefix("--set ") ? " (template \(t), \(i.keyPath.dropFirst(6)))" : ".templates (\(t)) " + i.keyPath)
                        return i
                    }))
                }
            }
        }
        try issues.throwIfAny()
        if nodeNm.isEmpty, let first = bases.values.first {
            let nodes = Dictionary(grouping: self.templates, by: { first[$0]!.nodeNm })
            if nodes.count > 1 {
                let list = nodes.keys.sorted().map { n in nodes[n]!.joined(separator: ", ") + " \(n) nm" }.joined(separator: "; ")
                throw InputError(keyPath: "target.hardware.node_nm", value: list,
                                 message: "the templates' published designs have different technology nodes, and a chip has one",
                                 hint: "set the chip's node, e.g. node_nm: \(nodes.keys.sorted().first!) (or a list to search, e.g. node_nm: [\(nodes.keys.sorted().map(String.init).joined(separator: ", "))]); "
                                    + "every template's energy and area are then taken from that node's table in HardwareModels/technology")
            }
        }
        return (bases, templates)
    }
}
