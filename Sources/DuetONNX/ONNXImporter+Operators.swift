import DuetCore
import DuetWorkload
import Foundation

/// Node-by-node mapping of ONNX operators onto Duet operators, with the fusions that keep Duet's
/// layer view: BatchNormalization and activations fold into the convolution or dense layer before
/// them; MatMul + Add(bias) is a dense layer; the GELU (erf), swish, squeeze-excite, class-token
/// and channel-shuffle patterns become one layer each.
extension ONNXImporter {
    mutating func convert(_ i: Int, _ node: Onnx_NodeProto) throws {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw Unsupported(reason: "operators of domain '\(node.domain)' are not supported")
        }
        let out = node.output.first ?? ""
        // Constant folding for shape arithmetic (Shape → Gather → Concat → Reshape and the like).
        if try fold(node) { return }
        if node.opType == "Div", try geluPattern(i, node) { return }

        switch node.opType {
        case "Identity", "Dropout", "Cast", "CastLike", "Contiguous":
            let a = try needActivation(node, 0)
            values[out] = .activation(duet: a.duet, shape: a.shape)

        case "Conv":
            let x = try needActivation(node, 0)
            if x.shape.count == 5 { throw Unsupported(reason: Self.noDepthReason("3-D convolution")) }
            guard x.shape.count == 4 || x.shape.count == 3 else {
                throw Unsupported(reason: "only 1-D and 2-D convolutions (rank-3 or rank-4 inputs) are supported, got rank \(x.shape.count)")
            }
            let oneD = x.shape.count == 3
            let w = try needConstant(node, 1, what: "weight")
            let g = node.int("group", default: 1)
            guard w.shape.count == x.shape.count else {
                throw contradiction(node, 1, w.shape, oneD ? "a rank-3 weight [K, C/group, k] for a 1-D convolution" : "a rank-4 weight [K, C/group, kH, kW]")
            }
            let (k, cg) = (w.shape[0], w.shape[1])
            let (kh, kw) = oneD ? (1, w.shape[2]) : (w.shape[2], w.shape[3])
            if g < 1 || cg * g != x.shape[1] {
                throw contradiction(node, 1, w.shape, "weight dimension 1 = input channels / group = \(x.shape[1]) / \(g)")
            }
            if let ks = node.ints("kernel_shape"), ks != Array(w.shape.dropFirst(2)) {
                throw contradiction(node, 1, w.shape, "kernel_shape \(ks) in its last \(oneD ? "dimension" : "two dimensions")")
            }
            let hasBias = node.input.count > 2 && !node.input[2].isEmpty
            if hasBias, let b = constant(node.input[2]), b.shape != [k] { throw contradiction(node, 2, b.shape, "a bias of shape [\(k)]") }
            let x4 = oneD ? [x.shape[0], x.shape[1], 1, x.shape[2]] : x.shape
            let win = try window(node, kernel: (kh, kw), input: x4, defaultStrideIsKernel: false, oneD: oneD)
            let op = Operator.conv(outChannels: k, window: win, groups: g, bias: hasBias, batchNorm: false, activation: nil)
            try addSpatialLayer(i, node, op, oneD: oneD)

        case "ConvTranspose":
            let x = try needActivation(node, 0)
            if x.shape.count == 5 { throw Unsupported(reason: Self.noDepthReason("3-D transposed convolution")) }
            guard x.shape.count == 4 || x.shape.count == 3 else {
                throw Unsupported(reason: "only 1-D and 2-D transposed convolutions (rank-3 or rank-4 inputs) are supported, got rank \(x.shape.count)")
            }
            let oneD = x.shape.count == 3
            let w = try needConstant(node, 1, what: "weight")
            let g = node.int("group", default: 1)
            guard w.shape.count == x.shape.count, w.shape[0] == x.shape[1], g >= 1 else {
                throw contradiction(node, 1, w.shape, oneD ? "a weight [C=\(x.shape[1]), K/group, k]" : "a weight [C=\(x.shape[1]), K/group, kH, kW]")
            }
            let k = w.shape[1] * g
            let kernel = oneD ? [1, w.shape[2]] : [w.shape[2], w.shape[3]]
            if let ks = node.ints("kernel_shape"), ks != Array(w.shape.dropFirst(2)) {
                throw contradiction(node, 1, w.shape, "kernel_shape \(ks) in its last \(oneD ? "dimension" : "two dimensions")")
            }
            let strides = try spatial(node, "strides", oneD: oneD) ?? [1, 1], dil = try spatial(node, "dilations", oneD: oneD) ?? [1, 1]
            let outPad = try spatial(node, "output_padding", oneD: oneD, fill: 0) ?? [0, 0]
            guard strides.count == 2, dil.count == 2, outPad.count == 2, (strides + dil).allSatisfy({ $0 >= 1 }), outPad.allSatisfy({ $0 >= 0 }) else {
                throw contradictionAttr(node, "strides", "\(strides) \(dil) \(outPad)", "positive strides and dilations and non-negative output_padding, one per spatial axis")
            }
            let inHW = oneD ? [1, x.shape[2]] : [x.shape[2], x.shape[3]]
            var pads = try spatial(node, "pads", oneD: oneD, isPads: true) ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else { throw contradictionAttr(node, "pads", "\(pads)", "non-negative pads, two per spatial axis") }
            let autoPad = node.string("auto_pad", default: "NOTSET")
            var target = try spatial(node, "output_shape", oneD: oneD)
            if target == nil, autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" { target = zip(inHW, strides).map { $0 * $1 } }
            if autoPad == "VALID" { pads = [0, 0, 0, 0] }
            if let target {
                guard target.count == 2 else { throw contradictionAttr(node, "output_shape", "\(target)", "one size per spatial axis") }
                for ax in 0..<2 {
                    let total = strides[ax] * (inHW[ax] - 1) + outPad[ax] + (kernel[ax] - 1) * dil[ax] + 1 - target[ax]
                    guard total >= 0 else {
                        throw Unsupported(reason: "output_shape \(target) is larger than the full transposed-convolution output")
                    }
                    let (before, after) = autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
                    pads[ax] = before; pads[ax + 2] = after
                }
            } else if autoPad != "NOTSET" && autoPad != "VALID" {
                throw contradictionAttr(node, "auto_pad", autoPad, "NOTSET, SAME_UPPER, SAME_LOWER or VALID")
            }
            let hasBias = node.input.count > 2 && !node.input[2].isEmpty
            if hasBias, let b = constant(node.input[2]), b.shape != [k] { throw contradiction(node, 2, b.shape, "a bias of shape [\(k)]") }
            let win = TransposedWindow2D(kernelH: kernel[0], kernelW: kernel[1], strideH: strides[0], strideW: strides[1],
                                         dilationH: dil[0], dilationW: dil[1], padTop: pads[0], padLeft: pads[1], padBottom: pads[2], padRight: pads[3],
                                         outputPaddingH: outPad[0], outputPaddingW: outPad[1])
            try addSpatialLayer(i, node, .convTranspose(outChannels: k, window: win, groups: g, bias: hasBias, batchNorm: false, activation: nil), oneD: oneD)

        case "BatchNormalization":
            let x = try needActivation(node, 0)
            guard x.shape.count >= 2 else { throw Unsupported(reason: "BatchNormalization needs a channel dimension") }
            for k in 1..<min(5, node.input.count) {
                if let c = constant(node.input[k]), c.shape != [x.shape[1]] {
                    throw contradiction(node, k, c.shape, "shape [\(x.shape[1])] (one value per channel)")
                }
            }
            if let p = foldableProducer(node.input[0], group: [i], nodeName: node.name) {
                let t = viewOf[p] ?? p
                switch layers[t].op {
                case let .conv(k, w, g, b, false, nil):
                    layers[t].op = .conv(outChannels: k, window: w, groups: g, bias: b, batchNorm: true, activation: nil)
                    rebind(p, to: out); return
                case let .convTranspose(k, w, g, b, false, nil):
                    layers[t].op = .convTranspose(outChannels: k, window: w, groups: g, bias: b, batchNorm: true, activation: nil)
                    rebind(p, to: out); return
                default: break
                }
            }
            try addLayer(layerName(node, index: i), .batchNorm, inputs: [node.input[0]], output: out)

        case "Relu", "HardSwish", "HardSigmoid", "Sigmoid", "Tanh", "Gelu", "Clip", "LeakyRelu", "Elu", "Celu", "Selu", "Softplus":
            var f: ActivationFunction
            switch node.opType {
            case "Relu": f = .relu
            case "LeakyRelu": f = .leakyRelu
            case "Elu", "Celu": f = .elu
            case "Selu": f = .selu
            case "Softplus": f = .softplus
            case "HardSwish": f = .hswish
            case "HardSigmoid":
                f = .hsigmoid
                // x · HardSigmoid(x): hardswish as exported before opset 14.
                if let m = onlyConsumer(out), nodeAt(m).opType == "Mul", nodeAt(m).input.contains(node.input[0]), nodeAt(m).input.contains(out) {
                    consumed.insert(m)
                    try activationLayer(i, node, .hswish, input: node.input[0], output: nodeAt(m).output[0], group: [i, m])
                    return
                }
            case "Tanh": f = .tanh
            case "Gelu": f = .gelu
            case "Clip": f = try clipFunction(node)
            default:
                f = .sigmoid
                if let m = onlyConsumer(out), nodeAt(m).opType == "Mul", nodeAt(m).input.contains(node.input[0]), nodeAt(m).input.contains(out) {
                    f = .swish
                    consumed.insert(m)
                    try activationLayer(i, node, f, input: node.input[0], output: nodeAt(m).output[0], group: [i, m])
                    return
                }
            }
            try activationLayer(i, node, f, input: node.input[0], output: out, group: [i])

        case "PRelu":
            let x = try needActivation(node, 0)
            let slope = try needConstant(node, 1, what: "slope")
            let n = try elementCount(slope.shape)
            guard broadcastable(slope.shape, x.shape) else {
                throw contradiction(node, 1, slope.shape, "a slope that broadcasts to the input \(x.shape)")
            }
            guard x.shape.count >= 2, n == 1 || (n == x.shape[1] && slope.shape.count == x.shape.count - 1) else {
                throw Unsupported(reason: "PRelu with \(n) slopes of shape \(slope.shape); only one shared slope or one per channel (shape [C, 1, …]) is supported")
            }
            try addLayer(layerName(node, index: i), .prelu(slopes: n), inputs: [node.input[0]], output: out)

        case "LRN":
            let x = try needActivation(node, 0)
            let size = node.int("size", default: 0)
            guard size >= 1 else { throw contradictionAttr(node, "size", "\(size)", "a positive size (the number of channels summed over)") }
            guard x.shape.count >= 3 else { throw Unsupported(reason: "LRN needs an [N, C, …] input, got rank \(x.shape.count)") }
            try addLayer(layerName(node, index: i), .localResponseNorm(size: size), inputs: [node.input[0]], output: out)

        case "Split":
            try split(i, node)

        case "Where":
            // A constant mask applied to an activation (causal attention masks, torch.where with a
            // buffer): a selection, counted free like scaling by a constant.
            guard node.input.count == 3, let cond = constant(node.input[0]) else {
                throw Unsupported(reason: "Where with a condition computed at run time (a data-dependent mask); only constant conditions are supported")
            }
            let branches = Array(node.input.dropFirst())
            let acts = branches.filter { activation($0) != nil }
            guard acts.count == 1, let x = activation(acts[0]), let other = branches.first(where: { constant($0) != nil }).flatMap({ constant($0) }) else {
                throw Unsupported(reason: "Where selecting between two tensors computed at run time")
            }
            guard broadcastable(cond.shape, x.shape), broadcastable(other.shape, x.shape) else {
                throw Unsupported(reason: "Where whose constant operands \(cond.shape), \(other.shape) broadcast the activation \(x.shape) to a larger shape")
            }
            values[out] = .activation(duet: x.duet, shape: x.shape)

        case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or":
            throw Unsupported(reason: "\(node.opType) on values computed at run time (a data-dependent mask); Duet folds it only on constants (shape logic)")

        case "Gemm":
            let a = try needActivation(node, 0)
            guard a.shape.count == 2, node.int("transA", default: 0) == 0 else {
                throw Unsupported(reason: "Gemm with transA or a rank-\(a.shape.count) input")
            }
            let b = try needConstant(node, 1, what: "weight")
            let transB = node.int("transB", default: 0) == 1
            guard b.shape.count == 2, (transB ? b.shape[1] : b.shape[0]) == a.shape[1] else {
                throw contradiction(node, 1, b.shape, transB ? "a weight [out, \(a.shape[1])] (transB=1)" : "a weight [\(a.shape[1]), out]")
            }
            let o = transB ? b.shape[0] : b.shape[1]
            let hasBias = node.input.count > 2 && !node.input[2].isEmpty
            if hasBias, let c = constant(node.input[2]), case let n = try elementCount(c.shape), n != o && n != 1 {
                throw contradiction(node, 2, c.shape, "a bias of \(o) values")
            }
            try addLayer(layerName(node, index: i), .dense(outFeatures: o, bias: hasBias, activation: nil), inputs: [node.input[0]], output: out)

        case "MatMul":
            let a = try needActivation(node, 0)
            if let w = constant(node.input[1]) {
                guard w.shape.count == 2, w.shape[0] == a.shape.last else {
                    throw contradiction(node, 1, w.shape, "a weight [\(a.shape.last ?? 0), out] matching the input's last dimension")
                }
                try addLayer(layerName(node, index: i), .dense(outFeatures: w.shape[1], bias: false, activation: nil), inputs: [node.input[0]], output: out)
                return
            }
            _ = try needActivation(node, 1)
            // A Transpose swapping the last two axes of the second operand folds into the matmul.
            if case .activation(let bd, let bs)? = values[node.input[1]], let t = layerIndex[bd], !removed.contains(t),
               layerOutput[t] == node.input[1], case .transpose(let perm) = layers[t].op, bs.count >= 3,
               perm == Array(0..<(bs.count - 3)) + [bs.count - 2, bs.count - 3], onlyConsumer(node.input[1]) == i {
                removed.insert(t)
                var ins = [a.duet, layers[t].inputs[0]]
                if ins[0] == bd { ins[0] = layers[t].inputs[0] }
                let idx = layers.count
                layers.append(Layer(layers[t].name, .matmul(transposeB: true), inputs: ins))
                let shapeA = Array(a.shape.dropFirst()), shapeB = Array(bs.dropFirst())
                let outShape = try Self.inferShape(name: layers[t].name, .matmul(transposeB: false), inputShapes: [shapeA, shapeB], batch: batch)
                layerIndex[layers[t].name] = idx
                layerOutput[idx] = out
                values[out] = .activation(duet: layers[t].name, shape: [batch] + outShape)
                return
            }
            try addLayer(layerName(node, index: i), .matmul(transposeB: false), inputs: [node.input[0], node.input[1]], output: out)

        case "Add", "Sum", "Sub", "Mul", "Div":
            try elementwise(i, node)

        case "MaxPool", "AveragePool":
            let x = try needActivation(node, 0)
            if x.shape.count == 5 { throw Unsupported(reason: Self.noDepthReason("3-D pooling")) }
            guard x.shape.count == 4 || x.shape.count == 3 else { throw Unsupported(reason: "only 1-D and 2-D pooling is supported") }
            let oneD = x.shape.count == 3
            if node.output.count > 1 && !node.output[1].isEmpty && consumers[node.output[1]] != nil {
                throw Unsupported(reason: "MaxPool's indices output is used")
            }
            guard let ks = node.ints("kernel_shape"), ks.count == x.shape.count - 2 else {
                throw contradictionAttr(node, "kernel_shape", "\(node.ints("kernel_shape") ?? [])", "one kernel size per spatial axis (\(x.shape.count - 2))")
            }
            let x4 = oneD ? [x.shape[0], x.shape[1], 1, x.shape[2]] : x.shape
            let win = try window(node, kernel: oneD ? (1, ks[0]) : (ks[0], ks[1]), input: x4, defaultStrideIsKernel: false, oneD: oneD)
            try addSpatialLayer(i, node, .pool(node.opType == "MaxPool" ? .max : .avg, window: win), oneD: oneD)

        case "GlobalAveragePool", "GlobalMaxPool":
            if node.opType == "GlobalAveragePool", try squeezeExcitePattern(i, node) { return }
            let x = try needActivation(node, 0)
            if x.shape.count == 5 { throw Unsupported(reason: Self.noDepthReason("3-D global pooling")) }
            guard x.shape.count == 4 || x.shape.count == 3 else { throw Unsupported(reason: "only 1-D and 2-D global pooling is supported") }
            try addSpatialLayer(i, node, .globalPool(node.opType == "GlobalMaxPool" ? .max : .avg), oneD: x.shape.count == 3)

        case "ReduceMean":
            if try layerNormPattern(i, node) { return }
            let x = try needActivation(node, 0)
            var axes = node.ints("axes")
            if axes == nil, node.input.count > 1, !node.input[1].isEmpty { axes = try intsInput(node, 1, what: "axes") }
            let norm = Set((axes ?? []).map { $0 < 0 ? $0 + x.shape.count : $0 })
            guard x.shape.count == 4, norm == [2, 3] else { throw Unsupported(reason: "ReduceMean other than over the spatial axes of a feature map") }
            let name = layerName(node, index: i)
            if node.int("keepdims", default: 1) == 1 {
                try addLayer(name, .globalPool(.avg), inputs: [node.input[0]], output: out)
            } else {
                try addLayer(name, .globalPool(.avg), inputs: [node.input[0]], output: out + "\u{1}pool")
                try addLayer(uniqueName(name + "/squeeze"), .reshape([x.shape[1]]), inputs: [out + "\u{1}pool"], output: out)
            }

        case "Concat":
            let axis = node.int("axis", default: 0)
            // Class token: Concat([Expand(token) or token, x], axis=1) on a sequence.
            if node.input.count == 2, let tok = constant(node.input[0]), let x = activation(node.input[1]), x.shape.count == 3,
               tok.shape.count == 3, tok.shape[2] == x.shape[2], axis == 1 || axis == -2 {
                var name = layerName(node, index: i)
                if let t = tokenNames[node.input[0]], !usedNames.contains(t) { usedNames.remove(name); usedNames.insert(t); name = t }
                try addLayer(name, .prependToken(count: tok.shape[1]), inputs: [node.input[1]], output: out)
                return
            }
            let first = try needActivation(node, 0)
            let ax = axis < 0 ? axis + first.shape.count : axis
            guard ax >= 1 else { throw Unsupported(reason: "concatenation along the batch axis") }
            try addLayer(layerName(node, index: i), .concat(axis: axis < 0 ? axis : ax - 1), inputs: node.input.filter { !$0.isEmpty }, output: out)

        case "Expand":
            if let c = constant(node.input[0]) {
                let shape = try intsInput(node, 1, what: "shape")
                values[out] = .constant(shape: c.shape.count == shape.count ? c.shape : shape, ints: nil, doubles: nil)
                tokenNames[out] = node.name.isEmpty ? nil : node.name
                return
            }
            let x = try needActivation(node, 0)
            let shape = try intsInput(node, 1, what: "shape")
            guard shape.count <= x.shape.count, zip(shape.reversed(), x.shape.reversed()).allSatisfy({ $0 == 1 || $0 == $1 }) else {
                throw Unsupported(reason: "Expand that enlarges an activation")
            }
            values[out] = .activation(duet: x.duet, shape: x.shape)

        case "Reshape":
            let x = try needActivation(node, 0)
            let target = try intsInput(node, 1, what: "shape")
            let allowZero = node.int("allowzero", default: 0) == 1
            var resolved = target.enumerated().map { k, d in d == 0 && !allowZero && k < x.shape.count ? x.shape[k] : d }
            guard target.allSatisfy({ $0 >= -1 }), target.filter({ $0 == -1 }).count <= 1 else {
                throw contradictionInput(node, 1, "\(target)", "dimensions ≥ 0 with at most one -1")
            }
            let total = try Checked.product(x.shape, what: "the element count of the Reshape input")
            let known = try Checked.product(resolved.filter { $0 != -1 }, what: "the element count of the Reshape target \(target)")
            if let u = resolved.firstIndex(of: -1), known > 0 { resolved[u] = total / known }
            guard try Checked.product(resolved, what: "the element count of the Reshape target \(target)") == total, resolved.first == batch else {
                throw Unsupported(reason: "Reshape to \(target) merges or splits the batch dimension of \(x.shape)")
            }
            var duetDims = Array(target.dropFirst()).enumerated().map { k, d in d == 0 && !allowZero ? resolved[k + 1] : d }
            if target.first == -1 { duetDims = Array(resolved.dropFirst()) }
            try addLayer(layerName(node, index: i), .reshape(duetDims), inputs: [node.input[0]], output: out)
            try channelShufflePattern(i, node)

        case "Flatten":
            let x = try needActivation(node, 0)
            let axis = node.int("axis", default: 1)
            let ax = axis < 0 ? axis + x.shape.count : axis
            guard ax >= 1 else { throw Unsupported(reason: "Flatten that merges the batch dimension (axis \(axis))") }
            guard ax <= x.shape.count else { throw contradictionAttr(node, "axis", String(axis), "an axis within the input's \(x.shape.count) dimensions") }
            let op: Operator = ax == 1 ? .flatten : .reshape([try elementCount(x.shape[1..<ax]), try elementCount(x.shape[ax...])])
            try addLayer(layerName(node, index: i), op, inputs: [node.input[0]], output: out)

        case "Transpose":
            let x = try needActivation(node, 0)
            let perm = node.ints("perm") ?? Array((0..<x.shape.count).reversed())
            guard perm.first == 0, perm.sorted() == Array(0..<x.shape.count) else {
                throw Unsupported(reason: "Transpose \(perm) moves the batch dimension")
            }
            try addLayer(layerName(node, index: i), .transpose(perm.dropFirst().map { $0 - 1 }), inputs: [node.input[0]], output: out)

        case "Squeeze", "Unsqueeze":
            let x = try needActivation(node, 0)
            var axes = node.ints("axes")
            if axes == nil, node.input.count > 1, !node.input[1].isEmpty { axes = try intsInput(node, 1, what: "axes") }
            var shape = x.shape
            if node.opType == "Squeeze" {
                let r = shape.count
                let ax = Set((axes ?? (1..<r).filter { shape[$0] == 1 }).map { $0 < 0 ? $0 + r : $0 })
                guard !ax.contains(0), ax.allSatisfy({ $0 < r && shape[$0] == 1 }) else { throw Unsupported(reason: "Squeeze of the batch axis or a non-1 axis") }
                shape = shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
            } else {
                guard let axes else { throw Unsupported(reason: "Unsqueeze without axes") }
                let r = shape.count + axes.count
                let ax = axes.map { $0 < 0 ? $0 + r : $0 }.sorted()
                guard !ax.contains(0) else { throw Unsupported(reason: "Unsqueeze in front of the batch axis") }
                for a in ax { shape.insert(1, at: min(a, shape.count)) }
            }
            try addLayer(layerName(node, index: i), .reshape(Array(shape.dropFirst())), inputs: [node.input[0]], output: out)

        case "Softmax", "LogSoftmax":
            let x = try needActivation(node, 0)
            let axis = node.int("axis", default: opset < 13 ? 1 : -1)
            if axis >= 0 && axis < 1 { throw Unsupported(reason: "softmax over the batch axis") }
            if axis >= x.shape.count || axis < -x.shape.count { throw contradictionAttr(node, "axis", "\(axis)", "an axis of the rank-\(x.shape.count) input") }
            try addLayer(layerName(node, index: i), .softmax(axis: axis < 0 ? axis : axis - 1), inputs: [node.input[0]], output: out)

        case "LayerNormalization":
            let x = try needActivation(node, 0)
            let axis = node.int("axis", default: -1)
            guard axis == -1 || axis == x.shape.count - 1 else { throw Unsupported(reason: "LayerNormalization over more than the last axis (axis \(axis))") }
            for k in 1..<min(3, node.input.count) where !node.input[k].isEmpty {
                if let c = constant(node.input[k]), try elementCount(c.shape) != x.shape.last {
                    throw contradiction(node, k, c.shape, "shape [\(x.shape.last ?? 0)] (the normalized dimension)")
                }
            }
            try addLayer(layerName(node, index: i), .layerNorm, inputs: [node.input[0]], output: out)

        case "Resize", "Upsample":
            let x = try needActivation(node, 0)
            guard x.shape.count == 4 else { throw Unsupported(reason: "only feature-map resizing is supported") }
            var scales: [Double]?
            let si = node.opType == "Upsample" ? 1 : 2
            if node.input.count > si, !node.input[si].isEmpty, let c = constant(node.input[si]), let d = c.doubles, !d.isEmpty { scales = d }
            if scales == nil, node.input.count > 3, !node.input[3].isEmpty, let c = constant(node.input[3]), let s = c.ints, s.count == 4 {
                scales = zip(s, x.shape).map { Double($0) / Double($1) }
            }
            if let s = scales, s.count == 4, s[2] > 1024 || s[3] > 1024 {
                throw contradictionInput(node, si, "\(s)", "height and width scales of at most 1024")
            }
            guard let s = scales, s.count == 4, s[0] == 1, s[1] == 1, s[2] >= 1, s[3] >= 1,
                  s[2].rounded() == s[2], s[3].rounded() == s[3] else {
                throw Unsupported(reason: "only constant integer up-scaling of height and width is supported")
            }
            try addLayer(layerName(node, index: i), .resize(scaleH: Int(s[2]), scaleW: Int(s[3])), inputs: [node.input[0]], output: out)

        case "Gather":
            if let table = constant(node.input[0]), let ids = activation(node.input[1]) {
                guard table.shape.count == 2, node.int("axis", default: 0) == 0 else {
                    throw Unsupported(reason: "Gather from a constant other than a [vocabulary, features] table")
                }
                _ = ids
                try addLayer(layerName(node, index: i), .embedding(vocabulary: table.shape[0], features: table.shape[1]),
                             inputs: [node.input[1]], output: out)
                return
            }
            let x = try needActivation(node, 0)
            let idx = try intsInput(node, 1, what: "indices")
            let idxShape = constant(node.input[1])!.shape
            var axis = node.int("axis", default: 0)
            if axis < 0 { axis += x.shape.count }
            guard axis >= 1, idx.count == 1, idxShape.isEmpty else { throw Unsupported(reason: "Gather other than one index on a non-batch axis") }
            let start = idx[0] < 0 ? idx[0] + x.shape[axis] : idx[0]
            let name = layerName(node, index: i)
            try addLayer(name, .slice(axis: axis - 1, start: start, length: 1), inputs: [node.input[0]], output: out + "\u{1}slice")
            var shape = x.shape; shape.remove(at: axis)
            try addLayer(uniqueName(name + "/squeeze"), .reshape(Array(shape.dropFirst())), inputs: [out + "\u{1}slice"], output: out)

        case "Slice":
            let x = try needActivation(node, 0)
            let starts = try intsInput(node, 1, what: "starts"), ends = try intsInput(node, 2, what: "ends")
            let axes = node.input.count > 3 && !node.input[3].isEmpty ? try intsInput(node, 3, what: "axes") : Array(0..<starts.count)
            let steps = node.input.count > 4 && !node.input[4].isEmpty ? try intsInput(node, 4, what: "steps") : Array(repeating: 1, count: starts.count)
            guard starts.count == ends.count, axes.count == starts.count, steps.allSatisfy({ $0 == 1 }) else {
                throw Unsupported(reason: "Slice with steps other than 1")
            }
            var ranges: [(axis: Int, start: Int, length: Int)] = []
            for k in 0..<axes.count {
                let ax = axes[k] < 0 ? axes[k] + x.shape.count : axes[k]
                guard ax >= 0, ax < x.shape.count else { throw contradictionAttr(node, "axes", "\(axes)", "axes of the rank-\(x.shape.count) input") }
                let d = x.shape[ax]
                func clamp(_ v: Int) -> Int { v < 0 ? max(0, v + d) : min(v, d) }
                let s = clamp(starts[k]), e = clamp(ends[k])
                if s == 0 && e >= d { continue }
                guard ax >= 1 else { throw Unsupported(reason: "Slice of the batch axis") }
                guard e > s else { throw Unsupported(reason: "empty Slice") }
                ranges.append((ax, s, e - s))
            }
            let name = layerName(node, index: i)
            if ranges.isEmpty {
                values[out] = .activation(duet: x.duet, shape: x.shape)
            } else if ranges.count == 1 {
                try addLayer(name, .slice(axis: ranges[0].axis - 1, start: ranges[0].start, length: ranges[0].length), inputs: [node.input[0]], output: out)
            } else if ranges.count == 2, x.shape.count == 4, Set(ranges.map(\.axis)) == [2, 3] {
                let h = ranges.first { $0.axis == 2 }!.length, w = ranges.first { $0.axis == 3 }!.length
                try addLayer(name, .crop(height: h, width: w), inputs: [node.input[0]], output: out)
            } else {
                throw Unsupported(reason: "Slice over several axes other than a feature map's height and width")
            }

        case "Pad":
            try pad(i, node)

        case "Shape":
            let x = try needActivation(node, 0)
            var s = x.shape
            let r = s.count
            let start = node.int("start", default: 0), end = node.int("end", default: r)
            let a = max(0, min(r, start < 0 ? start + r : start)), b = max(a, min(r, end < 0 ? end + r : end))
            s = Array(s[a..<b])
            values[out] = .constant(shape: [s.count], ints: s, doubles: s.map(Double.init))

        default:
            throw Unsupported(reason: "no Duet mapping for this operator")
        }
    }

    /// Rebinds a layer's output to a later ONNX tensor (after folding a node into it).
    mutating func rebind(_ idx: Int, to tensor: String) {
        let old = layerOutput[idx]!
        layerOutput[idx] = tensor
        values[tensor] = values[old]
    }

    mutating func uniqueName(_ base: String) -> String {
        var n = base, k = 1
        while usedNames.contains(n) { n = "\(base)_\(k)"; k += 1 }
        usedNames.insert(n)
        return n
    }

    func contradiction(_ node: Onnx_NodeProto, _ k: Int, _ shape: [Int], _ expected: String) -> InputError {
        InputError(keyPath: "input[\(k)]", value: "\(node.input[k]) \(shape)",
                   message: "\(node.opType) node '\(node.name)': the shape of '\(node.input[k])' contradicts its use: expected \(expected)",
                   hint: "the initializer does not fit the tensor it is applied to; re-export the model")
    }

    /// A constant input (`input[k]`, e.g. Reshape's shape) whose value Duet cannot accept.
    func contradictionInput(_ node: Onnx_NodeProto, _ k: Int, _ value: String, _ expected: String) -> InputError {
        InputError(keyPath: "input[\(k)]", value: InputIssue.capped(value),
                   message: "\(node.opType) node '\(node.name)': input '\(k < node.input.count ? node.input[k] : "?")' must have \(expected)",
                   hint: "check the exported model; Duet needs sizes it can count in 64-bit integers")
    }

    func contradictionAttr(_ node: Onnx_NodeProto, _ attr: String, _ value: String, _ expected: String) -> InputError {
        InputError(keyPath: "attribute.\(attr)", value: value, message: "\(node.opType) node '\(node.name)': expected \(expected)",
                   hint: "check the exported model's '\(attr)' attribute")
    }

    /// The 2-D window of a Conv or pooling node: kernel, strides, dilations and padding (explicit
    /// `pads`, or `auto_pad` SAME_UPPER/SAME_LOWER/VALID; `ceil_mode` adds the padding it implies).
    func window(_ node: Onnx_NodeProto, kernel: (Int, Int), input: [Int], defaultStrideIsKernel: Bool, oneD: Bool = false) throws -> Window2D {
        let strides = try spatial(node, "strides", oneD: oneD) ?? [1, 1], dil = try spatial(node, "dilations", oneD: oneD) ?? [1, 1]
        guard strides.count == 2, dil.count == 2, strides.allSatisfy({ $0 >= 1 }), dil.allSatisfy({ $0 >= 1 }) else {
            throw contradictionAttr(node, "strides", "\(strides)", "two positive strides and dilations")
        }
        var padding: Padding
        switch node.string("auto_pad", default: "NOTSET") {
        case "VALID": padding = .valid
        case "SAME_UPPER": padding = .same
        case "SAME_LOWER":
            var p: [Int] = []
            for (ax, k) in [kernel.0, kernel.1].enumerated() {
                let inp = input[2 + ax], s = strides[ax], ek = dil[ax] * (k - 1) + 1
                let total = max(0, ((inp + s - 1) / s - 1) * s + ek - inp)
                p.append(total - total / 2); p.append(total / 2)
            }
            padding = .explicit(top: p[0], left: p[2], bottom: p[1], right: p[3])
        case "NOTSET":
            var pads = try spatial(node, "pads", oneD: oneD, isPads: true) ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else { throw contradictionAttr(node, "pads", "\(pads)", "four non-negative pads") }
            if let extra = extraPads[node.input[0]] { pads = zip(pads, extra).map { $0 + $1 } }
            padding = .explicit(top: pads[0], left: pads[1], bottom: pads[2], right: pads[3])
            if node.int("ceil_mode", default: 0) == 1 {
                var extra = [0, 0]
                for ax in 0..<2 {
                    let k = [kernel.0, kernel.1][ax], inp = input[2 + ax] + pads[ax] + pads[ax + 2], s = strides[ax]
                    let ek = dil[ax] * (k - 1) + 1
                    var outCeil = (inp - ek + s - 1) / s + 1
                    if (outCeil - 1) * s >= input[2 + ax] + pads[ax] { outCeil -= 1 }  // last window must start inside
                    extra[ax] = max(0, (outCeil - 1) * s + ek - inp)
                }
                padding = .explicit(top: pads[0], left: pads[1], bottom: pads[2] + extra[0], right: pads[3] + extra[1])
            }
        case let other:
            throw contradictionAttr(node, "auto_pad", other, "NOTSET, SAME_UPPER, SAME_LOWER or VALID")
        }
        return Window2D(kernelH: kernel.0, kernelW: kernel.1, strideH: strides[0], strideW: strides[1],
                        dilationH: dil[0], dilationW: dil[1], padding: padding)
    }

    func clipFunction(_ node: Onnx_NodeProto) throws -> ActivationFunction {
        func bound(_ k: Int, _ attr: String) -> Double? {
            if node.input.count > k, !node.input[k].isEmpty { return constant(node.input[k])?.doubles?.first }
            return node.attribute(attr).map { Double($0.f) }
        }
        let lo = bound(1, "min"), hi = bound(2, "max")
        if lo == 0, hi == 6 { return .relu6 }
        if lo == 0, hi == nil || hi == .infinity { return .relu }
        throw Unsupported(reason: "Clip(\(lo.map { "\($0)" } ?? "-∞"), \(hi.map { "\($0)" } ?? "∞")) is neither ReLU nor ReLU6")
    }

    /// Folds an activation into the conv/dense layer before it, or adds a standalone activation.
    mutating func activationLayer(_ i: Int, _ node: Onnx_NodeProto, _ f: ActivationFunction, input: String, output: String, group: Set<Int>) throws {
        _ = try needActivation(node, 0)
        if let p = foldableProducer(input, group: group, nodeName: node.name) {
            let t = viewOf[p] ?? p
            switch layers[t].op {
            case let .conv(k, w, g, b, bn, nil):
                layers[t].op = .conv(outChannels: k, window: w, groups: g, bias: b, batchNorm: bn, activation: f); rebind(p, to: output); return
            case let .convTranspose(k, w, g, b, bn, nil):
                layers[t].op = .convTranspose(outChannels: k, window: w, groups: g, bias: b, batchNorm: bn, activation: f); rebind(p, to: output); return
            case let .dense(o, b, nil):
                layers[t].op = .dense(outFeatures: o, bias: b, activation: f); rebind(p, to: output); return
            default: break
            }
        }
        try addLayer(layerName(node, index: i), .activation(f), inputs: [input], output: output)
    }

    /// `x · 0.5 · (1 + erf(x / √2))` as PyTorch exports GELU before opset 20:
    /// Div(x, √2) → Erf → Add(1) → Mul(x) → Mul(0.5) (the two Muls in either order).
    mutating func geluPattern(_ i: Int, _ d: Onnx_NodeProto) throws -> Bool {
        guard d.input.count == 2, activation(d.input[0]) != nil, isConst(d.input[1], 2.0.squareRoot()),
              let e = onlyConsumer(d.output[0]), nodeAt(e).opType == "Erf",
              let a = onlyConsumer(nodeAt(e).output[0]), nodeAt(a).opType == "Add",
              nodeAt(a).input.contains(where: { isConst($0, 1) }),
              let m1 = onlyConsumer(nodeAt(a).output[0]), nodeAt(m1).opType == "Mul",
              let m2 = onlyConsumer(nodeAt(m1).output[0]), nodeAt(m2).opType == "Mul" else { return false }
        let x = d.input[0]
        let others = [nodeAt(m1).input.first { $0 != nodeAt(a).output[0] } ?? "", nodeAt(m2).input.first { $0 != nodeAt(m1).output[0] } ?? ""]
        guard others.contains(x), others.contains(where: { isConst($0, 0.5) }) else { return false }
        consumed.formUnion([e, a, m1, m2])
        try activationLayer(i, d, .gelu, input: x, output: nodeAt(m2).output[0], group: [i, e, a, m1, m2])
        return true
    }

    /// The axes of a ReduceMean (attribute before opset 18, input after), normalized for `rank`.
    func reduceAxes(_ node: Onnx_NodeProto, rank: Int) -> Set<Int>? {
        var axes = node.ints("axes")
        if axes == nil, node.input.count > 1, !node.input[1].isEmpty { axes = constant(node.input[1])?.ints }
        return axes.map { Set($0.map { $0 < 0 ? $0 + rank : $0 }) }
    }

    /// LayerNormalization as exported before opset 17: ReduceMean(x) → Sub(x, mean) → Pow(2) →
    /// ReduceMean → Add(ε) → Sqrt → Div(centered, ·) [→ Mul(γ) → Add(β)], over the last axis.
    mutating func layerNormPattern(_ i: Int, _ rm: Onnx_NodeProto) throws -> Bool {
        guard let x = activation(rm.input[0]), reduceAxes(rm, rank: x.shape.count) == [x.shape.count - 1],
              let sub = onlyConsumer(rm.output[0]), nodeAt(sub).opType == "Sub", nodeAt(sub).input == [rm.input[0], rm.output[0]],
              let cs = consumers[nodeAt(sub).output[0]], cs.count == 2, !graphOutputs.contains(nodeAt(sub).output[0]),
              let pw = cs.first(where: { nodeAt($0).opType == "Pow" }), let dv = cs.first(where: { nodeAt($0).opType == "Div" }),
              nodeAt(pw).input.first == nodeAt(sub).output[0], nodeAt(dv).input.first == nodeAt(sub).output[0],
              let rm2 = onlyConsumer(nodeAt(pw).output[0]), nodeAt(rm2).opType == "ReduceMean",
              let eps = onlyConsumer(nodeAt(rm2).output[0]), nodeAt(eps).opType == "Add",
              let sq = onlyConsumer(nodeAt(eps).output[0]), nodeAt(sq).opType == "Sqrt",
              onlyConsumer(nodeAt(sq).output[0]) == dv else { return false }
        var group: Set<Int> = [i, sub, pw, dv, rm2, eps, sq]
        var out = nodeAt(dv).output[0]
        if let m = onlyConsumer(out), nodeAt(m).opType == "Mul", nodeAt(m).input.contains(where: { constant($0) != nil }) {
            group.insert(m); out = nodeAt(m).output[0]
            if let a = onlyConsumer(out), nodeAt(a).opType == "Add", nodeAt(a).input.contains(where: { constant($0) != nil }) {
                group.insert(a); out = nodeAt(a).output[0]
            }
        }
        consumed.formUnion(group)
        try addLayer(layerName(rm, index: i), .layerNorm, inputs: [rm.input[0]], output: out)
        return true
    }

    /// GlobalAveragePool → Conv 1×1 (+bias) → Relu → Conv 1×1 (+bias) → HardSigmoid|Sigmoid → Mul(x):
    /// squeeze-and-excitation (torchvision's MobileNetV3 and Duet's own export).
    mutating func squeezeExcitePattern(_ i: Int, _ gap: Onnx_NodeProto) throws -> Bool {
        let x = gap.input[0]
        guard let xa = activation(x), xa.shape.count == 4,
              let c1 = onlyConsumer(gap.output[0]), nodeAt(c1).opType == "Conv", let w1 = constant(nodeAt(c1).input[1]),
              w1.shape.count == 4, w1.shape[1] == xa.shape[1], w1.shape[2...] == [1, 1], nodeAt(c1).int("group", default: 1) == 1,
              let r = onlyConsumer(nodeAt(c1).output[0]), nodeAt(r).opType == "Relu",
              let c2 = onlyConsumer(nodeAt(r).output[0]), nodeAt(c2).opType == "Conv", let w2 = constant(nodeAt(c2).input[1]),
              w2.shape == [xa.shape[1], w1.shape[0], 1, 1], nodeAt(c2).int("group", default: 1) == 1,
              nodeAt(c1).input.count > 2, nodeAt(c2).input.count > 2,
              let gt = onlyConsumer(nodeAt(c2).output[0]), ["HardSigmoid", "Sigmoid"].contains(nodeAt(gt).opType),
              let m = onlyConsumer(nodeAt(gt).output[0]), nodeAt(m).opType == "Mul",
              Set(nodeAt(m).input) == [x, nodeAt(gt).output[0]] else { return false }
        consumed.formUnion([c1, r, c2, gt, m])
        let gate: ActivationFunction = nodeAt(gt).opType == "HardSigmoid" ? .hsigmoid : .sigmoid
        try addLayer(layerName(gap, index: i), .squeezeExcite(reducedChannels: w1.shape[0], gate: gate), inputs: [x], output: nodeAt(m).output[0])
        return true
    }

    /// Reshape [N, C, H, W] → [N, g, C/g, H, W] → Transpose(0, 2, 1, 3, 4) → Reshape [N, C, H, W]:
    /// a channel shuffle. Called after the first Reshape became a layer; replaces it.
    mutating func channelShufflePattern(_ i: Int, _ r1: Onnx_NodeProto) throws {
        guard let idx = layerIndex[activation(r1.output[0])?.duet ?? ""], let x = activation(r1.input[0]), x.shape.count == 4,
              let y = activation(r1.output[0]), y.shape.count == 5, y.shape[3...] == x.shape[2...],
              let t = onlyConsumer(r1.output[0]), nodeAt(t).opType == "Transpose", nodeAt(t).ints("perm") == [0, 2, 1, 3, 4],
              let r2 = onlyConsumer(nodeAt(t).output[0]), nodeAt(r2).opType == "Reshape",
              let target = constant(nodeAt(r2).input[1])?.ints, target.count == 4,
              zip(target, x.shape).allSatisfy({ $0 == 0 || $0 == $1 }) || target.dropFirst() == x.shape.dropFirst() else { return }
        consumed.formUnion([t, r2])
        let g = y.shape[1]
        layers[idx].op = .channelShuffle(groups: g)
        values[r1.output[0]] = nil
        layerOutput[idx] = nodeAt(r2).output[0]
        values[nodeAt(r2).output[0]] = .activation(duet: layers[idx].name, shape: x.shape)
    }

    mutating func elementwise(_ i: Int, _ node: Onnx_NodeProto) throws {
        let out = node.output[0]
        let ins = node.input.filter { !$0.isEmpty }
        let acts = ins.filter { activation($0) != nil }
        let consts = ins.filter { constant($0) != nil }
        let kind: ElementwiseKind = ["Mul", "Div"].contains(node.opType) ? .mul : .add
        if acts.count >= 2 {
            guard consts.isEmpty else { throw Unsupported(reason: "\(node.opType) of activations and constants together") }
            try addLayer(layerName(node, index: i), .elementwise(kind), inputs: acts, output: out)
            return
        }
        guard acts.count == 1, consts.count == 1 else { throw Unsupported(reason: "\(node.opType) without an activation input") }
        let x = activation(acts[0])!, c = constant(consts[0])!
        let sample = Array(x.shape.dropFirst())
        if node.opType == "Add" {
            // Bias of a MatMul-based dense layer.
            if c.shape.count == 1, c.shape[0] == x.shape.last, let p = foldableProducer(acts[0], group: [i], nodeName: node.name),
               case let .dense(o, false, nil) = layers[p].op {
                layers[p].op = .dense(outFeatures: o, bias: true, activation: nil)
                rebind(p, to: out)
                return
            }
            // A learned tensor the size of one sample: a positional embedding.
            let cs = c.shape.first == 1 && c.shape.count == x.shape.count ? Array(c.shape.dropFirst()) : c.shape
            if try cs == sample && elementCount(sample) > 1 && c.ints == nil {
                try addLayer(layerName(node, index: i), .positionalEmbedding, inputs: [acts[0]], output: out)
                return
            }
        }
        if node.opType == "Mul", try elementCount(c.shape) == 1, c.doubles == [0] {
            try addLayer(layerName(node, index: i), .zero, inputs: [acts[0]], output: out)
            return
        }
        // Scaling or shifting by a constant (attention's 1/√d, normalization constants): folded
        // into its neighbours at no cost, like an accelerator applies it.
        guard broadcastable(c.shape, x.shape) else {
            throw contradiction(node, node.input.firstIndex(of: consts[0]) ?? 1, c.shape, "a shape that broadcasts to \(x.shape)")
        }
        values[out] = .activation(duet: x.duet, shape: x.shape)
    }

    func broadcastable(_ a: [Int], _ b: [Int]) -> Bool {
        guard a.count <= b.count else { return false }
        return zip(a.reversed(), b.reversed()).allSatisfy { $0 == 1 || $0 == $1 }
    }

    // MARK: - Constant folding

    /// Evaluates nodes whose inputs are all small integer constants (shape arithmetic), and
    /// Constant/ConstantOfShape nodes. Returns true when the node was handled.
    mutating func fold(_ node: Onnx_NodeProto) throws -> Bool {
        let out = node.output.first ?? ""
        if node.opType == "Constant" {
            if let a = node.attribute("value") {
                values[out] = .constant(shape: a.t.dims.map { Int($0) }, ints: a.t.intValues, doubles: a.t.doubleValues)
            } else if let a = node.attribute("value_ints") {
                values[out] = .constant(shape: [a.ints.count], ints: a.ints.map { Int($0) }, doubles: a.ints.map { Double($0) })
            } else if let a = node.attribute("value_int") {
                values[out] = .constant(shape: [], ints: [Int(a.i)], doubles: [Double(a.i)])
            } else if let a = node.attribute("value_float") {
                values[out] = .constant(shape: [], ints: nil, doubles: [Double(a.f)])
            } else if let a = node.attribute("value_floats") {
                values[out] = .constant(shape: [a.floats.count], ints: nil, doubles: a.floats.map { Double($0) })
            } else {
                throw Unsupported(reason: "Constant without a supported value attribute")
            }
            return true
        }
        let ins = node.input.filter { !$0.isEmpty }
        guard !ins.isEmpty, ins.allSatisfy({ constant($0) != nil }) else { return false }
        let c = ins.map { constant($0)! }
        func set(_ shape: [Int], _ v: [Int]?) { values[out] = .constant(shape: shape, ints: v, doubles: v?.map(Double.init)) }
        // Operators folded from two constants need both (a malformed node may list one).
        let binary: Set<String> = ["Reshape", "Expand", "Gather", "Add", "Sub", "Mul", "Div"]
        if binary.contains(node.opType) && c.count < 2 && !(node.opType == "Expand" && c.first?.ints == nil) {
            throw InputError(keyPath: "input", value: node.input.joined(separator: ", "),
                             message: "\(node.opType) node '\(node.name)' needs two inputs, has \(c.count)",
                             hint: "check the exported model; the node is malformed")
        }
        func overflow(_ what: String) -> InputError {
            InputError(keyPath: "input", value: node.input.joined(separator: ", "),
                       message: "\(node.opType) node '\(node.name)': \(what) of its constant inputs overflows a 64-bit integer",
                       hint: "check the exported model's shape constants")
        }
        switch node.opType {
        case "Identity", "Cast", "Squeeze", "Unsqueeze", "Reshape", "Flatten", "Expand":
            if node.opType == "Expand", c[0].ints == nil {
                // A learned tensor broadcast over the batch (a class token): keep its own shape.
                values[out] = .constant(shape: c[0].shape, ints: nil, doubles: nil)
                if !node.name.isEmpty { tokenNames[out] = node.name }
            } else if node.opType == "Reshape" || node.opType == "Expand", let t = c[1].ints {
                set(t.enumerated().map { $1 == 0 && $0 < c[0].shape.count ? c[0].shape[$0] : $1 }, c[0].ints)
            } else if node.opType == "Unsqueeze" || node.opType == "Squeeze" {
                set(c[0].ints.map { [$0.count] } ?? c[0].shape, c[0].ints)
            } else {
                values[out] = .constant(shape: c[0].shape, ints: c[0].ints, doubles: c[0].doubles)
            }
        case "Shape":
            set([c[0].shape.count], c[0].shape)
        case "Gather":
            if let v = c[0].ints, let idx = c[1].ints, c[0].shape.count <= 1 {
                if let bad = idx.first(where: { !(-v.count..<v.count).contains($0) }) {
                    throw InputError(keyPath: "input[1]", value: String(bad),
                                     message: "Gather node '\(node.name)': index \(bad) is outside the \(v.count) values of its constant input",
                                     hint: "indices must lie in -\(v.count)..<\(v.count); check the exported model")
                }
                let picked = idx.map { v[$0 < 0 ? $0 + v.count : $0] }
                set(c[1].shape, picked)
            } else { set(c[1].shape + c[0].shape.dropFirst(), nil) }
        case "Concat":
            let all = c.compactMap(\.ints)
            let length = try c.reduce(0) { try Checked.sum($0, $1.shape.first ?? 1, what: "the Concat length") }
            set([length], all.count == c.count ? all.flatMap { $0 } : nil)
        case "Add", "Sub", "Mul", "Div":
            if let a = c[0].ints, let b = c[1].ints, a.count == b.count || a.count == 1 || b.count == 1 {
                let n = max(a.count, b.count)
                let v = try (0..<n).map { k -> Int in
                    let x = a[a.count == 1 ? 0 : k], y = b[b.count == 1 ? 0 : k]
                    let r: (partialValue: Int, overflow: Bool)
                    switch node.opType {
                    case "Add": r = x.addingReportingOverflow(y)
                    case "Sub": r = x.subtractingReportingOverflow(y)
                    case "Mul": r = x.multipliedReportingOverflow(by: y)
                    default: r = y == 0 ? (0, false) : x.dividedReportingOverflow(by: y)
                    }
                    if r.overflow { throw overflow("the \(node.opType)") }
                    return r.partialValue
                }
                set(a.count >= b.count ? c[0].shape : c[1].shape, v)
            } else {
                values[out] = .constant(shape: c[0].shape.count >= c[1].shape.count ? c[0].shape : c[1].shape, ints: nil, doubles: nil)
            }
        case "Slice":
            let axes = c.count > 3 ? c[3].ints : [0], step = c.count > 4 ? c[4].ints?.first : 1
            if let v = c[0].ints, c[0].shape.count == 1, let s = c[1].ints?.first, let e = c[2].ints?.first,
               axes == [0] || axes == [-1], let step, step != 0 {
                let n = v.count
                var picked: [Int] = []
                if step > 0 {
                    var k = max(0, min(n, s < 0 ? s + n : s))
                    let end = max(0, min(n, e < 0 ? e + n : e))
                    while k < end { picked.append(v[k]); k += step }
                } else {
                    var k = max(-1, min(n - 1, s < 0 ? s + n : s))
                    let end = max(-1, min(n - 1, e < 0 ? e + n : e))
                    while k > end { picked.append(v[k]); k += step }
                }
                set([picked.count], picked)
            } else { set(c[0].shape, nil) }
        case "ConstantOfShape":
            guard let s = c[0].ints else { return false }
            let count = s.reduce(1) { $0 &* $1 }, small = count >= 0 && count <= 4096
            if let t = node.attribute("value")?.t, t.intValues == nil {
                let fill = t.doubleValues?.first ?? 0
                values[out] = .constant(shape: s, ints: nil, doubles: small ? Array(repeating: fill, count: count) : nil)
            } else {
                let fill = node.attribute("value")?.t.intValues?.first ?? 0
                set(s, small ? Array(repeating: fill, count: count) : nil)
            }
        case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or":
            // Shape logic such as torch's Expand export: Where(Equal(shape, -1), ones, shape).
            let shape = c[0].shape.count >= c[1].shape.count ? c[0].shape : c[1].shape
            if let a = c[0].ints, let b = c[1].ints, a.count == b.count || a.count == 1 || b.count == 1 {
                let v = (0..<max(a.count, b.count)).map { k -> Int in
                    let x = a[a.count == 1 ? 0 : k], y = b[b.count == 1 ? 0 : k]
                    switch node.opType {
                    case "Equal": return x == y ? 1 : 0
                    case "Less": return x < y ? 1 : 0
                    case "Greater": return x > y ? 1 : 0
                    case "LessOrEqual": return x <= y ? 1 : 0
                    case "GreaterOrEqual": return x >= y ? 1 : 0
                    case "And": return x != 0 && y != 0 ? 1 : 0
                    default: return x != 0 || y != 0 ? 1 : 0
                    }
                }
                set(shape, v)
            } else { set(shape, nil) }
        case "Not":
            set(c[0].shape, c[0].ints.map { $0.map { $0 == 0 ? 1 : 0 } })
        case "Where":
            let shape = c.map(\.shape).max { $0.count < $1.count } ?? []
            if c.count == 3, let m = c[0].ints, let a = c[1].ints, let b = c[2].ints {
                let n = max(m.count, a.count, b.count)
                if [m, a, b].allSatisfy({ $0.count == n || $0.count == 1 }) {
                    set(shape, (0..<n).map { k in m[m.count == 1 ? 0 : k] != 0 ? a[a.count == 1 ? 0 : k] : b[b.count == 1 ? 0 : k] })
                } else { set(shape, nil) }
            } else { set(shape, nil) }
        case "Range":
            if let s = c[0].ints?.first, let l = c[1].ints?.first, let d = c[2].ints?.first, d != 0 {
                let n = max(0, (l - s + d + (d > 0 ? -1 : 1)) / d)
                set([n], n <= 4096 ? (0..<n).map { s + $0 * d } : nil)
            } else { values[out] = .constant(shape: [], ints: nil, doubles: nil) }
        default:
            // Any other op on constants yields a constant of unknown value (e.g. weight preprocessing).
            values[out] = .constant(shape: c[0].shape, ints: nil, doubles: nil)
            for o in node.output.dropFirst() where !o.isEmpty { values[o] = .constant(shape: [], ints: nil, doubles: nil) }
        }
        return true
    }
}
