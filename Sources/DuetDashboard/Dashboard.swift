import DuetCore
import DuetStudy
import Foundation
#if Dashboard
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
#endif

/// `duet dashboard`: a read-only web server showing one study live — progress, the report (fronts,
/// convergence, the best design) re-rendered when the study changed, a filtered and paginated trial
/// table, each trial's detail — and the JSON API the page polls (docs/DASHBOARD.md).
///
/// It never writes to the study: the study is opened read-only, and every method but GET and HEAD
/// is answered 405. The page and its script ship in the binary (``DashboardPage``); it loads
/// nothing from the network.
public struct Dashboard: Sendable {
    public let watch: StudyWatch

    /// Opens the study (an SQLite path or a `postgresql://` URL) read-only.
    public init(study: String, settings: DashboardSettings) async throws {
        watch = try await StudyWatch(study: study, settings: settings)
    }

    /// Checks a host and port given on the command line: a port in 0…65535 (0: any free port), a non-empty host.
    public static func validate(host: String, port: Int) throws {
        var issues: [InputIssue] = []
        if !(0...65535).contains(port) {
            issues.append(InputIssue(keyPath: "--port", value: String(port), message: "not a TCP port", hint: "give a port in 1…65535 (0: any free port), e.g. --port 8080"))
        }
        if host.isEmpty || host.contains(where: \.isWhitespace) {
            issues.append(InputIssue(keyPath: "--host", value: host, message: "not a host name or address", hint: "give an address to listen on, e.g. --host 127.0.0.1"))
        }
        if !issues.isEmpty { throw InputError(issues) }
    }

    /// True when this build has the web server (the package trait `Dashboard`, on by default).
    public static var isAvailable: Bool {
        #if Dashboard
        return true
        #else
        return false
        #endif
    }

    /// Throws when this build has no web server (`make demo`'s slim build turns the `Dashboard` trait off).
    public static func requireServer() throws {
        if !isAvailable {
            throw InputError(keyPath: "dashboard", message: "this duet was built without the dashboard (the slim build `make demo` makes)",
                             hint: "build the full duet: `make build` (or `swift build -c release --product duet`: every trait is on by default)")
        }
    }

    #if !Dashboard
    /// Fails: see ``requireServer()``.
    public func run(host: String = "127.0.0.1", port: Int = 8080, onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        try Self.requireServer()
    }
    #else
    /// Serves until SIGINT or SIGTERM (graceful: requests in flight are answered), then closes the study.
    /// `onListening` receives the bound port (useful with port 0). A port that cannot be bound is an
    /// ``InputError`` naming it.
    public func run(host: String = "127.0.0.1", port: Int = 8080, onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        try Self.validate(host: host, port: port)
        let watch = self.watch
        // Read the study (a large one takes seconds) while the server starts, not on the first request.
        let app = application(host: host, port: port) { port in
            onListening(port)
            Task { try? await watch.poll() }
        }
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch let e as IOError {
            await watch.close()
            throw InputError(keyPath: "--port", value: "\(host):\(port)", message: "cannot listen: \(e)",
                             hint: "the port may be in use; pick another with --port (0: any free port)")
        } catch {
            await watch.close()
            throw error
        }
        await watch.close()
    }

    /// Starts serving in the background and returns once the server listens (port 0: a free port);
    /// ``RunningDashboard/stop()`` shuts it down gracefully and closes the study. For tests and
    /// programs that embed the dashboard; the CLI uses ``run(host:port:onListening:)``.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> RunningDashboard {
        try Self.validate(host: host, port: port)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = application(host: host, port: port) { continuation.yield($0); continuation.finish() }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: app.logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var it = ports.makeAsyncIterator()
        guard let bound = await it.next() else {
            // The server ended before listening: report why.
            do { try await task.value } catch let e as IOError {
                await watch.close()
                throw InputError(keyPath: "--port", value: "\(host):\(port)", message: "cannot listen: \(e)",
                                 hint: "the port may be in use; pick another (0: any free port)")
            }
            await watch.close()
            throw InputError(keyPath: "--port", value: "\(host):\(port)", message: "the server stopped before it listened", hint: "try another port")
        }
        return RunningDashboard(port: bound, group: group, task: task, watch: watch)
    }

    /// The Hummingbird application (the CLI runs it with ``run(host:port:onListening:)``, tests with ``start(host:port:)``).
    public func application(host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "duet.dashboard")
        logger.logLevel = .warning
        return Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "duet-dashboard"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// The routes (docs/DASHBOARD.md lists them).
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ReadOnlyMiddleware())
        let watch = self.watch
        router.get("/") { _, _ in Self.response(.ok, DashboardPage.html, type: "text/html; charset=utf-8") }
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/report") { request, _ in
            guard let report = try await watch.report() else {
                return Self.response(.ok, StudyWatch.placeholder("The report is being rendered; this page reloads when it is ready."),
                                     type: "text/html; charset=utf-8")
            }
            let (html, version) = report
            let etag = "\"r\(version)\""
            if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: [.eTag: etag]) }
            var r = Self.response(.ok, html, type: "text/html; charset=utf-8")
            r.headers[.eTag] = etag
            r.headers[.cacheControl] = "no-cache"
            return r
        }
        router.get("/api/status") { _, _ in
            Self.json(.ok, DashboardJSON.status(try await watch.status()))
        }
        router.get("/api/trials") { request, _ in
            let objectives = try await watch.status().objectives.map(\.name)
            let query: TrialQuery
            do { query = try TrialQuery(query: request.uri.query, objectives: objectives) } catch let e as InputError {
                return Self.json(.badRequest, DashboardJSON.error(400, e.description, issues: e.issues))
            }
            let page = try await watch.trials(query)
            return Self.json(.ok, DashboardJSON.page(total: page.total, query: query, rows: page.rows, objectives: objectives))
        }
        router.get("/api/front") { _, _ in
            let objectives = try await watch.status().objectives.map(\.name)
            return Self.json(.ok, DashboardJSON.front(try await watch.front(), objectives: objectives))
        }
        router.get("/api/convergence") { _, _ in
            let first = try await watch.status().objectives.first
            return Self.json(.ok, DashboardJSON.convergence(try await watch.convergence(), objective: first))
        }
        router.get("/api/trials/{generation}/{slot}") { _, context in
            guard let g = context.parameters.get("generation", as: Int.self), let s = context.parameters.get("slot", as: Int.self) else {
                return Self.json(.badRequest, DashboardJSON.error(400, "generation and slot must be integers: /api/trials/GENERATION/SLOT"))
            }
            guard let t = try await watch.trial(generation: g, slot: s) else {
                return Self.json(.notFound, DashboardJSON.error(404, "no trial at generation \(g), slot \(s)"))
            }
            let objectives = try await watch.status().objectives.map(\.name)
            return Self.json(.ok, DashboardJSON.trial(t, objectives: objectives))
        }
        return router
    }

    static func response(_ status: HTTPResponse.Status, _ text: String, type: String) -> Response {
        Response(status: status, headers: [.contentType: type, .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        response(status, value.serialized(pretty: false) + "\n", type: "application/json; charset=utf-8")
    }
    #endif
}

#if Dashboard

/// A dashboard serving in the background (``Dashboard/start(host:port:)``).
public struct RunningDashboard: Sendable {
    /// The TCP port it listens on.
    public let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let watch: StudyWatch

    /// Stops accepting connections, answers the requests in flight, then closes the study.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        let result = await task.result
        await watch.close()
        try result.get()
    }
}

/// Answers every method but GET and HEAD with 405 (the dashboard has no write path), and an error
/// while reading the study (a PostgreSQL server gone, a file removed) with a JSON 503 saying why.
struct ReadOnlyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            var r = Dashboard.json(.methodNotAllowed, DashboardJSON.error(405, "the dashboard is read-only: only GET and HEAD are answered"))
            r.headers[.allow] = "GET, HEAD"
            return r
        }
        do {
            return try await next(request, context)
        } catch let e as HTTPError {
            throw e
        } catch let e as InputError {
            return Dashboard.json(.serviceUnavailable, DashboardJSON.error(503, e.description, issues: e.issues))
        } catch {
            return Dashboard.json(.serviceUnavailable, DashboardJSON.error(503, "cannot read the study: \(error)"))
        }
    }
}
#endif
