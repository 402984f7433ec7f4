import DuetCore
import DuetWorkload

extension SpaceOperators {
    /// The network a device's converter sees for `arch`: ``NASBench201Space/exportedNetwork(_:)``
    /// for NAS-Bench-201, the space's own network otherwise.
    public static func deviceNetwork(_ space: any NetworkSpace, _ arch: Architecture) throws -> Network {
        if let nb = space as? NASBench201Space { return try nb.exportedNetwork(arch) }
        return try space.network(arch)
    }
}

extension SpaceOperators {
    /// The network a table-driven device runs for a reference: `SPACE:ARCH` as the device's
    /// converter sees it (``deviceNetwork(_:_:)``), anything else as ``NetworkReference`` resolves it.
    public static func deviceNetwork(reference ref: String, options: BuildOptions = BuildOptions()) throws -> Network {
        if let colon = ref.firstIndex(of: ":"), let space = NetworkSpaces.named(String(ref[..<colon])),
           let arch = try? space.parse(String(ref[ref.index(after: colon)...])) {
            var net = try deviceNetwork(space, arch)
            net.name = space.name
            return net
        }
        return try NetworkReference.resolve(ref, options: options)
    }
}
