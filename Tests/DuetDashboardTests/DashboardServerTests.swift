import DuetCore
import DuetDashboard
import DuetStudy
import Foundation
import Testing

/// The dashboard served in-process on a free port and fetched over HTTP, against small SQLite studies.
@Suite struct DashboardServerTests {
    /// The default build (make test) has the server; `make demo`'s slim build does not (CI builds it).
    @Test func theDefaultBuildHasTheServer() throws {
        #expect(Dashboard.isAvailable)
        try Dashboard.requireServer()
    }

    @Test func statusCountsTheTrialsByStatus() async throws {
        let path = Fixture.tempPath("status")
        try await Fixture.makeStudy(path, trials: 0..<40)
        let all = (0..<40).map(Fixture.trial)
        try await withDashboard(path) { base in
            let s = try await getJSON(base, "/api/status")
            let counts = try #require(s["counts"] as? [String: Any])
            #expect(counts["complete"] as? Int == all.filter { $0.status == .complete }.count)
            #expect(counts["failed"] as? Int == all.filter { $0.status == .failed }.count)
            #expect(counts["feasible"] as? Int == all.filter(\.isFeasible).count)
            #expect(counts["total"] as? Int == 40)
            #expect(counts["pending"] as? Int == 0)
            #expect(s["study"] as? String == path)
            let objectives = try #require(s["objectives"] as? [[String: Any]])
            #expect(objectives.map { $0["name"] as? String } == Fixture.objectives)
            #expect(objectives.map { $0["direction"] as? String } == ["maximize", "minimize"])
            #expect((s["version"] as? Int ?? 0) >= 1)
        }
    }

    @Test func trialsAreFilteredAndPaginatedOnTheServer() async throws {
        let path = Fixture.tempPath("trials")
        try await Fixture.makeStudy(path, trials: 0..<120)
        let all = (0..<120).map(Fixture.trial)
        try await withDashboard(path) { base in
            // Feasible trials with accuracy ≥ 0.8, best accuracy first, 5 a page, the second page.
            let page = try await getJSON(base, "/api/trials?feasible=true&min.accuracy=0.8&sort=accuracy&order=desc&limit=5&offset=5")
            let expected = all.filter { $0.isFeasible && $0.objectives[0] >= 0.8 }.sorted { $0.objectives[0] > $1.objectives[0] }
            #expect(page["total"] as? Int == expected.count)
            let rows = try #require(page["rows"] as? [[String: Any]])
            #expect(rows.count == 5)
            let got = rows.map { "\($0["generation"]!)/\($0["slot"]!)" }
            #expect(got == expected[5..<10].map { "\($0.generation)/\($0.slot)" })
            for r in rows {
                #expect(r["feasible"] as? Bool == true)
                #expect(r["status"] as? String == "complete")
                let obj = try #require(r["objectives"] as? [String: Double])
                #expect(obj["accuracy"]! >= 0.8)
            }
            // Failed trials: their violation (+∞) and objectives (none) are null.
            let failed = try await getJSON(base, "/api/trials?status=failed&limit=500")
            #expect(failed["total"] as? Int == all.filter { $0.status == .failed }.count)
            let f = try #require((failed["rows"] as? [[String: Any]])?.first)
            #expect(f["violation"] is NSNull)
            // The last page is short; an offset past the end gives no rows.
            let last = try await getJSON(base, "/api/trials?limit=50&offset=100")
            #expect((last["rows"] as? [Any])?.count == 20)
            let past = try await getJSON(base, "/api/trials?offset=1000")
            #expect((past["rows"] as? [Any])?.count == 0)
            #expect(past["total"] as? Int == 120)
        }
    }

    @Test func aBadFilterIs400WithTheParameterAndFix() async throws {
        let path = Fixture.tempPath("bad")
        try await Fixture.makeStudy(path, trials: 0..<10)
        try await withDashboard(path) { base in
            let e = try await getJSON(base, "/api/trials?sort=latency&limit=0", status: 400)
            let issues = try #require((e["error"] as? [String: Any])?["issues"] as? [[String: Any]])
            #expect(issues.count == 2)
            let sort = try #require(issues.first { $0["parameter"] as? String == "sort" })
            #expect(sort["value"] as? String == "latency")
            #expect(sort["hint"] as? String == "did you mean 'latency_ms'?")
            #expect(issues.contains { $0["parameter"] as? String == "limit" })
        }
    }

    @Test func aTrialsDetailHasItsDesignMetricsAndViolations() async throws {
        let path = Fixture.tempPath("detail")
        try await Fixture.makeStudy(path, trials: 0..<30)
        try await withDashboard(path) { base in
            let t = Fixture.trial(23)
            let d = try await getJSON(base, "/api/trials/\(t.generation)/\(t.slot)")
            #expect(d["status"] as? String == "complete")
            #expect(d["metrics"] as? [String: Double] == t.metrics)
            #expect(d["constraints"] as? [String: Double] == t.constraints)
            #expect(d["objectives"] as? [String: Double] == ["accuracy": t.objectives[0], "latency_ms": t.objectives[1]])
            #expect(d["genome"] as? [Double] == t.genome)
            let design = try #require(d["design"] as? [String: Any])
            #expect(design["net"] as? String == "n23")
            // JSON text round trip: shortest decimal written, parsed back within an ulp or so.
            #expect(abs((d["seconds"] as? Double ?? .nan) - t.seconds) < 1e-12)
            let failed = Fixture.trial(27)
            let f = try await getJSON(base, "/api/trials/\(failed.generation)/\(failed.slot)")
            #expect(f["error"] as? String == "evaluator crashed")
            _ = try await getJSON(base, "/api/trials/99/0", status: 404)
            _ = try await getJSON(base, "/api/trials/x/0", status: 400)
        }
    }

    @Test func theFrontEndpointListsTheNonDominatedFeasibleTrials() async throws {
        let path = Fixture.tempPath("front")
        try await Fixture.makeStudy(path, trials: 0..<60)
        try await withDashboard(path) { base in
            let f = try await getJSON(base, "/api/front")
            let rows = try #require(f["rows"] as? [[String: Any]])
            #expect(!rows.isEmpty)
            let points = rows.compactMap { $0["objectives"] as? [String: Double] }.map { ($0["accuracy"]!, $0["latency_ms"]!) }
            // No listed point dominates another (accuracy ↑, latency ↓), and each meets the 5 ms budget.
            for a in points { for b in points where a != b { #expect(!(a.0 >= b.0 && a.1 <= b.1)) } }
            #expect(points.allSatisfy { $0.1 <= 5 })
        }
    }

    @Test func thePageAndTheReportAreServed() async throws {
        let path = Fixture.tempPath("page")
        try await Fixture.makeStudy(path, trials: 0..<50)
        try await withDashboard(path) { base in
            let page = try await fetch(base.appendingPathComponent("/"))
            #expect(page.status == 200)
            #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(html.contains("id=\"trial-rows\"") && html.contains("/api/status"))
            // Nothing is loaded from the network: no absolute URL in a src, href, url() or fetch (the SVG namespace is a name, not a load).
            #expect(html.range(of: #"(src|href)\s*=\s*["']?https?:|url\(\s*["']?https?:|fetch\(\s*["']https?:|import\s"#, options: .regularExpression) == nil,
                    "the page loads nothing from the network")
            #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "https?://", options: .regularExpression) == nil)
            // The report is rendered in the background once the study was read.
            let deadline = Date().addingTimeInterval(60)
            var status = try await getJSON(base, "/api/status")
            while status["report_version"] as? Int != status["version"] as? Int, Date() < deadline {
                try await Task.sleep(for: .milliseconds(100))
                status = try await getJSON(base, "/api/status")
            }
            #expect(status["report_version"] as? Int == status["version"] as? Int)
            let report = try await fetch(base.appendingPathComponent("/report"))
            let text = String(decoding: report.body, as: UTF8.self)
            #expect(report.status == 200)
            #expect(text.contains("<svg"), "the report holds its plots")
            #expect(text.contains("50 trials"))
        }
    }

    @Test func nothingButGetIsAnsweredAndTheStudyIsUntouched() async throws {
        let path = Fixture.tempPath("ro")
        try await Fixture.makeStudy(path, trials: 0..<20)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        try await withDashboard(path) { base in
            for method in ["POST", "PUT", "DELETE", "PATCH"] {
                for route in ["/api/trials", "/api/trials/0/1", "/api/status", "/"] {
                    let r = try await fetch(URL(string: base.absoluteString + route)!, method: method)
                    #expect(r.status == 405, "\(method) \(route)")
                    #expect(r.headers["allow"] == "GET, HEAD")
                }
            }
            _ = try await getJSON(base, "/api/status")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "a read-only reader leaves no -wal")
    }

    @Test func trialsAddedAfterTheDashboardOpenedAreSeen() async throws {
        // The dashboard opens a quiescent file (read as immutable); a writer then adds trials.
        let path = Fixture.tempPath("live")
        try await Fixture.makeStudy(path, trials: 0..<10)
        try await withDashboard(path) { base in
            let first = try await getJSON(base, "/api/status")
            #expect((first["counts"] as? [String: Any])?["total"] as? Int == 10)
            try await Fixture.add(path, trials: 10..<25)
            let second = try await getJSON(base, "/api/status")
            #expect((second["counts"] as? [String: Any])?["total"] as? Int == 25)
            #expect((second["version"] as? Int ?? 0) > (first["version"] as? Int ?? 0))
            let page = try await getJSON(base, "/api/trials?generation=2")
            #expect(page["total"] as? Int == 5)
            // And while a writer keeps the file open (WAL mode).
            let writer = try SQLiteStudyStore(path: path, mode: .open)
            try await writer.record((25..<31).map(Fixture.trial))
            let third = try await getJSON(base, "/api/status")
            #expect((third["counts"] as? [String: Any])?["total"] as? Int == 31)
            try await writer.close()
        }
    }

    @Test func aPortInUseOrOutOfRangeIsAnInputError() async throws {
        let path = Fixture.tempPath("port")
        try await Fixture.makeStudy(path, trials: 0..<5)
        let settings = DashboardSettings(dataDir: URL(fileURLWithPath: "/nonexistent"))
        let first = try await Dashboard(study: path, settings: settings).start()
        let second = try await Dashboard(study: path, settings: settings)
        let error = try await #require(throws: InputError.self) { try await second.start(port: first.port) }
        #expect(error.issues.first?.keyPath == "--port")
        #expect(error.issues.first?.value == "127.0.0.1:\(first.port)")
        try await first.stop()
        let range = try #require(throws: InputError.self) { try Dashboard.validate(host: "127.0.0.1", port: 70_000) }
        #expect(range.issues.first?.value == "70000")
        #expect(throws: InputError.self) { try Dashboard.validate(host: "", port: 80) }
    }

    @Test func aMissingStudyIsAnInputError() async throws {
        let path = Fixture.tempPath("missing")
        await #expect(throws: InputError.self) {
            _ = try await Dashboard(study: path, settings: DashboardSettings(dataDir: URL(fileURLWithPath: "/nonexistent")))
        }
        #expect(!FileManager.default.fileExists(atPath: path), "a read-only dashboard creates no study")
    }

    @Test func convergenceIsTheBestFeasibleValueSoFar() async throws {
        let path = Fixture.tempPath("conv")
        try await Fixture.makeStudy(path, trials: 0..<80)
        let all = (0..<80).map(Fixture.trial)
        try await withDashboard(path) { base in
            let c = try await getJSON(base, "/api/convergence")
            #expect(c["objective"] as? String == "accuracy")
            #expect(c["direction"] as? String == "maximize")
            let points = try #require(c["points"] as? [[Double]])
            // Recomputed here: finished trials in storage order, best feasible accuracy after each.
            var best = -Double.infinity, finished = 0
            var expected: [[Double]] = []
            for t in all where t.status.isFinished {
                finished += 1
                if t.isFeasible { best = max(best, t.objectives[0]) }
                if best > -.infinity { expected.append([Double(finished), best]) }
            }
            #expect(points.count == expected.count)
            for (p, e) in zip(points, expected) { #expect(p[0] == e[0] && abs(p[1] - e[1]) < 1e-12) }
        }
    }
}
