import ArgumentParser
import DuetCore
import DuetExplore
import DuetHardware
import DuetStudy
import Foundation

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write a study's report: HTML with SVG plots, Markdown and CSV.")
    @Argument(help: StudyCommand.locationHelp) var study: String
    @Option(help: "Output folder.") var out: String

    func run() async throws {
        let s = try await StudyCommand.openForReading(study)
        let report = try await ExploreReport(store: s, dataDir: try DataDirectory.locate())
        try report.write(to: out)
        // trials.csv: the same as duet study export.
        try writeFile(try await StudyCommand.Export.render(s, format: .csv), to: URL(fileURLWithPath: out).appendingPathComponent("trials.csv").path)
        try await s.close()
        emit("wrote \(out)/index.html, report.md, pareto.csv, trials.csv and \(report.files.keys.filter { $0.hasPrefix("plots/") }.count) plots\n")
    }
}
