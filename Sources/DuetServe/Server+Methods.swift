import DuetCore
import DuetCostModel
import DuetExplore
import DuetReport
import DuetSearch
import DuetSolver
import Foundation

extension Server {
    // MARK: evaluate

    /// `evaluate`: the direct form (networks on an accelerator, device or table: the object
    /// `duet evaluate --format json` prints; `designs` for many) or the config-point form (a point
    /// of a config's space: objectives, metrics, constraints, feasibility, design; `points` for many).
    /// The result as compact JSON text; each of many designs is serialized by the task that evaluated it.
    func evaluate(_ p: Params) async throws -> String {
        if !p.has("config"), let list = p["designs"] {
            guard let items = list.arrayValue else { throw RPCError.invalidParams(p.key("designs"), value: list, "designs must be a list of objects, not \(list.typeName)") }
            guard items.count <= Self.maxDesigns else { throw RPCError.invalidParams(p.key("designs"), "\(items.count) designs; at most \(Self.maxDesigns) a request") }
            let indexed = Array(items.enumerated())
            let results = await concurrentMap(indexed) { i, item -> String in
                do {
                    guard item.objectFields != nil else {
                        throw RPCError.invalidParams("params.designs[\(i)]", value: item, "a design must be an object like the direct form's params, not \(item.typeName)")
                    }
                    return try self.direct(Params(item, path: "params.designs[\(i)]")).serialized(pretty: false)
                } catch { return JSONValue.obj(["error": RPCError.from(error).json]).serialized(pretty: false) }
            }
            // The text of .obj(["results": .array(results)]).serialized(pretty: false).
            return #"{"results":["# + results.joined(separator: ",") + "]}"
        }
        return try await evaluateValue(p).serialized(pretty: false)
    }

    /// `evaluate` in its other forms (config points, one direct design), as a value.
    func evaluateValue(_ p: Params) async throws -> JSONValue {
        if p.has("config") {
            let entry = try configs.entry(try p.requiredString("config", example: "\"config.yaml\""), overrides: try p.overrides("set"))
            if let list = p["points"] {
                guard let items = list.arrayValue else { throw RPCError.invalidParams(p.key("points"), value: list, "points must be a list of points, not \(list.typeName)") }
                guard items.count <= Self.maxDesigns else { throw RPCError.invalidParams(p.key("points"), "\(items.count) points; at most \(Self.maxDesigns) a request") }
                let space = entry.exploration.space
                var parsed: [Result<Point, RPCError>] = []
                parsed.reserveCapacity(items.count)
                for (i, item) in items.enumerated() {
                    do { parsed.append(.success(try SpaceJSON.point(item, space: space, keyPath: "params.points[\(i)]"))) } catch {
                        parsed.append(.failure(RPCError.from(error)))
                    }
                }
                let valid = parsed.compactMap { try? $0.get() }
                let outcomes = await entry.evaluate(valid)
                var next = 0
                return .obj(["results": .array(parsed.map { r in
                    switch r {
                    case .failure(let e): return .obj(["error": e.json])
                    case .success:
                        defer { next += 1 }
                        do { return try Self.pointResult(outcomes[next], entry) } catch { return .obj(["error": RPCError.from(error).json]) }
                    }
                })])
            }
            guard let item = p["point"] else {
                throw RPCError.invalidParams(p.key("point"), "missing parameter 'point' (or 'points')", fix: "add \"point\": {variable: value}; the space method lists the variables")
            }
            let point = try SpaceJSON.point(item, space: entry.exploration.space, keyPath: "params.point")
            return try Self.pointResult(await entry.evaluate([point])[0], entry)
        }
        return try direct(p)
    }

    /// The direct form: exactly the object `duet evaluate --format json` prints for these options.
    func direct(_ p: Params) throws -> JSONValue {
        var networks = try p.strings("networks") ?? []
        if let one = try p.string("network") { networks.insert(one, at: 0) }
        if networks.isEmpty {
            throw RPCError.invalidParams(p.key("networks"), "missing parameter 'networks' (or 'network', or 'config' for a config point)",
                                         fix: "add \"networks\": [\"resnet50\"]")
        }
        let objectiveText = try p.string("objective") ?? "latency"
        guard let objective = MappingObjective(rawValue: objectiveText) else {
            throw RPCError.invalidParams(p.key("objective"), value: .string(objectiveText), "objective must be latency, energy or edp")
        }
        let request = EvaluateRequest(
            networks: networks, accelerator: try p.string("accelerator"), table: try p.string("table"), device: try p.string("device"),
            overrides: try p.overrides("set"), spec: try p.string("spec"), objective: objective,
            input: try p.int("input", in: 1...(1 << 20)), width: try p.double("width") ?? 1.0, batch: try p.int("batch", in: 1...(1 << 20)),
            allowUnknownOperators: try p.bool("allow_unknown") ?? false, loaders: DuetFormats.networkLoaders())
        var scheduled = request
        if let text = try p.string("schedule") {
            guard let v = ChipScheduling(rawValue: text) else {
                throw RPCError.invalidParams(p.key("schedule"), value: .string(text), "schedule must be networks or layers")
            }
            scheduled.scheduling = v
        }
        let layers = try p.bool("layers") ?? true
        do { try scheduled.validate() } catch let e as InputError { throw RPCError(e.under(p.path)) }
        let doc = try scheduled.json(dataDir: dataDir, cache: evaluations, layers: layers).json
        // (The accelerator path leaves the rows out itself; the table path's are removed here.)
        return layers ? doc : Self.withoutLayers(doc)
    }

    /// The report without each network's per-layer rows (`"layers": false`: totals only).
    static func withoutLayers(_ doc: JSONValue) -> JSONValue {
        guard case .object(let fields) = doc else { return doc }
        return .object(fields.map { f in
            guard f.key == "networks", case .array(let nets) = f.value else { return f }
            return .init(f.key, .array(nets.map { n in
                guard case .object(let nf) = n else { return n }
                return .object(nf.filter { $0.key != "layers" && $0.key != "operators" })
            }))
        })
    }

    /// A config point's outcome as `{"objectives", "metrics", "constraints", "feasible", "violations", "design"}`.
    static func pointResult(_ outcome: Outcome, _ entry: ConfigCache.Entry) throws -> JSONValue {
        switch outcome {
        case .failed(let why): throw RPCError(.evaluationFailed, "the evaluation failed: " + InputIssue.capped(why, limit: 4 * InputIssue.echoLimit))
        case .evaluated(let e):
            let names = entry.exploration.constraints
            let design = e.detail.flatMap { try? JSONValue(parsing: $0) } ?? .object([])
            return .obj([
                "objectives": .object(zip(entry.config.objectives, e.objectives).map { .init($0.metric, .double($1)) }),
                "metrics": .object(e.metrics.keys.sorted().map { .init($0, .double(e.metrics[$0]!)) }),
                "constraints": .object(zip(names, e.constraints).map { .init($0, .double($1)) }),
                "feasible": .bool(e.isFeasible),
                "violations": .array(zip(names, e.constraints).filter { $0.1 > 0 }.map { .string($0.0) }),
                "design": design,
            ])
        }
    }

    // MARK: space, decode, sample, solve

    func configEntry(_ p: Params) throws -> ConfigCache.Entry {
        try configs.entry(try p.requiredString("config", example: "\"Examples/nasaic-two-tasks/config.yaml\""), overrides: try p.overrides("set"))
    }

    /// `space`: the config's variables (bounds, choices), objectives and constraints.
    func space(_ p: Params) throws -> JSONValue {
        let e = try configEntry(p)
        return SpaceJSON.description(of: e.exploration.space, objectives: e.exploration.objectives, constraints: e.exploration.constraints)
    }

    /// `decode`: the design a point means, as `duet explore` prints it.
    func decode(_ p: Params) throws -> JSONValue {
        let e = try configEntry(p)
        guard let item = p["point"] else { throw RPCError.invalidParams(p.key("point"), "missing parameter 'point'", fix: "add \"point\": {variable: value}") }
        let point = try SpaceJSON.point(item, space: e.exploration.space, keyPath: "params.point")
        let design = try e.exploration.decode(e.exploration.canonical(point))
        return .obj(["design": (try? JSONValue(parsing: design.json)) ?? .string(design.json)])
    }

    /// `sample`: `n` points drawn uniformly, the same for the same seed (default: the config's).
    func sample(_ p: Params) throws -> JSONValue {
        let e = try configEntry(p)
        let n = try p.int("n", in: 0...Self.maxDesigns) ?? 1
        let seed: UInt64
        if let v = p["seed"] {
            guard let s = v.intValue, s >= 0 else { throw RPCError.invalidParams(p.key("seed"), value: v, "seed must be a non-negative integer") }
            seed = UInt64(s)
        } else { seed = e.config.seed }
        let space = e.exploration.space
        return .obj(["points": .array(SpaceJSON.sample(space, count: n, seed: seed).map { SpaceJSON.json($0, space: space) })])
    }

    /// `solve`: the object `duet solve CONFIG --format json` prints.
    func solve(_ p: Params) async throws -> JSONValue {
        let path = try p.requiredString("config", example: "\"config.yaml\"")
        let timeout = try p.double("timeout") ?? 60
        guard timeout > 0 && timeout <= 86_400 else {
            throw RPCError.invalidParams(p.key("timeout"), value: .double(timeout), "timeout must be greater than 0 and at most 86,400 seconds")
        }
        let cfg = try configs.entry(path, overrides: try p.overrides("set")).config
        if case .hardware = cfg.target {
            let (text, _) = try await ChipSolve.run(cfg, dataDir: dataDir, timeoutSeconds: timeout, format: .json)
            do { return try JSONValue(parsing: text) } catch { throw RPCError(.evaluationFailed, "the solver's report is not JSON: \(error)") }
        }
        let start = Date()
        let exact = try await ExactSolve(config: cfg, dataDir: dataDir, timeoutSeconds: timeout, cache: TabulationCache.default)
        let result = try exact.solve()
        return exact.report(result, seconds: Date().timeIntervalSince(start)).json
    }
}
