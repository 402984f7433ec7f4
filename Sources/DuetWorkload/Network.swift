import DuetCore

/// A named node of the network graph: an operator applied to named input tensors. Its output
/// tensor carries the layer's name.
public struct Layer: Sendable, Hashable {
    public var name: String
    public var op: Operator
    /// Names of input tensors (network inputs or earlier layers), in operator order.
    public var inputs: [String]

    public init(_ name: String, _ op: Operator, inputs: [String]) {
        self.name = name
        self.op = op
        self.inputs = inputs
    }
}

/// A network input tensor.
public struct NetworkInput: Sendable, Hashable {
    public var name: String
    public var shape: TensorShape
    public init(name: String, shape: TensorShape) { self.name = name; self.shape = shape }
}

/// A neural network: a DAG of named layers over named tensors, listed in an order where every
/// layer comes after the layers it reads (topological order). Shapes are inferred by
/// ``analyze(precisionBits:)``.
public struct Network: Sendable, Hashable {
    public var name: String
    /// Batch size N (samples per inference).
    public var batch: Int
    public var inputs: [NetworkInput]
    public var layers: [Layer]
    /// Names of output tensors; empty means the last layer.
    public var outputs: [String]
    /// Caveats every report of this network should show (e.g. ONNX operators an import counted
    /// as zero-cost placeholders). Empty for networks Duet builds itself.
    public var notes: [String] = []

    public init(name: String, batch: Int = 1, inputs: [NetworkInput], layers: [Layer], outputs: [String] = [], notes: [String] = []) {
        self.name = name
        self.batch = batch
        self.inputs = inputs
        self.layers = layers
        self.outputs = outputs
        self.notes = notes
    }
}

/// Builds a network layer by layer, naming layers uniquely and threading the "current" tensor,
/// so built-in networks and search spaces read like their papers' tables.
public struct NetworkBuilder {
    public private(set) var network: Network
    /// The tensor the next layer reads by default.
    public var current: String
    private var counts: [String: Int] = [:]

    public init(name: String, input: TensorShape, inputName: String = "input", batch: Int = 1) {
        network = Network(name: name, batch: batch, inputs: [NetworkInput(name: inputName, shape: input)], layers: [])
        current = inputName
    }

    /// Appends a layer reading `inputs` (default: the current tensor) and makes it current.
    @discardableResult
    public mutating func add(_ name: String, _ op: Operator, inputs: [String]? = nil) -> String {
        var unique = name
        if let n = counts[name] { unique = "\(name)_\(n)" }
        counts[name, default: 0] += 1
        network.layers.append(Layer(unique, op, inputs: inputs ?? [current]))
        current = unique
        return unique
    }

    /// A convolution with BatchNorm (no bias), optionally followed by a fused activation.
    @discardableResult
    public mutating func conv(_ name: String, out: Int, kernel: Int, stride: Int = 1, groups: Int = 1,
                              padding: Padding? = nil, bias: Bool = false, bn: Bool = true,
                              act: ActivationFunction? = nil, input: String? = nil) -> String {
        let pad = padding ?? .symmetric((kernel - 1) / 2, (kernel - 1) / 2)
        return add(name, .conv(outChannels: out, window: Window2D(kernel: kernel, stride: stride, padding: pad),
                               groups: groups, bias: bias, batchNorm: bn, activation: act),
                   inputs: input.map { [$0] })
    }

    @discardableResult
    public mutating func dense(_ name: String, out: Int, bias: Bool = true, act: ActivationFunction? = nil, input: String? = nil) -> String {
        add(name, .dense(outFeatures: out, bias: bias, activation: act), inputs: input.map { [$0] })
    }
}
