import DuetCore

/// Options for building a built-in network.
public struct BuildOptions: Sendable, Hashable {
    /// Input height and width in pixels (or sequence length for text encoders); nil = the network's default.
    public var input: Int?
    /// Channel width multiplier (1.0 = the published network).
    public var width: Double = 1.0
    /// Batch size.
    public var batch: Int = 1
    /// Output classes; nil = the network's default.
    public var classes: Int?
    /// For imported files (ONNX): count operators Duet cannot model as zero-cost placeholders,
    /// noted in ``Network/notes``, instead of refusing the file.
    public var allowUnknownOperators: Bool = false
    /// The network file formats accepted (``NetworkLoaders/standard``: Duet's own; the
    /// executable passes its composition with ONNX).
    public var loaders: NetworkLoaders = .standard
    public init(input: Int? = nil, width: Double = 1.0, batch: Int = 1, classes: Int? = nil, allowUnknownOperators: Bool = false,
                loaders: NetworkLoaders = .standard) {
        self.input = input; self.width = width; self.batch = batch; self.classes = classes
        self.allowUnknownOperators = allowUnknownOperators
        self.loaders = loaders
    }

    /// Valid input sizes (pixels or tokens): 1 to 2²⁰.
    public static let inputRange = ValidRange(1...(1 << 20))
    /// Valid width multipliers: above 0, at most 64.
    public static let widthRange = ValidRange.above(0, upTo: 64)
    /// Valid batch sizes: 1 to 2²⁰.
    public static let batchRange = ValidRange(1...(1 << 20))

    /// Throws an ``InputError`` naming the option and its valid range when a value is outside it
    /// (beyond these, channel counts and MAC totals overflow or take hours to build).
    public func validate() throws {
        var issues = IssueCollector()
        if let input, !Self.inputRange.contains(Double(input)) { issues.add("input", value: "\(input)", "input size must be \(Self.inputRange)") }
        if !Self.widthRange.contains(width) { issues.add("width", value: "\(width)", "width multiplier must be \(Self.widthRange)") }
        if !Self.batchRange.contains(Double(batch)) { issues.add("batch", value: "\(batch)", "batch must be \(Self.batchRange)") }
        if let classes, !Self.inputRange.contains(Double(classes)) { issues.add("classes", value: "\(classes)", "classes must be \(Self.inputRange)") }
        try issues.throwIfAny()
    }
}

/// A network Duet ships, with the published figures it reproduces at its default options.
public struct BuiltinNetwork: Sendable {
    public var name: String
    public var summary: String
    /// Default input size (pixels, or tokens for text).
    public var defaultInput: Int
    /// Published parameter count and MACs at the default input, with where they come from.
    public var publishedParams: Int
    public var publishedMACs: Int
    public var source: String
    let build: @Sendable (BuildOptions) -> Network

    /// Builds the network; shapes are checked by ``Network/analyze(file:)``.
    public func network(_ options: BuildOptions = BuildOptions()) throws -> Network {
        try options.validate()
        return build(options)
    }
}

/// The `_make_divisible` rule of MobileNet reference code: round to the nearest multiple of
/// `divisor`, never below `minValue`, never more than 10 % below `value`.
public func makeDivisible(_ value: Double, _ divisor: Int = 8, minValue: Int? = nil) -> Int {
    let m = minValue ?? divisor
    var v = max(m, Int(value + Double(divisor) / 2) / divisor * divisor)
    if Double(v) < 0.9 * value { v += divisor }
    return v
}

extension BuiltinNetwork {
    /// Every built-in network, by name.
    public static let all: [BuiltinNetwork] = [resnet18, resnet50, vgg16, mobilenetV2, mobilenetV3Large, unet, vitB16, bertBase]

    /// Looks a built-in up by name (case-insensitive; `-` and `_` interchangeable).
    public static func named(_ name: String) -> BuiltinNetwork? {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
        return all.first { $0.name == key }
    }

    // MARK: ResNet

    /// ResNet-18, torchvision `resnet18` (He et al. 2016). torchvision model card: 11,689,512 params, 1.81 GFLOPS (MACs) at 224².
    public static let resnet18 = BuiltinNetwork(
        name: "resnet18", summary: "ResNet-18 (He et al. CVPR 2016), torchvision layout", defaultInput: 224,
        publishedParams: 11_689_512, publishedMACs: 1_814_000_000,
        source: "torchvision.models.resnet18 model card: 11,689,512 params, 1.81 GFLOPS (multiply-adds) at 224×224",
        build: { resnet(name: "resnet18", blocks: [2, 2, 2, 2], bottleneck: false, $0) })

    /// ResNet-50 v1.5, torchvision `resnet50`: 25,557,032 params, 4.09 GFLOPS (MACs) at 224².
    public static let resnet50 = BuiltinNetwork(
        name: "resnet50", summary: "ResNet-50 v1.5 (stride in the 3×3 conv), torchvision layout", defaultInput: 224,
        publishedParams: 25_557_032, publishedMACs: 4_089_000_000,
        source: "torchvision.models.resnet50 model card: 25,557,032 params, 4.09 GFLOPS (multiply-adds) at 224×224",
        build: { resnet(name: "resnet50", blocks: [3, 4, 6, 3], bottleneck: true, $0) })

    static func resnet(name: String, blocks: [Int], bottleneck: Bool, _ o: BuildOptions) -> Network {
        let r = o.input ?? 224
        let ch = { (c: Int) in makeDivisible(Double(c) * o.width) }
        var b = NetworkBuilder(name: name, input: TensorShape([3, r, r]), batch: o.batch)
        b.conv("conv1", out: ch(64), kernel: 7, stride: 2, act: .relu)
        b.add("maxpool", .pool(.max, window: Window2D(kernel: 3, stride: 2, padding: .symmetric(1, 1))))
        var inCh = ch(64)
        let expansion = bottleneck ? 4 : 1
        for (stage, n) in blocks.enumerated() {
            let planes = ch(64 << stage)
            for i in 0..<n {
                let stride = (stage > 0 && i == 0) ? 2 : 1
                let prefix = "layer\(stage + 1).\(i)"
                let x = b.current
                if bottleneck {
                    b.conv("\(prefix).conv1", out: planes, kernel: 1, act: .relu)
                    b.conv("\(prefix).conv2", out: planes, kernel: 3, stride: stride, act: .relu)
                    b.conv("\(prefix).conv3", out: planes * expansion, kernel: 1)
                } else {
                    b.conv("\(prefix).conv1", out: planes, kernel: 3, stride: stride, act: .relu)
                    b.conv("\(prefix).conv2", out: planes, kernel: 3)
                }
                let main = b.current
                var shortcut = x
                if stride != 1 || inCh != planes * expansion {
                    shortcut = b.conv("\(prefix).downsample", out: planes * expansion, kernel: 1, stride: stride, padding: .valid, input: x)
                }
                b.add("\(prefix).add", .elementwise(.add), inputs: [main, shortcut])
                b.add("\(prefix).relu", .activation(.relu))
                inCh = planes * expansion
            }
        }
        b.add("avgpool", .globalPool(.avg))
        b.add("flatten", .flatten)
        b.dense("fc", out: o.classes ?? 1000)
        return b.network
    }

    // MARK: VGG

    /// VGG-16 (configuration D, no BatchNorm), torchvision `vgg16`: 138,357,544 params, 15.47 GFLOPS at 224².
    public static let vgg16 = BuiltinNetwork(
        name: "vgg16", summary: "VGG-16 configuration D (Simonyan & Zisserman 2015), torchvision layout", defaultInput: 224,
        publishedParams: 138_357_544, publishedMACs: 15_470_000_000,
        source: "torchvision.models.vgg16 model card: 138,357,544 params, 15.47 GFLOPS (multiply-adds) at 224×224",
        build: { o in
            let r = o.input ?? 224
            var b = NetworkBuilder(name: "vgg16", input: TensorShape([3, r, r]), batch: o.batch)
            let cfg: [Int] = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]
            var block = 1, idx = 1
            for c in cfg {
                if c == 0 {
                    b.add("pool\(block)", .pool(.max, window: Window2D(kernel: 2, stride: 2, padding: .valid)))
                    block += 1; idx = 1
                } else {
                    b.conv("conv\(block)_\(idx)", out: makeDivisible(Double(c) * o.width), kernel: 3, bias: true, bn: false, act: .relu)
                    idx += 1
                }
            }
            b.add("flatten", .flatten)
            let hidden = makeDivisible(4096 * o.width)
            b.dense("fc6", out: hidden, act: .relu)
            b.dense("fc7", out: hidden, act: .relu)
            b.dense("fc8", out: o.classes ?? 1000)
            return b.network
        })

    // MARK: MobileNets

    /// MobileNetV2 1.0, torchvision `mobilenet_v2`: 3,504,872 params, 0.30 GFLOPS at 224² (paper: 300 M multiply-adds).
    public static let mobilenetV2 = BuiltinNetwork(
        name: "mobilenet-v2", summary: "MobileNetV2 (Sandler et al. CVPR 2018), torchvision layout", defaultInput: 224,
        publishedParams: 3_504_872, publishedMACs: 300_000_000,
        source: "torchvision.models.mobilenet_v2 model card: 3,504,872 params; Sandler et al. 2018 Table 3: 300 M multiply-adds at 224×224",
        build: { o in
            let r = o.input ?? 224
            var b = NetworkBuilder(name: "mobilenet-v2", input: TensorShape([3, r, r]), batch: o.batch)
            var inCh = makeDivisible(32 * o.width)
            b.conv("features.0", out: inCh, kernel: 3, stride: 2, act: .relu6)
            let settings: [(t: Int, c: Int, n: Int, s: Int)] =
                [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
            var idx = 1
            for st in settings {
                let outCh = makeDivisible(Double(st.c) * o.width)
                for i in 0..<st.n {
                    let stride = i == 0 ? st.s : 1
                    let x = b.current, p = "features.\(idx)"
                    let mid = inCh * st.t
                    if st.t != 1 { b.conv("\(p).expand", out: mid, kernel: 1, act: .relu6) }
                    b.conv("\(p).dw", out: mid, kernel: 3, stride: stride, groups: mid, act: .relu6)
                    b.conv("\(p).project", out: outCh, kernel: 1)
                    if stride == 1 && inCh == outCh { b.add("\(p).add", .elementwise(.add), inputs: [b.current, x]) }
                    inCh = outCh; idx += 1
                }
            }
            b.conv("features.\(idx)", out: makeDivisible(1280 * max(1.0, o.width)), kernel: 1, act: .relu6)
            b.add("avgpool", .globalPool(.avg))
            b.add("flatten", .flatten)
            b.dense("classifier", out: o.classes ?? 1000)
            return b.network
        })

    /// MobileNetV3-Large 1.0, torchvision `mobilenet_v3_large`: 5,483,032 params, 0.22 GFLOPS at 224² (paper: 219 M MAdds, 5.4 M params).
    public static let mobilenetV3Large = BuiltinNetwork(
        name: "mobilenet-v3-large", summary: "MobileNetV3-Large (Howard et al. ICCV 2019), torchvision layout", defaultInput: 224,
        publishedParams: 5_483_032, publishedMACs: 217_000_000,
        source: "torchvision.models.mobilenet_v3_large model card: 5,483,032 params, 0.22 GFLOPS; Howard et al. 2019 Table 3: 219 M MAdds",
        build: { o in
            let r = o.input ?? 224
            var b = NetworkBuilder(name: "mobilenet-v3-large", input: TensorShape([3, r, r]), batch: o.batch)
            let w = { (c: Int) in makeDivisible(Double(c) * o.width) }
            var inCh = w(16)
            b.conv("features.0", out: inCh, kernel: 3, stride: 2, act: .hswish)
            // (kernel, expanded, out, SE, activation, stride) — Table 1 of the paper.
            let cfg: [(Int, Int, Int, Bool, ActivationFunction, Int)] = [
                (3, 16, 16, false, .relu, 1), (3, 64, 24, false, .relu, 2), (3, 72, 24, false, .relu, 1),
                (5, 72, 40, true, .relu, 2), (5, 120, 40, true, .relu, 1), (5, 120, 40, true, .relu, 1),
                (3, 240, 80, false, .hswish, 2), (3, 200, 80, false, .hswish, 1), (3, 184, 80, false, .hswish, 1),
                (3, 184, 80, false, .hswish, 1), (3, 480, 112, true, .hswish, 1), (3, 672, 112, true, .hswish, 1),
                (5, 672, 160, true, .hswish, 2), (5, 960, 160, true, .hswish, 1), (5, 960, 160, true, .hswish, 1),
            ]
            for (i, (k, e, c, se, act, s)) in cfg.enumerated() {
                let p = "features.\(i + 1)", x = b.current
                let mid = w(e), outCh = w(c)
                if mid != inCh { b.conv("\(p).expand", out: mid, kernel: 1, act: act) }
                b.conv("\(p).dw", out: mid, kernel: k, stride: s, groups: mid, act: act)
                if se { b.add("\(p).se", .squeezeExcite(reducedChannels: makeDivisible(Double(mid / 4)), gate: .hsigmoid)) }
                b.conv("\(p).project", out: outCh, kernel: 1)
                if s == 1 && inCh == outCh { b.add("\(p).add", .elementwise(.add), inputs: [b.current, x]) }
                inCh = outCh
            }
            b.conv("features.16", out: 6 * inCh, kernel: 1, act: .hswish)
            b.add("avgpool", .globalPool(.avg))
            b.add("flatten", .flatten)
            b.dense("classifier.0", out: makeDivisible(1280 * o.width), act: .hswish)
            b.dense("classifier.3", out: o.classes ?? 1000)
            return b.network
        })

    // MARK: U-Net

    /// U-Net as drawn in Ronneberger et al. MICCAI 2015 Fig. 1: valid 3×3 convolutions, 2×2 max
    /// pooling, 2×2 up-convolutions, centre-cropped skip connections, 1 input channel, 2 classes;
    /// 572×572 → 388×388. Parameters: 31,030,658 by the layer list of Fig. 1 (the "31.0 M" usually quoted).
    public static let unet = BuiltinNetwork(
        name: "unet", summary: "U-Net for segmentation (Ronneberger et al. MICCAI 2015), valid convolutions", defaultInput: 572,
        publishedParams: 31_030_658, publishedMACs: 0,
        source: "Ronneberger et al. 2015, Fig. 1 (572×572 input, 388×388 output); 31,030,658 params counted from that figure's layers",
        build: { o in
            let r = o.input ?? 572
            var b = NetworkBuilder(name: "unet", input: TensorShape([1, r, r]), batch: o.batch)
            let ch = { (c: Int) in makeDivisible(Double(c) * o.width) }
            func double(_ name: String, _ c: Int) {
                b.conv("\(name).conv1", out: c, kernel: 3, padding: .valid, bias: true, bn: false, act: .relu)
                b.conv("\(name).conv2", out: c, kernel: 3, padding: .valid, bias: true, bn: false, act: .relu)
            }
            // Feature-map size is tracked arithmetically: each valid 3×3 pair loses 4 pixels, pooling halves.
            var skips: [String] = []
            var size = r
            for (i, c) in [64, 128, 256, 512].enumerated() {
                double("down\(i + 1)", ch(c))
                skips.append(b.current)
                size = (size - 4) / 2
                b.add("pool\(i + 1)", .pool(.max, window: Window2D(kernel: 2, stride: 2, padding: .valid)))
            }
            double("bottom", ch(1024))
            size -= 4
            for (i, c) in [512, 256, 128, 64].enumerated() {
                let up = b.add("up\(i + 1).upconv", .convTranspose(outChannels: ch(c), kernel: 2, stride: 2, padding: 0, outputPadding: 0,
                                                                 groups: 1, bias: true, batchNorm: false, activation: nil))
                size *= 2
                let crop = b.add("up\(i + 1).crop", .crop(height: max(size, 1), width: max(size, 1)), inputs: [skips[3 - i]])
                b.add("up\(i + 1).concat", .concat(axis: 0), inputs: [crop, up])
                double("up\(i + 1)", ch(c))
                size -= 4
            }
            b.conv("out", out: o.classes ?? 2, kernel: 1, padding: .valid, bias: true, bn: false)
            return b.network
        })

    // MARK: Transformers

    /// ViT-B/16 (Dosovitskiy et al. ICLR 2021), torchvision `vit_b_16`: 86,567,656 params, 17.56 GFLOPS at 224².
    public static let vitB16 = BuiltinNetwork(
        name: "vit-b16", summary: "Vision Transformer ViT-B/16 (Dosovitskiy et al. 2021), torchvision layout", defaultInput: 224,
        publishedParams: 86_567_656, publishedMACs: 17_564_000_000,
        source: "torchvision.models.vit_b_16 model card: 86,567,656 params, 17.56 GFLOPS (multiply-adds) at 224×224",
        build: { o in
            let r = o.input ?? 224
            let heads = 12
            let dim = max(heads, Int((768 * o.width / Double(heads)).rounded()) * heads)
            var b = NetworkBuilder(name: "vit-b16", input: TensorShape([3, r, r]), batch: o.batch)
            b.conv("patch_embed", out: dim, kernel: 16, stride: 16, padding: .valid, bias: true, bn: false)
            let tokens = (r / 16) * (r / 16)
            b.add("patch_embed.flatten", .reshape([dim, tokens]))
            b.add("patch_embed.transpose", .transpose([1, 0]))
            b.add("cls_token", .prependToken(count: 1))
            b.add("pos_embed", .positionalEmbedding)
            for i in 0..<12 { encoderBlock(&b, prefix: "blocks.\(i)", tokens: tokens + 1, dim: dim, heads: heads, preNorm: true) }
            b.add("norm", .layerNorm)
            b.add("cls_select", .slice(axis: 0, start: 0, length: 1))
            b.add("cls_flatten", .flatten)
            b.dense("head", out: o.classes ?? 1000)
            return b.network
        })

    /// BERT-base encoder (Devlin et al. NAACL 2019), Hugging Face `bert-base-uncased` `BertModel`:
    /// 109,482,240 params (embeddings, 12 layers, pooler); 128 tokens by default.
    public static let bertBase = BuiltinNetwork(
        name: "bert-base", summary: "BERT-base encoder with pooler (Devlin et al. 2019); input = sequence length", defaultInput: 128,
        publishedParams: 109_482_240, publishedMACs: 0,
        source: "Hugging Face bert-base-uncased BertModel: 109,482,240 parameters",
        build: { o in
            let t = o.input ?? 128
            let heads = 12
            let dim = max(heads, Int((768 * o.width / Double(heads)).rounded()) * heads)
            var b = NetworkBuilder(name: "bert-base", input: TensorShape([t]), inputName: "token_ids", batch: o.batch)
            let word = b.add("embeddings.word", .embedding(vocabulary: 30522, features: dim), inputs: ["token_ids"])
            // Position and segment tables are indexed by position / segment id; shape-wise the same lookup.
            let pos = b.add("embeddings.position", .embedding(vocabulary: 512, features: dim), inputs: ["token_ids"])
            let seg = b.add("embeddings.token_type", .embedding(vocabulary: 2, features: dim), inputs: ["token_ids"])
            b.add("embeddings.sum", .elementwise(.add), inputs: [word, pos, seg])
            b.add("embeddings.norm", .layerNorm)
            for i in 0..<12 { encoderBlock(&b, prefix: "encoder.\(i)", tokens: t, dim: dim, heads: heads, preNorm: false) }
            b.add("pooler.select", .slice(axis: 0, start: 0, length: 1))
            b.add("pooler.flatten", .flatten)
            b.dense("pooler.dense", out: dim, act: .tanh)
            return b.network
        })

    /// One transformer encoder block over a `[tokens, dim]` sequence: multi-head self-attention
    /// expressed as its matmuls and softmax (Q, K, V projections, QKᵀ per head, softmax, ·V, output
    /// projection) and a GELU MLP of 4·dim, with residual adds; pre-norm (ViT) or post-norm (BERT).
    public static func encoderBlock(_ b: inout NetworkBuilder, prefix p: String, tokens: Int, dim: Int, heads: Int, preNorm: Bool) {
        let hd = dim / heads
        let x = b.current
        if preNorm { b.add("\(p).norm1", .layerNorm) }
        let h = b.current
        b.dense("\(p).attn.q", out: dim, input: h); b.add("\(p).attn.q_heads", .reshape([tokens, heads, hd]))
        let q = b.add("\(p).attn.q_t", .transpose([1, 0, 2]))
        b.dense("\(p).attn.k", out: dim, input: h); b.add("\(p).attn.k_heads", .reshape([tokens, heads, hd]))
        let k = b.add("\(p).attn.k_t", .transpose([1, 2, 0]))
        b.dense("\(p).attn.v", out: dim, input: h); b.add("\(p).attn.v_heads", .reshape([tokens, heads, hd]))
        let v = b.add("\(p).attn.v_t", .transpose([1, 0, 2]))
        b.add("\(p).attn.scores", .matmul(transposeB: false), inputs: [q, k])
        let a = b.add("\(p).attn.softmax", .softmax(axis: -1))
        b.add("\(p).attn.context", .matmul(transposeB: false), inputs: [a, v])
        b.add("\(p).attn.merge_t", .transpose([1, 0, 2]))
        b.add("\(p).attn.merge", .reshape([tokens, dim]))
        b.dense("\(p).attn.proj", out: dim)
        let r1 = b.add("\(p).add1", .elementwise(.add), inputs: [b.current, x])
        if !preNorm { b.add("\(p).norm1", .layerNorm) }
        let y = b.current
        if preNorm { b.add("\(p).norm2", .layerNorm) }
        b.dense("\(p).mlp.fc1", out: 4 * dim, act: .gelu)
        b.dense("\(p).mlp.fc2", out: dim)
        b.add("\(p).add2", .elementwise(.add), inputs: [b.current, preNorm ? r1 : y])
        if !preNorm { b.add("\(p).norm2", .layerNorm) }
    }
}
