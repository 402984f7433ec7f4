import ArgumentParser
import DuetExplore
import DuetHardware

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write a study's report: HTML with SVG plots, Markdown and CSV.")
    @Argument(help: StudyCommand.locationHelp) var study: String
    @Option(help: "Output folder.") var out: String

    func run() async throws { emit(try await ExploreReport.write(study: study, to: out, dataDir: try DataDirectory.locate())) }
}
