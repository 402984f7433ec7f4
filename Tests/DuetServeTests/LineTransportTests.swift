import DuetCore
import Foundation
import Testing
@testable import DuetServe
#if canImport(Glibc)
import Glibc
#endif

/// The Unix-socket transport: several connections at once, each answered in order, and shutdown
/// on any of them stops the server and removes the socket file.
@Suite struct LineTransportTests {
    /// Runs blocking I/O on a thread of its own (never on the cooperative pool the server uses).
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in Thread { c.resume(returning: body()) }.start() }
    }

    /// Connects to `path`, sends `lines` and reads one response line per non-notification line.
    static func exchange(_ path: String, _ lines: [String], answers: Int) -> [String] {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard ok == 0 else { return [] }
        let text = Array(lines.map { $0 + "\n" }.joined().utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        var reader = LineReader(fd: fd, maxLineBytes: 1 << 20)
        var out: [String] = []
        while out.count < answers, case .line(let l) = reader.next() { out.append(String(decoding: l, as: UTF8.self)) }
        return out
    }

    @Test func socketServesConnectionsUntilShutdown() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("duet-\(UUID().uuidString.prefix(8)).sock").path
        let server = Server(dataDir: root)
        let serving = Task { try await LineTransport.serveSocket(server, path: path) }
        // Wait for the socket file.
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: path) { try await Task.sleep(nanoseconds: 10_000_000) }
        // Given two connections at once, each with requests, a notification and garbage,
        let layer = #"{"jsonrpc":"2.0","id":ID,"method":"evaluate","params":{"network":"layer:conv,k=16,c=16,p=14,q=14,r=3,s=3","accelerator":"eyeriss"}}"#
        async let a = Self.onThread { Self.exchange(path, [layer.replacingOccurrences(of: "ID", with: "1"), "garbage",
                                                           #"{"jsonrpc":"2.0","method":"space"}"#, layer.replacingOccurrences(of: "ID", with: "2")], answers: 3) }
        async let b = Self.onThread { Self.exchange(path, [layer.replacingOccurrences(of: "ID", with: "\"b\"")], answers: 1) }
        let (ra, rb) = await (a, b)
        // then each gets its answers in order,
        #expect(ra.count == 3 && rb.count == 1)
        let ids = try ra.map { try JSONValue(parsing: $0)["id"] }
        #expect(ids == [.int(1), .null, .int(2)])
        #expect(try JSONValue(parsing: ra[1])["error"]?["code"] == .int(-32700))
        #expect(try JSONValue(parsing: rb[0])["result"]?["networks"] != nil)
        // and a shutdown on a third stops the server and removes the socket.
        let bye = await Self.onThread { Self.exchange(path, [#"{"jsonrpc":"2.0","id":9,"method":"shutdown"}"#], answers: 1) }
        #expect(bye.count == 1)
        try await serving.value
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aPathThatIsNotASocketIsRefused() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try writeConfig(dir, "not a socket")
        await #expect(throws: InputError.self) { try await LineTransport.serveSocket(Server(dataDir: root), path: file) }
        #expect(FileManager.default.fileExists(atPath: file))
    }

    @Test func overLongLinesAreAnsweredAndSkipped() async throws {
        // A pipe with a line over the limit between two requests. Close-on-exec: a process that
        // another test spawns meanwhile (a server, a duet child) must not inherit the write end,
        // or the reads below would wait for it to exit (seen as a hang under load).
        var fds: [Int32] = [0, 0], outFds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0 && pipe(&outFds) == 0)
        for fd in fds + outFds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let input = Array((String(repeating: "x", count: 3_000) + "\n" + #"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"# + "\n").utf8)
        let (writeEnd, readEnd, outWrite, outRead) = (fds[1], fds[0], outFds[1], outFds[0])
        _ = input.withUnsafeBytes { write(writeEnd, $0.baseAddress!, $0.count) }
        close(writeEnd)
        let server = Server(dataDir: root)
        let shutdown = await Self.onThread { LineTransport.serve(server, input: readEnd, output: outWrite, maxLineBytes: 1_000) }
        close(outWrite)
        #expect(shutdown)
        // Blocking reads on a thread of their own, never on the test's cooperative pool.
        let texts = await Self.onThread { () -> [[UInt8]] in
            var reader = LineReader(fd: outRead, maxLineBytes: 1 << 20)
            var out: [[UInt8]] = []
            while case .line(let l) = reader.next() { out.append(l) }
            return out
        }
        let lines = try texts.map { try JSONValue(parsing: $0) }
        close(readEnd); close(outRead)
        #expect(lines.count == 2)
        #expect(lines[0]["error"]?["code"] == .int(-32600))
        #expect(lines[1]["result"]?["ok"] == .bool(true))
    }
}
