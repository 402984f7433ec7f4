/// The shape of one sample of a tensor (the batch dimension is the network's, not the tensor's):
/// `[C, H, W]` for feature maps, `[T, F]` for token sequences, `[F]` for vectors.
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
    public var dims: [Int]
    public init(_ dims: [Int]) { self.dims = dims }
    public init(channels: Int, height: Int, width: Int) { dims = [channels, height, width] }

    public var rank: Int { dims.count }
    /// Number of elements (may overflow for absurd shapes; use ``elementCount()`` on user input).
    public func elementCount(what: String = "tensor size") throws -> Int {
        try Checked.product(dims, what: what)
    }
    /// `[C, H, W]` view; nil when the rank is not 3.
    public var chw: (c: Int, h: Int, w: Int)? { rank == 3 ? (dims[0], dims[1], dims[2]) : nil }
    public var description: String { dims.map(String.init).joined(separator: "×") }
}

import DuetCore
