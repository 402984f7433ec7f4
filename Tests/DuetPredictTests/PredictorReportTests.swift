import DuetCore
import DuetWorkload
import DuetReport
import Foundation
import Testing
@testable import DuetPredict

/// What `duet predictor fit|predict|check` print (PredictorReport.swift).
@Suite struct PredictorReportTests {
    func fitted() throws -> (FitReport, PredictorData) {
        let space = NASBench201Space()
        let (archs, y) = syntheticData(count: 40, seed: 7)
        let data = PredictorData(archStrings: archs.map { space.format($0) }, archs: archs, targets: y)
        let r = try Predictor.fit(data: data, space: space, target: "acc", settings: FitSettings(kind: .linear, seed: 3), train: 30, folds: 3)
        return (r, data)
    }

    @Test func fitReportNamesTheFitAndItsQuality() throws {
        let (r, _) = try fitted()
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.render(format: .json, file: "p.json").utf8)) as? [String: Any])
        #expect(obj["predictor"] as? String == "p.json" && obj["space"] as? String == "nb201" && obj["model"] as? String == "linear")
        #expect(obj["train_rows"] as? Int == 30 && obj["test_rows"] as? Int == 10 && obj["folds"] as? Int == 3 && obj["seed"] as? Int == 3)
        let held = try #require(obj["held_out"] as? [String: Any])
        #expect(held["count"] as? Int == 10)
        #expect(held["kendall_tau"] as? Double == r.heldOut?.kendallTau)
        let text = r.render(format: .table, file: "p.json")
        #expect(text.hasPrefix("linear predictor of acc on nb201 (structural features, seed 3): 30 training rows, 10 held out, fitted in "))
        #expect(text.contains("held out") && text.contains("3-fold") && text.hasSuffix("wrote p.json\n"))
    }

    /// NaN qualities (a constant prediction has no rank correlation) are null in JSON and '-' in tables.
    @Test func undefinedQualitiesAreNullOrADash() {
        let q = PredictionQuality(predicted: [1, 1, 1], actual: [1, 2, 3])
        #expect(q.kendallTau.isNaN)
        #expect(q.json.serialized(pretty: false).contains("\"kendall_tau\":null"))
        #expect(q.row("x")[2] == "-")
    }

    @Test func predictionsKeepTheInputOrderInEveryFormat() throws {
        let (r, data) = try fitted()
        let values = try r.predictor.predict(data.archs)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.predictor.render(predictions: values, for: data.archStrings, format: .json, file: "p.json").utf8)) as? [[String: Any]])
        #expect(json.map { $0["arch"] as? String } == data.archStrings)
        // Written exactly (shortest round-trip form); Foundation's JSONSerialization on Linux may read the last digit back differently.
        let written = json.compactMap { $0["value"] as? Double }
        #expect(written.count == values.count && zip(written, values).allSatisfy { abs($0 - $1) <= 1e-13 * abs($1) })
        let csv = r.predictor.render(predictions: values, for: data.archStrings, format: .csv, file: "p.json").split(separator: "\n")
        #expect(csv.first == "arch,predicted_acc" && csv.count == 41)
        #expect(csv[1] == "\"\(data.archStrings[0])\",\(JSONValue.format(values[0]))")
        #expect(r.predictor.render(predictions: values, for: data.archStrings, format: .table, file: "p.json").hasSuffix("(predictions of p.json, not measurements)\n"))
    }

    @Test func describeShowsTheFileAndMeasuredQuality() throws {
        let (r, data) = try fitted()
        let measured = PredictionQuality(predicted: try r.predictor.predict(data.archs), actual: data.targets)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.predictor.describe(file: "p.json", format: .json, measured: measured).utf8)) as? [String: Any])
        #expect(obj["schema_version"] as? Int == Predictor.schemaVersion && obj["training_rows"] as? Int == 30)
        #expect((obj["measured"] as? [String: Any])?["count"] as? Int == 40)
        #expect(obj["fit_quality"] is [String: Any])
        let text = r.predictor.describe(file: "p.json", format: .table, measured: measured, dataLabel: "d.csv")
        #expect(text.hasPrefix("p.json: linear predictor of acc on nb201, "))
        #expect(text.contains("when fitted") && text.contains("d.csv"))
    }
}
