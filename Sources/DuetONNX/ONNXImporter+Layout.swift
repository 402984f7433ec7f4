import DuetCore
import DuetWorkload
import Foundation

/// Operators whose mapping is about layout rather than arithmetic: 1-D convolutions and pooling
/// (run as 2-D ones of height 1 between two shape-only reshapes), Split (one slice per used
/// output) and Pad (folded into the Conv or pooling node after it, or a `pad` layer).
extension ONNXImporter {
    /// Why rank-5 (3-D) convolutions and pooling are refused.
    static func noDepthReason(_ what: String) -> String {
        "\(what) (rank-5 input [N, C, D, H, W]) has no Duet mapping: the layer IR has 2-D windows and a seven-loop nest "
            + "(N, K, C, P, Q, R, S) without a depth loop, so its MACs and data reuse cannot be stated honestly"
    }

    /// A spatial attribute (`strides`, `dilations`, `pads`, `output_padding`, `output_shape`) as
    /// two values per axis, height first; a 1-D operator's single axis becomes the width, with
    /// `fill` for the height (no padding for pads).
    func spatial(_ node: Onnx_NodeProto, _ name: String, oneD: Bool, isPads: Bool = false, fill: Int = 1) throws -> [Int]? {
        guard let v = node.ints(name) else { return nil }
        guard oneD else { return v }
        if isPads {
            guard v.count == 2 else { throw contradictionAttr(node, name, "\(v)", "two pads (begin, end) for a 1-D operator") }
            return [0, v[0], 0, v[1]]
        }
        guard v.count == 1 else { throw contradictionAttr(node, name, "\(v)", "one value for a 1-D operator") }
        return [fill, v[0]]
    }

    /// Adds a Conv, ConvTranspose or pooling layer reading the node's first input. For a 1-D
    /// operator (`[N, C, L]`) the input is reshaped to `[C, 1, L]`, the 2-D layer runs with height
    /// 1, and a reshape restores `[K, L′]`; BatchNorm and activations still fold into the layer
    /// through that reshape, and back-to-back 1-D layers share one `[K, 1, L′]` tensor.
    mutating func addSpatialLayer(_ i: Int, _ node: Onnx_NodeProto, _ op: Operator, oneD: Bool) throws {
        let out = node.output[0]
        let name = layerName(node, index: i)
        guard oneD else {
            try addLayer(name, op, inputs: [node.input[0]], output: out)
            return
        }
        let x = try needActivation(node, 0)
        let in2D = try lift1D(node.input[0], x: x, consumer: i, name: name)
        let t2D = out + "\u{1}2d"
        let idx = try addLayer(name, op, inputs: [in2D], output: t2D)
        guard case .activation(_, let s)? = values[t2D], s.count == 4 else { return }
        let v = try addLayer(uniqueName(name + "/1d"), .reshape([s[1], s[3]]), inputs: [t2D], output: out)
        viewOf[v] = idx
        viewSource[v] = t2D
    }

    /// The `[N, C, 1, L]` tensor for 1-D activation `t`: the 2-D output behind a 1-D view when
    /// this node is the view's only reader (the view is dropped), else a new reshape.
    mutating func lift1D(_ t: String, x: (duet: String, shape: [Int]), consumer i: Int, name: String) throws -> String {
        if let p = layerIndex[x.duet], let src = viewSource[p], !removed.contains(p), layerOutput[p] == t, onlyConsumer(t) == i {
            removed.insert(p)
            return src
        }
        let t2D = t + "\u{1}as2d"
        if values[t2D] == nil {
            try addLayer(uniqueName(name + "/2d"), .reshape([x.shape[1], 1, x.shape[2]]), inputs: [t], output: t2D)
        }
        return t2D
    }

    /// Split: each output that is read becomes a `slice` layer of the input (sizes from the
    /// `split` attribute before opset 13, the `split` input after, or equal parts — the last one
    /// smaller under opset 18's `num_outputs`).
    mutating func split(_ i: Int, _ node: Onnx_NodeProto) throws {
        let x = try needActivation(node, 0)
        let r = x.shape.count
        let axisAttr = node.int("axis", default: 0)
        let axis = axisAttr < 0 ? axisAttr + r : axisAttr
        guard axis >= 0, axis < r else { throw contradictionAttr(node, "axis", "\(axisAttr)", "an axis of the rank-\(r) input \(x.shape)") }
        guard axis >= 1 else { throw Unsupported(reason: "Split along the batch axis") }
        let d = x.shape[axis], n = node.output.count
        var sizes: [Int]
        if let s = node.ints("split") {
            sizes = s
        } else if node.input.count > 1, !node.input[1].isEmpty {
            sizes = try intsInput(node, 1, what: "split sizes")
        } else {
            let parts = node.attribute("num_outputs").map { Int($0.i) } ?? n
            guard parts >= 1 else { throw contradictionAttr(node, "num_outputs", "\(parts)", "at least one output") }
            let chunk = (d + parts - 1) / parts
            sizes = (0..<parts).map { max(0, min(chunk, d - $0 * chunk)) }
        }
        guard sizes.count == n, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == d else {
            throw contradictionAttr(node, "split", "\(sizes)",
                                    "\(n) non-negative sizes, one per output, adding up to dimension \(axisAttr) of \(x.shape) (\(d))")
        }
        var start = 0
        for (k, o) in node.output.enumerated() {
            defer { start += sizes[k] }
            guard !o.isEmpty, consumers[o] != nil || graphOutputs.contains(o) else { continue }
            if sizes[k] == d {
                values[o] = .activation(duet: x.duet, shape: x.shape)
                continue
            }
            guard sizes[k] > 0 else { throw Unsupported(reason: "the empty Split output '\(o)' is read") }
            try addLayer(uniqueName(o), .slice(axis: axis - 1, start: start, length: sizes[k]), inputs: [node.input[0]], output: o)
        }
    }

    /// Pad: constant-zero padding of height and width right before a Conv or pooling node folds
    /// into that node's pads (what exporters write for asymmetric "same" padding); any other
    /// non-negative padding is a `pad` layer. Negative pads (cropping) and batch padding are refused.
    mutating func pad(_ i: Int, _ node: Onnx_NodeProto) throws {
        let out = node.output[0]
        let x = try needActivation(node, 0)
        let r = x.shape.count
        var pads = node.input.count > 1 && !node.input[1].isEmpty ? try intsInput(node, 1, what: "pads") : (node.ints("pads") ?? [])
        // Opset 18: an optional axes input names the axes the pads apply to.
        if node.input.count > 3, !node.input[3].isEmpty {
            let raw = try intsInput(node, 3, what: "axes")
            let axes = raw.map { $0 < 0 ? $0 + r : $0 }
            guard pads.count == 2 * axes.count, axes.allSatisfy({ $0 >= 0 && $0 < r }) else {
                throw contradictionAttr(node, "axes", "\(raw)", "axes of the rank-\(r) input, with two pads each (\(pads.count) pads given)")
            }
            var full = [Int](repeating: 0, count: 2 * r)
            for (k, a) in axes.enumerated() { full[a] = pads[k]; full[r + a] = pads[axes.count + k] }
            pads = full
        }
        guard pads.count == 2 * r else {
            throw contradictionAttr(node, "pads", "\(pads)", "2 × rank = \(2 * r) pads for the input \(x.shape) (all begins, then all ends)")
        }
        let modeName = node.string("mode", default: "constant")
        guard let mode = PadMode(rawValue: modeName) else {
            throw contradictionAttr(node, "mode", modeName, "constant, reflect, edge or wrap")
        }
        guard pads.allSatisfy({ $0 >= 0 }) else { throw Unsupported(reason: "negative pads \(pads) (cropping with Pad)") }
        guard pads[0] == 0, pads[r] == 0 else { throw Unsupported(reason: "padding of the batch axis") }
        if pads.allSatisfy({ $0 == 0 }) {
            values[out] = .activation(duet: x.duet, shape: x.shape)
            return
        }
        var value: Double? = 0
        if node.input.count > 2, !node.input[2].isEmpty { value = constant(node.input[2])?.doubles?.first }
        else if let a = node.attribute("value") { value = Double(a.f) }
        let spatialOnly = (r == 4 && pads[1] == 0 && pads[5] == 0) || (r == 3 && pads[1] == 0 && pads[4] == 0)
        // Duet's own files never write a Pad for a convolution's padding: keep their pad layers.
        if !fromDuet, mode == .constant, value == 0, spatialOnly,
           let c = onlyConsumer(out), ["Conv", "MaxPool", "AveragePool"].contains(nodeAt(c).opType),
           nodeAt(c).input.first == out, nodeAt(c).string("auto_pad", default: "NOTSET") == "NOTSET" {
            extraPads[out] = r == 4 ? [pads[2], pads[3], pads[6], pads[7]] : [0, pads[2], 0, pads[5]]
            values[out] = .activation(duet: x.duet, shape: x.shape)
            return
        }
        let amounts = Array(pads[1..<r]) + Array(pads[(r + 1)...])
        try addLayer(layerName(node, index: i), .pad(amounts: amounts, mode: mode), inputs: [node.input[0]], output: out)
    }
}
