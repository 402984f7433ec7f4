import ArgumentParser
import Foundation
import Testing
@testable import duet
@testable import DuetCore

@Suite struct PredictorCommandTests {
    let arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"

    func temp(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("duet-predictor-cli-\(UUID().uuidString)-\(name)").path
    }

    @Test func aCSVWithANonNumericTargetExitsWithStatus2NamingTheRow() async throws {
        let csv = temp("bad.csv"), out = temp("p.json")
        defer { try? FileManager.default.removeItem(atPath: csv) }
        try "arch_str,acc\n\"\(arch)\",70\n\"\(arch)\",n/a\n\"\(arch)\",71\n".write(toFile: csv, atomically: true, encoding: .utf8)
        var cmd = try PredictorCommand.Fit.parse(["--space", "nb201", "--data", csv, "--target", "acc", "--out", out])
        let e = try await #require(throws: InputError.self) { try await cmd.run() }
        #expect(Duet.exitStatus(for: e) == 2)
        #expect(e.issues.map(\.keyPath) == ["row 3"] && e.issues[0].value == "n/a")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing is written for bad input")
    }

    @Test func fitThenPredictAndAWrongSpaceIsRefused() async throws {
        let csv = temp("ok.csv"), out = temp("p.json")
        defer { for p in [csv, out] { try? FileManager.default.removeItem(atPath: p) } }
        let archs = ["|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
                     "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
                     "|skip_connect~0|+|nor_conv_1x1~0|none~1|+|none~0|none~1|nor_conv_3x3~2|",
                     "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
                     "|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|"]
        try ("arch_str,acc\n" + archs.enumerated().map { "\"\($1)\",\(60 + $0)" }.joined(separator: "\n") + "\n")
            .write(toFile: csv, atomically: true, encoding: .utf8)
        var fit = try PredictorCommand.Fit.parse(["--space", "nb201", "--data", csv, "--target", "acc", "--model", "linear", "--train", "4", "--out", out])
        try await fit.run()
        #expect(FileManager.default.fileExists(atPath: out))
        var predict = try PredictorCommand.Predict.parse([out, "--archs", csv, "--space", "nb201", "--format", "json"])
        try await predict.run()
        var wrong = try PredictorCommand.Predict.parse([out, "--archs", csv, "--space", "fbnet"])
        let e = try await #require(throws: InputError.self) { try await wrong.run() }
        #expect(Duet.exitStatus(for: e) == 2 && e.issues[0].keyPath == "space")
        var check = try PredictorCommand.Check.parse([out, "--space", "ofa"])
        await #expect(throws: InputError.self) { try await check.run() }
    }

    @Test func aStudyIsTrainingDataAndAnUnknownMetricExitsWith2() async throws {
        let dir = temp("study")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A predictor to give the exploration an accuracy, then a 12-trial study.
        let archs = ["|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
                     "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
                     "|skip_connect~0|+|nor_conv_1x1~0|none~1|+|none~0|none~1|nor_conv_3x3~2|",
                     "|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|"]
        try ("arch_str,acc\n" + archs.enumerated().map { "\"\($1)\",\(60 + $0)" }.joined(separator: "\n") + "\n")
            .write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
        try await PredictorCommand.Fit.parse(["--space", "nb201", "--data", dir + "/a.csv", "--target", "acc", "--model", "linear", "--train", "3", "--out", dir + "/p.json"]).run()
        try """
            tasks: [{name: c100, space: nb201, accuracy: {predictor: p.json}}]
            target: {device: pixel3}
            evaluations: 12
            population: 6
            """.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        _ = try? await ExploreCommand.parse([dir + "/c.yaml", "--study", dir + "/s.sqlite"]).run()
        let out = dir + "/from-study.json"
        try await PredictorCommand.Fit.parse(["--data", dir + "/s.sqlite", "--target", "c100.accuracy", "--model", "linear", "--out", out]).run()
        #expect(FileManager.default.fileExists(atPath: out))
        let e = try await #require(throws: InputError.self) {
            try await PredictorCommand.Fit.parse(["--data", dir + "/s.sqlite", "--target", "c100.acc", "--out", dir + "/x.json"]).run()
        }
        #expect(Duet.exitStatus(for: e) == 2 && e.issues[0].file == dir + "/s.sqlite" && e.issues[0].hint?.contains("c100.accuracy") == true)
        // A CSV still needs its space.
        let noSpace = try await #require(throws: InputError.self) {
            try await PredictorCommand.Fit.parse(["--data", dir + "/a.csv", "--target", "acc", "--out", dir + "/y.json"]).run()
        }
        #expect(Duet.exitStatus(for: noSpace) == 2 && noSpace.issues[0].keyPath == "--space")
    }
}
