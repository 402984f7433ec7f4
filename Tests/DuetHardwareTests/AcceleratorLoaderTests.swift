import Foundation
import Testing
@testable import DuetCore
@testable import DuetHardware

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct AcceleratorLoaderTests {
    let loader = AcceleratorLoader(dataDir: repositoryRoot)

    @Test func everyTemplateAndVariantLoads() throws {
        for t in try DataflowTemplate.all(dataDir: repositoryRoot) {
            #expect(!t.sources.isEmpty, "\(t.name) must say where its numbers come from")
            for v in t.variants {
                let a = try loader.load("\(t.name):\(v.name)")
                #expect(a.subAccelerators.count == 1)
                #expect(a.area.value > 0)
            }
        }
    }

    @Test func eyerissDefaultsArePublishedDesign() throws {
        let e = try loader.load("eyeriss").subAccelerators[0]
        #expect(e.peRows == 12 && e.peCols == 14)
        #expect(e.globalBufferKiB == 108)
        #expect(e.rfWeightBytes == 224 * 2 && e.rfInputBytes == 12 * 2 && e.rfOutputBytes == 24 * 2)
        #expect(e.clockMHz == 200 && e.precisionBits == 16 && e.nodeNm == 65)
    }

    @Test func setOverridesApply() throws {
        let a = try loader.load("tpu", overrides: ["pe_rows=32", "pe_cols=16", "dataflow=os", "global_buffer_kib=256"])
        let s = a.subAccelerators[0]
        #expect(s.peRows == 32 && s.peCols == 16 && s.dataflow == .os && s.globalBufferKiB == 256)
        #expect(s.mapping.stationary == .output)
    }

    @Test func zeroPEsIsAnError() {
        let e = #expect(throws: InputError.self) { try loader.load("tpu", overrides: ["pe_rows=0"]) }
        #expect(e?.description == "at --set pe_rows=0: pe_rows must be from 1 to 65,536 (got '0'); a sub-accelerator needs at least one PE row and column, and positive sizes")
    }

    @Test func unknownTemplateSuggests() {
        let e = #expect(throws: InputError.self) { try loader.load("eyris") }
        #expect(e?.description == "at template: unknown template (got 'eyris'); did you mean 'eyeriss'?")
    }

    @Test func unknownParameterAndDataflow() {
        let e = #expect(throws: InputError.self) { try loader.load("tpu", overrides: ["pe_row=4"]) }
        #expect(e?.issues[0].hint == "did you mean 'pe_rows'?")
        let e2 = #expect(throws: InputError.self) { try loader.load("tpu", overrides: ["dataflow=rs"]) }
        #expect(e2?.issues[0].message == "template 'tpu' has no dataflow 'rs'")
        let e3 = #expect(throws: InputError.self) { try loader.load("tpu", overrides: ["node_nm=90"]) }
        #expect(e3?.issues[0].message == "no technology table for this node")
    }

    @Test func multiSubAcceleratorFileWithEveryProblemReported() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-acc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("chip.yaml")
        try """
            name: duo
            dram_gbps: 16
            node_nm: 16
            subaccelerators:
              - {name: big, template: tpu, variant: edge, dram_gbps: 8}
              - {name: small, template: eyeriss, dram_gbps: 8}
            """.write(to: good, atomically: true, encoding: .utf8)
        let a = try loader.load(good.path, overrides: ["small.pe_cols=7"])
        #expect(a.subAccelerators.map(\.name) == ["big", "small"])
        #expect(a.subAccelerators[1].peCols == 7)
        #expect(a.dramGBps == 16)
        let bad = dir.appendingPathComponent("bad.yaml")
        try """
            subaccelerators:
              - {name: a, template: tpu, pe_rows: 0}
              - {name: b, template: nvdla, pe_colz: 4}
            """.write(to: bad, atomically: true, encoding: .utf8)
        let e = #expect(throws: InputError.self) { try loader.load(bad.path) }
        let messages = e?.issues.map(\.description) ?? []
        #expect(messages.contains { $0.contains("subaccelerators[1].pe_colz: unknown key 'pe_colz'; did you mean 'pe_cols'?") })
        #expect(messages.contains { $0.contains("subaccelerators[0].pe_rows") && $0.contains("must be from 1 to 65,536") })
    }
}

@Suite struct TechnologyTests {
    @Test func referenceNodeAndScaling() throws {
        let t45 = try Technology.load(nodeNm: 45, dataDir: repositoryRoot)
        let t28 = try Technology.load(nodeNm: 28, dataDir: repositoryRoot)
        // Horowitz ISSCC'14: 8-bit multiply 0.2 pJ + add 0.03 pJ.
        #expect(abs(t45.macEnergy(bits: 8).value - 0.23) < 1e-12)
        #expect(abs(t28.macEnergy(bits: 8).value - 0.23 * 0.55) < 1e-12)
        // SRAM fit through Horowitz's points: 8 KB ≈ 10 pJ and 1 MB ≈ 100 pJ per 64-bit read.
        #expect(abs(t45.storagePJPerBit(bytes: 8 * 1024) * 64 - 10) < 0.1)
        #expect(abs(t45.storagePJPerBit(bytes: 1024 * 1024) * 64 - 113) < 1)
        // Interpolated 12-bit MAC lies between the 8- and 16-bit figures.
        let m12 = t45.macEnergy(bits: 12).value
        #expect(m12 > 0.23 && m12 < 0.85)
    }
}
