import ArgumentParser
import DuetCore
import DuetDashboard
import DuetHardware
import Foundation

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Watch a study live in a browser: progress, report, filterable trial table, trial details (read-only).",
        discussion: """
            Serves http://HOST:PORT/ until Ctrl-C (SIGINT) or SIGTERM. The study is opened read-only and the \
            server answers only GET; it reads the study's counts at most once per --poll seconds whatever \
            the number of browsers, and re-renders the report only when the study changed. The JSON API: \
            docs/DASHBOARD.md.
            """)

    @Argument(help: StudyCommand.locationHelp) var study: String
    @Option(help: "Address to listen on (127.0.0.1: this host only).") var host = "127.0.0.1"
    @Option(help: "TCP port (0: any free port, printed at start).") var port = 8080
    @Option(help: "Least seconds between two reads of the study.") var poll = 1.0
    @Option(name: .customLong("report-every"), help: "Least seconds between two renders of the report.") var reportEvery = 5.0
    @Option(name: .customLong("data"), help: "Duet's data folder (Templates/, HardwareModels/) for the report; default: DUET_HOME or found beside duet.")
    var dataDir: String?
    @Flag(name: .customLong("no-report"), help: "Serve progress, the trial table and the API only (no report renders).") var noReport = false

    func validate() throws {
        if !(poll >= 0.1 && poll <= 3600) { throw ValidationError("--poll must be between 0.1 and 3,600 seconds (got \(poll))") }
        if !(reportEvery >= 0 && reportEvery <= 86_400) { throw ValidationError("--report-every must be between 0 and 86,400 seconds (got \(reportEvery))") }
    }

    func run() async throws {
        try Dashboard.requireServer()
        try Dashboard.validate(host: host, port: port)
        let data: URL
        if let dataDir {
            do { data = try DataDirectory.locate(environment: ["DUET_HOME": dataDir]) } catch {
                throw InputError(keyPath: "--data", value: dataDir, message: "no Templates/ and HardwareModels/ folders there",
                                 hint: "give the root of a Duet checkout or installation, or leave --data out")
            }
        } else {
            data = try DataDirectory.locate()
        }
        let settings = DashboardSettings(dataDir: data, pollSeconds: poll, reportSeconds: reportEvery, renderReport: !noReport)
        let host = self.host
        try await Dashboard(study: study, settings: settings).run(host: host, port: port) { bound in
            FileHandle.standardError.write(Data("duet dashboard: http://\(host):\(bound)/ (Ctrl-C stops it)\n".utf8))
        }
    }
}
