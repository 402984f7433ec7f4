/// The operators of Duet's layer IR. Each case holds only the operator's own attributes; the
/// shapes of its inputs come from the network graph (see ``Network``).

/// An activation function, fused into a layer or standing alone.
public enum ActivationFunction: String, Sendable, Hashable, CaseIterable {
    case relu, relu6, hswish = "hswish", hsigmoid = "hsigmoid", sigmoid, tanh, gelu, swish
}

/// Padding of a sliding-window operator.
public enum Padding: Sendable, Hashable, CustomStringConvertible {
    /// Output size = ceil(input / stride) (TensorFlow "SAME"; for odd kernels and stride 1 this is (k−1)/2 each side).
    case same
    /// No padding.
    case valid
    /// Explicit padding in elements: top, left, bottom, right.
    case explicit(top: Int, left: Int, bottom: Int, right: Int)

    /// Symmetric padding of `h` rows and `w` columns.
    public static func symmetric(_ h: Int, _ w: Int) -> Padding { .explicit(top: h, left: w, bottom: h, right: w) }

    public var description: String {
        switch self {
        case .same: return "same"
        case .valid: return "valid"
        case .explicit(let t, let l, let b, let r):
            return t == b && l == r ? (t == l ? "\(t)" : "\(t),\(l)") : "\(t),\(l),\(b),\(r)"
        }
    }

    /// Total padding (before, after) along one axis for `input` size, `kernel` extent and `stride`.
    func amounts(axis: Int, input: Int, effectiveKernel: Int, stride: Int) -> (Int, Int) {
        switch self {
        case .valid: return (0, 0)
        case .explicit(let t, let l, let b, let r): return axis == 0 ? (t, b) : (l, r)
        case .same:
            let out = (input + stride - 1) / stride
            let total = max(0, (out - 1) * stride + effectiveKernel - input)
            return (total / 2, total - total / 2)
        }
    }
}

/// A 2-D window: kernel, stride and dilation per axis (height, width).
public struct Window2D: Sendable, Hashable {
    public var kernel: (h: Int, w: Int) { (kernelH, kernelW) }
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var dilationH: Int, dilationW: Int
    public var padding: Padding

    public init(kernel: Int, stride: Int = 1, dilation: Int = 1, padding: Padding) {
        self.init(kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride,
                  dilationH: dilation, dilationW: dilation, padding: padding)
    }

    public init(kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, dilationH: Int = 1, dilationW: Int = 1, padding: Padding) {
        self.kernelH = kernelH; self.kernelW = kernelW
        self.strideH = strideH; self.strideW = strideW
        self.dilationH = dilationH; self.dilationW = dilationW
        self.padding = padding
    }

    /// Output height and width for an input of `h`×`w`; nil if the window does not fit.
    public func outputSize(h: Int, w: Int) -> (Int, Int)? {
        let ekh = dilationH * (kernelH - 1) + 1, ekw = dilationW * (kernelW - 1) + 1
        let (pt, pb) = padding.amounts(axis: 0, input: h, effectiveKernel: ekh, stride: strideH)
        let (pl, pr) = padding.amounts(axis: 1, input: w, effectiveKernel: ekw, stride: strideW)
        let oh = (h + pt + pb - ekh) / strideH + 1, ow = (w + pl + pr - ekw) / strideW + 1
        guard h + pt + pb >= ekh, w + pl + pr >= ekw, oh > 0, ow > 0 else { return nil }
        return (oh, ow)
    }
}

/// Pooling reduction.
public enum PoolKind: String, Sendable, Hashable { case max, avg }

/// Elementwise binary operation (numpy broadcasting between inputs).
public enum ElementwiseKind: String, Sendable, Hashable { case add, mul }

/// One operator with its attributes.
public enum Operator: Sendable, Hashable {
    /// 2-D convolution over `[C, H, W]`; depthwise when `groups == C == outChannels/multiplier`,
    /// pointwise when the kernel is 1×1. `batchNorm` counts a BatchNorm's 2·K trainable
    /// parameters (folded into the convolution for cost purposes).
    case conv(outChannels: Int, window: Window2D, groups: Int, bias: Bool, batchNorm: Bool, activation: ActivationFunction?)
    /// Transposed 2-D convolution (up-convolution). `padding` is the ONNX/PyTorch `pads` per side.
    case convTranspose(outChannels: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int, groups: Int,
                       bias: Bool, batchNorm: Bool, activation: ActivationFunction?)
    /// Fully connected over the last dimension.
    case dense(outFeatures: Int, bias: Bool, activation: ActivationFunction?)
    /// Batched matrix product of two inputs `[…, M, K] × […, K, N]` (`transposeB`: the second is `[…, N, K]`).
    case matmul(transposeB: Bool)
    /// Windowed pooling.
    case pool(PoolKind, window: Window2D)
    /// Global pooling to `[C, 1, 1]`.
    case globalPool(PoolKind)
    /// Elementwise add or multiply of two or more inputs.
    case elementwise(ElementwiseKind)
    /// A standalone activation.
    case activation(ActivationFunction)
    /// Softmax along `axis` (negative counts from the end).
    case softmax(axis: Int)
    /// Concatenation along `axis` (0 = channels for feature maps).
    case concat(axis: Int)
    /// Squeeze-and-excitation: global average pool, FC to `reducedChannels` + ReLU, FC back + `gate`, scale.
    case squeezeExcite(reducedChannels: Int, gate: ActivationFunction)
    /// Layer normalization over the last dimension (2·F parameters).
    case layerNorm
    /// Standalone batch normalization over channels (2·C parameters).
    case batchNorm
    /// Shape-only reshape; one dimension may be −1.
    case reshape([Int])
    /// Shape-only permutation of dimensions.
    case transpose([Int])
    /// Shape-only flatten to a vector.
    case flatten
    /// Prepend `count` learned tokens (e.g. ViT's class token) to a `[T, F]` sequence.
    case prependToken(count: Int)
    /// Add a learned positional embedding of the input's shape.
    case positionalEmbedding
    /// Nearest/bilinear resize of a feature map by integer scales.
    case resize(scaleH: Int, scaleW: Int)
    /// Channel shuffle (ShuffleNet/FBNet); shape-only.
    case channelShuffle(groups: Int)
    /// Shape-only slice of `length` entries from `start` along `axis` (e.g. ViT's class token).
    case slice(axis: Int, start: Int, length: Int)
    /// Centre crop of a feature map to `height`×`width` (U-Net's skip connections); shape-only.
    case crop(height: Int, width: Int)
    /// Table lookup of `[T]` indices into a `vocabulary`×`features` table (token, position or
    /// segment embeddings); no MACs.
    case embedding(vocabulary: Int, features: Int)
    /// A zero tensor of the input's shape (NAS-Bench-201's `none` op); no work.
    case zero
}

extension Operator {
    /// The activation fused into this operator, if any.
    public var fusedActivation: ActivationFunction? {
        switch self {
        case .conv(_, _, _, _, _, let a), .convTranspose(_, _, _, _, _, _, _, _, let a), .dense(_, _, let a): return a
        default: return nil
        }
    }
}
