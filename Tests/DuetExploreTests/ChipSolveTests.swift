import DuetReport
import Foundation
import Testing
@testable import DuetCore
@testable import DuetExplore

/// `duet solve` on a hardware-space target (ChipSolve); moved here from the CLI's tests.
@Suite struct ChipSolveTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Writes a config with two small fixed networks on a small hardware space, plus `extra` YAML.
    func config(tasks: String? = nil, budgets: String = "", objectives: String = "  - minimize: latency_ms") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-solve-chip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tiny = Self.repo.appendingPathComponent("Examples/networks/tiny-cnn.yaml").path
        let text = """
            tasks:
            \(tasks ?? "  - {name: small, network: \(tiny)}\n  - {name: conv, network: 'layer:conv,k=64,c=32,p=28,q=28,r=3,s=3,stride=1,groups=1'}")
            target:
              hardware:
                subaccelerators: [1, 2]
                templates: [tpu, eyeriss]
                node_nm: 28
                pe_rows: [8, 16]
                pe_cols: [8, 16]
                global_buffer_kib: [64, 128]
                dram_gbps: 8
            budgets:
            \(budgets.isEmpty ? "  {}" : budgets)
            objectives:
            \(objectives)
            """
        let path = dir.appendingPathComponent("config.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func solve(_ path: String) async throws -> (obj: [String: Any], status: String) {
        let cfg = try ExploreConfig.load(path: path, dataDir: Self.repo)
        let (text, status) = try await ChipSolve.run(cfg, dataDir: Self.repo, timeoutSeconds: 60, format: .json)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(obj["status"] as? String == status.rawValue)
        return (obj, status.rawValue)
    }

    /// `schedule: layers`: the whole-network optimum (Z3), then chips by local search with layer
    /// schedules; the answer is never slower than the whole-network optimum, meets the budgets,
    /// states its gap to the chip's lower bound, and repeats exactly with the same seed.
    @Test func layerSchedulingStartsFromTheExactOptimumAndNeverLosesToIt() async throws {
        let path = try config(tasks: "  - {name: a, network: resnet18}\n  - {name: b, network: mobilenet-v2}", budgets: "  area_mm2: 3")
        var texts: [String] = []
        for _ in 0..<2 {
            let cfg = try ExploreConfig.load(path: path, overrides: ["target.schedule=layers", "evaluations=40", "target.hardware.subaccelerators=2"], dataDir: Self.repo)
            let (text, status) = try await ChipSolve.run(cfg, dataDir: Self.repo, timeoutSeconds: 60, format: .json)
            #expect(status == .feasible)
            texts.append(text)
        }
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(texts[0].utf8)) as? [String: Any])
        #expect(obj["status"] as? String == "optimal")   // the whole-network problem, proven
        let whole = try #require((obj["objectives"] as? [String: Double])?["latency_ms"])
        let l = try #require(obj["layer_schedule"] as? [String: Any])
        let makespan = try #require(l["latency_ms"] as? Double), bound = try #require(l["chip_lower_bound_ms"] as? Double)
        #expect(l["feasible"] as? Bool == true)
        #expect(abs((l["whole_network_optimum_ms"] as? Double ?? 0) - whole) <= 1e-6 * whole)
        #expect(makespan <= whole * (1 + 1e-9))
        #expect(bound <= makespan * (1 + 1e-9) && bound > 0)
        #expect(abs((l["gap"] as? Double ?? -1) - (makespan - bound) / bound) < 1e-9)
        #expect((l["area_mm2"] as? Double ?? 99) <= 3)
        #expect((2...40).contains(l["chips_evaluated"] as? Int ?? 0))
        #expect((l["hardware"] as? [[String: Any]])?.count == 2)
        // Deterministic: the same seed gives the same chip and figures (seconds aside).
        func strip(_ t: String) throws -> NSDictionary {
            var o = try #require(try JSONSerialization.jsonObject(with: Data(t.utf8)) as? [String: Any])
            for k in ["seconds", "evaluation_seconds", "solver_seconds"] { o[k] = nil }
            var ls = try #require(o["layer_schedule"] as? [String: Any]); ls["seconds"] = nil; o["layer_schedule"] = ls
            return o as NSDictionary
        }
        #expect(try strip(texts[0]) == strip(texts[1]))
        // A latency budget between the layer schedule and the whole-network optimum is met by layers only.
        if makespan < whole * 0.99 {
            let cfg = try ExploreConfig.load(path: path, overrides: ["target.schedule=layers", "evaluations=40", "target.hardware.subaccelerators=2",
                                                                     "budgets.latency_ms=\((makespan + whole) / 2)"], dataDir: Self.repo)
            let (_, status) = try await ChipSolve.run(cfg, dataDir: Self.repo, timeoutSeconds: 60, format: .json)
            #expect(status == .feasible)
            let exact = try ExploreConfig.load(path: path, overrides: ["evaluations=40", "target.hardware.subaccelerators=2",
                                                                       "budgets.latency_ms=\((makespan + whole) / 2)"], dataDir: Self.repo)
            #expect(try await ChipSolve.run(exact, dataDir: Self.repo, timeoutSeconds: 60, format: .json).status == .infeasible)
        }
    }

    @Test func jsonHasTheSolveShapeAndAProvenMakespan() async throws {
        let (obj, status) = try await solve(try config(budgets: "  area_mm2: 5"))
        #expect(status == "optimal")
        #expect(Set(obj.keys).isSuperset(of: ["status", "design", "objectives", "bound", "explanation", "seconds", "solver_checks"]))
        let design = try #require(obj["design"] as? [String: Any])
        let hw = try #require(design["hardware"] as? [[String: Any]])
        #expect((1...2).contains(hw.count))
        let placed = hw.flatMap { $0["tasks"] as? [String] ?? [] }
        #expect(placed.sorted() == ["conv", "small"])
        let objectives = try #require(obj["objectives"] as? [String: Double])
        let latency = try #require(objectives["latency_ms"])
        #expect((objectives["area_mm2"] ?? 99) <= 5)
        // The bound is the fixed-point optimum (ns, rounded up): within a nanosecond per network of the real makespan.
        let bound = try #require(obj["bound"] as? Double)
        #expect(abs(bound - latency) <= 2e-6)
        // The heuristic assignment on the same chip is never better than the proven optimum (beyond rounding).
        let h = try #require(obj["heuristic_on_same_chip"] as? [String: Any])
        #expect((h["latency_ms"] as? Double ?? 0) >= latency - 2e-6)
    }

    @Test func tableOutputSaysProven() async throws {
        let path = try config()
        let (text, status) = try await ChipSolve.run(try ExploreConfig.load(path: path, dataDir: Self.repo), dataDir: Self.repo, timeoutSeconds: 60, format: .table)
        #expect(status == .optimal)
        #expect(text.hasPrefix("status: optimal\ndesign:\n  sub0-"))
        #expect(text.contains("(proven)"))
    }

    @Test func infeasibleBudgetsAreNamedAndExitOne() async throws {
        let (obj, status) = try await solve(try config(budgets: "  area_mm2: 0.01\n  latency_ms: 100"))
        #expect(status == "infeasible")
        let why = try #require(obj["explanation"] as? [String])
        #expect(why.first == "area_mm2 ≤ 0.01 mm² cannot hold for any chip in this hardware space")
        #expect(why.contains { $0.hasPrefix("the smallest area_mm2 in this hardware space is ") })
        #expect(obj["design"] is NSNull)
    }

    /// The issue's total-PE budget: `pe_count` bounds the chip's processing elements.
    @Test func aTotalPEBudgetBoundsTheChip() async throws {
        let (obj, status) = try await solve(try config(budgets: "  pe_count: 200"))
        #expect(status == "optimal")
        let hw = try #require((obj["design"] as? [String: Any])?["hardware"] as? [[String: Any]])
        let pes = hw.reduce(0) { $0 + ($1["pe_rows"] as? Int ?? 0) * ($1["pe_cols"] as? Int ?? 0) }
        #expect(pes > 0 && pes <= 200)
        let (none, s2) = try await solve(try config(budgets: "  pe_count: 10"))
        #expect(s2 == "infeasible")
        #expect((none["explanation"] as? [String])?.first?.hasPrefix("pe_count ≤ 10 PEs cannot hold") == true)
        #expect(throws: InputError.self) { try ExploreConfig.load(path: try config(budgets: "  small.pe_count: 100"), dataDir: Self.repo) }
    }

    @Test func aTaskWithASpaceIsBadInputWithItsKeyPath() async throws {
        let path = try config(tasks: "  - {name: cell, space: nb201}")
        let e = await #expect(throws: InputError.self) { try await solve(path) }
        #expect(e?.issues.first?.keyPath == "tasks[0].space")
        #expect(e?.issues.first?.hint?.contains("network:") == true)
    }

    @Test func unsupportedObjectivesAndBudgetsAreBadInput() async throws {
        let e1 = await #expect(throws: InputError.self) { try await solve(try config(objectives: "  - minimize: power_mw")) }
        #expect(e1?.issues.first?.keyPath == "objectives[0]")
        #expect(e1?.issues.first?.hint?.contains("power_mw") == true)
        let e2 = await #expect(throws: InputError.self) { try await solve(try config(budgets: "  small.area_mm2: 3")) }
        #expect(e2?.issues.first?.keyPath == "budgets.small.area_mm2")
        let e3 = await #expect(throws: InputError.self) { try await solve(try config(objectives: "  - maximize: latency_ms")) }
        #expect(e3?.issues.first?.keyPath == "objectives[0]")
    }

    @Test func energyObjectiveUnderAPowerBudget() async throws {
        let (obj, status) = try await solve(try config(budgets: "  power_mw: 10000", objectives: "  - minimize: energy_mj"))
        #expect(status == "optimal")
        let objectives = try #require(obj["objectives"] as? [String: Double])
        #expect((objectives["power_mw"] ?? .infinity) <= 10000)
        let bound = try #require(obj["bound"] as? Double)
        // Fixed point: energy rounded up to fJ per network and idle leakage to µW, so the bound is within 1e-4 relative.
        let energy = try #require(objectives["energy_mj"])
        #expect(bound >= energy * (1 - 1e-9))
        #expect(bound <= energy * (1 + 1e-4))
    }
}
