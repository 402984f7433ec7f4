import DuetCore

/// A NASAIC-style chain space (Yang et al., "Co-Exploration of Neural Architectures and
/// Heterogeneous ASIC Accelerator Designs Targeting Multiple Tasks", DAC 2020): a fixed backbone of
/// convolution layers in which each layer chooses its filter count and kernel size. Pooling
/// positions, the input and the classifier are fixed by the backbone.
///
/// Arch string: one `f<filters>k<kernel>` token per layer, joined by `-`, e.g. `f64k3-f128k5-…`.
public struct ChainSpace: NetworkSpace {
    /// One searchable layer of the backbone.
    public struct Slot: Sendable, Hashable {
        public var filters: [Int]
        public var kernels: [Int]
        /// Whether a 2×2 max pool follows this layer.
        public var poolAfter: Bool
        public init(filters: [Int], kernels: [Int], poolAfter: Bool) {
            self.filters = filters; self.kernels = kernels; self.poolAfter = poolAfter
        }
    }

    public var name: String
    public var summary: String
    public var input: TensorShape
    public var slots: [Slot]
    public var classes: Int

    public init(name: String, summary: String, input: TensorShape, slots: [Slot], classes: Int) {
        self.name = name; self.summary = summary; self.input = input; self.slots = slots; self.classes = classes
    }

    /// The default NASAIC-style backbone for CIFAR-10 (32×32×3, 10 classes): 6 conv layers (each
    /// conv + BN + ReLU) with 2×2 max pooling after layers 2, 4 and 6, filters from
    /// {24, 36, 48, 64, 96, 128} and kernels from {1, 3, 5, 7}, then global pooling and a
    /// classifier. 24⁶ ≈ 1.9 × 10⁸ networks. (NASAIC's exact backbones are not published as
    /// code; the choice lists follow its description of per-layer filter/kernel choices.)
    public static let nasaic = ChainSpace(
        name: "nasaic", summary: "NASAIC-style chain (Yang et al. DAC 2020): 6 conv layers × filters {24..128} × kernels {1,3,5,7}, CIFAR-10",
        input: TensorShape([3, 32, 32]),
        slots: (0..<6).map { Slot(filters: [24, 36, 48, 64, 96, 128], kernels: [1, 3, 5, 7], poolAfter: $0 % 2 == 1) },
        classes: 10)

    public var dimensions: [SpaceDimension] {
        slots.enumerated().flatMap { i, s in
            [SpaceDimension("filters\(i)", s.filters.map(String.init)), SpaceDimension("kernel\(i)", s.kernels.map(String.init))]
        }
    }

    public func parse(_ text: String) throws -> Architecture {
        let tokens = text.split(separator: "-").map { $0.trimmingWhitespace() }
        guard tokens.count == slots.count else {
            throw InputError(value: text, message: "a \(name) arch has \(slots.count) layers, found \(tokens.count)",
                             hint: "write one f<filters>k<kernel> token per layer joined by '-', e.g. " + format(Architecture(Array(repeating: 0, count: 2 * slots.count))))
        }
        var choices: [Int] = []
        for (i, t) in tokens.enumerated() {
            guard t.hasPrefix("f"), let kpos = t.firstIndex(of: "k"),
                  let f = Int(t[t.index(after: t.startIndex)..<kpos]), let k = Int(t[t.index(after: kpos)...]) else {
                throw InputError(keyPath: "layer\(i)", value: t, message: "expected f<filters>k<kernel>, e.g. f64k3")
            }
            choices.append(try option(String(f), in: 2 * i, keyPath: "layer\(i).filters"))
            choices.append(try option(String(k), in: 2 * i + 1, keyPath: "layer\(i).kernel"))
        }
        return Architecture(choices)
    }

    public func format(_ arch: Architecture) -> String {
        slots.enumerated().map { i, s in "f\(s.filters[arch.choices[2 * i]])k\(s.kernels[arch.choices[2 * i + 1]])" }.joined(separator: "-")
    }

    public func network(_ arch: Architecture) throws -> Network {
        try validate(arch)
        var b = NetworkBuilder(name: name, input: input)
        for (i, s) in slots.enumerated() {
            b.conv("conv\(i)", out: s.filters[arch.choices[2 * i]], kernel: s.kernels[arch.choices[2 * i + 1]], act: .relu)
            if s.poolAfter { b.add("pool\(i)", .pool(.max, window: Window2D(kernel: 2, stride: 2, padding: .valid))) }
        }
        b.add("gap", .globalPool(.avg))
        b.add("flatten", .flatten)
        b.dense("classifier", out: classes)
        return b.network
    }
}
