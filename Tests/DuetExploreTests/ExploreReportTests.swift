import DuetCore
import DuetSearch
import DuetStudy
import Foundation
import Testing
import _DuetTestSupport
@testable import DuetExplore

/// The report's parts: the design card, the digest (Pareto set, hypervolume, samples), the
/// per-layer groupings, and the page size for a large study.
@Suite struct ExploreReportTests {
    static let twoTasks = root.appendingPathComponent("Examples/nasaic-two-tasks/config.yaml").path

    /// A trial of two tasks on a three-sub-accelerator chip, as the co-exploration stores it.
    static func threeSubTrial(feasible: Bool = true) -> TrialRecord {
        let design = """
            {"hardware":[{"name":"sub0-tpu","template":"tpu","dataflow":"ws","pe_rows":16,"pe_cols":32,"global_buffer_kib":128,"dram_gbps":5.33,"node_nm":28,"clock_mhz":700,"precision_bits":8},\
            {"name":"sub1-eyeriss","template":"eyeriss","dataflow":"rs","pe_rows":12,"pe_cols":14,"global_buffer_kib":108,"dram_gbps":5.33,"node_nm":28,"clock_mhz":200,"precision_bits":16},\
            {"name":"sub2-nvdla","template":"nvdla","dataflow":"ws","pe_rows":8,"pe_cols":8,"global_buffer_kib":64,"dram_gbps":5.33,"node_nm":28,"clock_mhz":1000,"precision_bits":8}],\
            "tasks":{"cifar10":"|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|none~2|","cifar100":"|nor_conv_1x1~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"}}
            """
        return TrialRecord(generation: 0, slot: 0, genome: [], design: design,
                           metrics: ["cifar10.accuracy": 92.1, "cifar100.accuracy": 70.5, "accuracy": 81.3, "cifar10.latency_ms": 0.4,
                                     "cifar100.latency_ms": 0.2, "cifar10.energy_mj": 0.1, "cifar100.energy_mj": 0.05, "latency_ms": 0.4,
                                     "energy_mj": 0.16, "area_mm2": 4.2],
                           objectives: [81.3, 0.16, 4.2], constraints: ["latency_ms": -0.8], violation: feasible ? 0 : 0.3,
                           status: .complete, seconds: 0.1, seed: 1, version: "test")
    }

    @Test func theCardListsEveryTaskAndSubAcceleratorAndFlagsAnIdleOne() throws {
        // Given both tasks assigned to sub0 and sub1, sub2 runs nothing.
        let card = DesignCard(trial: Self.threeSubTrial(), taskNames: ["cifar10", "cifar100"], estimates: ["cifar100": "proxy"],
                              assignment: ["cifar10": "sub0-tpu", "cifar100": "sub1-eyeriss"])
        #expect(card.tasks.map(\.name) == ["cifar10", "cifar100"])
        #expect(card.tasks[0].network.hasPrefix("|nor_conv_3x3~0|"))
        #expect(card.tasks[0].accuracy == 92.1 && card.tasks[0].accuracyEstimate == nil)
        #expect(card.tasks[1].accuracyEstimate == "proxy")
        #expect(card.tasks.map(\.runsOn) == ["sub0-tpu", "sub1-eyeriss"])
        #expect(card.subAccelerators.map(\.name) == ["sub0-tpu", "sub1-eyeriss", "sub2-nvdla"])
        #expect(card.subAccelerators.map(\.isIdle) == [false, false, true])
        #expect(card.subAccelerators[1].peRows == 12 && card.subAccelerators[1].peCols == 14 && card.subAccelerators[1].globalBufferKiB == 108)
        // The page shows the flag and the "(proxy)" label.
        let page = ReportPage(digest: ReportDigest(objectives: ["accuracy", "energy_mj", "area_mm2"], maximize: [true, false, false]),
                              study: StudySnapshot(location: "s.sqlite", trials: [], settings: nil, attributes: [:]), dataDir: root)
        let html = page.cardHTML(ChosenDesign(trial: Self.threeSubTrial(), card: card))
        #expect(html.contains("<tr class=\"idle\">"))
        #expect(html.contains("idle: runs no task"))
        #expect(html.contains("sub2-nvdla run"))
        #expect(html.contains("70.5 (proxy)"))
        for name in ["cifar10", "cifar100", "sub0-tpu", "sub1-eyeriss", "sub2-nvdla", "12×14 = 168 PEs", "108 KiB"] { #expect(html.contains(name), "\(name)") }
        // Without the assignment nothing is flagged (it is not known).
        let unknown = DesignCard(trial: Self.threeSubTrial())
        #expect(unknown.subAccelerators.count == 3 && unknown.subAccelerators.allSatisfy { !$0.isIdle && $0.tasks == nil })
    }

    @Test func theCardOfARealStudyCoversEveryTaskAndSubAccelerator() async throws {
        let synthetic = try await SyntheticStudy(configPath: Self.twoTasks, dataDir: root, designs: 12, seed: 5)
        let trials = (0..<400).map(synthetic.trial)
        let snapshot = StudySnapshot(location: "synthetic.sqlite", trials: trials, settings: synthetic.settings, attributes: [:])
        var digest = ExploreReport.emptyDigest(snapshot)
        for t in trials { digest.add(t) }
        let best = try #require(digest.best)
        let chosen = ChosenDesign.make(best, study: snapshot, estimates: [:], dataDir: root)
        #expect(chosen.note.isEmpty, "\(chosen.note)")
        #expect(chosen.card.tasks.map(\.name) == ["cifar10", "cifar100"])
        let subs = chosen.card.subAccelerators
        #expect((2...3).contains(subs.count))
        // Every task runs on exactly one listed sub-accelerator; the rest are flagged idle.
        let used = Set(chosen.card.tasks.compactMap(\.runsOn))
        #expect(used.isSubset(of: Set(subs.map(\.name))))
        for s in subs { #expect(s.isIdle == !used.contains(s.name), "\(s.name)") }
        #expect(chosen.breakdowns.map(\.task) == ["cifar10", "cifar100"])
        #expect(chosen.rooflines.count == used.count)
        #expect(chosen.rooflines.allSatisfy { $0.svg.contains("class=\"roof\"") && $0.svg.contains("<circle cx") })
    }

    @Test func groupSumsEqualTheLayerTotals() async throws {
        let synthetic = try await SyntheticStudy(configPath: Self.twoTasks, dataDir: root, designs: 3, seed: 9)
        let snapshot = StudySnapshot(location: "s", trials: [], settings: synthetic.settings, attributes: [:])
        let chosen = ChosenDesign.make(synthetic.trial(0).withStatus(.complete), study: snapshot, estimates: [:], dataDir: root)
        #expect(!chosen.breakdowns.isEmpty, "\(chosen.note)")
        for b in chosen.breakdowns {
            let total = b.total
            #expect(total.layers == b.rows.count && total.layers > 20)
            let rowLatency = b.rows.reduce(0) { $0 + $1.latencyUs }, rowEnergy = b.rows.reduce(0) { $0 + ($1.energyUJ ?? 0) }
            for key in [\LayerBreakdown.Row.stage, \.block, \.kind] {
                let groups = b.grouped(by: key)
                #expect(groups.reduce(0) { $0 + $1.layers } == b.rows.count)
                #expect(groups.reduce(0) { $0 + $1.macs } == b.rows.reduce(0) { $0 + $1.macs })
                #expect(abs(groups.reduce(0) { $0 + $1.latencyUs } - rowLatency) <= 1e-9 * rowLatency)
                #expect(abs(groups.reduce(0) { $0 + ($1.energyUJ ?? 0) } - rowEnergy) <= 1e-9 * rowEnergy)
                #expect(Set(groups.map(\.name)).count == groups.count)
            }
            // NAS-Bench-201's stages, in network order.
            #expect(b.grouped(by: \.stage).map(\.name) == ["stem", "stage1", "reduce1", "stage2", "reduce2", "stage3", "lastact", "gap", "classifier"])
        }
        #expect(LayerBreakdown.stage(of: "stage2.cell3.e01.conv3x3") == "stage2")
        #expect(LayerBreakdown.block(of: "stage2.cell3.e01.conv3x3") == "stage2.cell3")
        #expect(LayerBreakdown.block(of: "/layer1/layer1.0/conv1/Conv") == "layer1.layer1")
        #expect(LayerBreakdown.block(of: "stem") == "stem")
    }

    @Test func theIdealPointHasHypervolumeOneAndEveryValueLiesInTheUnitInterval() {
        // Trials in (accuracy max, energy min): the last one is best in both, so it is the ideal.
        func trial(_ i: Int, _ acc: Double, _ e: Double, feasible: Bool = true) -> TrialRecord {
            TrialRecord(generation: i, slot: 0, genome: [], design: "{\"i\":\(i)}", metrics: [:], objectives: [acc, e], constraints: [:],
                        violation: feasible ? 0 : 1, status: .complete, seconds: 0, seed: 0, version: "t")
        }
        var d = ReportDigest(objectives: ["accuracy", "energy_mj"], maximize: [true, false])
        var rng = SeededGenerator(seed: 3)
        for i in 0..<500 { d.add(trial(i, Double.random(in: 50...90, using: &rng), Double.random(in: 0.1...2, using: &rng), feasible: i % 3 != 0)) }
        let before = d.convergence
        #expect(before.allSatisfy { (0...1).contains($0.y) })
        #expect(zip(before, before.dropFirst()).allSatisfy { $0.y <= $1.y })   // the front only grows
        #expect(before.last!.y < 1)
        // An infeasible trial outside the box changes nothing; the ideal design makes it exactly 1.
        d.add(trial(500, 99, 0.01, feasible: false))
        #expect(d.convergence.last!.y == before.last!.y)
        d.add(trial(501, 95, 0.05))
        #expect(d.convergence.last!.y == 1)
        #expect(d.hypervolumeBox!.ideal == [-95, 0.05])
    }

    @Test func theDigestGivesTheSameParetoSetAsTheWholeStudy() async throws {
        let synthetic = try await SyntheticStudy(configPath: Self.twoTasks, dataDir: root, designs: 10, seed: 2)
        let trials = (0..<3000).map(synthetic.trial)
        var d = ExploreReport.emptyDigest(StudySnapshot(location: "s", trials: [], settings: synthetic.settings, attributes: [:]))
        for t in trials { d.add(t) }
        let whole = ExploreRun.pareto(trials, maximize: d.maximize)
        #expect(d.pareto.map(\.design) == whole.map(\.design))
        #expect(d.trials == 3000 && d.feasible == trials.filter(\.isFeasible).count && d.failed == trials.filter { $0.status == .failed }.count)
        #expect(d.feasibleSample.count == min(d.limits.feasibleSample, d.feasible))
        // 2-D fronts: no point of a pair's front dominates another, and every feasible trial is weakly dominated by one.
        let f = d.pairFront(0, 1)
        for t in trials where t.isFeasible {
            #expect(f.contains { $0.x >= t.objectives[0] && $0.y <= t.objectives[1] })
        }
    }

    @Test(.tags(.slow), .runsUnlessSkippingSlow)
    func thePageSizeIsBoundedWhateverTheStudySize() async throws {
        let synthetic = try await SyntheticStudy(configPath: Self.twoTasks, dataDir: root, designs: 12, seed: 4)
        func page(_ n: Int) throws -> (html: Int, circles: Int) {
            let snapshot = StudySnapshot(location: "synthetic.sqlite", trials: (0..<n).map(synthetic.trial), settings: synthetic.settings, attributes: [:])
            let html = try #require(try ExploreReport(snapshot: snapshot, dataDir: root).files["index.html"])
            return (html.utf8.count, html.components(separatedBy: "<circle").count - 1)
        }
        let small = try page(5_000), large = try page(50_000)
        #expect(large.html <= 2_000_000, "index.html is \(large.html) bytes at 50,000 trials")
        // Ten times the trials: at most the samples' and the fronts' growth, not ten times the page.
        #expect(Double(large.html) < 1.5 * Double(small.html), "\(small.html) → \(large.html) bytes")
        let limits = ReportDigest.Limits()
        let perPlot = limits.feasibleSample + limits.infeasibleSample + limits.paretoDrawn + 4
        #expect(large.circles <= 3 * perPlot + 1_000)   // 3 Pareto plots; rooflines and legends are a few hundred
    }
}

extension TrialRecord {
    /// The trial with another status (a test's failed synthetic trial made complete for its genome).
    func withStatus(_ s: TrialStatus) -> TrialRecord { var t = self; t.status = s; return t }
}
