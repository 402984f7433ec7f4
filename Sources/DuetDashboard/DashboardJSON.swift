import DuetCore
import DuetStudy
import Foundation

/// The JSON answers of the dashboard's API (documented in docs/DASHBOARD.md). Non-finite numbers
/// (a failed trial's violation +∞, a missing objective) are written as `null`.
enum DashboardJSON {
    static func counts(_ c: TrialCounts) -> JSONValue {
        .obj(["pending": .int(c.pending), "running": .int(c.running), "complete": .int(c.complete), "failed": .int(c.failed),
              "feasible": .int(c.feasible), "finished": .int(c.complete + c.failed), "total": .int(c.total)])
    }

    static func time(_ d: Date) -> JSONValue {
        d == .distantPast ? .null : .string(d.formatted(.iso8601))
    }

    static func status(_ s: StudyStatus) -> JSONValue {
        .obj([
            "study": .string(s.location),
            "name": .string(s.name),
            "objectives": .array(s.objectives.map { .obj(["name": .string($0.name), "direction": .string($0.direction.rawValue)]) }),
            "budgets": .array(s.budgets.map { .obj(["name": .string($0.name), "limit": .double($0.limit)]) }),
            "accuracy": .array(s.accuracy.map { .obj(["task": .string($0.task), "label": .string($0.label)]) }),
            "counts": counts(s.counts),
            "planned_trials": s.plannedTrials.map { .int($0) } ?? .null,
            "version": .int(s.version),
            "report_version": .int(s.reportVersion),
            "changed_at": time(s.changedAt),
            "checked_at": time(s.checkedAt),
            "report_seconds": .double(s.reportSeconds),
        ])
    }

    static func row(_ r: StudyWatch.Row, objectives: [String]) -> JSONValue {
        .obj([
            "generation": .int(r.generation), "slot": .int(r.slot), "status": .string(r.status.rawValue),
            "feasible": .bool(r.feasible), "violation": .double(r.violation), "seconds": .double(r.seconds),
            "objectives": .object(zip(objectives, r.objectives).map { .init($0, .double($1)) }),
        ])
    }

    static func page(total: Int, query: TrialQuery, rows: [StudyWatch.Row], objectives: [String]) -> JSONValue {
        .obj(["total": .int(total), "offset": .int(query.offset), "limit": .int(query.limit),
              "rows": .array(rows.map { row($0, objectives: objectives) })])
    }

    static func front(_ rows: [StudyWatch.Row], objectives: [String]) -> JSONValue {
        .obj(["objectives": .array(objectives.map { .string($0) }), "rows": .array(rows.map { row($0, objectives: objectives) })])
    }

    static func convergence(_ points: [(finished: Int, best: Double)], objective: StudySettings.Objective?) -> JSONValue {
        .obj(["objective": objective.map { .string($0.name) } ?? .null,
              "direction": objective.map { .string($0.direction.rawValue) } ?? .null,
              "points": .array(points.map { .array([.int($0.finished), .double($0.best)]) })])
    }

    /// A trial as stored: its design parsed as JSON when it is JSON, else as text.
    static func trial(_ t: TrialRecord, objectives: [String]) -> JSONValue {
        let design = (try? JSONValue(parsing: t.design)) ?? .string(t.design)
        func dict(_ d: [String: Double]) -> JSONValue { .object(d.sorted { $0.key < $1.key }.map { .init($0.key, .double($0.value)) }) }
        let named: JSONValue = objectives.count == t.objectives.count
            ? .object(zip(objectives, t.objectives).map { .init($0, .double($1)) })
            : .array(t.objectives.map { .double($0) })
        return .obj([
            "generation": .int(t.generation), "slot": .int(t.slot), "status": .string(t.status.rawValue),
            "feasible": .bool(t.isFeasible), "objectives": named, "metrics": dict(t.metrics),
            "constraints": dict(t.constraints), "violation": .double(t.violation), "seconds": .double(t.seconds),
            "error": t.error.map { .string($0) } ?? .null, "worker": t.worker.map { .string($0) } ?? .null,
            "retries": .int(t.retries), "seed": .string(String(t.seed)), "version": .string(t.version),
            "genome": .array(t.genome.map { .double($0) }), "design": design,
        ])
    }

    static func error(_ status: Int, _ message: String, issues: [InputIssue] = []) -> JSONValue {
        .obj(["error": .obj([
            "status": .int(status), "message": .string(message),
            "issues": .array(issues.map { i in
                .obj(["parameter": .string(i.keyPath), "value": i.value.map { .string($0) } ?? .null,
                      "message": .string(i.message), "hint": i.hint.map { .string($0) } ?? .null])
            }),
        ])])
    }
}
