import Foundation
import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetExplore
@testable import DuetHardware
@testable import DuetSearch
@testable import DuetWorkload

/// One node per chip in hardware spaces, frame-rate budgets in explore and solve, and one answer
/// per design: a design drawn from an exploration, re-evaluated through the accelerator loader
/// (the `duet evaluate` path), gives identical figures.
@Suite struct ChipDesignTests {
    let mixed = """
        name: mixed
        tasks:
          - {name: a, network: 'layer:conv,k=64,c=32,p=28,q=28,r=3,s=3,stride=1,groups=1'}
        target:
          hardware:
            subaccelerators: [1, 2]
            templates: [tpu, nvdla, eyeriss]
            pe_rows: [8, 16]
            pe_cols: [8, 16]
            global_buffer_kib: [64, 128]
        objectives: [{minimize: latency_ms}, {minimize: energy_mj}]
        evaluations: 40
        population: 10
        """

    @Test func aHardwareSpaceMixingNodesIsRefusedUntilTheChipHasOne() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, mixed)
        let cfg = try ExploreConfig.load(path: path, dataDir: root)
        let e = #expect(throws: InputError.self) { try CoExploration(config: cfg, dataDir: root) }
        let text = e?.description ?? ""
        #expect(text.contains("target.hardware.node_nm: the templates' published designs have different technology nodes, and a chip has one"))
        #expect(text.contains("nvdla 16 nm; tpu 28 nm; eyeriss 65 nm"))
        // --set target.hardware.node_nm=16: every sub-accelerator of every design is at 16 nm.
        let one = try ExploreConfig.load(path: path, overrides: ["target.hardware.node_nm=16"], dataDir: root)
        let x = try CoExploration(config: one, dataDir: root)
        var rng = SeededGenerator(seed: 5)
        let t16 = try Technology.load(nodeNm: 16, dataDir: root)
        for _ in 0..<20 {
            let d = try x.decode(x.space.decode(x.space.randomGenome(using: &rng)))
            #expect(d.chip!.subAccelerators.allSatisfy { $0.nodeNm == 16 && $0.technology == t16 })
            #expect(d.json.contains("\"node_nm\":16"))
        }
        // A list is a searched choice, one node per chip.
        let searched = try ExploreConfig.load(path: path, overrides: ["target.hardware.node_nm=[16, 28]", "target.hardware.clock_mhz=500"], dataDir: root)
        let s = try CoExploration(config: searched, dataDir: root)
        #expect(s.space.variables.contains { $0.name == "hw.node_nm" })
        #expect(!s.space.variables.contains { $0.name == "hw.clock_mhz" })   // one value: set, not searched
        var nodes = Set<Int>()
        for _ in 0..<30 {
            let d = try s.decode(s.space.decode(s.space.randomGenome(using: &rng)))
            let subs = d.chip!.subAccelerators
            #expect(Set(subs.map(\.nodeNm)).count == 1)
            #expect(subs.allSatisfy { $0.clockMHz == 500 })
            nodes.insert(subs[0].nodeNm)
        }
        #expect(nodes == [16, 28])
        // duet solve takes one node.
        #expect(throws: InputError.self) { try ChipSolveSetup.make(searched) }
        // A node without a technology table is bad input under target.hardware.
        let bad = try ExploreConfig.load(path: path, overrides: ["target.hardware.node_nm=22"], dataDir: root)
        let b = #expect(throws: InputError.self) { try CoExploration(config: bad, dataDir: root) }
        #expect(b?.description.contains("target.hardware") == true)
        #expect(b?.description.contains("no technology table for this node") == true)
    }

    /// Writes a design's JSON (as a study stores it) as an accelerator file for `duet evaluate`.
    static func acceleratorFile(_ design: String) throws -> String {
        let d = try #require(try JSONSerialization.jsonObject(with: Data(design.utf8)) as? [String: Any])
        let hw = try #require(d["hardware"] as? [[String: Any]])
        var dram = 0.0
        var lines = ["name: chip", "subaccelerators:"]
        for s in hw {
            let keys = ["name", "template", "dataflow", "pe_rows", "pe_cols", "global_buffer_kib", "dram_gbps", "node_nm", "clock_mhz", "precision_bits"]
            // Numbers as Swift prints a Double (shortest round-trip form), so the file holds the design's exact values.
            func text(_ v: Any) -> String {
                if let str = v as? String { return str }
                let d = (v as! NSNumber).doubleValue
                return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
            }
            lines.append("  - {" + keys.map { k in "\(k): \(text(s[k]!))" }.joined(separator: ", ") + "}")
            dram += (s["dram_gbps"] as! NSNumber).doubleValue
        }
        lines.insert("dram_gbps: \(dram)", at: 1)
        return lines.joined(separator: "\n") + "\n"
    }

    /// One answer per design: every design of a small eyeriss-sizing exploration, written as an
    /// accelerator file and evaluated through the loader (the `duet evaluate` path), has exactly the
    /// latency, energy and area the exploration recorded.
    @Test func exploreAndEvaluateGiveOneAnswer() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = root.appendingPathComponent("Examples/eyeriss-sizing/config.yaml").path
        let cfg = try ExploreConfig.load(path: path, overrides: ["evaluations=40", "population=10", "workers=2"], dataDir: root)
        let exploration = try CoExploration(config: cfg, dataDir: root)
        let result = try await ExploreRun(exploration: exploration, study: nil).run()
        let nets = try cfg.tasks.map { t in
            var a = try NetworkReference.resolve(t.network!, baseDirectory: root.path).analyze()
            a.network.name = t.name
            return a
        }
        let loader = AcceleratorLoader(dataDir: root)
        var checked = 0
        for t in result.trials where t.status == .complete {
            let file = dir.appendingPathComponent("chip\(checked).yaml").path
            try Self.acceleratorFile(t.design).write(toFile: file, atomically: true, encoding: .utf8)
            let r = try ChipEvaluator.evaluate(nets, on: try loader.load(file))
            #expect(r.makespan.milliseconds == t.metrics["latency_ms"], "\(t.design)")
            #expect(r.energy.millijoules == t.metrics["energy_mj"], "\(t.design)")
            #expect(r.area.value == t.metrics["area_mm2"], "\(t.design)")
            #expect(r.power.value == t.metrics["power_mw"], "\(t.design)")
            checked += 1
        }
        #expect(checked >= 20)
    }

    /// The issue's case: one NVDLA 16×8 from a hardware space and `duet evaluate --accelerator nvdla
    /// --set pe_rows=16 --set pe_cols=8` give the same latency (they differed, 19.36 vs 19.46 ms on
    /// ResNet-18, before the loader applied the template's bandwidth rule).
    @Test func theIssuesNVDLACaseAgrees() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, """
            tasks:
              - {name: a, network: 'layer:conv,k=128,c=64,p=28,q=28,r=3,s=3,stride=1,groups=1'}
            target:
              hardware: {templates: [nvdla], pe_rows: [16, 16], pe_cols: [8, 8], global_buffer_kib: [128, 128], dram_gbps: 16}
            objectives: [{minimize: latency_ms}]
            """)
        let x = try CoExploration(config: try ExploreConfig.load(path: path, dataDir: root), dataDir: root, allowFixed: true)
        var rng = SeededGenerator(seed: 1)
        let fromSpace = try x.decode(x.space.decode(x.space.randomGenome(using: &rng))).chip!.subAccelerators[0]
        var viaSet = try AcceleratorLoader(dataDir: root).load("nvdla", overrides: ["pe_rows=16", "pe_cols=8", "global_buffer_kib=128", "dram_gbps=16"])
            .subAccelerators[0]
        viaSet.name = fromSpace.name
        #expect(fromSpace == viaSet)
    }

    @Test func frameRateBudgetsInExploreAndSolve() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, mixed + """

            budgets: {fps: 30, a.fps: 60}
            """)
        let cfg = try ExploreConfig.load(path: path, overrides: ["target.hardware.node_nm=28", "objectives=[{minimize: average_power_mw}]"], dataDir: root)
        #expect(cfg.rates == FrameRates(chip: 30, tasks: ["a": 60]))
        let x = try CoExploration(config: cfg, dataDir: root)
        var rng = SeededGenerator(seed: 2)
        let (_, m, err) = await x.measure(x.space.decode(x.space.randomGenome(using: &rng)))
        #expect(err == nil)
        let fps = try #require(m["fps"]), lat = try #require(m["latency_ms"])
        #expect(abs(fps - 1000 / lat) < 1e-9 * fps)
        let avg = try #require(m["average_power_mw"])
        #expect(avg > 0 && avg < m["power_mw"]!)
        // fps is a lower bound: (limit − value) / limit, negative when met.
        let v = x.constraintValues(m)
        #expect(abs(v[0] - (30 - fps) / 30) < 1e-12)
        // Average power needs a rate for every task.
        let noRate = try writeConfig(dir, mixed + "\nbudgets: {average_power_mw: 100}\n")
        let e = #expect(throws: InputError.self) { try ExploreConfig.load(path: noRate, dataDir: root) }
        #expect(e?.description.contains("average power needs the frame rates it is averaged at") == true)
        // duet solve: the chip's fps is a makespan budget; a task's own fps is refused.
        let solve = try ExploreConfig.load(path: path, overrides: ["target.hardware.node_nm=28", "budgets.a.fps=1"], dataDir: root)
        let s = #expect(throws: InputError.self) { try ChipSolveSetup.make(solve) }
        #expect(s?.description.contains("budgets.a.fps") == true)
        let chipOnly = try writeConfig(dir, mixed + "\nbudgets: {fps: 40}\n")
        let setup = try ChipSolveSetup.make(try ExploreConfig.load(path: chipOnly, overrides: ["target.hardware.node_nm=28"], dataDir: root))
        #expect(setup.budgets.count == 1 && setup.budgets[0].limit == 25_000_000)   // 1/40 s = 25 ms in ns
    }
}
