import DuetCore
import DuetCostModel
import DuetExplore
import Foundation

/// The `duet serve` evaluation server: JSON-RPC 2.0 requests in, one response per request out
/// (docs/FORMATS.md, "duet serve"). Transport-free: ``handle(_:)-([UInt8])`` takes one line and
/// returns the line to answer; ``LineTransport`` runs it over stdin/stdout or a Unix socket.
///
/// It never fails on its input: malformed JSON, a wrong shape, unknown methods, bad parameters
/// and failed evaluations are all answered with an error object, and the server goes on.
/// Loaded configs, accelerators, analyzed networks and mapping searches are cached between
/// requests, so an agent evaluating many designs pays the loading once.
public final class Server: Sendable {
    /// Where templates and device models are read (``DataDirectory``).
    public let dataDir: URL
    let configs: ConfigCache
    let evaluations = EvaluationCache()
    let studies = StudyConnections()
    /// The most requests one batch (a JSON array) may hold.
    public static let maxBatch = 100_000
    /// The most designs or points one `evaluate` request may hold.
    public static let maxDesigns = 1_000_000

    public init(dataDir: URL) {
        self.dataDir = dataDir
        configs = ConfigCache(dataDir: dataDir)
    }

    /// The answer to one input line: the response text (without a line break; nil when the line
    /// held notifications only) and whether the server should stop (method `shutdown`).
    public struct Reply: Sendable, Hashable {
        public var line: String?
        public var shutdown: Bool
    }

    /// Answers one request line (a request object or a batch array), never throwing.
    public func handle(_ line: [UInt8]) async -> Reply {
        let doc: JSONValue
        do { doc = try JSONValue(parsing: line) } catch {
            return Reply(line: Self.errorLine(id: .null, RPCError(.parseError, "parse error: \(error)")), shutdown: false)
        }
        if case .array(let items) = doc {
            if items.isEmpty {
                return Reply(line: Self.errorLine(id: .null, RPCError(.invalidRequest, "an empty batch: send at least one request")), shutdown: false)
            }
            if items.count > Self.maxBatch {
                return Reply(line: Self.errorLine(id: .null, RPCError(.invalidRequest, "a batch of \(items.count) requests; at most \(Self.maxBatch)")), shutdown: false)
            }
            let answers = await concurrentMap(items) { await self.request($0) }
            let lines = answers.compactMap(\.response)
            // The array's text, as JSONValue.array(responses).serialized(pretty: false) writes it.
            return Reply(line: lines.isEmpty ? nil : "[" + lines.joined(separator: ",") + "]",
                         shutdown: answers.contains { $0.shutdown })
        }
        let a = await request(doc)
        return Reply(line: a.response, shutdown: a.shutdown)
    }

    /// Answers one request line given as text.
    public func handle(_ text: String) async -> Reply { await handle(Array(text.utf8)) }

    /// Closes the study connections the server opened.
    public func close() async { await studies.closeAll() }

    /// One request object: its response as compact JSON text (nil for a notification) and whether
    /// it asks to shut down. Text, not a ``JSONValue``: a batch's requests, and a request's many
    /// designs, are serialized by the tasks that evaluated them, in parallel.
    func request(_ item: JSONValue) async -> (response: String?, shutdown: Bool) {
        guard item.objectFields != nil else {
            return (Self.errorLine(id: .null, RPCError(.invalidRequest, "a request must be an object, not \(item.typeName)")), false)
        }
        let idValue = item["id"]
        var id = JSONValue.null
        if let v = idValue {
            switch v {
            case .string, .int, .null: id = v
            case .double(let d) where d == d.rounded(): id = v
            default:
                return (Self.errorLine(id: .null, RPCError(.invalidRequest, "the id must be a string, an integer or null, not \(v.typeName)")), false)
            }
        }
        guard item["jsonrpc"] == .string("2.0") else {
            return (Self.errorLine(id: id, RPCError(.invalidRequest, "not a JSON-RPC 2.0 request: \"jsonrpc\": \"2.0\" is missing")), false)
        }
        guard let method = item["method"]?.stringValue else {
            return (Self.errorLine(id: id, RPCError(.invalidRequest, "the request has no method (a string)")), false)
        }
        let isNotification = idValue == nil
        let params: JSONValue
        switch item["params"] {
        case nil, .null?: params = .object([])
        case .object?: params = item["params"]!
        case let v?:
            let e = RPCError.invalidParams("params", value: v, "params must be an object of named parameters, not \(v.typeName)")
            return (isNotification ? nil : Self.errorLine(id: id, e), false)
        }
        do {
            let result = try await call(method, Params(params))
            return (isNotification ? nil : Self.resultLine(id: id, result), method == "shutdown")
        } catch {
            return (isNotification ? nil : Self.errorLine(id: id, RPCError.from(error)), false)
        }
    }

    /// The methods.
    public static let methods = ["evaluate", "space", "decode", "sample", "solve", "ask", "tell", "shutdown"]

    /// The result of `method` as compact JSON text.
    func call(_ method: String, _ p: Params) async throws -> String {
        switch method {
        case "evaluate": return try await evaluate(p)
        case "space": return try space(p).serialized(pretty: false)
        case "decode": return try decode(p).serialized(pretty: false)
        case "sample": return try sample(p).serialized(pretty: false)
        case "solve": return try await solve(p).serialized(pretty: false)
        case "ask": return try await ask(p).serialized(pretty: false)
        case "tell": return try await tell(p).serialized(pretty: false)
        case "shutdown": return JSONValue.obj(["ok": .bool(true)]).serialized(pretty: false)
        default:
            throw RPCError(.methodNotFound, "unknown method '\(InputIssue.capped(method, limit: 60))'; \(Suggestion.hint(for: method, in: Self.methods))",
                           issues: [InputIssue(keyPath: "method", value: InputIssue.capped(method), message: "unknown method",
                                               hint: Suggestion.hint(for: method, in: Self.methods))])
        }
    }

    /// The response to request `id` whose result is the compact JSON text `result`: the text
    /// `.obj(["jsonrpc": "2.0", "id": id, "result": result]).serialized(pretty: false)` would be.
    static func resultLine(id: JSONValue, _ result: String) -> String {
        #"{"jsonrpc":"2.0","id":"# + id.serialized(pretty: false) + #","result":"# + result + "}"
    }

    static func response(id: JSONValue, error: RPCError) -> JSONValue {
        .obj(["jsonrpc": .string("2.0"), "id": id, "error": error.json])
    }

    static func errorLine(id: JSONValue, _ error: RPCError) -> String {
        response(id: id, error: error).serialized(pretty: false)
    }
}

/// `transform` applied to every element, several at a time (about one task per core), results in order.
func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) async -> R) async -> [R] {
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    if items.count < 2 || cores == 1 {
        var out: [R] = []
        out.reserveCapacity(items.count)
        for x in items { out.append(await transform(x)) }
        return out
    }
    let chunk = max(1, (items.count + cores - 1) / cores)
    return await withTaskGroup(of: (Int, [R]).self) { group in
        for start in stride(from: 0, to: items.count, by: chunk) {
            let slice = Array(items[start..<min(start + chunk, items.count)])
            group.addTask {
                var r: [R] = []
                r.reserveCapacity(slice.count)
                for x in slice { r.append(await transform(x)) }
                return (start, r)
            }
        }
        var parts: [(Int, [R])] = []
        for await p in group { parts.append(p) }
        return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
    }
}
