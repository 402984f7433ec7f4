/// The operators of Duet's layer IR. Each case holds only the operator's own attributes; the
/// shapes of its inputs come from the network graph (see ``Network``).

/// An activation function, fused into a layer or standing alone.
/// Every function costs one vector operation per element (see ``LayerAnalysis/vectorOps``);
/// none has learned parameters (PReLU, which has, is ``Operator/prelu(slopes:)``).
public enum ActivationFunction: String, Sendable, Hashable, CaseIterable {
    case relu, relu6, hswish = "hswish", hsigmoid = "hsigmoid", sigmoid, tanh, gelu, swish
    /// max(x, αx) with a fixed slope α (ONNX LeakyRelu).
    case leakyRelu = "leaky_relu"
    /// x for x > 0, α(eˣ − 1) otherwise (ONNX Elu; Celu).
    case elu
    /// Scaled ELU (ONNX Selu).
    case selu
    /// ln(1 + eˣ) (ONNX Softplus).
    case softplus
}

/// How a ``Operator/pad(amounts:mode:)`` layer fills the border.
public enum PadMode: String, Sendable, Hashable, CaseIterable {
    /// A constant value (zero for exporters' zero padding).
    case constant
    /// Mirror without repeating the edge (PyTorch ReflectionPad).
    case reflect
    /// Repeat the edge element (PyTorch ReplicationPad).
    case edge
    /// Wrap around (circular padding).
    case wrap
}

/// The window of a transposed 2-D convolution, per axis (height, width). Sizes in elements.
/// Output size per axis = (input − 1)·stride − (padBefore + padAfter) + dilation·(kernel − 1) + 1 + outputPadding
/// (ONNX ConvTranspose and PyTorch ConvTranspose2d).
public struct TransposedWindow2D: Sendable, Hashable {
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var dilationH: Int, dilationW: Int
    /// `pads` of the ONNX node (what PyTorch calls `padding`), removed from the full output.
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    /// Extra rows and columns added at the bottom and right of the output.
    public var outputPaddingH: Int, outputPaddingW: Int

    public init(kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, dilationH: Int = 1, dilationW: Int = 1,
                padTop: Int, padLeft: Int, padBottom: Int, padRight: Int, outputPaddingH: Int = 0, outputPaddingW: Int = 0) {
        self.kernelH = kernelH; self.kernelW = kernelW
        self.strideH = strideH; self.strideW = strideW
        self.dilationH = dilationH; self.dilationW = dilationW
        self.padTop = padTop; self.padLeft = padLeft; self.padBottom = padBottom; self.padRight = padRight
        self.outputPaddingH = outputPaddingH; self.outputPaddingW = outputPaddingW
    }

    /// A square window with equal padding on every side.
    public init(kernel: Int, stride: Int, padding: Int = 0, outputPadding: Int = 0) {
        self.init(kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride,
                  padTop: padding, padLeft: padding, padBottom: padding, padRight: padding,
                  outputPaddingH: outputPadding, outputPaddingW: outputPadding)
    }

    /// True when kernel, stride, padding and output padding are the same on both axes and dilation is 1.
    public var isSquare: Bool {
        kernelH == kernelW && strideH == strideW && dilationH == 1 && dilationW == 1
            && Set([padTop, padLeft, padBottom, padRight]).count == 1 && outputPaddingH == outputPaddingW
    }

    /// Output height and width for an `h`×`w` input.
    public func outputSize(h: Int, w: Int) -> (Int, Int) {
        ((h - 1) * strideH - padTop - padBottom + dilationH * (kernelH - 1) + 1 + outputPaddingH,
         (w - 1) * strideW - padLeft - padRight + dilationW * (kernelW - 1) + 1 + outputPaddingW)
    }
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
    /// Transposed 2-D convolution (up-convolution) over `[C, H, W]`; see ``TransposedWindow2D``.
    case convTranspose(outChannels: Int, window: TransposedWindow2D, groups: Int,
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
    /// Parametric ReLU with `slopes` learned negative slopes: 1 shared, or one per channel
    /// (the input's first dimension). One vector operation per element.
    case prelu(slopes: Int)
    /// Local response normalization across `size` neighbouring channels (AlexNet, GoogLeNet):
    /// per element `size` squares and adds plus a power and a divide; no parameters.
    case localResponseNorm(size: Int)
    /// Padding of a tensor: `amounts` holds the elements added before each dimension of one
    /// sample, then after each (ONNX `pads` order without the batch axis), all ≥ 0. Shape-only
    /// (no arithmetic) in every mode.
    case pad(amounts: [Int], mode: PadMode)
}

extension Operator {
    /// A square transposed convolution (kernel, stride, padding and output padding equal on both axes).
    public static func convTranspose(outChannels: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int, groups: Int,
                                     bias: Bool, batchNorm: Bool, activation: ActivationFunction?) -> Operator {
        .convTranspose(outChannels: outChannels, window: TransposedWindow2D(kernel: kernel, stride: stride, padding: padding, outputPadding: outputPadding),
                       groups: groups, bias: bias, batchNorm: batchNorm, activation: activation)
    }
}

extension Operator {
    /// The activation fused into this operator, if any.
    public var fusedActivation: ActivationFunction? {
        switch self {
        case .conv(_, _, _, _, _, let a), .convTranspose(_, _, _, _, _, let a), .dense(_, _, let a): return a
        default: return nil
        }
    }
}
