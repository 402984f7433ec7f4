import DuetCore
import Foundation

/// Reads network files of one format into Duet's IR.
public struct NetworkLoader: Sendable {
    /// The format's name (`duet`, `onnx`).
    public var name: String
    /// File extensions it reads (lower case, without the dot).
    public var extensions: [String]
    /// Reads the file at `path` (the options' batch and `allowUnknownOperators` apply to imports).
    public var load: @Sendable (_ path: String, _ options: BuildOptions) throws -> Network

    public init(name: String, extensions: [String], load: @escaping @Sendable (_ path: String, _ options: BuildOptions) throws -> Network) {
        self.name = name; self.extensions = extensions.map { $0.lowercased() }; self.load = load
    }

    /// Duet's own network format (``NetworkFormat``): `.yaml`, `.yml`, `.json`.
    public static let duet = NetworkLoader(name: "duet", extensions: ["yaml", "yml", "json"]) { path, _ in try NetworkFormat.load(path: path) }
}

/// The network file formats a caller accepts, by extension: a value composed explicitly, never
/// registered process-wide. ``standard`` reads Duet's own format; a module that reads another
/// format adds its loader (DuetONNX: `NetworkLoaders.standard.adding(ONNX.loader())`, or
/// `NetworkLoaders.withONNX()`), and ``BuildOptions/loaders`` carries the result to
/// ``NetworkReference/resolve(_:options:baseDirectory:)``.
public struct NetworkLoaders: Sendable, Hashable {
    /// The loaders in order; a later one wins an extension both read.
    public private(set) var loaders: [NetworkLoader]

    public init(_ loaders: [NetworkLoader]) { self.loaders = loaders }

    /// Duet's own format only.
    public static let standard = NetworkLoaders([.duet])

    /// These loaders and `loader`.
    public func adding(_ loader: NetworkLoader) -> NetworkLoaders { NetworkLoaders(loaders + [loader]) }

    /// The loader of a file by its extension, or nil.
    public func loader(forPath path: String) -> NetworkLoader? {
        let lower = path.lowercased()
        guard let dot = lower.lastIndex(of: ".") else { return nil }
        let ext = String(lower[lower.index(after: dot)...])
        return loaders.last { $0.extensions.contains(ext) }
    }

    /// Every extension read, in order (without dots).
    public var extensions: [String] {
        var out: [String] = []
        for l in loaders { for e in l.extensions where !out.contains(e) { out.append(e) } }
        return out
    }

    /// Two registries are equal when they read the same formats (by name, in order).
    public static func == (a: Self, b: Self) -> Bool { a.loaders.map(\.name) == b.loaders.map(\.name) }
    public func hash(into h: inout Hasher) { h.combine(loaders.map(\.name)) }
}
