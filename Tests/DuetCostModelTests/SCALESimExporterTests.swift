import DuetCore
import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// The SCALE-Sim exporter: the config describes the sub-accelerator, and each topology row is a
/// layer SCALE-Sim reads back with Duet's output extent, MACs and (by the closed form verified
/// against SCALE-Sim 3.0.0, ../shared/notes/REFERENCE-FIGURES.md) compute cycles.
@Suite struct SCALESimExporterTests {
    struct Row { var name: String; var h, w, r, s, c, k, stride: Int }

    func rows(_ csv: String) throws -> [Row] {
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.first == SCALESimExporter.topologyHeader)
        return try lines.dropFirst().map { line in
            #expect(line.hasSuffix(","))
            let f = line.dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            try #require(f.count == 8)
            let v = try f.dropFirst().map { try #require(Int($0)) }
            return Row(name: f[0], h: v[0], w: v[1], r: v[2], s: v[3], c: v[4], k: v[5], stride: v[6])
        }
    }

    func config(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let kv = line.split(separator: line.contains("=") ? "=" : ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2 { out[kv[0]] = kv[1] }
        }
        return out
    }

    @Test(arguments: ["ws", "os", "is"])
    func resnet18OnTheEdgeTPU(dataflow: String) throws {
        let hw = try accelerator("tpu:edge", ["dataflow=\(dataflow)"])
        let net = try NetworkReference.resolve("resnet18", options: BuildOptions(input: 64))
        let a = try net.analyze()
        let files = try SCALESimExporter().export(ExportDesign(networks: [net], accelerator: Accelerator(name: "edge", subAccelerators: [hw], dramGBps: hw.dramGBps)),
                                                  baseName: "r18", options: ExportOptions())
        #expect(files.map(\.name) == ["r18.cfg", "r18.csv"])
        let cfg = config(String(decoding: files[0].data, as: UTF8.self))
        #expect(cfg["run_name"] == "r18")
        #expect(cfg["ArrayHeight"] == "\(hw.peRows)" && cfg["ArrayWidth"] == "\(hw.peCols)")
        #expect(cfg["Dataflow"] == dataflow)
        #expect(cfg["IfmapSramSzkB"] == "\(Int(hw.globalBufferKiB / 3))")
        let table = try rows(String(decoding: files[1].data, as: UTF8.self))
        let compute = a.layers.filter { $0.macs > 0 }
        #expect(table.count == compute.count)  // resnet18 has no grouped layers
        for (row, l) in zip(table, compute) {
            let n = try #require(l.loops)
            // SCALE-Sim derives the output extent without padding: (H − R) / stride + 1.
            let p = (row.h - row.r) / row.stride + 1, q = (row.w - row.s) / row.stride + 1
            #expect(row.name == l.layer.name)
            #expect(p == n.p && q == n.q && row.r == n.r && row.s == n.s && row.c == n.c && row.k == n.k, "\(row.name)")
            // The simulator's compute cycles for the row equal Duet's systolic model of the layer.
            let cycles = SystolicComputeCyclesTests.scaleSim(dataflow, k: row.k, c: row.c, p: p, q: q, r: row.r, s: row.s, ar: hw.peRows, ac: hw.peCols)
            #expect(cycles == ArrayModel(loops: LoopNest(n: 1, k: n.k, c: n.c, p: n.p, q: n.q, r: n.r, s: n.s), hw: hw).computeCycles, "\(row.name)")
        }
    }

    @Test func groupedLayersBecomeOneRowPerGroupAndTheMACsAddUp() throws {
        let hw = try accelerator("tpu:edge")
        let net = try NetworkReference.resolve("mobilenet-v2", options: BuildOptions(input: 64))
        let a = try net.analyze()
        let csv = try SCALESimExporter().topology(a)
        let table = try rows(csv)
        let macs = table.reduce(0) { t, r in t + ((r.h - r.r) / r.stride + 1) * ((r.w - r.s) / r.stride + 1) * r.r * r.s * r.c * r.k }
        #expect(macs == a.layers.filter { $0.loops != nil }.reduce(0) { $0 + $1.macs })
        #expect(table.contains { $0.name.hasSuffix(".g0") })
        #expect(Set(table.map(\.name)).count == table.count)
        _ = hw
    }

    @Test func aNonSystolicOrRowStationaryArrayIsRefused() throws {
        let net = try NetworkReference.resolve("resnet18", options: BuildOptions(input: 32))
        for ref in ["eyeriss", "nvdla"] {
            let hw = try accelerator(ref)
            let e = #expect(throws: InputError.self) {
                try SCALESimExporter().export(ExportDesign(networks: [net], accelerator: Accelerator(name: ref, subAccelerators: [hw], dramGBps: 1)),
                                              baseName: "x", options: ExportOptions())
            }
            #expect(e?.issues.first?.keyPath == "accelerator")
            #expect(e?.issues.first?.hint?.contains("tpu:edge") == true)
        }
        let e = #expect(throws: InputError.self) { try SCALESimExporter().export(ExportDesign(networks: [net]), baseName: "x", options: ExportOptions()) }
        #expect(e?.issues.first?.message == "the scalesim export needs an accelerator")
    }
}
