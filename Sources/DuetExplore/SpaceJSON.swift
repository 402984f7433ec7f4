import DuetCore
import DuetSearch
import Foundation

/// A design space and its points as JSON, for agents outside Duet (`duet serve`, `duet study
/// ask/tell`). A point is an object `{variable name: value}`: an integer or power-of-two variable
/// takes a JSON integer, a real a number, a choice its label string (as ``description(of:objectives:constraints:)``
/// lists it). A conditional variable whose condition fails is absent.
public enum SpaceJSON {
    /// `{"variables": [...], "objectives": [...], "constraints": [...]}` (docs/FORMATS.md, "duet serve").
    public static func description(of space: DesignSpace, objectives: [Objective], constraints: [String]) -> JSONValue {
        .obj(["variables": .array(space.variables.map(variable)),
              "objectives": .array(objectives.map { .obj(["name": .string($0.name), "sense": .string($0.direction.rawValue)]) }),
              "constraints": .array(constraints.map { .string($0) })])
    }

    static func variable(_ v: Variable) -> JSONValue {
        var f: [JSONValue.Field] = [.init("name", .string(v.name))]
        switch v.domain {
        case .real(let lo, let hi):
            f += [.init("kind", .string("real")), .init("lower", .double(lo)), .init("upper", .double(hi))]
        case .integer(let lo, let hi):
            f += [.init("kind", .string("integer")), .init("lower", .int(lo)), .init("upper", .int(hi))]
        case .powerOfTwo(let lo, let hi):
            // An integer restricted to powers of two: "values" lists them.
            var values: [JSONValue] = []
            var x = lo
            while x <= hi && x > 0 { values.append(.int(x)); if x > Int.max / 2 { break }; x *= 2 }
            f += [.init("kind", .string("integer")), .init("lower", .int(lo)), .init("upper", .int(hi)),
                  .init("power_of_two", .bool(true)), .init("values", .array(values))]
        case .ordered(let choices), .categorical(let choices):
            var ordered = false
            if case .ordered = v.domain { ordered = true }
            f += [.init("kind", .string("choice")), .init("choices", .array(choices.map { .string($0.description) }))]
            if ordered { f.append(.init("ordered", .bool(true))) }
        }
        if let c = v.condition {
            f.append(.init("condition", .obj(["variable": .string(c.variable),
                                               "values": .array(c.values.map(\.description).sorted().map { .string($0) })])))
        }
        return .object(f)
    }

    /// A point as JSON: each existing variable in the space's order.
    public static func json(_ point: Point, space: DesignSpace) -> JSONValue {
        .object(space.variables.enumerated().compactMap { i, v in
            guard let value = point[i] else { return nil }
            switch v.domain {
            case .real: return .init(v.name, .double(value.doubleValue ?? .nan))
            case .integer, .powerOfTwo: return .init(v.name, .int(value.intValue ?? 0))
            case .ordered, .categorical: return .init(v.name, .string(value.description))
            }
        })
    }

    /// The point a JSON object names, checked against the space: unknown variables, missing
    /// values, wrong types and values outside a domain are one ``InputError`` listing each, with
    /// key paths under `keyPath`.
    public static func point(_ json: JSONValue, space: DesignSpace, keyPath: String = "point") throws -> Point {
        guard let fields = json.objectFields else {
            throw InputError(keyPath: keyPath, value: InputIssue.capped(json.serialized(pretty: false)),
                             message: "a point must be an object {variable: value}, not \(json.typeName)",
                             hint: "e.g. {\"\(space.variables.first?.name ?? "x")\": …}; the space method lists the variables")
        }
        var values: [String: Value] = [:]
        var issues = IssueCollector()
        for field in fields {
            let at = KeyPaths.join(keyPath, field.key)
            guard let i = space.layout.index[field.key] else {
                issues.add(at, value: field.key, "unknown variable '\(field.key)'", hint: Suggestion.hint(for: field.key, in: space.variables.map(\.name)))
                continue
            }
            let v = space.variables[i]
            switch (v.domain, field.value) {
            case (.real, let x) where x.doubleValue != nil:
                values[v.name] = .real(x.doubleValue!)
            case (.integer, let x), (.powerOfTwo, let x):
                guard let n = x.intValue else {
                    issues.add(at, value: InputIssue.capped(x.serialized(pretty: false)), "\(v.name) takes an integer, not \(x.typeName)")
                    continue
                }
                values[v.name] = .int(n)
            case (.ordered(let choices), let x), (.categorical(let choices), let x):
                let label: String
                switch x {
                case .string(let s): label = s
                case .int, .double, .bool: label = x.serialized(pretty: false)
                default:
                    issues.add(at, value: InputIssue.capped(x.serialized(pretty: false)), "\(v.name) takes one of its choices' labels, not \(x.typeName)",
                               hint: "one of " + choices.map(\.description).joined(separator: ", "))
                    continue
                }
                guard let c = choices.first(where: { $0.description == label }) else {
                    issues.add(at, value: InputIssue.capped(label), "\(v.name) has no choice '\(InputIssue.capped(label, limit: 60))'",
                               hint: Suggestion.hint(for: label, in: choices.map(\.description)))
                    continue
                }
                values[v.name] = c
            default:
                issues.add(at, value: InputIssue.capped(field.value.serialized(pretty: false)), "\(v.name) takes a number, not \(field.value.typeName)")
            }
        }
        try issues.throwIfAny()
        do {
            return space.decode(try space.encode(values))
        } catch let e as InputError {
            throw e.under(keyPath)
        }
    }

    /// `count` points drawn uniformly from the space with a generator seeded by `seed`: the same
    /// seed gives the same points.
    public static func sample(_ space: DesignSpace, count: Int, seed: UInt64) -> [Point] {
        var rng = SeededGenerator(seed: seed)
        return (0..<max(0, count)).map { _ in space.decode(space.randomGenome(using: &rng)) }
    }
}
