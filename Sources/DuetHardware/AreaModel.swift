import DuetCore

/// Silicon (core) area of a sub-accelerator from its technology table, by component:
///
/// - **PEs**: per PE, the MAC's datapath (``Technology/macArea(bits:)``) × the table's
///   `pe_logic_factor` (operand and pipeline registers, accumulator, muxing, per-PE control and
///   wiring around the bare multiplier-adder; `systolic_pe_logic_factor` for a systolic array's
///   leaner PE), plus its register files (SRAM fit);
/// - **global buffer**: SRAM of its capacity;
/// - **network**: the array network's share per PE (`noc_um2_per_pe`);
/// - **control and DMA**: one fixed block per sub-accelerator (`control_um2`: sequencers, DMA
///   engines, host/bus interfaces, post-processing units).
///
/// I/O pads and DRAM PHYs are outside the core and not modelled; published figures compared
/// against are core or cell areas (docs/VALIDATION.md, "Area you can check"). Every figure is in
/// the technology table with its source. A pure function of the hardware description.
public enum AreaModel {
    public struct Breakdown: Sendable, Hashable {
        /// MAC logic and register files of every PE.
        public var pes: SquareMillimeters
        public var globalBuffer: SquareMillimeters
        public var noc: SquareMillimeters
        /// Control, DMA and interfaces: fixed per sub-accelerator.
        public var control: SquareMillimeters = .zero
        public var total: SquareMillimeters { pes + globalBuffer + noc + control }
    }

    public static func area(of a: SubAccelerator) -> Breakdown {
        let t = a.technology
        let perPE = t.macArea(bits: a.precisionBits) * t.peLogicFactor(for: a.array) + t.storageArea(bytes: a.rfWeightBytes)
            + t.storageArea(bytes: a.rfInputBytes) + t.storageArea(bytes: a.rfOutputBytes)
        let um2ToMm2 = 1e-6
        return Breakdown(pes: SquareMillimeters(Double(a.peCount) * perPE * um2ToMm2),
                         globalBuffer: SquareMillimeters(t.storageArea(bytes: a.globalBufferBytes) * um2ToMm2),
                         noc: SquareMillimeters(Double(a.peCount) * t.nocUm2PerPE * um2ToMm2),
                         control: SquareMillimeters(t.controlUm2 * um2ToMm2))
    }
}
