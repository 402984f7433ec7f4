import DuetCore
import DuetExplore
import DuetSearch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Exploration configs loaded once per (path, overrides) and kept while the file is unchanged:
/// a request whose file's `stat` changed hashes it (SHA-256) and reloads it when the hash differs. An entry holds the
/// co-exploration (its network-analysis and mapping caches) and an ``Evaluator`` whose cache
/// answers a repeated point without evaluating it again.
final class ConfigCache: Sendable {
    final class Entry: Sendable {
        let hash: String
        /// The file's `stat` when its hash was last checked.
        let stamp = Mutex<[Int64]?>(nil)
        let config: ExploreConfig
        let exploration: CoExploration
        private let evaluatorBox: Mutex<Evaluator<CoExploration>>
        /// Evaluations after which the evaluator (and its cache of outcomes) starts over, bounding memory.
        static let evaluatorLimit = 200_000

        init(hash: String, config: ExploreConfig, exploration: CoExploration) {
            self.hash = hash
            self.config = config
            self.exploration = exploration
            evaluatorBox = Mutex(Evaluator(problem: exploration, concurrency: ProcessInfo.processInfo.activeProcessorCount))
        }

        /// The outcome of each point, in order (cached by point).
        func evaluate(_ points: [Point]) async -> [Outcome] {
            let evaluator = evaluatorBox.withLock { $0 }
            let outcomes = await evaluator.evaluate(points)
            if await evaluator.evaluationCount > Self.evaluatorLimit {
                evaluatorBox.withLock { e in
                    if e === evaluator { e = Evaluator(problem: exploration, concurrency: ProcessInfo.processInfo.activeProcessorCount) }
                }
            }
            return outcomes
        }
    }

    let dataDir: URL
    private let entries = Mutex<[String: Entry]>([:])
    /// The most configs kept at once (full, the cache starts over).
    static let limit = 64

    init(dataDir: URL) { self.dataDir = dataDir }

    /// The entry for `path` with `overrides`, loaded (again) when new or when the file changed:
    /// the file's modification time, size and inode are compared first (one `stat`), and only when
    /// they differ is the file read and hashed, reloading it when the hash differs.
    func entry(_ path: String, overrides: [String]) throws -> Entry {
        let key = ([path] + overrides).joined(separator: "\u{1F}")
        let stamp = Self.stamp(path)
        if let stamp, let e = entries.withLock({ $0[key] }), e.stamp.withLock({ $0 }) == stamp { return e }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, message: "cannot read the config file", hint: "check the path (relative paths are from the server's working directory)")
        }
        let hash = SHA256.hex(data)
        if let e = entries.withLock({ $0[key] }), e.hash == hash {
            e.stamp.withLock { $0 = stamp }
            return e
        }
        let text = String(decoding: data, as: UTF8.self)
        let config = try ExploreConfig.load(text: text, path: path, overrides: overrides, dataDir: dataDir)
        try config.checkSources()
        let entry = Entry(hash: hash, config: config, exploration: try CoExploration(config: config, dataDir: dataDir))
        entry.stamp.withLock { $0 = stamp }
        entries.withLock {
            if $0.count >= Self.limit { $0.removeAll() }
            $0[key] = entry
        }
        return entry
    }

    /// Modification time (ns), size and inode of `path`; nil when it cannot be read.
    static func stamp(_ path: String) -> [Int64]? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return [Int64(st.st_mtim.tv_sec), Int64(st.st_mtim.tv_nsec), Int64(st.st_size), Int64(bitPattern: UInt64(st.st_ino))]
    }
}
