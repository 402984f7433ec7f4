import DuetCore
import DuetCostModel
import DuetHardware
import DuetWorkload
import Foundation

/// A disk cache of tabulated decompositions (every architecture's latency and MACs on a
/// table-driven device), so that solving the same space on the same table again does not
/// re-evaluate every network. Keyed by a stable 128-bit hash of the space (name and choices) and
/// the device: the table's whole content (entries, constant, graph rewrites and fusion rules) or
/// the device model's parameters. A corrupt or foreign file is ignored and rewritten; failing to
/// write only costs the next run its speed.
///
/// Location: `$DUET_CACHE_DIR`, else `$XDG_CACHE_HOME/duet`, else `~/.cache/duet`; files under
/// `tabulation/`.
public struct TabulationCache: Sendable {
    /// The cache directory (the files are in its `tabulation` folder).
    public var directory: URL

    public init(directory: URL) { self.directory = directory }

    /// The cache in the default location (see the type's documentation).
    public static var `default`: TabulationCache {
        let env = ProcessInfo.processInfo.environment
        if let d = env["DUET_CACHE_DIR"], !d.isEmpty { return TabulationCache(directory: URL(fileURLWithPath: d)) }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return TabulationCache(directory: URL(fileURLWithPath: x).appendingPathComponent("duet")) }
        return TabulationCache(directory: FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/duet"))
    }

    /// The key text of a space on a device (hashed into the file name).
    public static func key(space: any NetworkSpace, target: TableTarget, metrics: [String]) -> String {
        key(space: space, identity: target.identity ?? "", metrics: metrics)
    }

    /// The key text of a space on an estimator whose ``CostEstimator/identity`` is `identity`.
    public static func key(space: any NetworkSpace, identity: String, metrics: [String]) -> String {
        var k = "duet-tabulation v1\nspace \(space.name)\n"
        for d in space.dimensions { k += "dim \(d.name): \(d.options.joined(separator: ","))\n" }
        k += "metrics \(metrics.joined(separator: ","))\n"
        return k + identity
    }

    /// Two independent 64-bit FNV-1a hashes of the key, as 32 hex digits.
    static func digest(_ key: String) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in key.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte ^ 0x5a)) &* 0x0000_0100_0000_01b3
        }
        return String(format: "%016llx%016llx", a, b)
    }

    func file(_ key: String) -> URL { directory.appendingPathComponent("tabulation").appendingPathComponent(Self.digest(key) + ".bin") }

    /// The cached values (metric → value of every architecture), or nil.
    public func load(key: String, metrics: [String], count: Int) -> [String: [Int64]]? {
        guard let data = try? Data(contentsOf: file(key)) else { return nil }
        let header = Self.digest(key) + "\n"
        let h = Data(header.utf8)
        guard data.count == h.count + metrics.count * count * 8, data.prefix(h.count) == h else { return nil }
        var out: [String: [Int64]] = [:]
        data.withUnsafeBytes { raw in
            var offset = h.count
            for m in metrics {
                var v = [Int64](repeating: 0, count: count)
                v.withUnsafeMutableBytes { dst in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + count * 8)])) }
                out[m] = v.map { Int64(littleEndian: $0) }
                offset += count * 8
            }
        }
        return out
    }

    /// Stores values (best effort: errors are ignored).
    public func store(key: String, metrics: [String], values: [String: [Int64]]) {
        var data = Data((Self.digest(key) + "\n").utf8)
        for m in metrics {
            guard let v = values[m] else { return }
            v.map(\.littleEndian).withUnsafeBytes { data.append(contentsOf: $0) }
        }
        let url = file(key)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = url.appendingPathExtension("tmp-\(ProcessInfo.processInfo.processIdentifier)")
        guard (try? data.write(to: tmp)) != nil else { return }
        _ = try? FileManager.default.removeItem(at: url)
        _ = try? FileManager.default.moveItem(at: tmp, to: url)
    }
}
