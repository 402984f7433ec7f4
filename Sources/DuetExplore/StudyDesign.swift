import DuetCore
import DuetCostModel
import DuetHardware
import DuetStudy
import DuetWorkload
import Foundation

/// One trial of a study as files a user (or another tool) takes away: the chip as an accelerator
/// file, each task's network as a network file, the study's budgets as a spec, the stored result,
/// and a README with the `duet evaluate` command that reproduces the trial's figures
/// (`duet study design STUDY --trial N --out DIR`).
///
/// The design is rebuilt from the study's own configuration (as workers do) and decoded from the
/// trial's genome; its chip is written with every parameter spelled out (``AcceleratorFile``), its
/// networks as lowered (``NetworkFormat``), so evaluating the files gives the trial's latency,
/// energy, area and power exactly.
public struct StudyDesign: Sendable {
    /// Files to write, by path relative to the output folder, in writing order.
    public var files: [(path: String, text: String)]
    /// The command line that reproduces the trial's cost figures from the files (run in the output folder).
    public var command: String
    /// The trial, as `study show` and the report name it (generation/slot).
    public var trial: String

    /// Which trial: `G/S` (generation/slot, as `duet study show` and the report print) or `N`
    /// (the `#` column of `duet study list`, counting from 0 in storage order).
    public enum Selector: Sendable, Hashable, CustomStringConvertible {
        case generationSlot(Int, Int)
        case index(Int)

        /// Parses `G/S` or `N`; anything else is an ``InputError`` at `--trial`.
        public init(parsing text: String) throws {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 2, let g = Int(parts[0]), let s = Int(parts[1]), g >= 0, s >= 0 { self = .generationSlot(g, s); return }
            if parts.count == 1, let n = Int(text), n >= 0 { self = .index(n); return }
            throw InputError(keyPath: "--trial", value: text, message: "expected a trial as G/S (generation/slot) or N (the # of duet study list)",
                             hint: "e.g. --trial 3/7 or --trial 42; duet study list STUDY shows both")
        }

        public var description: String {
            switch self { case .generationSlot(let g, let s): return "\(g)/\(s)"; case .index(let n): return "#\(n)" }
        }
    }

    /// The trial `selector` of the study in `store` as files.
    /// - Throws: ``InputError`` when the study has no such trial, no configuration (a study made by
    ///   `study tell --point` only), or a design that cannot be written.
    public static func make(store: any StudyStore, selector: Selector, dataDir: URL) async throws -> StudyDesign {
        guard let settings = try await store.settings() else {
            throw InputError(file: store.location.description, message: "the study has no settings: it was never started by duet explore or duet study ask --config",
                             hint: "a design can be written only from a study with its exploration configuration")
        }
        guard let record = try await find(selector, in: store) else {
            let c = try await store.counts()
            throw InputError(file: store.location.description, keyPath: "--trial", value: selector.description,
                             message: "the study has no such trial (it has \(c.total))",
                             hint: "duet study list \(store.location) shows each trial's # and generation/slot")
        }
        let (ex, _) = try await ExploreWorker.storedExploration(store: store, settings: settings, dataDir: dataDir)
        guard record.genome.count == ex.space.variables.count else {
            throw InputError(file: store.location.description, keyPath: "--trial", value: selector.description,
                             message: "the trial's genome has \(record.genome.count) values but the study's space has \(ex.space.variables.count) variables",
                             hint: "the study's configuration no longer matches its trials; was it written by another Duet version?")
        }
        return try StudyDesign(record: record, exploration: ex, dataDir: dataDir)
    }

    static func find(_ selector: Selector, in store: any StudyStore) async throws -> TrialRecord? {
        switch selector {
        case .generationSlot(let g, let s):
            return try await store.trials(generation: g)[s]
        case .index(let n):
            var i = 0
            for try await t in store.allTrials() {
                if i == n { return t }
                i += 1
            }
            return nil
        }
    }

    init(record: TrialRecord, exploration ex: CoExploration, dataDir: URL) throws {
        trial = "\(record.generation)/\(record.slot)"
        let design = try ex.decode(ex.space.decode(record.genome))
        let config = ex.config
        var files: [(String, String)] = []
        var args: [String] = ["duet evaluate"]
        var networkNotes: [String] = []
        for t in config.tasks {
            let analysis = try ex.analysis(task: t, arch: design.archs[t.name])
            let path = "networks/\(Self.fileName(t.name)).yaml"
            files.append((path, NetworkFormat.yaml(analysis.network)))
            if ex.latencyEstimator != nil, let space = t.space, let arch = design.archs[t.name] {
                // A table-driven device looks a space's architecture up by its operators, not by the lowered layers.
                args.append("--network \(Self.shellQuoted("\(space.name):\(arch)"))")
                networkNotes.append("- `\(t.name)`: \(space.name) architecture `\(arch)` (lowered network in `\(path)`)")
            } else {
                args.append("--network \(path)")
                networkNotes.append("- `\(t.name)`: `\(path)`" + (design.archs[t.name].map { " (\(t.space?.name ?? "space") architecture `\($0)`)" } ?? ""))
            }
        }
        var targetNote: String
        switch config.target {
        case .accelerator, .hardware:
            guard let chip = design.chip else { throw InputError(message: "the design has no chip") }
            files.append(("accelerator.yaml", try AcceleratorFile.yaml(chip, dataDir: dataDir)))
            args.append("--accelerator accelerator.yaml")
            if config.scheduling == .layers { args.append("--schedule layers") }
            targetNote = "`accelerator.yaml`: the chip, \(chip.subAccelerators.count) sub-accelerator(s): "
                + chip.subAccelerators.map { "\($0.name) (\($0.template), \($0.peRows)×\($0.peCols) PEs, \(JSONValue.format($0.globalBufferKiB)) KiB)" }.joined(separator: ", ")
        case .table(let path):
            args.append("--table \(Self.shellQuoted(path))")
            targetNote = "latency table `\(path)` (not copied)"
        case .device(let ref):
            args.append("--device \(Self.shellQuoted(ref))")
            targetNote = "device model `\(ref)`"
        case .predictor(let path, _):
            targetNote = "latency predictor `\(path)`: `duet evaluate` does not take predictors; `duet predictor predict` gives its figure"
            args = []
        }
        // The study's budgets that a spec can hold (a PE-count budget cannot).
        var specBudgets: [JSONValue.Field] = [], taskBudgets: [String: [JSONValue.Field]] = [:], dropped: [String] = []
        for (name, limit) in config.budgets {
            let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2 { taskBudgets[parts[0], default: []].append(.init(parts[1], .double(limit))) }
            else if name == "pe_count" { dropped.append(name) } else { specBudgets.append(.init(name, .double(limit))) }
        }
        if !specBudgets.isEmpty || !taskBudgets.isEmpty, !args.isEmpty {
            var doc: [JSONValue.Field] = []
            if !specBudgets.isEmpty { doc.append(.init("budgets", .object(specBudgets))) }
            if !taskBudgets.isEmpty {
                doc.append(.init("tasks", .object(config.tasks.compactMap { t in taskBudgets[t.name].map { .init(t.name, .object($0)) } })))
            }
            files.append(("spec.yaml", YAMLWriter.write(.object(doc))))
            args.append("--spec spec.yaml")
        }
        let stored = JSONValue.obj([
            "study_trial": .string(trial), "status": .string(record.status.rawValue),
            "design": (try? JSONValue(parsing: record.design)) ?? .string(record.design),
            "metrics": .object(record.metrics.sorted { $0.key < $1.key }.map { .init($0.key, .double($0.value)) }),
            "violation": record.violation.isFinite ? .double(record.violation) : .null,
        ])
        files.append(("trial.json", stored.serialized() + "\n"))
        command = args.joined(separator: " ")
        var readme = "# Trial \(trial) of study \(config.name)\n\n"
        readme += "Written by `duet study design` from the study's configuration (`\(config.file)`) and the trial's genome.\n\n"
        readme += "Networks:\n" + networkNotes.joined(separator: "\n") + "\n\nTarget: \(targetNote).\n\n"
        if !command.isEmpty {
            readme += "Reproduce the trial's cost figures (run in this folder):\n\n    \(command)\n\n"
            readme += "`duet evaluate` gives the latency, energy, area and power stored in `trial.json`; accuracy comes from the study's "
                + "accuracy source, not from these files.\n"
        }
        if !dropped.isEmpty { readme += "\nBudgets a spec cannot hold, left out of spec.yaml: \(dropped.joined(separator: ", ")).\n" }
        files.append(("README.md", readme))
        self.files = files
    }

    /// Writes every file under `directory` (created with its parents), each atomically; files of
    /// other names already there are left alone. All texts are built before the first write.
    public func write(to directory: URL) throws {
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    /// A task name as a file name (letters, digits, `-`, `_`, `.`; anything else as `_`).
    static func fileName(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
    }

    static func shellQuoted(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:+=,".contains($0) }) ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
