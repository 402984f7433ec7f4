import ArgumentParser
import DuetCore
import DuetExplore
import DuetONNX
import DuetWorkload
import Foundation

/// `duet`: the command-line front end. Thin: parse, load, call the library, print.
@main struct Duet: AsyncParsableCommand {
    static let version = "0.2.0"
    /// The network files every command reads (Duet's format and ONNX), warning on stderr for each ONNX placeholder.
    static let networkLoaders = DuetFormats.networkLoaders(warn: { FileHandle.standardError.write(Data(("warning: " + $0 + "\n").utf8)) })
    static let configuration = CommandConfiguration(
        commandName: "duet",
        abstract: "Co-design neural networks and the hardware that runs them.",
        discussion: """
            Exit codes: 0 ok (every budget met), 1 a budget is violated, 2 bad input. \
            Networks can be named as a built-in (resnet50), a space point (nb201:|…|), an inline \
            layer (layer:conv,k=64,c=64,p=56,q=56,r=3,s=3) or a .yaml/.json network file.
            """,
        version: version,
        subcommands: [EvaluateCommand.self, ExploreCommand.self, ExportDesignCommand.self, WorkerCommand.self, NetworkCommand.self, SpaceCommand.self, StudyCommand.self,
                      ReportCommand.self, DashboardCommand.self, SolveCommand.self, ServeCommand.self, TableCommand.self, TemplateCommand.self, PredictorCommand.self])
}

extension Duet {
    /// Exit status for an error: 2 for bad input (Duet's ``InputError`` and argument errors).
    static func exitStatus(for error: Error) -> Int32 {
        if error is InputError { return 2 }
        let c = exitCode(for: error)
        if c == .validationFailure { return 2 }
        return c.rawValue
    }

    /// Runs the command line: bad input of any kind is reported on stderr with exit code 2.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let e as InputError {
            FileHandle.standardError.write(Data(("error: " + e.description + "\n").utf8))
            Foundation.exit(2)
        } catch {
            if exitStatus(for: error) == 2 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
