import ArgumentParser
import DuetCore
import DuetONNX
import Foundation

/// `duet`: the command-line front end. Thin: parse, load, call the library, print.
struct Duet: AsyncParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "duet",
        abstract: "Co-design neural networks and the hardware that runs them.",
        discussion: """
            Exit codes: 0 ok (every budget met), 1 a budget is violated, 2 bad input.
            Networks can be named as a built-in (resnet50), a space point (nb201:|…|), an inline
            layer (layer:conv,k=64,c=64,p=56,q=56,r=3,s=3) or a .yaml/.json network file.
            """,
        version: version,
        subcommands: [EvaluateCommand.self, ExploreCommand.self, NetworkCommand.self, SpaceCommand.self, StudyCommand.self, ReportCommand.self, SolveCommand.self, TableCommand.self, TemplateCommand.self, PredictorCommand.self])
}

/// Exit status for an error: 2 for bad input (Duet's ``InputError`` and argument errors).
enum ExitStatus {
    static func code(for error: Error) -> Int32 {
        if error is InputError { return 2 }
        let c = Duet.exitCode(for: error)
        if c == .validationFailure { return 2 }
        return c.rawValue
    }
}

@main enum Main {
    static func main() async {
        ONNX.register()
        ONNX.warningHandler.withLock { $0 = { FileHandle.standardError.write(Data(("warning: " + $0 + "\n").utf8)) } }
        do {
            var command = try Duet.parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let e as InputError {
            FileHandle.standardError.write(Data(("error: " + e.description + "\n").utf8))
            exit(2)
        } catch {
            let code = ExitStatus.code(for: error)
            if code == 2 {
                FileHandle.standardError.write(Data((Duet.fullMessage(for: error) + "\n").utf8))
                exit(2)
            }
            Duet.exit(withError: error)
        }
    }
}
