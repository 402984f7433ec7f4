import DuetCore
import DuetHardware
import DuetWorkload

/// The operators a network space can produce on a device: the entries a table for the space needs.
public enum SpaceOperators {
    /// Architectures whose device operators together are every operator the space can produce.
    ///
    /// - Spaces of at most `enumerateLimit` points (NAS-Bench-201: 15,625) are enumerated.
    /// - OFA MobileNetV3: every block's operator depends only on its own kernel, expand ratio,
    ///   position and the resolution, so depth 4 everywhere with all slots set to each (kernel,
    ///   expand) pair, at each resolution, covers the space (9 networks per resolution).
    /// - Other spaces whose dimensions pick one block each (FBNet): all slots set to the same
    ///   option, for each option (a layer's operator depends only on its own choice).
    public static func coveringArchitectures(_ space: any NetworkSpace, resolutions: [Int]? = nil, enumerateLimit: Int = 20_000) -> [Architecture] {
        if let ofa = space as? OFAMobileNetV3Space {
            let rs = resolutions ?? OFAMobileNetV3Space.resolutions
            var out: [Architecture] = []
            for r in rs {
                guard let ri = OFAMobileNetV3Space.resolutions.firstIndex(of: r) else { continue }
                for k in 0..<3 { for e in 0..<3 {
                    out.append(Architecture([Int](repeating: 2, count: 5) + [Int](repeating: k, count: 20) + [Int](repeating: e, count: 20) + [ri]))
                } }
            }
            _ = ofa
            return out
        }
        if let all = space.enumerate(limit: enumerateLimit) { return all }
        let widest = space.dimensions.map(\.options.count).max() ?? 0
        return (0..<widest).map { o in Architecture(space.dimensions.map { min(o, $0.options.count - 1) }) }
    }

    /// Distinct device operators of `archs` lowered for `device`, sorted by key; networks that
    /// fail to build are reported together.
    public static func signatures(_ space: any NetworkSpace, _ archs: [Architecture], device: TableDevice) throws -> [OperatorSignature] {
        var set = Set<OperatorSignature>()
        for a in archs {
            let g = try device.lower(deviceNetwork(space, a))
            for op in g.operators { set.insert(op.signature) }
        }
        return set.sorted()
    }
}
