import Foundation
import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// Rule choice by cross-validation and few-shot fitting with reference devices, on synthetic
/// devices whose truth is known.
@Suite struct TableFitStrategiesTests {
    /// A hidden per-operator cost: a seeded positive number per signature key.
    static func hiddenCost(_ sig: OperatorSignature, seed: UInt64) -> Double {
        var rng = SeededGenerator(seed: seed &+ UInt64(truncatingIfNeeded: sig.key.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }))
        return 0.05 + Double(rng.next() % 1000) / 1000
    }

    static func archs(_ n: Int, seed: UInt64) -> [Architecture] {
        var rng = SeededGenerator(seed: seed)
        return NASBench201Space().sample(count: n, using: &rng)
    }

    static func latencies(_ archs: [Architecture], device: TableDevice, seed: UInt64) throws -> [Double] {
        let space = NASBench201Space()
        return try archs.map { a in
            try device.lower(space.exportedNetwork(a)).signatures.reduce(0.2) { $0 + hiddenCost($1, seed: seed) }
        }
    }

    /// Given a device that removes dead branches but keeps zero-input convolutions (no constant
    /// folding) and fuses nothing, when rules are chosen by 5-fold CV among every candidate, then
    /// the chosen rules lower every network to the operators the true rules do, and its CV error is ~0.
    @Test func ruleChoiceRecoversASyntheticDevicesRules() throws {
        let truth = TableDevice(rewrites: [.deadCode], fusion: [])
        let archs = Self.archs(150, seed: 21)
        let y = try Self.latencies(archs, device: truth, seed: 3)
        let space = NASBench201Space()
        let choice = try TableFit.chooseRules(TableFit.ruleCandidates(), latencies: y, folds: 5, seed: 1) { c in
            try archs.map { try c.lower(space.exportedNetwork($0)) }
        }
        let chosen = try #require(choice.scores.first { $0.device == choice.chosen })
        #expect(chosen.cvMeanAPE < 1e-6)
        for a in archs {
            let net = try space.exportedNetwork(a)
            #expect(try choice.chosen.lower(net).signatures == truth.lower(net).signatures)
        }
        // The TFLite-like default (dead code + constant folding + fusion) is clearly worse here.
        let tflite = try #require(choice.scores.first { $0.device == TableDevice(rewrites: [.deadCode, .foldConstants], fusion: [.convBN, .convAct, .addAct]) })
        #expect(tflite.cvMeanAPE > 1)
        #expect(choice.scores.count == TableFit.ruleCandidates().count)
    }

    /// Given two reference devices with known tables and a target whose every operator costs
    /// 0.7·A + 0.3·B (times 2), when fitting the target on 10 networks with A and B as references,
    /// then the held-out networks are predicted within 2 % and ranked almost perfectly.
    @Test func fewShotRecoversAKnownMixOfTwoReferences() throws {
        let device = TableDevice.tflite
        let space = NASBench201Space()
        let archs = Self.archs(400, seed: 5)
        let graphs = try archs.map { try device.lower(space.exportedNetwork($0)) }
        let sigs = distinctSignatures(graphs)
        func table(_ cost: (OperatorSignature) -> Double, overhead: Double) -> LatencyTable {
            var t = LatencyTable(provenance: TableProvenance(device: "ref", method: "model"), networkOverheadMs: overhead,
                                 rewrites: device.rewrites, fusion: device.fusion)
            for s in sigs { t.insert(LatencyEntry(s, meanMs: cost(s))) }
            return t
        }
        let a = table({ Self.hiddenCost($0, seed: 1) }, overhead: 0.3)
        let b = table({ Self.hiddenCost($0, seed: 2) * 3 }, overhead: 0.1)
        let target = table({ 2 * (0.7 * a[$0]!.meanMs + 0.3 * b[$0]!.meanMs) }, overhead: 2 * (0.7 * 0.3 + 0.3 * 0.1))
        let y = graphs.map { TableFit.predict(target, $0) }
        let train = Array(0..<10), test = Array(10..<graphs.count)
        let r = try TableFit.fewShot(train.map { TableFit.Sample(signatures: graphs[$0].signatures, latencyMs: y[$0]) },
                                     references: [("A", a), ("B", b)], provenance: TableProvenance(device: "t", method: "fitted"), device: device)
        let e = TableFit.errors(predicted: test.map { TableFit.predict(r.table, graphs[$0]) }, measured: test.map { y[$0] })
        #expect(e.meanAPE < 2, "mean APE \(e.meanAPE)")
        #expect(e.kendallTau > 0.97, "tau \(e.kendallTau)")
        // With one reference only, few-shot is refused (no spread to learn a prior from).
        #expect(throws: InputError.self) {
            try TableFit.fewShot([TableFit.Sample(signatures: graphs[0].signatures, latencyMs: y[0])], references: [("A", a)],
                                 provenance: TableProvenance(device: "t", method: "fitted"), device: device)
        }
    }

    /// A reference lacking an operator of the target's networks is an InputError naming it.
    @Test func fewShotNamesAReferenceThatLacksAnOperator() throws {
        let space = NASBench201Space()
        let g = try TableDevice.tflite.lower(space.exportedNetwork(Self.archs(1, seed: 9)[0]))
        var a = LatencyTable(provenance: TableProvenance(device: "a", method: "model"))
        for s in g.signatures { a.insert(LatencyEntry(s, meanMs: 1)) }
        let b = LatencyTable(provenance: TableProvenance(device: "b", method: "model"))
        let e = #expect(throws: InputError.self) {
            try TableFit.fewShot([TableFit.Sample(signatures: g.signatures, latencyMs: 3)], references: [("a.csv", a), ("b.csv", b)],
                                 provenance: TableProvenance(device: "t", method: "fitted"), device: .tflite)
        }
        #expect(e?.issues.first?.message.contains("b.csv") == true)
    }

    @Test func pooledSpreadOfRepeatedMeasurements() {
        let s = OperatorSignature(kind: "add", input: [4], output: [4])
        let p = TableMeasurement.pooled([LatencyEntry(s, meanMs: 1, stdMs: 0, count: 2), LatencyEntry(s, meanMs: 3, stdMs: 0, count: 2)])
        #expect(p.meanMs == 2 && p.count == 4)
        #expect(abs(p.stdMs - 1) < 1e-12)
    }

    /// Given a target measured on 10 networks whose runtime removes dead branches only, two
    /// reference devices with that runtime (costs proportional to the target's) and two with the
    /// TFLite-like one, when a few-shot fit chooses its rules from the nearest reference devices,
    /// then it picks the two like the target and rules that lower every network as the target's do.
    @Test func fewShotRulesFromTheNearestReferences() throws {
        let truth = TableDevice(rewrites: [.deadCode], fusion: [])
        let space = NASBench201Space()
        let archs = Self.archs(200, seed: 8)
        let base = try Self.latencies(archs, device: truth, seed: 3)
        let other1 = try Self.latencies(archs, device: .tflite, seed: 4), other2 = try Self.latencies(archs, device: .tflite, seed: 5)
        var text = "arch,target,near_a,far_a,near_b,far_b\n"
        for (i, a) in archs.enumerated() {
            text += "\(space.format(a)),\(2 * base[i]),\(base[i]),\(other1[i]),\(3 * base[i] + 0.1),\(other2[i])\n"
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("duet-near-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var job = TableFitJob(space: space, measurements: path, archColumn: "arch", latencyColumn: "target", train: 10, deviceName: "target")
        (job.references, job.fewShotRuleChoice, job.nearestReferences, job.ruleNetworks, job.referenceNetworks) = ([path], .nearestReferences, 2, 150, 150)
        let r = try job.run()
        #expect(r.ruleChoiceData?.contains("near_a") == true && r.ruleChoiceData?.contains("near_b") == true)
        #expect(r.ruleChoiceData?.contains("far_") == false)
        for a in archs.prefix(40) {
            let net = try space.exportedNetwork(a)
            #expect(try r.rules.lower(net).signatures == truth.lower(net).signatures)
        }
    }
}
