import DuetSearch
import DuetWorkload
import Synchronization

/// Feature vectors of the points of a design space, for surrogate models: for each network space
/// searched in it (its variables named `PREFIX` + dimension name, e.g. `cifar100.edge0->1`), the
/// ``FeatureExtractor`` features of the architecture; for every other variable its number (a
/// power of two by its exponent) or, for a categorical one, a one-hot vector; 0 where a
/// variable does not exist in the design.
///
/// Network features are memoized per architecture (bounded), since a search screens the same
/// architectures again and again.
public final class PointFeaturizer: Sendable {
    public struct Network: Sendable {
        public var prefix: String
        public var space: any NetworkSpace
        public init(prefix: String, space: any NetworkSpace) { self.prefix = prefix; self.space = space }
    }

    let networks: [(net: Network, extractor: FeatureExtractor, variables: [Int])]
    let others: [(index: Int, width: Int, choices: [Value]?)]
    /// The length of a feature vector.
    public let count: Int
    private let cache = Mutex<[Int: [Architecture: [Float]]]>([:])
    static let cacheLimit = 100_000

    public init(space: DesignSpace, networks: [Network], features: FeatureSet = .structural) {
        var used = Set<Int>()
        var nets: [(Network, FeatureExtractor, [Int])] = []
        for n in networks {
            let vars = n.space.dimensions.map { space.layout.index[n.prefix + $0.name] ?? -1 }
            guard !vars.contains(-1) else { continue }
            used.formUnion(vars)
            nets.append((n, FeatureExtractor(space: n.space, set: features), vars))
        }
        var others: [(Int, Int, [Value]?)] = []
        for (i, v) in space.variables.enumerated() where !used.contains(i) {
            switch v.domain {
            case .categorical(let c): others.append((i, c.count, c))
            default: others.append((i, 1, nil))
            }
        }
        self.networks = nets
        self.others = others
        count = nets.reduce(0) { $0 + $1.1.count } + others.reduce(0) { $0 + $1.1 }
    }

    /// The feature vector of `point` (a point of the space given at init).
    public func features(_ point: Point) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(count)
        for (k, n) in networks.enumerated() {
            let arch = Architecture(zip(n.variables, n.net.space.dimensions).map { i, d in
                point[i]?.stringValue.flatMap { d.options.firstIndex(of: $0) } ?? 0
            })
            if let f = cache.withLock({ $0[k]?[arch] }) { out += f; continue }
            let f = (try? n.extractor.features(arch)) ?? [Float](repeating: .nan, count: n.extractor.count)
            cache.withLock {
                if ($0[k]?.count ?? 0) >= Self.cacheLimit { $0[k] = [:] }
                $0[k, default: [:]][arch] = f
            }
            out += f
        }
        for o in others {
            let v = point[o.index]
            if let choices = o.choices {
                var oh = [Float](repeating: 0, count: o.width)
                if let v, let j = choices.firstIndex(of: v) { oh[j] = 1 }
                out += oh
            } else if case .int(let x)? = v, case .powerOfTwo = pointDomain(o.index, point) {
                out.append(Float(x.trailingZeroBitCount))
            } else {
                out.append(Float(v?.doubleValue ?? 0))
            }
        }
        return out
    }

    private func pointDomain(_ i: Int, _ p: Point) -> Domain { p.layout.domains[i] }
}
