import ArgumentParser
import Foundation
import Testing
@testable import duet
@testable import DuetCore

/// The commands parse, call the library and print: the rendering is tested beside it
/// (DuetWorkloadTests/NetworkReportTests, NetworkSpaceReportTests; DuetHardwareTests/TemplateReportTests).
@Suite struct CommandWiringTests {
    @Test func anUnknownSpaceIsBadInputFromEveryCommandThatNamesOne() async throws {
        var show = try SpaceCommand.Show.parse(["nb210"])
        let e = try await #require(throws: InputError.self) { try await show.run() }
        #expect(e.issues[0].hint == "did you mean 'nb201'?")
        #expect(Duet.exitStatus(for: e) == 2)
        var check = try TableCommand.Check.parse(["--space", "nb210", "--table", "t.csv"])
        await #expect(throws: InputError.self) { try await check.run() }
        var fit = try PredictorCommand.Fit.parse(["--space", "nb210", "--data", "d.csv", "--target", "acc", "--out", "p.json"])
        await #expect(throws: InputError.self) { try await fit.run() }
    }

    @Test func optionsAreParsedAsBefore() throws {
        let show = try NetworkCommand.Show.parse(["resnet50", "--format", "json", "--batch", "4", "--precision-bits", "16", "--allow-unknown"])
        #expect(show.format == .json && show.build.batch == 4 && show.build.precisionBits == 16 && show.allowUnknown)
        let sample = try SpaceCommand.Sample.parse(["fbnet", "--count", "5", "--seed", "42", "--format", "csv"])
        #expect(sample.count == 5 && sample.seed == 42 && sample.format == .csv)
        let solve = try SolveCommand.parse(["c.yaml", "--sweep", "budgets.latency_ms=2,3", "--no-cache", "--timeout", "5"])
        #expect(solve.sweep == "budgets.latency_ms=2,3" && solve.noCache && solve.timeout == 5)
        #expect(throws: (any Error).self) { try SolveCommand.parse(["c.yaml", "--format", "csv"]) }
        #expect(throws: (any Error).self) { try SolveCommand.parse(["c.yaml", "--sweep", "nothing"]) }
        #expect(throws: (any Error).self) { try NetworkCommand.Export.parse(["resnet18", "--format", "onnx"]) }
    }
}

@Suite struct ExitStatusTests {
    @Test func badInputExitsWithTwo() throws {
        #expect(Duet.exitStatus(for: InputError(message: "x")) == 2)
        let e = #expect(throws: (any Error).self) { try SpaceCommand.Sample.parse(["nb201", "--count", "0"]) }
        #expect(Duet.exitStatus(for: e!) == 2)
        let e2 = #expect(throws: (any Error).self) { try Duet.parseAsRoot(["network", "shwo"]) }
        #expect(Duet.exitStatus(for: e2!) == 2)
    }

    @Test func helpListsTheCommands() {
        let help = Duet.helpMessage()
        #expect(help.contains("network"))
        #expect(help.contains("space"))
        #expect(help.contains("Exit codes: 0 ok"))
    }

    /// Every command's discussion is written as paragraphs without hard line breaks, which the
    /// help formatter would otherwise keep and wrap again ("the chip's area and\npower").
    /// `table` is left out until TableCommand's discussions are rewritten the same way.
    @Test func helpParagraphsHaveNoHardLineBreaks() {
        func all(_ c: any ParsableCommand.Type) -> [any ParsableCommand.Type] {
            [c] + c.configuration.subcommands.flatMap { all($0) }
        }
        for c in all(Duet.self) {
            for paragraph in c.configuration.discussion.components(separatedBy: "\n\n") {
                #expect(!paragraph.trimmingCharacters(in: .newlines).contains("\n"), "\(c): '\(paragraph.prefix(80))…'")
            }
        }
    }
}
