import DuetDashboard
import DuetStudy
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small SQLite study written directly (no evaluation): two objectives (accuracy ↑, latency_ms ↓),
/// a latency budget of 5 ms, `n` complete trials and, every 7th, a failed one.
enum Fixture {
    static let objectives = ["accuracy", "latency_ms"]

    static func tempPath(_ tag: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-dash-\(tag)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("study.sqlite").path
    }

    static var settings: StudySettings {
        StudySettings(config: "", configPath: "", seed: 1,
                      objectives: [.init(name: "accuracy", direction: .maximize), .init(name: "latency_ms", direction: .minimize)],
                      budgets: [.init(name: "latency_ms", limit: 5)], accuracy: [.init(task: "t", label: "table:test")],
                      optimizer: "random", population: 10, duetVersion: "test")
    }

    /// Trial `i` of generation `i / 10`: accuracy 0.5 + 0.01·i, latency 1 + (7·i mod 10) ms; every
    /// 7th trial (i % 7 == 6) failed. Feasible when latency ≤ 5.
    static func trial(_ i: Int) -> TrialRecord {
        let acc = 0.5 + 0.01 * Double(i), lat = 1 + Double((7 * i) % 10)
        let failed = i % 7 == 6
        let v = max(0, (lat - 5) / 5)
        return TrialRecord(generation: i / 10, slot: i % 10, genome: [Double(i), 1], design: "{\"net\": \"n\(i)\", \"rows\": \(8 + i)}",
                           metrics: failed ? [:] : ["accuracy": acc, "latency_ms": lat], objectives: failed ? [] : [acc, lat],
                           constraints: failed ? [:] : ["latency_ms": (lat - 5) / 5], violation: failed ? .infinity : v,
                           status: failed ? .failed : .complete, error: failed ? "evaluator crashed" : nil,
                           seconds: 0.1 * Double(i % 3 + 1), seed: 42, version: "test")
    }

    /// Creates the study with trials `range` and closes it (so it is one file, no -wal).
    static func makeStudy(_ path: String, trials range: Range<Int>) async throws {
        let store = try SQLiteStudyStore(path: path, mode: .create)
        try await store.setSettingsOnce(settings)
        try await store.record(range.map(trial))
        try await store.close()
    }

    static func add(_ path: String, trials range: Range<Int>) async throws {
        let store = try SQLiteStudyStore(path: path, mode: .open)
        try await store.record(range.map(trial))
        try await store.close()
    }
}

/// A dashboard served in-process on a free port for the duration of `body`, then stopped gracefully.
func withDashboard(_ study: String, _ body: (URL) async throws -> Void) async throws {
    let dash = try await Dashboard(study: study, settings: DashboardSettings(dataDir: URL(fileURLWithPath: "/nonexistent"), pollSeconds: 0, reportSeconds: 0))
    let running = try await dash.start(host: "127.0.0.1", port: 0)
    do {
        try await body(URL(string: "http://127.0.0.1:\(running.port)")!)
    } catch {
        try? await running.stop()
        throw error
    }
    try await running.stop()
}

struct HTTPTestError: Error, CustomStringConvertible { var message: String; var description: String { message } }

/// One request; returns the status and the body.
func fetch(_ url: URL, method: String = "GET") async throws -> (status: Int, body: Data, headers: [String: String]) {
    var request = URLRequest(url: url)
    request.httpMethod = method
    request.cachePolicy = .reloadIgnoringLocalCacheData
    let (data, response) = try await URLSession.shared.data(for: request)
    guard let http = response as? HTTPURLResponse else { throw HTTPTestError(message: "not an HTTP response") }
    var headers: [String: String] = [:]
    for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
    return (http.statusCode, data, headers)
}

/// GET `path` of `base` and parse its JSON body (an object).
func getJSON(_ base: URL, _ path: String, status expected: Int = 200) async throws -> [String: Any] {
    let r = try await fetch(URL(string: base.absoluteString + path)!)
    guard r.status == expected else {
        throw HTTPTestError(message: "\(path): status \(r.status), expected \(expected): \(String(decoding: r.body, as: UTF8.self))")
    }
    guard let object = try JSONSerialization.jsonObject(with: r.body) as? [String: Any] else {
        throw HTTPTestError(message: "\(path): not a JSON object")
    }
    return object
}
