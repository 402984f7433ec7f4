import DuetCore
import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Runs a ``Server`` over JSON lines: one request (or batch) per line in, one response line out,
/// written whole and at once. Reading and writing block, so each connection runs on its own
/// thread (never on Swift's cooperative pool); the requests of one connection are answered in order.
///
/// Lines longer than ``maxLineBytes`` are skipped and answered with an invalid-request error;
/// blank lines are ignored; a trailing `\r` is dropped.
public enum LineTransport {
    /// The longest request line read (64 MiB); a longer one is answered with an error object.
    public static let maxLineBytes = 64 << 20

    /// Serves `input` → `output` (file descriptors) until end of input or a `shutdown` request;
    /// returns true for a shutdown. Blocks the calling thread.
    public static func serve(_ server: Server, input: Int32, output: Int32, maxLineBytes: Int = LineTransport.maxLineBytes) -> Bool {
        var reader = LineReader(fd: input, maxLineBytes: maxLineBytes)
        while true {
            switch reader.next() {
            case .end:
                return false
            case .tooLong(let n):
                let e = RPCError(.invalidRequest, "a request line of \(n) bytes, longer than the \(maxLineBytes) accepted; split the batch")
                guard write(Server.errorLine(id: .null, e), to: output) else { return false }
            case .line(let bytes):
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                let reply = runBlocking { await server.handle(bytes) }
                if let line = reply.line, !write(line, to: output) { return reply.shutdown }
                if reply.shutdown { return true }
            }
        }
    }

    /// Serves stdin → stdout on a thread of its own; returns at end of input (false) or shutdown (true).
    public static func serveStandardIO(_ server: Server) async -> Bool {
        await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let t = Thread { c.resume(returning: serve(server, input: 0, output: 1)) }
            t.stackSize = 8 << 20
            t.start()
        }
    }

    /// Listens on a Unix socket at `path` (a stale socket file there is replaced), serving each
    /// connection on its own thread, until a `shutdown` request on any of them; then removes the
    /// socket file and returns. Throws an ``InputError`` when the socket cannot be made.
    public static func serveSocket(_ server: Server, path: String) async throws {
        let fd = try bindSocket(path)
        defer { close(fd); unlink(path) }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = Once()
            let t = Thread {
                while true {
                    let conn = accept(fd, nil, nil)
                    if conn < 0 {
                        if errno == EINTR { continue }
                        done.run { c.resume() }
                        return
                    }
                    let worker = Thread {
                        let shutdown = serve(server, input: conn, output: conn)
                        close(conn)
                        if shutdown { done.run { c.resume() } }
                    }
                    worker.stackSize = 8 << 20
                    worker.start()
                }
            }
            t.start()
        }
    }

    static func bindSocket(_ path: String) throws -> Int32 {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw InputError(keyPath: "--socket", value: path, message: "a Unix socket path must have 1 to \(capacity - 1) bytes",
                             hint: "use a shorter path, e.g. /tmp/duet.sock")
        }
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else {
                throw InputError(keyPath: "--socket", value: path, message: "a file that is not a socket exists at this path",
                                 hint: "choose another path; duet serve replaces only a stale socket")
            }
            unlink(path)
        }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw InputError(keyPath: "--socket", value: path, message: "cannot create a socket (errno \(errno))") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard ok == 0, listen(fd, 64) == 0 else {
            let e = errno
            close(fd)
            throw InputError(keyPath: "--socket", value: path, message: "cannot listen on this path (errno \(e): \(String(cString: strerror(e))))",
                             hint: "check that the folder exists and is writable")
        }
        return fd
    }

    /// Writes `line` and a line break, whole; false when the reader went away.
    static func write(_ line: String, to fd: Int32) -> Bool {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            off += n
        }
        return true
    }

    /// Runs async `body` from a thread outside the cooperative pool and waits for it.
    static func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.value = await body()
            done.signal()
        }
        done.wait()
        return box.value!
    }
}

/// A value handed from a task to the thread waiting on it (the semaphore orders the accesses).
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// Runs a closure at most once across threads.
private final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var ran = false
    func run(_ body: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        if ran { return }
        ran = true
        body()
    }
}

/// Reads lines from a file descriptor with a bounded line length.
struct LineReader {
    enum Line { case line([UInt8]), tooLong(Int), end }
    let fd: Int32
    let maxLineBytes: Int
    var buffer: [UInt8] = []
    var start = 0
    var atEnd = false
    var chunk = [UInt8](repeating: 0, count: 1 << 16)

    init(fd: Int32, maxLineBytes: Int) {
        self.fd = fd
        self.maxLineBytes = maxLineBytes
    }

    mutating func next() -> Line {
        var skipped = 0   // bytes of an over-long line dropped so far
        var scanned = start   // bytes before this hold no line break
        while true {
            if let nl = newline(from: scanned) {
                let line = Array(buffer[start..<nl])
                start = nl + 1
                compact()
                if skipped > 0 || line.count > maxLineBytes { return .tooLong(skipped + line.count) }
                return .line(line.last == 0x0D ? Array(line.dropLast()) : line)
            }
            if buffer.count - start > maxLineBytes {
                skipped += buffer.count - start
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            scanned = buffer.count
            if atEnd {
                let rest = Array(buffer[start...])
                buffer.removeAll(); start = 0
                if skipped > 0 || rest.count > maxLineBytes { return .tooLong(skipped + rest.count) }
                return rest.isEmpty ? .end : .line(rest)
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                atEnd = true
            } else if n == 0 {
                atEnd = true
            } else {
                buffer.append(contentsOf: chunk[0..<n])
            }
        }
    }

    func newline(from i: Int) -> Int? {
        guard i < buffer.count else { return nil }
        return buffer.withUnsafeBytes { raw -> Int? in
            guard let p = memchr(raw.baseAddress! + i, 0x0A, raw.count - i) else { return nil }
            return raw.baseAddress!.distance(to: UnsafeRawPointer(p))
        }
    }

    mutating func compact() {
        if start > 1 << 20 || start == buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }
}
