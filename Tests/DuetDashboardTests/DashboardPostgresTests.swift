import DuetDashboard
import DuetStudy
import Foundation
import Testing
import _DuetTestSupport

/// The dashboard on a PostgreSQL study whose queue moves while it watches (a throwaway server; see TestPostgres).
@Suite(.enabled(if: !TestPostgres.optedOut, "DUET_TEST_SKIP_POSTGRES=1"))
struct DashboardPostgresTests {
    @Test func followsTheQueueOfAPostgresStudy() async throws {
        let url = try await TestPostgres.newStudyURL("dash")
        let writer = try await openStudy(url, mode: .create)
        try await writer.setSettingsOnce(Fixture.settings)
        try await writer.record((0..<20).map(Fixture.trial))
        try await withDashboard(url) { base in
            let first = try await getJSON(base, "/api/status")
            #expect((first["counts"] as? [String: Any])?["total"] as? Int == 20)
            #expect((first["study"] as? String)?.contains("study=dash-") == true)

            // A generation queued, then two of its trials claimed and one completed.
            try await writer.enqueue((0..<4).map { PendingTrial(generation: 50, slot: $0, genome: [Double($0)], design: "{}", seed: 1, version: "test") })
            let a = try #require(try await writer.claim(worker: "w1", leaseSeconds: 60))
            _ = try #require(try await writer.claim(worker: "w2", leaseSeconds: 60))
            try await writer.complete(a, with: TrialResult(metrics: ["accuracy": 0.9, "latency_ms": 2], objectives: [0.9, 2],
                                                           constraints: ["latency_ms": -0.6], violation: 0, seconds: 1.5))
            let second = try await getJSON(base, "/api/status")
            let counts = try #require(second["counts"] as? [String: Any])
            #expect(counts["pending"] as? Int == 2)
            #expect(counts["running"] as? Int == 1)
            #expect(counts["total"] as? Int == 24)
            let running = try await getJSON(base, "/api/trials?status=running,pending")
            #expect(running["total"] as? Int == 3)
            let detail = try await getJSON(base, "/api/trials/50/\(a.slot)")
            #expect(detail["status"] as? String == "complete")
            #expect(detail["worker"] as? String == "w1")
            #expect(detail["metrics"] as? [String: Double] == ["accuracy": 0.9, "latency_ms": 2])
        }
        try await writer.close()
    }
}
