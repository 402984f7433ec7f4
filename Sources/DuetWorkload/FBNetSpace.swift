import DuetCore

/// The FBNet search space (Wu et al., CVPR 2019, Table 1 and Table 2), as used by HW-NAS-Bench:
/// a fixed 3×3/2 stem to 16 channels, 22 searchable layers in 7 stages
/// (16×1, 24×4, 32×4, 64×4, 112×4, 184×4, 352×1; first strides 1,2,2,2,1,2,1), a 1×1 conv to
/// 1984 channels, global pooling and a classifier. Each searchable layer picks one of 9 ops:
/// inverted-residual blocks `k{3,5}_e{1,3,6}` (1×1 group conv expand + ReLU, k×k depthwise + ReLU,
/// 1×1 group conv project, residual when shapes allow), the `_g2` variants with group-2 1×1
/// convolutions and a channel shuffle, and `skip` (identity, or a 1×1 conv when the shape changes,
/// as in the FBNet builder's `Identity`). 9²² ≈ 9.85 × 10²⁰ architectures.
///
/// Arch string: the 22 op names separated by spaces (commas accepted).
///
/// ``cifar100`` is the variant HW-NAS-Bench measured and HELP redistributes (`fbnet-c100`):
/// 32×32 input, stem stride 1, stage strides 1,1,2,2,1,2,1, a 1×1 head to 1504 channels and 100
/// classes (HW-NAS-Bench's `FBNet_Infer` and its lookup-table code: `if "cifar" in dataset`),
/// with the same 22-choice arch strings.
public struct FBNetSpace: NetworkSpace {
    public static let ops = ["k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"]
    /// (channels, count, first stride) of the searchable stages.
    public static let stages: [(c: Int, n: Int, s: Int)] = [(16, 1, 1), (24, 4, 2), (32, 4, 2), (64, 4, 2), (112, 4, 1), (184, 4, 2), (352, 1, 1)]

    public var name: String
    public var summary: String {
        name == "fbnet" ? "FBNet space (Wu et al. CVPR 2019; HW-NAS-Bench): 22 layers × 9 ops"
            : "FBNet space, HW-NAS-Bench's CIFAR-100 variant (32×32, stem stride 1, 1504-channel head, 100 classes): 22 layers × 9 ops"
    }
    public var dimensions: [SpaceDimension] { (0..<22).map { SpaceDimension("layer\($0)", Self.ops) } }

    /// Input height and width in pixels.
    public var input: Int
    public var classes: Int
    /// Stride of the 3×3 stem convolution.
    public var stemStride: Int = 2
    /// First stride of each of the 7 stages.
    public var stageStrides: [Int] = Self.stages.map(\.s)
    /// Channels of the 1×1 head convolution.
    public var headChannels: Int = 1984

    public init(input: Int = 224, classes: Int = 1000) { self.input = input; self.classes = classes; name = "fbnet" }

    /// HW-NAS-Bench's CIFAR-100 FBNet (`fbnet-c100`).
    public static var cifar100: FBNetSpace {
        var s = FBNetSpace(input: 32, classes: 100)
        s.name = "fbnet-c100"; s.stemStride = 1; s.stageStrides = [1, 1, 2, 2, 1, 2, 1]; s.headChannels = 1504
        return s
    }

    public func parse(_ text: String) throws -> Architecture {
        let items = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
        guard items.count == 22 else {
            throw InputError(value: text, message: "an FBNet arch has 22 ops, found \(items.count)",
                             hint: "list 22 ops from \(Self.ops.joined(separator: ", ")), separated by spaces")
        }
        return Architecture(try items.enumerated().map { try option($1, in: $0, keyPath: "layer\($0)") })
    }

    public func format(_ arch: Architecture) -> String { arch.choices.map { Self.ops[$0] }.joined(separator: " ") }

    public func network(_ arch: Architecture) throws -> Network {
        try validate(arch)
        var b = NetworkBuilder(name: "fbnet", input: TensorShape([3, input, input]))
        b.conv("stem", out: 16, kernel: 3, stride: stemStride, act: .relu)
        var cin = 16, layer = 0
        for (si, st) in Self.stages.enumerated() {
            for i in 0..<st.n {
                let s = i == 0 ? stageStrides[si] : 1
                let op = Self.ops[arch.choices[layer]]
                let p = "layer\(layer)"
                let x = b.current
                if op == "skip" {
                    if s != 1 || cin != st.c { b.conv("\(p).skip", out: st.c, kernel: 1, stride: s, padding: .valid, act: .relu) }
                } else {
                    let k = op.hasPrefix("k3") ? 3 : 5
                    let e = Int(op.split(separator: "_")[1].dropFirst())!
                    let g = op.hasSuffix("_g2") ? 2 : 1
                    let mid = cin * e
                    b.conv("\(p).pw", out: mid, kernel: 1, groups: g, act: .relu)
                    if g > 1 { b.add("\(p).shuffle", .channelShuffle(groups: g)) }
                    b.conv("\(p).dw", out: mid, kernel: k, stride: s, groups: mid, act: .relu)
                    b.conv("\(p).pwl", out: st.c, kernel: 1, groups: g)
                    if s == 1 && cin == st.c { b.add("\(p).add", .elementwise(.add), inputs: [b.current, x]) }
                }
                cin = st.c
                layer += 1
            }
        }
        b.conv("head", out: headChannels, kernel: 1, act: .relu)
        b.add("gap", .globalPool(.avg))
        b.add("flatten", .flatten)
        b.dense("classifier", out: classes)
        return b.network
    }
}
