import DuetCore

/// Silicon area of a sub-accelerator from its technology table: PEs (MAC unit and scratchpads),
/// the global buffer, and the array network. A pure function of the hardware description.
public enum AreaModel {
    public struct Breakdown: Sendable, Hashable {
        public var pes: SquareMillimeters
        public var globalBuffer: SquareMillimeters
        public var noc: SquareMillimeters
        public var total: SquareMillimeters { pes + globalBuffer + noc }
    }

    public static func area(of a: SubAccelerator) -> Breakdown {
        let t = a.technology
        let perPE = t.macArea(bits: a.precisionBits) + t.storageArea(bytes: a.rfWeightBytes)
            + t.storageArea(bytes: a.rfInputBytes) + t.storageArea(bytes: a.rfOutputBytes)
        let um2ToMm2 = 1e-6
        return Breakdown(pes: SquareMillimeters(Double(a.peCount) * perPE * um2ToMm2),
                         globalBuffer: SquareMillimeters(t.storageArea(bytes: a.globalBufferBytes) * um2ToMm2),
                         noc: SquareMillimeters(Double(a.peCount) * t.nocUm2PerPE * um2ToMm2))
    }
}
