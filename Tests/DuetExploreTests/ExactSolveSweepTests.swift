import DuetReport
import Foundation
import Testing
import _DuetTestSupport
@testable import DuetCore
@testable import DuetExplore

/// `duet solve` as a library call (ExactSolve.render): one solve, a sweep over a config scalar,
/// hardware-space targets through ChipSolve.
@Suite struct ExactSolveSweepTests {
    static let config = """
        name: sweep
        tasks:
          - {name: cifar10, space: nb201, accuracy: proxy:macs}
        target: {accelerator: tpu:edge}
        budgets: {latency_ms: 0.25}
        objectives: [{maximize: accuracy}]
        """

    @Test func sweepRunsAppendOneOverridePerValue() {
        #expect(ExactSolve.sweepRuns(overrides: ["seed=1"], sweep: nil) == [["seed=1"]])
        #expect(ExactSolve.sweepRuns(overrides: ["seed=1"], sweep: "budgets.latency_ms=2, 3.5,5")
                == [["seed=1", "budgets.latency_ms=2"], ["seed=1", "budgets.latency_ms=3.5"], ["seed=1", "budgets.latency_ms=5"]])
        #expect(ExactSolve.sweepRuns(overrides: [], sweep: "a=") == [[]])
    }

    /// Each value is solved on its own: an impossible budget is proven infeasible (the command's
    /// exit code 1), a loose one optimal; text blocks are headed by the value, JSON is a list.
    @Test(.tags(.slow), .runsUnlessSkippingSlow) func aSweepSolvesEachValue() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, Self.config)
        let sweep = "budgets.latency_ms=0.000001,0.25"
        let (text, infeasible) = try await ExactSolve.render(config: path, overrides: [], sweep: sweep, dataDir: root, timeoutSeconds: 60, cache: nil, format: .table)
        #expect(infeasible)
        #expect(text.hasPrefix("budgets.latency_ms=0.000001:\nstatus: infeasible\n"))
        #expect(text.contains("\nbudgets.latency_ms=0.25:\nstatus: optimal\n"))
        let (json, _) = try await ExactSolve.render(config: path, overrides: [], sweep: sweep, dataDir: root, timeoutSeconds: 60, cache: nil, format: .json)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(list.map { $0["status"] as? String } == ["infeasible", "optimal"])
        // Without a sweep: one JSON object, the same answer as the sweep's second value.
        let (one, stillInfeasible) = try await ExactSolve.render(config: path, overrides: [], sweep: nil, dataDir: root, timeoutSeconds: 60, cache: nil, format: .json)
        #expect(!stillInfeasible)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(one.utf8)) as? [String: Any])
        #expect(obj["design"] as? NSDictionary == list[1]["design"] as? NSDictionary)
    }

    @Test func aSweepOnAHardwareSpaceIsBadInput() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, """
            tasks:
              - {name: conv, network: 'layer:conv,k=64,c=32,p=28,q=28,r=3,s=3,stride=1,groups=1'}
            target:
              hardware: {subaccelerators: [1], templates: [tpu], pe_rows: [8, 16], pe_cols: [8, 16], global_buffer_kib: [64, 128], dram_gbps: 8}
            objectives: [{minimize: latency_ms}]
            """)
        let e = await #expect(throws: InputError.self) {
            try await ExactSolve.render(config: path, overrides: [], sweep: "budgets.latency_ms=1,2", dataDir: root, timeoutSeconds: 60, cache: nil, format: .table)
        }
        #expect(e?.issues.first?.keyPath == "--sweep")
        #expect(e?.description.contains("not hardware spaces") == true)
    }
}
