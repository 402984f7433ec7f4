import DuetCore
import DuetPredict
import DuetStudy
import DuetWorkload
import Foundation

/// A study as a predictor's training data (`duet predictor fit --data STUDY --target METRIC`):
/// every complete trial with a finite value of the metric is one row, its architecture the
/// design's network for the metric's task, parsed by the task's space as the study's stored
/// configuration names it.
public enum StudyTrainingData {
    /// Whether `data` names a study rather than a CSV file: a PostgreSQL URL, or a file that
    /// starts with SQLite's header.
    public static func isStudy(_ data: String) -> Bool {
        let lower = data.lowercased()
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") { return true }
        guard let h = FileHandle(forReadingAtPath: data) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 16)) == Data("SQLite format 3\u{0}".utf8)
    }

    /// Reads the rows of `target` from the study at `location` (opened read-only). `space`, when
    /// given, must be the task's space. Throws ``InputError`` naming the study when the metric is
    /// unknown (listing the metrics it has), when it belongs to no single searched task, or when
    /// fewer than two trials have it.
    public static func load(study location: String, target: String, space: String? = nil) async throws -> (data: PredictorData, space: any NetworkSpace) {
        let store = try await openStudy(location, mode: .readOnly)
        let snapshot: StudySnapshot
        do { snapshot = try await StudySnapshot.load(store) } catch { try? await store.close(); throw error }
        try? await store.close()
        return try rows(of: snapshot, target: target, space: space)
    }

    /// ``load(study:target:space:)`` on a study already read.
    public static func rows(of study: StudySnapshot, target: String, space wanted: String? = nil) throws -> (data: PredictorData, space: any NetworkSpace) {
        let file = study.location
        let complete = study.trials.filter { $0.status == "complete" }
        let available = Set(complete.flatMap(\.metrics.keys)).sorted()
        guard available.contains(target) else {
            let hint = Suggestion.closest(to: target, in: available).map { "did you mean '\($0)'? " } ?? ""
            throw InputError(file: file, keyPath: "--target", value: target,
                             message: available.isEmpty ? "the study has no complete trials, so no metric to learn" : "the study has no metric '\(target)'",
                             hint: available.isEmpty ? "run the exploration first" : hint + "its metrics: " + available.joined(separator: ", "))
        }
        let tasks = try searchedTasks(study)
        // `TASK.metric` is that task's; a bare metric needs exactly one searched task.
        let task: (name: String, space: String)
        if let dot = target.firstIndex(of: "."), let t = tasks.first(where: { $0.name == String(target[..<dot]) }) {
            task = t
        } else if tasks.count == 1 {
            task = tasks[0]
        } else {
            throw InputError(file: file, keyPath: "--target", value: target,
                             message: tasks.isEmpty ? "the study searched no network space: there is no architecture to learn from"
                                 : "the study searched \(tasks.count) tasks (\(tasks.map(\.name).joined(separator: ", "))): '\(target)' belongs to none of them alone",
                             hint: tasks.isEmpty ? "a predictor learns over a network space; explore a task with 'space:'"
                                 : "name one task's metric, e.g. " + tasks.map { "\($0.name).\(target.split(separator: ".").last ?? "")" }.joined(separator: " or "))
        }
        guard let space = NetworkSpaces.named(task.space) else {
            throw InputError(file: file, keyPath: "settings.config.tasks", value: task.space, message: "the study's task \(task.name) searches an unknown space",
                             hint: Suggestion.hint(for: task.space, in: NetworkSpaces.names))
        }
        if let wanted, NetworkSpaces.named(wanted)?.name != space.name {
            throw InputError(file: file, keyPath: "--space", value: wanted, message: "the study's task \(task.name) searches the space '\(space.name)'",
                             hint: "leave --space out (the study names it), or give --space \(space.name)")
        }
        // One row per distinct architecture (a design evaluated twice, e.g. with other hardware, gives the mean).
        var order: [String] = [], sums: [String: (Double, Int, Architecture)] = [:]
        for t in complete {
            guard let v = t.metrics[target], v.isFinite,
                  let obj = (try? JSONSerialization.jsonObject(with: Data(t.design.utf8))) as? [String: Any],
                  let text = (obj["tasks"] as? [String: Any])?[task.name] as? String,
                  let arch = try? space.parse(text) else { continue }
            let key = space.format(arch)
            if let s = sums[key] { sums[key] = (s.0 + v, s.1 + 1, s.2) } else { sums[key] = (v, 1, arch); order.append(key) }
        }
        guard order.count >= 2 else {
            throw InputError(file: file, keyPath: "--target", value: target,
                             message: "only \(order.count) distinct \(space.name) architecture\(order.count == 1 ? "" : "s") of the study \(order.count == 1 ? "has" : "have") a value of '\(target)'",
                             hint: "a predictor needs at least 2 measured architectures; run more trials")
        }
        let data = PredictorData(archStrings: order, archs: order.map { sums[$0]!.2 }, targets: order.map { sums[$0]!.0 / Double(sums[$0]!.1) })
        return (data, space)
    }

    /// The searched tasks of the study's stored configuration (with its `--set` overrides): name and space.
    static func searchedTasks(_ study: StudySnapshot) throws -> [(name: String, space: String)] {
        guard let text = study.settings?.config ?? study.setting("config"), !text.isEmpty else {
            throw InputError(file: study.location, keyPath: "settings.config", message: "the study stores no configuration, so its network space is unknown",
                             hint: "fit on a CSV instead: duet study export STUDY --format csv, then --data FILE --space SPACE --arch-column …")
        }
        let path = study.settings?.configPath ?? study.setting("config_path") ?? "config.yaml"
        var node = try ConfigNode.parse(yaml: text, file: path)
        if let o = study.attributes["overrides"], let list = (try? JSONSerialization.jsonObject(with: Data(o.utf8))) as? [String] {
            for s in list { node = try ExploreConfig.apply(s, to: node, file: path) }
        }
        guard case .mapping(let top) = node.value, let tasks = top.first(where: { $0.key == "tasks" })?.value, case .sequence(let items) = tasks.value else { return [] }
        return items.enumerated().compactMap { i, item in
            guard case .mapping(let m) = item.value, let space = m.first(where: { $0.key == "space" })?.value.scalarText else { return nil }
            return (m.first(where: { $0.key == "name" })?.value.scalarText ?? "task\(i)", space)
        }
    }
}
