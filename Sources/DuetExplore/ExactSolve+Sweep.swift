import DuetCore
import DuetReport
import DuetSolver
import Foundation

extension ExactSolve {
    /// The `--set` lists of a sweep: `overrides` plus `key.path=v` for each value of `sweep`
    /// (`key.path=v1,v2,…`, values trimmed); without a sweep, `overrides` alone.
    public static func sweepRuns(overrides: [String], sweep: String?) -> [[String]] {
        guard let sweep else { return [overrides] }
        let kv = sweep.split(separator: "=", maxSplits: 1)
        guard kv.count == 2 else { return [overrides] }
        return kv[1].split(separator: ",").map { overrides + ["\(kv[0])=\($0.trimmingCharacters(in: .whitespaces))"] }
    }

    /// What `duet solve` prints for the config at `path`: one exact solve, or one per value of
    /// `sweep` (text blocks headed by the value, or a JSON list); a hardware-space target is
    /// solved by ``ChipSolve`` (no sweep). `infeasible` is true when some solve proved that no
    /// design meets the budgets (the command's exit code 1).
    public static func render(config path: String, overrides: [String], sweep: String?, dataDir: URL, timeoutSeconds: Double,
                              cache: TabulationCache?, format: OutputFormat) async throws -> (text: String, infeasible: Bool) {
        var docs: [JSONValue] = [], texts: [String] = [], infeasible = false
        for sets in sweepRuns(overrides: overrides, sweep: sweep) {
            let cfg = try ExploreConfig.load(path: path, overrides: sets, dataDir: dataDir)
            if case .hardware = cfg.target {
                guard sweep == nil else {
                    throw InputError(keyPath: "--sweep", value: sweep, message: "--sweep works on table and accelerator targets, not hardware spaces",
                                     hint: "solve each hardware space on its own")
                }
                let (text, status) = try await ChipSolve.run(cfg, dataDir: dataDir, timeoutSeconds: timeoutSeconds, format: format)
                return (text, status == .infeasible)
            }
            let start = Date()
            let exact = try await ExactSolve(config: cfg, dataDir: dataDir, timeoutSeconds: timeoutSeconds, cache: cache)
            let result = try exact.solve()
            let (doc, text) = exact.report(result, seconds: Date().timeIntervalSince(start))
            docs.append(doc)
            texts.append((sweep == nil ? "" : "\(sets.last ?? ""):\n") + text)
            infeasible = infeasible || result.status == .infeasible
        }
        if format == .json { return ((sweep == nil ? docs.first ?? .null : .array(docs)).serialized() + "\n", infeasible) }
        return (texts.joined(separator: "\n"), infeasible)
    }
}
