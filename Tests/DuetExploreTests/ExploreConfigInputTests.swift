import Foundation
import Testing
@testable import DuetCore
@testable import DuetExplore

@Suite struct ExploreConfigInputTests {
    @Test func setAcceptsAFlowList() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig)
        let c = try ExploreConfig.load(path: path, overrides: ["target.hardware.templates=[eyeriss, shidiannao]"], dataDir: root)
        guard case .hardware(let h) = c.target else { Issue.record("not a hardware target"); return }
        #expect(h.templates == ["eyeriss", "shidiannao"])
    }

    @Test func accuracyNoneIsAccepted() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig.replacingOccurrences(of: "accuracy: proxy:macs", with: "accuracy: none")
            .replacingOccurrences(of: "  - maximize: accuracy\n", with: "  - minimize: energy_mj\n"))
        let c = try ExploreConfig.load(path: path, dataDir: root)
        #expect(c.tasks[0].accuracy.isNone)
    }

    @Test func accuracyTableIsCheckedBeforeAnyTrial() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "arch_str,cifar10_test_acc\n|a|,90\n".write(to: dir.appendingPathComponent("acc.csv"), atomically: true, encoding: .utf8)
        let path = try writeConfig(dir, smallConfig.replacingOccurrences(of: "accuracy: proxy:macs", with: "accuracy: {table: acc.csv, column: cifar10_tets}"))
        let e = try #require(throws: InputError.self) { try ExploreConfig.load(path: path, dataDir: root) }
        #expect(e.issues[0].file == path)
        #expect(e.issues[0].keyPath == "tasks[0].accuracy.column")
        #expect(e.issues[0].hint?.contains("cifar10_test_acc") == true)
    }

    @Test func emptyAndDuplicateCollectionsAreRefusedByKey() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig
            .replacingOccurrences(of: "templates: [tpu, nvdla]", with: "templates: []")
            .replacingOccurrences(of: "  - minimize: latency_ms\n", with: "  - minimize: latency_ms\n  - minimize: latency_ms\n"))
        let e = try #require(throws: InputError.self) { try ExploreConfig.load(path: path, dataDir: root) }
        let paths = e.issues.map(\.keyPath)
        #expect(paths.contains("target.hardware.templates"))
        #expect(paths.contains("objectives[2]"))
        #expect(e.issues.allSatisfy { $0.file == path })
    }
}
