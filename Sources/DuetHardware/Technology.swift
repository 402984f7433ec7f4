import DuetCore
import Foundation

/// Energy and area figures of one technology node, as loaded from
/// `HardwareModels/technology/<node>nm.yaml` (scaled from the 45 nm reference where the file says so).
public struct Technology: Sendable, Hashable {
    public var nodeNm: Int
    public var name: String
    /// (bits, pJ per MAC, µm² per MAC unit), sorted by bits.
    public var mac: [MACFigure]
    /// SRAM access energy per bit = this × √(capacity in KiB).
    public var sramPJPerBitSqrtKiB: Double
    /// Register (flip-flop) access energy per bit; the floor for tiny register files.
    public var registerPJPerBit: Double
    public var sramUm2PerBit: Double
    public var sramOverheadUm2: Double
    public var nocHopPJPerBit: Double
    public var nocUm2PerPE: Double
    public var dramPJPerBit: Double
    public var leakageMWPerMm2: Double
    /// PE logic area ÷ the bare MAC datapath's area (unitless; `pe_logic_factor`, default 1).
    public var peLogicFactor: Double = 1
    /// The same for a systolic array's PE (`systolic_pe_logic_factor`; default: `pe_logic_factor`):
    /// a MAC with its operand and partial-sum pipeline registers, without the per-MAC share of
    /// sequencers, accumulators and post-processing that a broadcast array's factor carries.
    public var systolicPELogicFactor: Double?
    /// Control, DMA and interface area per sub-accelerator, µm² (`control_um2`, default 0).
    public var controlUm2: Double = 0
    /// Fixed per-bit energies that replace the capacity fits (set by accelerator overrides).
    /// The PE-logic factor of an array of `kind` (unitless).
    public func peLogicFactor(for kind: ArrayKind) -> Double {
        kind == .systolic ? (systolicPELogicFactor ?? peLogicFactor) : peLogicFactor
    }
    public var registerFilePJPerBitOverride: Double?
    public var globalBufferPJPerBitOverride: Double?

    public struct MACFigure: Sendable, Hashable {
        public var bits: Int
        public var pj: Double
        public var um2: Double
    }

    /// Energy of one MAC at `bits` precision: table value, or interpolated quadratically between
    /// neighbours (multiplier energy grows about with the square of the width).
    public func macEnergy(bits: Int) -> Picojoules { Picojoules(interpolate(bits, \.pj)) }
    /// Area of one MAC unit at `bits` precision.
    public func macArea(bits: Int) -> Double { interpolate(bits, \.um2) }

    private func interpolate(_ bits: Int, _ f: KeyPath<MACFigure, Double>) -> Double {
        if let e = mac.first(where: { $0.bits == bits }) { return e[keyPath: f] }
        let lo = mac.last { $0.bits < bits } ?? mac[0]
        let hi = mac.first { $0.bits > bits } ?? mac[mac.count - 1]
        if lo.bits == hi.bits { return lo[keyPath: f] * pow(Double(bits) / Double(lo.bits), 2) }
        let t = (Double(bits * bits) - Double(lo.bits * lo.bits)) / Double(hi.bits * hi.bits - lo.bits * lo.bits)
        return lo[keyPath: f] + t * (hi[keyPath: f] - lo[keyPath: f])
    }

    /// Access energy per bit of a per-PE register file of `bytes` capacity.
    public func registerFilePJPerBit(bytes: Int) -> Double { registerFilePJPerBitOverride ?? storagePJPerBit(bytes: bytes) }
    /// Access energy per bit of a global buffer of `bytes` capacity.
    public func globalBufferPJPerBit(bytes: Int) -> Double { globalBufferPJPerBitOverride ?? storagePJPerBit(bytes: bytes) }

    /// Access energy per bit of an SRAM or register file of `bytes` capacity.
    public func storagePJPerBit(bytes: Int) -> Double {
        guard bytes > 0 else { return registerPJPerBit }
        return max(registerPJPerBit, sramPJPerBitSqrtKiB * (Double(bytes) / 1024).squareRoot())
    }

    /// Area of an SRAM or register file of `bytes`, in µm²; zero for zero bytes.
    public func storageArea(bytes: Int) -> Double {
        bytes > 0 ? Double(bytes * 8) * sramUm2PerBit + sramOverheadUm2 * min(1, Double(bytes) / 4096) : 0
    }

    // MARK: Loading

    /// Loads the table for `nodeNm` from `<dataDir>/HardwareModels/technology/`.
    public static func load(nodeNm: Int, dataDir: URL) throws -> Technology {
        let dir = dataDir.appendingPathComponent("HardwareModels/technology")
        let path = dir.appendingPathComponent("\(nodeNm)nm.yaml").path
        guard FileManager.default.fileExists(atPath: path) else {
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
                .compactMap { Int($0.replacingOccurrences(of: "nm.yaml", with: "")) }.sorted()
            throw InputError(keyPath: "node_nm", value: "\(nodeNm)", message: "no technology table for this node",
                             hint: "available nodes: " + known.map(String.init).joined(separator: ", ") + " (HardwareModels/technology/)")
        }
        let d = Diagnostics(file: path)
        let r = ConfigReader(try ConfigNode.load(path: path), diagnostics: d)
        _ = r.int("node_nm", required: true)
        let name = r.string("name") ?? "\(nodeNm) nm"
        _ = r.raw("sources")
        var tech: Technology
        if let base = r.int("scale_from") {
            let e = r.double("energy_scale", required: true, min: 0) ?? 1
            let a = r.double("area_scale", required: true, min: 0) ?? 1
            let dram = r.double("dram_pj_per_bit", min: 0)
            r.finish()
            try d.throwIfAny()
            tech = try load(nodeNm: base, dataDir: dataDir)
            tech.nodeNm = nodeNm
            tech.name = name
            tech.mac = tech.mac.map { MACFigure(bits: $0.bits, pj: $0.pj * e, um2: $0.um2 * a) }
            tech.sramPJPerBitSqrtKiB *= e
            tech.registerPJPerBit *= e
            tech.sramUm2PerBit *= a
            tech.sramOverheadUm2 *= a
            tech.nocHopPJPerBit *= e
            tech.nocUm2PerPE *= a
            tech.controlUm2 *= a
            // Leakage power per mm² follows energy per op over area (denser, leakier transistors).
            tech.leakageMWPerMm2 *= e / a
            if let dram { tech.dramPJPerBit = dram }
            return tech
        }
        var macs: [MACFigure] = []
        for m in r.objects("mac", required: true) ?? [] {
            if let b = m.int("bits", required: true, min: 1), let pj = m.double("pj", required: true, min: 0), let um2 = m.double("um2", required: true, min: 0) {
                macs.append(MACFigure(bits: b, pj: pj, um2: um2))
            }
            m.finish()
        }
        tech = Technology(
            nodeNm: nodeNm, name: name, mac: macs.sorted { $0.bits < $1.bits },
            sramPJPerBitSqrtKiB: r.double("sram_pj_per_bit_sqrt_kib", required: true, min: 0) ?? 0,
            registerPJPerBit: r.double("register_pj_per_bit", required: true, min: 0) ?? 0,
            sramUm2PerBit: r.double("sram_um2_per_bit", required: true, min: 0) ?? 0,
            sramOverheadUm2: r.double("sram_overhead_um2", min: 0) ?? 0,
            nocHopPJPerBit: r.double("noc_hop_pj_per_bit", required: true, min: 0) ?? 0,
            nocUm2PerPE: r.double("noc_um2_per_pe", min: 0) ?? 0,
            dramPJPerBit: r.double("dram_pj_per_bit", required: true, min: 0) ?? 0,
            leakageMWPerMm2: r.double("leakage_mw_per_mm2", min: 0) ?? 0,
            registerFilePJPerBitOverride: nil, globalBufferPJPerBitOverride: nil)
        tech.peLogicFactor = r.double("pe_logic_factor", min: 1) ?? 1
        tech.systolicPELogicFactor = r.double("systolic_pe_logic_factor", min: 1)
        tech.controlUm2 = r.double("control_um2", min: 0) ?? 0
        r.finish()
        if macs.isEmpty { d.add("mac", "at least one MAC figure is needed") }
        try d.throwIfAny()
        return tech
    }
}
