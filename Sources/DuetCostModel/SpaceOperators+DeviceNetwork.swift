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
