import DuetCore
import DuetStudy
import Foundation

/// Which trials the dashboard's table shows and in which order: the query of `GET /api/trials`.
///
/// Query parameters (all optional):
/// - `status=complete,failed` — any of `pending`, `running`, `complete`, `failed`;
/// - `feasible=true|false` — complete and meeting every budget (or not);
/// - `generation=N`;
/// - `min.OBJECTIVE=x`, `max.OBJECTIVE=y` — an objective's range, in the objective's own unit
///   (its name says it: `latency_ms`, `energy_mj`); a trial without that objective is left out;
/// - `sort=number|seconds|OBJECTIVE` (`number`: storage order, the default), `order=asc|desc`;
/// - `offset=N` (default 0), `limit=N` (1…``TrialFilter/maxLimit``, default 50).
public struct TrialFilter: Sendable, Hashable {
    public enum Sort: Sendable, Hashable {
        /// The order trials were stored in.
        case storage
        /// By the objective at this index of the study's objectives.
        case objective(Int)
        /// By wall seconds of evaluation.
        case seconds
    }

    /// A range of one objective (by index); either bound may be absent.
    public struct Range: Sendable, Hashable {
        public var objective: Int
        public var min: Double?
        public var max: Double?
        public init(objective: Int, min: Double? = nil, max: Double? = nil) { self.objective = objective; self.min = min; self.max = max }
    }

    public var statuses: Set<TrialStatus>? = nil
    public var feasible: Bool? = nil
    public var generation: Int? = nil
    public var ranges: [Range] = []
    public var sort: Sort = .storage
    public var descending = false

    /// The most rows one page may hold.
    public static let maxLimit = 500

    public init(statuses: Set<TrialStatus>? = nil, feasible: Bool? = nil, generation: Int? = nil, ranges: [Range] = [],
                sort: Sort = .storage, descending: Bool = false) {
        self.statuses = statuses; self.feasible = feasible; self.generation = generation; self.ranges = ranges
        self.sort = sort; self.descending = descending
    }

    /// Whether the filter keeps every trial.
    public var isEmpty: Bool { statuses == nil && feasible == nil && generation == nil && ranges.isEmpty }
}

/// A page request: a filter and the window of its matches.
public struct TrialQuery: Sendable, Hashable {
    public var filter = TrialFilter()
    public var offset = 0
    public var limit = 50

    public init(filter: TrialFilter = TrialFilter(), offset: Int = 0, limit: Int = 50) {
        self.filter = filter; self.offset = offset; self.limit = limit
    }

    /// Parses the query parameters of `GET /api/trials` (`items`, percent-decoded) against the
    /// study's objective names. Every problem is collected and thrown as one ``InputError`` whose
    /// key paths are the parameter names (HTTP 400).
    public init(items: [(name: String, value: String)], objectives: [String]) throws {
        var issues: [InputIssue] = []
        func issue(_ key: String, _ value: String, _ message: String, _ hint: String) {
            issues.append(InputIssue(file: "/api/trials", keyPath: key, value: value, message: message, hint: hint))
        }
        func integer(_ key: String, _ value: String, _ range: ClosedRange<Int>) -> Int? {
            guard let n = Int(value), range.contains(n) else {
                issue(key, value, "not an integer in \(range.lowerBound)…\(range.upperBound)", "write e.g. \(key)=\(range.lowerBound)")
                return nil
            }
            return n
        }
        let known = ["status", "feasible", "generation", "sort", "order", "offset", "limit"]
            + objectives.flatMap { ["min.\($0)", "max.\($0)"] }
        var ranges: [Int: TrialFilter.Range] = [:]
        for (name, value) in items {
            switch name {
            case "status":
                var set = Set<TrialStatus>()
                for word in value.split(separator: ",", omittingEmptySubsequences: true) {
                    if let s = TrialStatus(rawValue: String(word)) { set.insert(s) } else {
                        issue(name, String(word), "unknown trial status", Suggestion.hint(for: String(word), in: TrialStatus.allCases.map(\.rawValue)))
                    }
                }
                filter.statuses = set.isEmpty ? nil : set
            case "feasible":
                switch value {
                case "true", "1", "yes": filter.feasible = true
                case "false", "0", "no": filter.feasible = false
                case "", "any": filter.feasible = nil
                default: issue(name, value, "not a truth value", "write feasible=true or feasible=false")
                }
            case "generation":
                if !value.isEmpty { filter.generation = integer(name, value, 0...Int.max) }
            case "sort":
                if value == "number" || value.isEmpty { filter.sort = .storage }
                else if value == "seconds" { filter.sort = .seconds }
                else if let k = objectives.firstIndex(of: value) { filter.sort = .objective(k) }
                else { issue(name, value, "cannot sort by this", Suggestion.hint(for: value, in: ["number", "seconds"] + objectives)) }
            case "order":
                switch value {
                case "asc", "": filter.descending = false
                case "desc": filter.descending = true
                default: issue(name, value, "unknown order", "write order=asc or order=desc")
                }
            case "offset":
                offset = integer(name, value, 0...Int.max) ?? 0
            case "limit":
                limit = integer(name, value, 1...TrialFilter.maxLimit) ?? 50
            default:
                let isMin = name.hasPrefix("min."), isMax = name.hasPrefix("max.")
                guard isMin || isMax, let k = objectives.firstIndex(of: String(name.dropFirst(4))) else {
                    issue(name, value, "unknown query parameter", Suggestion.hint(for: name, in: known))
                    continue
                }
                if value.isEmpty { continue }
                guard let v = Double(value), v.isFinite else {
                    issue(name, value, "not a finite number", "write e.g. \(name)=1.5 in the objective's unit")
                    continue
                }
                var r = ranges[k] ?? TrialFilter.Range(objective: k)
                if isMin { r.min = v } else { r.max = v }
                ranges[k] = r
            }
        }
        for r in ranges.values {
            if let lo = r.min, let hi = r.max, lo > hi {
                issue("min.\(objectives[r.objective])", String(lo), "the minimum exceeds the maximum (\(hi))", "swap min.\(objectives[r.objective]) and max.\(objectives[r.objective])")
            }
        }
        filter.ranges = ranges.values.sorted { $0.objective < $1.objective }
        if !issues.isEmpty { throw InputError(issues) }
    }

    /// Parses a raw query string (`a=1&b=2`, percent-encoded) as ``init(items:objectives:)`` does.
    public init(query: String?, objectives: [String]) throws {
        try self.init(items: TrialQuery.items(of: query), objectives: objectives)
    }

    /// The name/value pairs of a raw query string, percent-decoded (`+` stays `+`).
    public static func items(of query: String?) -> [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]), value = parts.count > 1 ? String(parts[1]) : ""
            return (name.removingPercentEncoding ?? name, value.removingPercentEncoding ?? value)
        }
    }
}
