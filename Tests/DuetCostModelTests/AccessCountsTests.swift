import Foundation
import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// Per-level access counts (`accesses_words`) and the bottleneck's DRAM-stall share: the counts
/// are what the energy model charges, and a single-buffered layer says how much DRAM adds.
@Suite struct AccessCountsTests {
    /// Every level's energy is its accesses × its per-access energy.
    @Test(arguments: ["eyeriss", "tpu", "nvdla", "shidiannao"]) func accessesTimesEnergyPerAccessIsEachLevelsEnergy(_ template: String) throws {
        let hw = try accelerator(template)
        let loops = LoopNest(n: 1, k: 64, c: 64, p: 54, q: 54, r: 3, s: 3)
        let cost = try MappingSearch.best(loops, on: hw)
        let a = cost.accesses
        let bits = Double(hw.precisionBits), t = hw.technology
        let glb = (a.globalBufferReads + a.globalBufferWrites) * bits * t.globalBufferPJPerBit(bytes: hw.globalBufferBytes)
        let dram = (a.dramReads + a.dramWrites) * bits * t.dramPJPerBit
        #expect(abs(glb - cost.energy.globalBuffer.value) <= 1e-9 * glb, "\(template) global buffer")
        #expect(abs(dram - cost.energy.dram.value) <= 1e-9 * dram, "\(template) DRAM")
        #expect(a.dramReads * bits / 8 == cost.traffic.dramReadBytes && a.dramWrites * bits / 8 == cost.traffic.dramWriteBytes)
        let macs = Double(try loops.macs())
        #expect(a.registerFileReads == 3 * macs && a.registerFileWrites == macs)
        let rf = macs * bits * (t.registerFilePJPerBit(bytes: hw.rfWeightBytes) + t.registerFilePJPerBit(bytes: hw.rfInputBytes)
                                + 2 * t.registerFilePJPerBit(bytes: hw.rfOutputBytes))
        #expect(abs(rf - cost.energy.registerFile.value) <= 1e-9 * max(rf, 1), "\(template) register files")
    }

    /// The CB2a_2 on the eyeriss default as it was (single-buffered, no weight prefetch):
    /// 469,547 of 1,133,355 cycles are DRAM transfers after the on-chip work, and the bottleneck says so.
    @Test func aSingleBufferedLayerNamesItsDRAMStall() throws {
        let hw = try accelerator("eyeriss", ["weight_prefetch=false"])
        #expect(!hw.doubleBuffer)
        let cost = try MappingSearch.best(LoopNest(n: 1, k: 64, c: 64, p: 54, q: 54, r: 3, s: 3), on: hw)
        let c = cost.components
        #expect(!c.overlapped && c.dramStall == c.dram)
        #expect(Double(cost.latencyCycles) == (max(c.compute, c.noc, c.buffer) + c.dram).rounded(.up))
        let share = c.dramStall / Double(cost.latencyCycles)
        #expect(cost.bottleneck == .compute && cost.bottleneckDescription == "compute + \(Int((share * 100).rounded())) % dram stall")
        // Double-buffered, DRAM time overlaps: it stalls only when it is the bottleneck itself,
        // so no stall share is appended.
        let db = try MappingSearch.best(LoopNest(n: 1, k: 64, c: 64, p: 54, q: 54, r: 3, s: 3), on: try accelerator("eyeriss", ["double_buffer=true"]))
        #expect(db.components.overlapped && db.bottleneckDescription == db.bottleneck.rawValue)
        #expect(db.components.dramStall == 0 || db.bottleneck == .dram)
    }
}

/// Accesses per level and operand (`accesses_by_operand_words`, `evaluate --accesses`): each
/// level's operands add up to the level's figure, and DRAM's are the tiling's traffic.
@Suite struct OperandAccessesTests {
    @Test(arguments: ["eyeriss", "tpu", "nvdla", "shidiannao", "input_stationary"])
    func operandsAddUpToEachLevel(_ template: String) throws {
        let hw = try accelerator(template)
        for loops in [LoopNest(n: 1, k: 64, c: 64, p: 54, q: 54, r: 3, s: 3), LoopNest(n: 2, k: 32, c: 1, p: 28, q: 28, r: 3, s: 3, groups: 32),
                      LoopNest(n: 1, k: 1000, c: 2048, p: 1, q: 1)] {
            let cost = try MappingSearch.best(loops, on: hw)
            let a = cost.accesses, o = cost.operandAccesses
            func close(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= 1e-9 * max(1, abs(y)) }
            #expect(close(o.registerFile.total.reads, a.registerFileReads) && close(o.registerFile.total.writes, a.registerFileWrites), "\(template) RF")
            #expect(close(o.globalBuffer.total.reads, a.globalBufferReads) && close(o.globalBuffer.total.writes, a.globalBufferWrites), "\(template) GLB")
            #expect(close(o.dram.total.reads, a.dramReads) && close(o.dram.total.writes, a.dramWrites), "\(template) DRAM")
            // DRAM fills are global-buffer writes of the same operand; DRAM writes are drained from it.
            #expect(o.globalBuffer.weights.writes == o.dram.weights.reads && o.globalBuffer.inputs.writes == o.dram.inputs.reads)
            #expect(o.dram.weights.writes == 0 && o.dram.inputs.writes == 0)
            // Every output reaches DRAM at least once (no activation residency by default).
            #expect(o.dram.outputs.writes >= Double(loops.n * loops.k * loops.p * loops.q))
        }
    }

    @Test func theTextReportListsThemWhenAsked() throws {
        var request = EvaluateRequest(networks: ["layer:conv,k=64,c=64,p=54,q=54,r=3,s=3"], accelerator: "eyeriss")
        request.showAccesses = true
        let text = try request.render(format: .table, dataDir: repositoryRoot).text
        #expect(text.contains("accesses per level and operand (words):"))
        let rows = text.split(separator: "\n").filter { $0.contains("global buffer") && !$0.contains("accesses (words)") }
        #expect(rows.count == 2)  // the layer and the total
        request.showAccesses = false
        #expect(!(try request.render(format: .table, dataDir: repositoryRoot).text.contains("accesses per level and operand")))
    }
}
