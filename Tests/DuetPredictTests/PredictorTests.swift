import DuetCore
import DuetWorkload
import Foundation
import Testing
@testable import DuetPredict

/// A synthetic NAS-Bench-201 data set: `count` seeded random architectures and a target that
/// depends on the cell's structure (3×3 convolutions on live edges, whether the cell is connected)
/// plus seeded noise, so a fit has something to learn without the shared data.
func syntheticData(count: Int, seed: UInt64) -> (archs: [Architecture], targets: [Double]) {
    let space = NASBench201Space()
    var rng = SeededGenerator(seed: seed)
    let archs = space.sample(count: count, using: &rng)
    let conv3 = NASBench201Space.ops.firstIndex(of: "nor_conv_3x3")!
    let targets = archs.map { a -> Double in
        let c = CellStructure(nb201: a)
        return 40 + 6 * Double(c.opCounts[conv3]) + 10 * Double(min(c.paths, 1)) + rng.nextUnitDouble()
    }
    return (archs, targets)
}

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("duet-predict-\(UUID().uuidString)-\(name)").path
}

@Suite struct PredictorTests {
    @Test(arguments: ModelKind.allCases)
    func savedPredictorPredictsWhatItPredictedBeforeSaving(kind: ModelKind) throws {
        // Given a predictor fitted on synthetic data
        let (archs, y) = syntheticData(count: 80, seed: 3)
        var settings = FitSettings(kind: kind, seed: 7)
        settings.rounds = 50
        let p = try Predictor.fit(space: NASBench201Space(), archs: archs, targets: y, target: "acc", settings: settings)
        // When it is saved and loaded again
        let path = temporaryPath("p.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try p.save(to: path)
        let q = try Predictor.load(path: path)
        // Then it predicts the same values, for the same space, target and schema
        let probe = Array(syntheticData(count: 20, seed: 99).archs)
        #expect(try p.predict(probe) == q.predict(probe))
        #expect(q.spaceName == "nb201" && q.target == "acc" && q.featureNames == p.featureNames && q.model.kind == kind)
        // And the file holds XGBoost's own JSON model for trees
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(obj["schema_version"] as? Int == Predictor.schemaVersion)
        if kind == .gbdt {
            let model = try #require(obj["model"] as? [String: Any])
            let learner = (model["xgboost"] as? [String: Any])?["learner"] as? [String: Any]
            #expect(learner?["gradient_booster"] != nil, "XGBoost's JSON model has learner.gradient_booster")
        }
    }

    @Test func theSameSeedGivesTheSameFileByteForByte() throws {
        let (archs, y) = syntheticData(count: 60, seed: 5)
        var s = FitSettings(kind: .ensemble, seed: 11)
        s.rounds = 40
        let a = try Predictor.fit(space: NASBench201Space(), archs: archs, targets: y, target: "acc", settings: s).fileData()
        let b = try Predictor.fit(space: NASBench201Space(), archs: archs, targets: y, target: "acc", settings: s).fileData()
        #expect(a == b)
        // A different seed subsamples differently (rows and columns): other trees.
        s.seed = 12
        let c = try Predictor.fit(space: NASBench201Space(), archs: archs, targets: y, target: "acc", settings: s).fileData()
        #expect(a != c)
    }

    @Test func structuralFeaturesLearnTheSyntheticTarget() throws {
        // Given a target that is a function of the live structure, a fit on 150 rows ranks
        // 300 held-out rows well (the noise is 1 point against a 40-point spread).
        let (archs, y) = syntheticData(count: 450, seed: 21)
        let ex = FeatureExtractor(space: NASBench201Space())
        let x = try ex.matrix(archs)
        var s = FitSettings(kind: .gbdt, seed: 1)
        s.rounds = 100
        let q = try Predictor.heldOut(features: x, columns: ex.count, targets: y, train: Array(0..<150), test: Array(150..<450), settings: s)
        #expect(q.kendallTau > 0.7, "τ = \(q.kendallTau)")
    }

    @Test func aPredictorForAnotherSpaceIsRefusedByItsKey() throws {
        let (archs, y) = syntheticData(count: 30, seed: 1)
        var s = FitSettings(kind: .linear)
        s.rounds = 10
        let p = try Predictor.fit(space: NASBench201Space(), archs: archs, targets: y, target: "acc", settings: s)
        #expect(throws: Never.self) { try p.check(space: NASBench201Space()) }
        let e = try #require(throws: InputError.self) { try p.check(space: FBNetSpace(), file: "p.json") }
        #expect(e.issues[0].keyPath == "space" && e.issues[0].value == "nb201" && e.issues[0].file == "p.json")
        #expect(e.description.contains("not 'fbnet'"))
    }

    @Test func aFileWithAnotherFeatureSchemaOrVersionIsRefused() throws {
        let (archs, y) = syntheticData(count: 30, seed: 1)
        let p = try Predictor.fit(space: NASBench201Space(), archs: archs, targets: y, target: "acc", settings: FitSettings(kind: .linear))
        var obj = try #require(try JSONSerialization.jsonObject(with: p.fileData()) as? [String: Any])
        obj["features"] = ["set": "structural", "names": ["a", "b"]]
        var e = try #require(throws: InputError.self) { try Predictor.load(data: JSONSerialization.data(withJSONObject: obj), file: "p.json") }
        #expect(e.issues[0].keyPath == "features.names")
        obj["schema_version"] = 99
        e = try #require(throws: InputError.self) { try Predictor.load(data: JSONSerialization.data(withJSONObject: obj), file: "p.json") }
        #expect(e.issues[0].keyPath == "schema_version")
        obj["schema_version"] = 1
        obj["space"] = "nb2001"
        e = try #require(throws: InputError.self) { try Predictor.load(data: JSONSerialization.data(withJSONObject: obj), file: "p.json") }
        #expect(e.issues[0].keyPath == "space" && e.description.contains("nb201"))
    }

    @Test func xgboostErrorsBecomeSwiftErrors() throws {
        let m = try XGBMatrix(values: [1, 2, 3, 4], rows: 2, columns: 2, labels: [0, 1])
        let e = try #require(throws: XGBoostError.self) {
            _ = try XGBBooster.train(on: m, parameters: [("objective", "no:such-objective")], rounds: 1)
        }
        #expect(!e.message.isEmpty)
        #expect(throws: XGBoostError.self) { _ = try XGBBooster(jsonModel: Data("{\"learner\": 1}".utf8)) }
    }
}

@Suite struct PredictorDataTests {
    let arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"

    @Test func missingAndNonNumericTargetsAreReportedByRow() throws {
        let path = temporaryPath("bad.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "arch_str,acc\n\"\(arch)\",71.5\n\"\(arch)\",abc\n\"\(arch)\",\n|bad|,3\n".write(toFile: path, atomically: true, encoding: .utf8)
        let e = try #require(throws: InputError.self) {
            try PredictorData.load(csv: path, space: NASBench201Space(), archColumn: "arch_str", target: "acc")
        }
        #expect(e.issues.map(\.keyPath) == ["row 3", "row 4", "row 5"])
        #expect(e.issues[0].value == "abc" && e.issues[0].message.contains("not a number"))
        #expect(e.issues[1].message.contains("missing value"))
        #expect(e.issues[2].message.contains("not a nb201 architecture"))
        #expect(e.issues.allSatisfy { $0.file == path })
    }

    @Test func unknownColumnsGetADidYouMean() throws {
        let path = temporaryPath("cols.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "arch_str,cifar100_test_acc\n\"\(arch)\",71.5\n".write(toFile: path, atomically: true, encoding: .utf8)
        let e = try #require(throws: InputError.self) {
            try PredictorData.load(csv: path, space: NASBench201Space(), archColumn: "arch_str", target: "cifar100_test_ac")
        }
        #expect(e.description.contains("cifar100_test_acc"))
        let d = try PredictorData.load(csv: path, space: NASBench201Space(), archColumn: "arch_str", target: "cifar100_test_acc")
        #expect(d.targets == [71.5] && d.archStrings == [arch])
    }

    @Test func quotedFieldsMayHoldCommasQuotesAndLineBreaks() throws {
        let path = temporaryPath("q.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",3\n\n".write(toFile: path, atomically: true, encoding: .utf8)
        let t = try CSVFile.read(path: path)
        #expect(t.header == ["a", "b"])
        #expect(t.rows == [["x,1", "say \"hi\""], ["two\nlines", "3"]])
        #expect(t.lines == [2, 3])
    }
}
