#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Runs a shell command as a child process the way Duet runs every outside program (accuracy
/// evaluators, table runners, peer simulators): `/bin/sh -c COMMAND` in a process group of its
/// own, its input written on stdin, stdout and stderr drained concurrently, and nothing left
/// behind.
///
/// What it guarantees, because real evaluators are training scripts that print progress, log
/// megabytes to stderr, spawn data-loader children and sometimes exit early:
/// - a command that exits without reading its input is not an error of Duet's: the write fails
///   with `EPIPE` (SIGPIPE is ignored, once, process-wide — see ``ignoreBrokenPipes()``) and
///   ``Result/inputWritten`` says how much it read;
/// - stdout and stderr are read as they arrive, so a chatty command never blocks on a full pipe;
///   memory is bounded: stdout keeps its last ``stdoutLimitBytes`` bytes (the protocol's answer is
///   the last JSON line), stderr its last ``stderrLimitBytes``;
/// - on timeout the whole process group gets SIGTERM, then SIGKILL after
///   ``terminateGraceSeconds``; after a normal exit, children that are still running (holding
///   stdout open, say) get the same after ``exitGraceSeconds``, so a finished run never waits on
///   a background child and no process of the command is left.
///
/// A command that leaves the group on purpose (`setsid`) is out of reach, as with any shell.
public struct Subprocess: Sendable {
    /// The shell command (run with `/bin/sh -c`).
    public var command: String
    /// Bytes written to the command's stdin, which is then closed.
    public var input: Data
    /// Seconds the command may run before its process group is terminated.
    public var timeoutSeconds: Double
    /// Seconds between SIGTERM and SIGKILL when a run is stopped.
    public var terminateGraceSeconds: Double = 2
    /// Seconds the command's leftover children may keep stdout or stderr open after the command
    /// itself exited, before they are terminated.
    public var exitGraceSeconds: Double = 0.5
    /// The most bytes of stdout kept (the last ones).
    public var stdoutLimitBytes: Int = 4 << 20
    /// The most bytes of stderr kept (the last ones).
    public var stderrLimitBytes: Int = 64 << 10

    public init(command: String, input: Data = Data(), timeoutSeconds: Double) {
        self.command = command
        self.input = input
        self.timeoutSeconds = timeoutSeconds
    }

    /// What came of one run.
    public struct Result: Sendable {
        /// How the command ended.
        public enum Ending: Sendable, Hashable {
            /// It exited with this status.
            case exited(Int32)
            /// A signal it did not catch ended it (not one of Duet's: see ``timedOut``).
            case signaled(Int32)
            /// It ran past the timeout and its process group was terminated.
            case timedOut
            /// It could not be started (the reason, from the system).
            case notStarted(String)
        }

        public var ending: Ending
        /// The last bytes of stdout (at most ``Subprocess/stdoutLimitBytes``).
        public var stdout: Data
        /// All bytes the command wrote to stdout.
        public var stdoutBytes: Int
        /// The last bytes of stderr (at most ``Subprocess/stderrLimitBytes``), as text.
        public var stderr: String
        /// All bytes the command wrote to stderr.
        public var stderrBytes: Int
        /// Bytes of the input the command read before it closed its stdin or exited.
        public var inputWritten: Int
        /// Wall seconds from start to the end of the run.
        public var seconds: Double

        public var succeeded: Bool { ending == .exited(0) }

        /// The protocol's answer: the last line of stdout that is a JSON object (log lines before
        /// it are allowed), parsed; nil when there is none.
        public func lastJSONObject() -> [String: Any]? {
            Subprocess.lastJSONObject(in: stdout)
        }

        /// The last non-empty line of stderr, at most `limit` characters ("" when none): what a
        /// failure message quotes.
        public func stderrLastLine(limit: Int = 200) -> String {
            guard let line = stderr.split(whereSeparator: \.isNewline).last(where: { !$0.allSatisfy(\.isWhitespace) }) else { return "" }
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.count > limit ? String(t.prefix(limit)) + "…" : t
        }

        /// "exited with status 3", "was killed by signal 9", "did not finish within 5 s", … —
        /// with stderr's last line when there is one. Nil when the command exited with 0.
        public func failureDescription(timeoutSeconds: Double) -> String? {
            let err = stderrLastLine()
            let tail = err.isEmpty ? "" : ": \(err)"
            switch ending {
            case .exited(0): return nil
            case .exited(let s): return "exited with status \(s)" + tail
            case .signaled(let s): return "was killed by signal \(s)" + tail
            case .timedOut: return "did not finish within \(JSONValue.format(timeoutSeconds)) s (its process group was terminated)" + tail
            case .notStarted(let why): return "could not be started: \(why)"
            }
        }
    }

    /// The last line of `data` that parses as a JSON object.
    public static func lastJSONObject(in data: Data) -> [String: Any]? {
        var end = data.endIndex
        while end > data.startIndex {
            var start = end
            while start > data.startIndex, data[data.index(before: start)] != UInt8(ascii: "\n") { start = data.index(before: start) }
            let line = data[start..<end]
            if let first = line.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }), first == UInt8(ascii: "{"),
               let obj = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] {
                return obj
            }
            end = start > data.startIndex ? data.index(before: start) : start
        }
        return nil
    }

    /// Ignores SIGPIPE in this process, once: writing to a command that closed its stdin then
    /// fails with `EPIPE` instead of killing Duet. Children get the default action back.
    public static func ignoreBrokenPipes() { _ = brokenPipesIgnored }
    private static let brokenPipesIgnored: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Runs the command on a thread of its own (blocking I/O never occupies Swift's cooperative
    /// pool) and returns when the command and every child of it are gone. Cancelling the task
    /// stops the run as a timeout would.
    public func run() async -> Result {
        let cancelled = CancelFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
                let thread = Thread { continuation.resume(returning: self.runBlocking(cancelled: cancelled)) }
                thread.stackSize = 1 << 20
                thread.start()
            }
        } onCancel: {
            cancelled.set()
        }
    }

    /// Runs the command on the calling thread (see ``run()``).
    public func runBlocking() -> Result { runBlocking(cancelled: CancelFlag()) }

    final class CancelFlag: Sendable {
        private let flag = Mutex(false)
        func set() { flag.withLock { $0 = true } }
        var isSet: Bool { flag.withLock { $0 } }
    }

    func runBlocking(cancelled: CancelFlag) -> Result {
        Self.ignoreBrokenPipes()
        let clock = ContinuousClock(), start = clock.now
        func elapsed() -> Double { let c = (clock.now - start).components; return Double(c.seconds) + Double(c.attoseconds) * 1e-18 }
        var result = Result(ending: .exited(0), stdout: Data(), stdoutBytes: 0, stderr: "", stderrBytes: 0, inputWritten: 0, seconds: 0)

        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        let spawned: Swift.Result<pid_t, SpawnError> = Self.spawnLock.withLock { _ in
            guard Self.makePipe(&inPipe), Self.makePipe(&outPipe), Self.makePipe(&errPipe) else {
                return .failure(SpawnError(message: "cannot create pipes: \(String(cString: strerror(errno)))"))
            }
            return spawn(stdin: inPipe[0], stdout: outPipe[1], stderr: errPipe[1])
        }
        let pid: pid_t
        switch spawned {
        case .success(let p): pid = p
        case .failure(let why):
            for fd in inPipe + outPipe + errPipe where fd >= 0 { close(fd) }
            result.ending = .notStarted(why.message)
            return result
        }
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        var inFD: Int32 = inPipe[1], outFD: Int32 = outPipe[0], errFD: Int32 = errPipe[0]
        for fd in [inFD, outFD, errFD] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        if input.isEmpty { close(inFD); inFD = -1 }

        var stdoutTail = Data(), stderrTail = Data()
        var exitStatus: Int32?
        var exitedAt: Double?
        var stopping: (signal: Int32, at: Double)?
        var timedOut = false
        let chunk = 1 << 16
        var buffer = [UInt8](repeating: 0, count: chunk)

        func keepTail(_ tail: inout Data, _ bytes: UnsafeRawBufferPointer, limit: Int) {
            tail.append(contentsOf: bytes)
            if tail.count > 2 * limit { tail = Data(tail.suffix(limit)) }
        }
        func drain(_ fd: inout Int32, isStdout: Bool) {
            while fd >= 0 {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunk) }
                if n > 0 {
                    buffer.withUnsafeBytes { b in
                        let bytes = UnsafeRawBufferPointer(rebasing: b[0..<n])
                        if isStdout { result.stdoutBytes += n; keepTail(&stdoutTail, bytes, limit: stdoutLimitBytes) }
                        else { result.stderrBytes += n; keepTail(&stderrTail, bytes, limit: stderrLimitBytes) }
                    }
                    if n < chunk { return }
                } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    close(fd); fd = -1
                } else { return }
            }
        }

        while true {
            // Has the command itself ended?
            if exitStatus == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status; exitedAt = elapsed() }
            }
            let now = elapsed()
            if exitStatus != nil {
                if inFD >= 0 { close(inFD); inFD = -1 }
                // Output still open after the exit belongs to leftover children: give them a moment.
                if outFD < 0 && errFD < 0 { break }
                if now - exitedAt! > exitGraceSeconds {
                    killpg(pid, SIGKILL)
                    drain(&outFD, isStdout: true); drain(&errFD, isStdout: false)
                    break
                }
            } else if let s = stopping {
                if s.signal == SIGTERM && now - s.at > terminateGraceSeconds {
                    killpg(pid, SIGKILL)
                    stopping = (SIGKILL, now)
                }
            } else if now > timeoutSeconds || cancelled.isSet {
                timedOut = true
                killpg(pid, SIGTERM)
                stopping = (SIGTERM, now)
            }
            var fds: [pollfd] = []
            if inFD >= 0 { fds.append(pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0)) }
            if outFD >= 0 { fds.append(pollfd(fd: outFD, events: Int16(POLLIN), revents: 0)) }
            if errFD >= 0 { fds.append(pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)) }
            if fds.isEmpty {
                // Nothing to read or write: wait for the exit.
                usleep(exitStatus == nil ? 10_000 : 0)
                if exitStatus != nil { break }
                continue
            }
            let waitMs = Int32(max(5, min(50, (timeoutSeconds - now) * 1000)))
            let ready = poll(&fds, nfds_t(fds.count), waitMs)
            if ready < 0 && errno != EINTR { break }
            if inFD >= 0 && result.inputWritten < input.count {
                let n = input.withUnsafeBytes { b in
                    write(inFD, b.baseAddress!.advanced(by: result.inputWritten), b.count - result.inputWritten)
                }
                if n > 0 { result.inputWritten += n }
                else if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { close(inFD); inFD = -1 }
                if result.inputWritten == input.count, inFD >= 0 { close(inFD); inFD = -1 }
            }
            drain(&outFD, isStdout: true)
            drain(&errFD, isStdout: false)
        }
        for fd in [inFD, outFD, errFD] where fd >= 0 { close(fd) }
        // The command is gone (or stopping): reap it and clear what is left of its group.
        var status: Int32 = exitStatus ?? 0
        if exitStatus == nil {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        killpg(pid, SIGKILL)
        result.stdout = stdoutTail.count > stdoutLimitBytes ? Data(stdoutTail.suffix(stdoutLimitBytes)) : stdoutTail
        let err = stderrTail.count > stderrLimitBytes ? Data(stderrTail.suffix(stderrLimitBytes)) : stderrTail
        result.stderr = String(decoding: err, as: UTF8.self)
        result.seconds = elapsed()
        if timedOut {
            result.ending = .timedOut
        } else if status & 0x7f == 0 {
            result.ending = .exited((status >> 8) & 0xff)
        } else {
            result.ending = .signaled(status & 0x7f)
        }
        return result
    }

    /// Serializes pipe creation with spawning, so that no other spawn of Duet's inherits a pipe
    /// end in the moment before it is marked close-on-exec (pipe2 is not visible to Swift here).
    static let spawnLock = Mutex(())

    static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard fds.withUnsafeMutableBufferPointer({ pipe($0.baseAddress!) }) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// posix_spawn of `/bin/sh -c command` in a new process group, SIGPIPE back to default, the
    /// given descriptors as 0, 1 and 2 (every other descriptor of Duet's is close-on-exec).
    struct SpawnError: Error { var message: String }

    func spawn(stdin: Int32, stdout: Int32, stderr: Int32) -> Swift.Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attr, &mask)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let strings: [String] = ["/bin/sh", "-c", command]
        let args: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { for a in args { free(a) } }
        var argv = args + [nil]
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, &argv, environ)
        if rc != 0 { return .failure(SpawnError(message: "/bin/sh: \(String(cString: strerror(rc)))")) }
        return .success(pid)
    }
}
