import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetSolver
@testable import DuetWorkload

/// The tabulation cache: values stored under a key read back equal; another table, other rules
/// or another space give another key; a corrupt file reads as a miss.
@Suite struct TabulationCacheTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func storedValuesReadBackAndKeysFollowTheContent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = TabulationCache(directory: dir)
        let space = NASBench201Space()
        let model = try DeviceModel.resolve("pixel3", dataDirectory: Self.repo)
        let target = TableTarget(model: model)
        let metrics = ["latency_ps", "macs"]
        let key = TabulationCache.key(space: space, target: target, metrics: metrics)
        #expect(cache.load(key: key, metrics: metrics, count: 5) == nil)
        let values: [String: [Int64]] = ["latency_ps": [1, -2, 3, Int64.max, 0], "macs": [5, 4, 3, 2, 1]]
        cache.store(key: key, metrics: metrics, values: values)
        #expect(cache.load(key: key, metrics: metrics, count: 5) == values)
        #expect(cache.load(key: key, metrics: metrics, count: 6) == nil)
        // Other rules, another table, another space: other keys.
        var other = target
        other.device.fusion = []
        #expect(TabulationCache.key(space: space, target: other, metrics: metrics) != key)
        var table = model.table(for: [OperatorSignature(kind: "add", input: [4], output: [4])])
        let t1 = TabulationCache.key(space: space, target: TableTarget(table: table, name: "t"), metrics: metrics)
        table.networkOverheadMs += 0.001
        #expect(TabulationCache.key(space: space, target: TableTarget(table: table, name: "t"), metrics: metrics) != t1)
        #expect(TabulationCache.key(space: FBNetSpace(), target: target, metrics: metrics) != key)
        // A corrupt file is a miss.
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("tabulation").path)
        try Data("garbage".utf8).write(to: dir.appendingPathComponent("tabulation").appendingPathComponent(files[0]))
        #expect(cache.load(key: key, metrics: metrics, count: 5) == nil)
    }
}
