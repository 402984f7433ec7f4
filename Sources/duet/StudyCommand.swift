import ArgumentParser
import DuetCore
import DuetReport
import DuetExplore
import DuetStudy
import Foundation

struct StudyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study", abstract: "Inspect and export exploration studies.",
        subcommands: [List.self, Show.self, Export.self])

    static func open(_ path: String) throws -> Study {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError(file: path, message: "no such study", hint: "studies are written by duet explore --study FILE")
        }
        return try Study(path: path)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per trial.")
        @Argument(help: "Study file.") var study: String
        func run() async throws {
            let s = try StudyCommand.open(study)
            let objectives = (try s.setting("objectives") ?? "").split(separator: ",").map(String.init)
            var t = TextTable(columns: ["#", "gen", "status"] + objectives + ["violation", "seconds"], numeric: Set(0..<(objectives.count + 5)).subtracting([2]))
            for (i, r) in try s.trials().enumerated() {
                t.append([String(i), String(r.generation), r.status] + (r.objectives.isEmpty ? objectives.map { _ in "" } : r.objectives.map { String(format: "%.4g", $0) })
                         + [r.violation.isFinite ? String(format: "%.3g", r.violation) : "inf", String(format: "%.3f", r.seconds)])
            }
            emit(t.rendered())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Settings, counts and the best trials.")
        @Argument(help: "Study file.") var study: String
        func run() async throws {
            let s = try StudyCommand.open(study)
            let trials = try s.trials()
            var out = ""
            for (k, v) in try s.settings() where k != "config" && k != "signature" { out += "\(k): \(v)\n" }
            out += "trials: \(trials.count) (\(trials.filter(\.isFeasible).count) feasible, \(trials.filter { $0.status == "failed" }.count) failed)\n"
            let failures = Dictionary(grouping: trials.compactMap(\.error), by: { $0 }).sorted { $0.value.count > $1.value.count }
            for (e, n) in failures.prefix(5) { out += "  failure ×\(n.count): \(e)\n" }
            emit(out)
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every trial as CSV or JSON.")
        @Argument(help: "Study file.") var study: String
        @Option(help: "csv or json.") var format: OutputFormat = .csv
        @Option(help: "Output file (default: stdout).") var out: String?
        func run() async throws {
            let s = try StudyCommand.open(study)
            let trials = try s.trials()
            let metricNames = Array(Set(trials.flatMap { $0.metrics.keys })).sorted()
            let text: String
            if format == .json {
                text = JSONValue.array(trials.map { t in
                    .obj(["generation": .int(t.generation), "slot": .int(t.slot), "status": .string(t.status),
                          "design": ExploreOutput.designJSON(t),
                          "metrics": .object(t.metrics.keys.sorted().map { .init($0, .double(t.metrics[$0]!)) }),
                          "violation": t.violation.isFinite ? .double(t.violation) : .null,
                          "error": t.error.map { .string($0) } ?? .null, "seconds": .double(t.seconds),
                          "seed": .int(Int(truncatingIfNeeded: t.seed)), "version": .string(t.version)])
                }).serialized() + "\n"
            } else {
                var t = TextTable(columns: ["generation", "slot", "status", "violation"] + metricNames + ["design", "error", "seconds", "seed", "version"])
                for r in trials {
                    t.append([String(r.generation), String(r.slot), r.status, r.violation.isFinite ? String(r.violation) : "inf"]
                             + metricNames.map { r.metrics[$0].map { String($0) } ?? "" }
                             + [r.design, r.error ?? "", String(r.seconds), String(r.seed), r.version])
                }
                text = t.csv()
            }
            if let out { try writeFile(text, to: out) } else { emit(text) }
        }
    }
}
