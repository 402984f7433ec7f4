import DuetCore

/// The once-for-all MobileNetV3 space (Cai et al., ICLR 2020), width multiplier 1.2 as in the
/// released `ofa_mbv3_d234_e346_k357_w1.2` supernet and its measured lookup tables: a 3×3/2 stem
/// to 24 channels, a fixed 24→24 depthwise block, then 5 stages (32, 48, 96, 136, 192 channels;
/// first strides 2, 2, 2, 1, 2; ReLU, ReLU, h-swish, h-swish, h-swish; squeeze-excite in stages
/// 2, 4 and 5) of 2–4 inverted-residual blocks with kernel 3/5/7 and expand ratio 3/4/6, then
/// 1×1 conv to 1152, global pool, 1×1 conv to 1536 (h-swish) and the classifier. Resolution
/// 128–224 in steps of 4.
///
/// Dimensions: depth of each stage (5), kernel of each of the 20 block slots, expand ratio of
/// each slot, and resolution. Slots beyond a stage's depth are inactive (their choices do not
/// change the network). Arch string: `ks=3,5,…(20);e=3,4,…(20);d=2,3,4,2,3;r=224`; the JSON form
/// `{"ks": […], "e": […], "d": […], "r": 224}` used by the OFA code is accepted too.
public struct OFAMobileNetV3Space: NetworkSpace {
    public static let widths = [32, 48, 96, 136, 192]
    public static let strides = [2, 2, 2, 1, 2]
    public static let hswish = [false, false, true, true, true]
    public static let se = [false, true, false, true, true]
    public static let resolutions = Array(stride(from: 128, through: 224, by: 4))

    public var name: String { "ofa-mbv3" }
    public var summary: String { "once-for-all MobileNetV3 w1.2 (Cai et al. ICLR 2020): depth 2-4, kernel 3/5/7, expand 3/4/6, resolution 128-224" }
    public var dimensions: [SpaceDimension] {
        (0..<5).map { SpaceDimension("d\($0)", ["2", "3", "4"]) }
            + (0..<20).map { SpaceDimension("ks\($0)", ["3", "5", "7"]) }
            + (0..<20).map { SpaceDimension("e\($0)", ["3", "4", "6"]) }
            + [SpaceDimension("r", Self.resolutions.map(String.init))]
    }
    public var classes: Int
    public init(classes: Int = 1000) { self.classes = classes }

    /// Decoded view of an architecture.
    public struct Config: Sendable, Hashable {
        public var depths: [Int], kernels: [Int], expands: [Int], resolution: Int
    }

    public func config(_ arch: Architecture) -> Config {
        let c = arch.choices
        return Config(depths: c[0..<5].map { [2, 3, 4][$0] }, kernels: c[5..<25].map { [3, 5, 7][$0] },
                      expands: c[25..<45].map { [3, 4, 6][$0] }, resolution: Self.resolutions[c[45]])
    }

    public func architecture(_ cfg: Config) throws -> Architecture {
        func idx(_ v: Int, _ opts: [Int], _ key: String) throws -> Int {
            guard let i = opts.firstIndex(of: v) else {
                throw InputError(keyPath: key, value: "\(v)", message: "not an option of the OFA MobileNetV3 space",
                                 hint: "choose one of \(opts.map(String.init).joined(separator: ", "))")
            }
            return i
        }
        guard cfg.depths.count == 5 else { throw InputError(keyPath: "d", value: "\(cfg.depths.count) values", message: "d needs 5 depths, one per stage") }
        guard cfg.kernels.count == 20 else { throw InputError(keyPath: "ks", value: "\(cfg.kernels.count) values", message: "ks needs 20 kernel sizes, one per block slot") }
        guard cfg.expands.count == 20 else { throw InputError(keyPath: "e", value: "\(cfg.expands.count) values", message: "e needs 20 expand ratios, one per block slot") }
        var c: [Int] = []
        for (i, d) in cfg.depths.enumerated() { c.append(try idx(d, [2, 3, 4], "d[\(i)]")) }
        for (i, k) in cfg.kernels.enumerated() { c.append(try idx(k, [3, 5, 7], "ks[\(i)]")) }
        for (i, e) in cfg.expands.enumerated() { c.append(try idx(e, [3, 4, 6], "e[\(i)]")) }
        c.append(try idx(cfg.resolution, Self.resolutions, "r"))
        return Architecture(c)
    }

    public func parse(_ text: String) throws -> Architecture {
        let t = text.trimmingWhitespace()
        var fields: [String: [Int]] = [:]
        if t.hasPrefix("{") {
            let node = try ConfigNode.parse(yaml: t, file: nil)
            let d = Diagnostics(file: nil)
            let r = ConfigReader(node, diagnostics: d)
            fields["ks"] = r.ints("ks", required: true); fields["e"] = r.ints("e", required: true)
            fields["d"] = r.ints("d", required: true); fields["r"] = r.ints("r", required: true)
            r.finish()
            try d.throwIfAny()
        } else {
            for part in t.split(separator: ";") {
                let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
                guard kv.count == 2, ["ks", "e", "d", "r"].contains(kv[0]) else {
                    throw InputError(value: String(part), message: "expected ks=…, e=…, d=… or r=…",
                                     hint: "write it as ks=3,5,…;e=3,4,…;d=2,3,4,2,3;r=224")
                }
                let values = kv[1].split(separator: ",").map { Int($0.trimmingWhitespace()) }
                guard values.allSatisfy({ $0 != nil }) else { throw InputError(keyPath: kv[0], value: kv[1], message: "expected integers separated by commas") }
                fields[kv[0]] = values.map { $0! }
            }
        }
        for key in ["ks", "e", "d", "r"] where fields[key] == nil {
            throw InputError(keyPath: key, message: "missing '\(key)'", hint: "write it as ks=3,5,…;e=3,4,…;d=2,3,4,2,3;r=224")
        }
        guard fields["r"]!.count == 1 else { throw InputError(keyPath: "r", value: "\(fields["r"]!)", message: "r is one resolution") }
        return try architecture(Config(depths: fields["d"]!, kernels: fields["ks"]!, expands: fields["e"]!, resolution: fields["r"]![0]))
    }

    public func format(_ arch: Architecture) -> String {
        let c = config(arch)
        func j(_ v: [Int]) -> String { v.map(String.init).joined(separator: ",") }
        return "ks=\(j(c.kernels));e=\(j(c.expands));d=\(j(c.depths));r=\(c.resolution)"
    }

    public func network(_ arch: Architecture) throws -> Network {
        try validate(arch)
        let cfg = config(arch)
        let r = cfg.resolution
        var b = NetworkBuilder(name: "ofa-mbv3", input: TensorShape([3, r, r]))
        b.conv("first_conv", out: 24, kernel: 3, stride: 2, act: .hswish)
        // The fixed first block: depthwise 3×3 + ReLU, linear 1×1, identity skip.
        let x0 = b.current
        b.conv("blocks.0.dw", out: 24, kernel: 3, groups: 24, act: .relu)
        b.conv("blocks.0.pwl", out: 24, kernel: 1)
        b.add("blocks.0.add", .elementwise(.add), inputs: [b.current, x0])
        var cin = 24
        for stage in 0..<5 {
            let act: ActivationFunction = Self.hswish[stage] ? .hswish : .relu
            for i in 0..<cfg.depths[stage] {
                let slot = stage * 4 + i
                let k = cfg.kernels[slot], e = cfg.expands[slot]
                let s = i == 0 ? Self.strides[stage] : 1
                let cout = Self.widths[stage]
                let mid = makeDivisible((Double(cin) * Double(e)).rounded(), 8)
                let p = "stage\(stage + 1).block\(i)", x = b.current
                b.conv("\(p).expand", out: mid, kernel: 1, act: act)
                b.conv("\(p).dw", out: mid, kernel: k, stride: s, groups: mid, act: act)
                if Self.se[stage] { b.add("\(p).se", .squeezeExcite(reducedChannels: makeDivisible(Double(mid / 4), 8), gate: .hsigmoid)) }
                b.conv("\(p).pwl", out: cout, kernel: 1)
                if s == 1 && cin == cout { b.add("\(p).add", .elementwise(.add), inputs: [b.current, x]) }
                cin = cout
            }
        }
        b.conv("final_expand", out: 1152, kernel: 1, act: .hswish)
        b.add("gap", .globalPool(.avg))
        b.conv("feature_mix", out: 1536, kernel: 1, padding: .valid, bn: false, act: .hswish)
        b.add("flatten", .flatten)
        b.dense("classifier", out: classes)
        return b.network
    }
}
