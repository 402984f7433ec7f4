import Testing
@testable import DuetCore

@Suite struct UnitsTests {
    @Test func cyclesToSecondsAtClock() {
        #expect(Cycles(200_000_000).seconds(at: Megahertz(200)).value == 1.0)
        #expect(Seconds(0.002).milliseconds == 2.0)
    }

    @Test func arithmeticStaysInUnit() {
        let e = Picojoules(1.5) + Picojoules(2.5)
        #expect(e == Picojoules(4))
        #expect((e * 2).value == 8)
        #expect(Bytes.kibibytes(108).value == 110_592)
        #expect(Bits(9).bytes == Bytes(2))
    }

    @Test func powerFromEnergyAndTime() {
        // 1 mJ over 1 s = 1 mW.
        #expect(abs(Milliwatts(energy: Picojoules(1e9), over: Seconds(1)).value - 1.0) < 1e-12)
    }
}
