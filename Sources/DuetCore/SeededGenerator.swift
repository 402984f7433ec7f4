/// The one seedable random number generator Duet ships: xoshiro256** (Blackman & Vigna 2018),
/// seeded through SplitMix64 so that any 64-bit seed, including 0, gives a well-mixed state.
///
/// Every stochastic API in Duet takes `using rng: inout some RandomNumberGenerator`; pass a
/// `SeededGenerator` to make a run reproducible. The same seed gives the same stream on every
/// platform (the standard library's `SystemRandomNumberGenerator` is never used implicitly).
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable {
    private var s0, s1, s2, s3: UInt64

    /// The seed this generator was created with (recorded in outputs for reproducibility).
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        var sm = seed
        func splitmix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(&sm); s1 = splitmix(&sm); s2 = splitmix(&sm); s3 = splitmix(&sm)
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// An independent generator derived from this one's seed and a stream index, for
    /// reproducible parallel work (each worker gets `forked(stream: i)`).
    public func forked(stream: UInt64) -> SeededGenerator {
        SeededGenerator(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ 0x632B_E59B_D9B4_E019)
    }
}

extension RandomNumberGenerator {
    /// A uniform double in [0, 1) with 53 random bits, identical across platforms.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
