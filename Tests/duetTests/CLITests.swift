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

@Suite struct ExportDesignCommandTests {
    private func tempFolder() -> String {
        NSTemporaryDirectory() + "duet-export-design-\(UUID().uuidString)"
    }

    @Test func writesThePeersFilesIntoTheFolder() async throws {
        let out = tempFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        var cmd = try ExportDesignCommand.parse(["resnet18", "--accelerator", "tpu:edge", "--format", "scalesim", "--out", out])
        try await cmd.run()
        let cfg = try String(contentsOfFile: out + "/resnet18.cfg", encoding: .utf8)
        let csv = try String(contentsOfFile: out + "/resnet18.csv", encoding: .utf8)
        #expect(cfg.contains("ArrayHeight:"))
        #expect(csv.hasPrefix("Layer name, IFMAP Height"))
    }

    /// `network export --format scalesim` once wrote the network as YAML; it goes through the exporter now.
    @Test func networkExportWritesPeerFormatsToo() async throws {
        let out = tempFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        var cmd = try NetworkCommand.Export.parse(["resnet18", "--format", "scalesim", "--accelerator", "tpu:edge", "--out", out])
        try await cmd.run()
        #expect(try String(contentsOfFile: out + "/resnet18.cfg", encoding: .utf8).contains("[architecture_presets]"))
        var noChip = try NetworkCommand.Export.parse(["resnet18", "--format", "scalesim", "--out", out])
        let e = try await #require(throws: InputError.self) { try await noChip.run() }
        #expect(e.issues[0].keyPath == "--accelerator")
    }

    @Test func aTemplateThePeerCannotModelIsBadInput() async throws {
        let out = tempFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        var cmd = try ExportDesignCommand.parse(["resnet18", "--accelerator", "eyeriss", "--format", "scalesim", "--out", out])
        let e = try await #require(throws: InputError.self) { try await cmd.run() }
        #expect(Duet.exitStatus(for: e) == 2)
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(throws: (any Error).self) { try ExportDesignCommand.parse(["resnet18", "--accelerator", "eyeriss", "--format", "yaml", "--out", out]) }
    }
}
