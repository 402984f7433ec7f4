// Test support shared by the test targets (not part of the product): a throwaway PostgreSQL.
import Foundation

/// The PostgreSQL server the tests run against: `DUET_TEST_POSTGRES_URL` when set (make test starts
/// one with scripts/pg-test-cluster.sh and exports it), else a throwaway server this test process
/// starts once with the same script and stops at exit. PostgreSQL tests never skip: a server that
/// cannot start fails them, unless `DUET_TEST_SKIP_POSTGRES=1` opts out (reported as a skip).
public enum TestPostgres {
    public static let optedOut = ProcessInfo.processInfo.environment["DUET_TEST_SKIP_POSTGRES"] == "1"

    /// The base URL (database `postgres`, no study).
    public static func baseURL() async throws -> String {
        try await Server.shared.url()
    }

    /// A URL for a new, unique study in the test database.
    public static func newStudyURL(_ tag: String = "t") async throws -> String {
        try await baseURL() + "?study=\(tag)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    actor Server {
        static let shared = Server()
        private var starting: Task<String, any Error>?

        /// Starts the server once, whatever the number of concurrent callers (they all await the same task).
        func url() async throws -> String {
            if let starting { return try await starting.value }
            let t = Task { try await Self.start() }
            starting = t
            return try await t.value
        }

        static func start() async throws -> String {
            if let url = ProcessInfo.processInfo.environment["DUET_TEST_POSTGRES_URL"], !url.isEmpty { return url }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-pg-\(getpid())-\(UUID().uuidString.prefix(6))").path
            let url = try await runScript(["start", dir])
            stopAtExit(script: script, dir: dir)
            return url
        }
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/pg-test-cluster.sh").path

    /// Runs scripts/pg-test-cluster.sh without blocking a thread (output to files, its exit polled
    /// with waitpid) and returns its trimmed stdout.
    static func runScript(_ args: [String], tls: Bool = false) async throws -> String {
        let tag = "duet-pg-script-\(getpid())-\(UUID().uuidString.prefix(6))"
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent(tag + ".out").path
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent(tag + ".err").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outPath); try? FileManager.default.removeItem(atPath: errPath) }
        var env = ProcessInfo.processInfo.environment
        env["PG_OPTIONS"] = "-c fsync=off -c synchronous_commit=off"
        if tls { env["PG_TLS"] = "1" }
        let pid = try spawn(["/bin/bash", script] + args, environment: env, stdout: outPath, stderr: errPath)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 { try await Task.sleep(nanoseconds: 50_000_000) }
        status = (status >> 8) & 0xff
        guard status == 0 else {
            let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw TestServerError(message: "\(script) \(args.joined(separator: " ")) failed (set DUET_TEST_SKIP_POSTGRES=1 to opt out): " + err)
        }
        return ((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A server of one test's own, for tests that stop or restart it (the shared one serves the
    /// other tests meanwhile). ``stop()`` stops it and removes its folder.
    public struct Private: Sendable {
        /// Its base URL (database `postgres`, no study).
        public let url: String
        let dir: String

        /// - Parameter tls: a server that accepts TLS connections only (a self-signed certificate).
        public static func start(tls: Bool = false) async throws -> Private {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-pg-own-\(getpid())-\(UUID().uuidString.prefix(6))").path
            return Private(url: try await runScript(["start", dir], tls: tls), dir: dir)
        }

        /// Fast shutdown (clients are disconnected), `downSeconds` without a server, then the same
        /// server again on the same port.
        public func restart(downSeconds: Double) async throws {
            _ = try await runScript(["restart", dir, String(downSeconds)])
        }

        public func stop() async { _ = try? await runScript(["stop", dir]) }

        /// Waits (polling, never blocking a thread) until the server has stopped — its
        /// `postmaster.pid` is gone — for at most `timeout` seconds; false when it did not.
        public func waitUntilDown(timeout: Double) async -> Bool {
            let pid = dir + "/data/postmaster.pid"
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if !FileManager.default.fileExists(atPath: pid) { return true }
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
            return false
        }
    }

    public struct TestServerError: Error, CustomStringConvertible { public var message: String; public var description: String { message } }
}

nonisolated(unsafe) private var serverToStop: (script: String, dir: String)?   // written once, before atexit runs

private func stopAtExit(script: String, dir: String) {
    serverToStop = (script, dir)
    atexit {
        guard let s = serverToStop, let pid = try? spawn(["/bin/bash", s.script, "stop", s.dir], environment: ProcessInfo.processInfo.environment,
                                                         stdout: "/dev/null", stderr: "/dev/null") else { return }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }
}

/// Starts a program with posix_spawn (Foundation's Process on Linux can miss the exit of a child
/// in the test process and hang), stdout and stderr to files, stdin from /dev/null.
public func spawn(_ argv: [String], environment: [String: String], stdout: String, stderr: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
    guard rc == 0 else { throw TestPostgres.TestServerError(message: "posix_spawn \(argv[0]) failed: \(String(cString: strerror(rc)))") }
    return pid
}
