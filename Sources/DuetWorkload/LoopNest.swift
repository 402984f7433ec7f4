/// The seven-loop view of a layer that dataflow cost models consume (Timeloop/MAESTRO notation):
/// for each of `n` samples, `k` output channels, `c` input channels **per group**, `p`×`q`
/// output pixels and an `r`×`s` filter window. MACs = n·k·c·p·q·r·s.
///
/// - Convolution: `k` = output channels (all groups), `c` = input channels / groups, `groups` = G.
///   A depthwise convolution has `c = 1` and `groups = k`.
/// - Transposed convolution: `p`×`q` is the *input* extent (each input pixel scatters an `r`×`s`
///   window), stride 1 — the same MAC count and operand reuse as the scatter form.
/// - Dense over `[T, F]`: `p = T` tokens, `c = F`, `k` = output features.
/// - Batched matmul `[B, M, K] × [B, K, N]`: `n` = batch·B, `p = M`, `c = K`, `k = N`.
/// - Squeeze-excite: its two equal-size fully connected layers as `n = 2`·batch, `c = C`, `k` = reduced channels.
/// - Pooling: depthwise-like (`c = 1`, `groups = k`), zero MACs; the window work is in vector ops.
public struct LoopNest: Sendable, Hashable {
    public var n, k, c, p, q, r, s: Int
    public var strideH: Int, strideW: Int
    public var dilationH: Int, dilationW: Int
    public var groups: Int

    public init(n: Int, k: Int, c: Int, p: Int, q: Int, r: Int = 1, s: Int = 1,
                strideH: Int = 1, strideW: Int = 1, dilationH: Int = 1, dilationW: Int = 1, groups: Int = 1) {
        self.n = n; self.k = k; self.c = c; self.p = p; self.q = q; self.r = r; self.s = s
        self.strideH = strideH; self.strideW = strideW
        self.dilationH = dilationH; self.dilationW = dilationW
        self.groups = groups
    }

    /// n·k·c·p·q·r·s, or an error when it overflows Int64.
    public func macs() throws -> Int { try Checked.product([n, k, c, p, q, r, s], what: "MAC count") }

    /// Input rows/columns touched: (p−1)·stride + (r−1)·dilation + 1.
    public var inputHeight: Int { (p - 1) * strideH + (r - 1) * dilationH + 1 }
    public var inputWidth: Int { (q - 1) * strideW + (s - 1) * dilationW + 1 }
}

import DuetCore

/// A loop dimension of the seven-loop view.
public enum LoopDim: String, Sendable, Hashable, CaseIterable {
    case n, k, c, p, q, r, s

    /// This dimension's bound in `loops`.
    public func size(in l: LoopNest) -> Int {
        switch self {
        case .n: return l.n
        case .k: return l.k
        case .c: return l.c
        case .p: return l.p
        case .q: return l.q
        case .r: return l.r
        case .s: return l.s
        }
    }
}

/// The three operands of a layer's loop nest.
public enum Operand: String, Sendable, Hashable, CaseIterable {
    case weight, input, output

    /// Whether this operand's index depends on `dim` (inputs depend on p, q through the window).
    public func isRelevant(_ dim: LoopDim) -> Bool {
        switch self {
        case .weight: return dim == .k || dim == .c || dim == .r || dim == .s
        case .input: return dim != .k
        case .output: return dim == .n || dim == .k || dim == .p || dim == .q
        }
    }
}
