import Foundation
import Testing
import _DuetTestSupport
@testable import DuetCore
@testable import DuetExplore
@testable import DuetStudy

/// The second fidelity tier (`duet study confirm`): a command re-evaluates the study's Pareto
/// front through the evaluator protocol and the study keeps both figures.
@Suite struct FrontConfirmationTests {
    static let config = """
        tasks:
          - {name: cifar10, space: nb201, accuracy: proxy:macs}
        target:
          hardware:
            subaccelerators: [1, 1]
            templates: [tpu, nvdla]
            node_nm: 28
            pe_rows: [8, 32]
            pe_cols: [8, 32]
            global_buffer_kib: [64, 256]
        objectives: [{maximize: accuracy}, {minimize: latency_ms}]
        evaluations: 30
        population: 10
        seed: 3
        """

    func explored(_ dir: URL) async throws -> String {
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, Self.config), dataDir: root)
        let study = dir.appendingPathComponent("s.sqlite").path
        _ = try await ExploreRun.explore(config: cfg, dataDir: root, overrides: [], study: study, shared: false, workerConcurrency: nil,
                                         baseline: false, status: { _ in })
        return study
    }

    /// The command sees each front design with Duet's metrics, and what it prints is stored per
    /// design and read back; a failing design is recorded with the reason and the others go on.
    @Test func theFrontIsReEvaluatedAndBothFiguresAreStored() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let study = try await explored(dir)
        let seen = dir.appendingPathComponent("seen.jsonl").path
        // A stand-in peer: echoes Duet's latency, fails on slot 0 of generation 0 (if it is on the front).
        let command = """
            read -r line; echo "$line" >> '\(seen)'; \
            case "$line" in *'"generation":0,"slot":0}'*) echo 'boom' >&2; exit 3;; esac; \
            printf '%s\\n' "$line" | sed -n 's/.*"latency_ms":\\([-0-9.e+]*\\).*/{"latency_ms": \\1, "peer_cycles": 7}/p'
            """
        let store = try await openStudy(study, mode: .open)
        let front = try await store.bestTrials(limit: 5)
        let rows = try await FrontConfirmation.run(store, command: command, timeoutSeconds: 60, limit: 5)
        #expect(rows.count == front.count && !rows.isEmpty)
        for (r, t) in zip(rows, front) {
            #expect(r.generation == t.generation && r.slot == t.slot)
            #expect(r.duet == t.metrics)
            if r.generation == 0 && r.slot == 0 {
                #expect(r.peer == nil && r.error?.contains("status 3") == true)
            } else {
                let (peer, duet) = (r.peer?["latency_ms"] ?? .nan, t.metrics["latency_ms"] ?? .nan)
                #expect(abs(peer - duet) <= 1e-12 * duet)  // echoed through JSON text
                #expect(r.peer?["peer_cycles"] == 7)
            }
        }
        // The command got the design (tasks and hardware) and Duet's figures on stdin.
        let lines = try String(contentsOfFile: seen, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == front.count)
        let first = try JSONValue(parsing: String(lines[0]))
        guard case .object(let fields) = first else { Issue.record("stdin was not a JSON object"); return }
        #expect(Set(fields.map(\.key)) == ["design", "duet", "generation", "slot"])
        #expect(String(lines[0]).contains("\"hardware\""))
        // Stored in the study: read back equal, in a fresh connection.
        try await store.close()
        let again = try await openStudy(study, mode: .readOnly)
        let stored = try await FrontConfirmation.stored(again)
        try await again.close()
        #expect(stored.sorted { ($0.generation, $0.slot) < ($1.generation, $1.slot) } == rows.sorted { ($0.generation, $0.slot) < ($1.generation, $1.slot) })
        #expect(FrontConfirmation.table(stored).contains("peer/duet"))
    }

    /// `confirm:` in the config: explore confirms its own front when it ends; without a study it
    /// is refused by key before anything runs.
    @Test func exploreConfirmsItsFrontWhenTheConfigSaysSo() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = Self.config + """

            confirm: {command: "cat > /dev/null; echo '{\\"latency_ms\\": 1.5}'", limit: 3, timeout_s: 30}
            """
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, text), dataDir: root)
        #expect(cfg.confirm?.limit == 3 && cfg.confirm?.timeoutSeconds == 30)
        let study = dir.appendingPathComponent("s.sqlite").path
        let outcome = try await ExploreRun.explore(config: cfg, dataDir: root, overrides: [], study: study, shared: false, workerConcurrency: nil,
                                                   baseline: false, status: { _ in })
        #expect(!outcome.confirmations.isEmpty && outcome.confirmations.count <= 3)
        #expect(outcome.confirmations.allSatisfy { $0.peer?["latency_ms"] == 1.5 })
        #expect(outcome.render(config: cfg, format: .table).contains("front confirmed by"))
        let store = try await openStudy(study, mode: .readOnly)
        #expect(try await FrontConfirmation.stored(store).count == outcome.confirmations.count)
        try await store.close()
        let e = try await #require(throws: InputError.self) {
            _ = try await ExploreRun.explore(config: cfg, dataDir: root, overrides: [], study: nil, shared: false, workerConcurrency: nil,
                                             baseline: false, status: { _ in })
        }
        #expect(e.issues[0].keyPath == "confirm")
    }

    @Test func aStudyWithoutSettingsIsBadInput() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await openStudy(dir.appendingPathComponent("empty.sqlite").path, mode: .create)
        await #expect(throws: InputError.self) { _ = try await FrontConfirmation.run(store, command: "true") }
        try await store.close()
    }
}
