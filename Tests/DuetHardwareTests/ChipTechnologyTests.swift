import Foundation
import Testing
@testable import DuetCore
@testable import DuetHardware

/// One technology node per chip, and one bandwidth-scaling rule for every path that sizes an array.
@Suite struct ChipTechnologyTests {
    let loader = AcceleratorLoader(dataDir: repositoryRoot)

    func write(_ text: String) throws -> (URL, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-chip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let p = dir.appendingPathComponent("chip.yaml")
        try text.write(to: p, atomically: true, encoding: .utf8)
        return (dir, p.path)
    }

    // MARK: Bandwidth scaling

    @Test func everyTemplateStatesItsBandwidthRule() throws {
        for t in try DataflowTemplate.all(dataDir: repositoryRoot) {
            let text = try String(contentsOfFile: repositoryRoot.appendingPathComponent("Templates/\(t.name).yaml").path, encoding: .utf8)
            #expect(text.contains("bandwidth_scaling:"), "\(t.name) must state how its bandwidths follow pe_rows/pe_cols")
        }
    }

    /// `--set pe_rows/pe_cols` scales the template's array-edge bandwidths by its rule (perimeter):
    /// NVDLA's 64×32 design has 128 words/cycle; a 16×8 array gets 128 × (16 + 8) / (64 + 32) = 32.
    @Test func setArrayScalesBandwidthsByTheTemplatesRule() throws {
        let s = try loader.load("nvdla", overrides: ["pe_rows=16", "pe_cols=8"]).subAccelerators[0]
        #expect(s.glbWordsPerCycle == 32)
        #expect(s.nocWordsPerCycle == 32)
        #expect(s.dramGBps == 25.6)   // dram_gbps: fixed
        // A bandwidth given explicitly is used as given.
        let e = try loader.load("nvdla", overrides: ["pe_rows=16", "pe_cols=8", "glb_words_per_cycle=100"]).subAccelerators[0]
        #expect(e.glbWordsPerCycle == 100)
        #expect(e.nocWordsPerCycle == 32)
        // A variant is the reference: nv_small's 8×8 array has 16 words/cycle; 16×8 → 16 × 24 / 16 = 24.
        let v = try loader.load("nvdla:nv_small", overrides: ["pe_rows=16"]).subAccelerators[0]
        #expect(v.glbWordsPerCycle == 24)
        // The published design is unchanged.
        let d = try loader.load("nvdla").subAccelerators[0]
        #expect(d.glbWordsPerCycle == 128 && d.nocWordsPerCycle == 128)
    }

    /// The hardware-space path (`BandwidthScaling.resized`) and the loader give the same sub-accelerator.
    @Test func resizedEqualsTheLoadersDesign() throws {
        for t in try DataflowTemplate.all(dataDir: repositoryRoot) {
            let base = try loader.load(t.name).subAccelerators[0]
            for (r, c) in [(8, 8), (16, 32), (64, 8)] {
                let viaLoader = try loader.load(t.name, overrides: ["pe_rows=\(r)", "pe_cols=\(c)", "allow_outside_template_ranges=true"]).subAccelerators[0]
                let viaSpace = t.bandwidthScaling.resized(base, rows: r, cols: c)
                #expect(viaSpace == viaLoader, "\(t.name) \(r)x\(c)")
            }
        }
    }

    @Test func rulesAreReadFromTheTemplate() throws {
        let (dir, _) = try write("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.yaml").path
        try """
            name: t
            array: broadcast
            mappings: {ws: {stationary: weight, rows: [c], cols: [k], stream: [p, q]}}
            parameters: {dataflow: ws}
            bandwidth_scaling: {glb_words_per_cycle: pes, noc_words_per_cycle: rows, dram_gbps: perimetre}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let e = #expect(throws: InputError.self) { try DataflowTemplate.load(path: path) }
        #expect(e?.description.contains("bandwidth_scaling.dram_gbps: unknown value (got 'perimetre'); did you mean 'perimeter'?") == true)
        let rule = BandwidthScaling.Rule.pes
        #expect(rule.scaled(10, from: (4, 4), to: (8, 8)) == 40)
        #expect(BandwidthScaling.Rule.rows.scaled(10, from: (4, 4), to: (8, 2)) == 20)
        #expect(BandwidthScaling.Rule.cols.scaled(10, from: (4, 4), to: (8, 2)) == 5)
        #expect(BandwidthScaling.Rule.fixed.scaled(10, from: (4, 4), to: (8, 2)) == 10)
    }

    // MARK: Technology tables

    /// Every figure of every technology table carries its source: a tag [Sn] naming an entry of
    /// the file's `sources`, or ASSUMPTION.
    @Test func everyTechnologyFigureSaysWhereItComesFrom() throws {
        let dir = repositoryRoot.appendingPathComponent("HardwareModels/technology")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix("nm.yaml") }
        #expect(files.count >= 5)
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            let sources = Set(text.split(separator: "\n").compactMap { l -> String? in
                guard let r = l.range(of: #"^\s*- "\[S[0-9]+\]"#, options: .regularExpression) else { return nil }
                return String(l[r].drop { $0 != "[" })
            })
            for line in text.split(separator: "\n").map(String.init) {
                let isFigure = line.range(of: #"^\s*(- \{bits:|[a-z_]+:\s*[0-9.]+)"#, options: .regularExpression) != nil
                guard isFigure, !line.hasPrefix("node_nm:"), !line.hasPrefix("scale_from:") else { continue }
                let comment = line.split(separator: "#", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
                let cited = comment.matches(of: /\[S[0-9]+\]/).map { String($0.output) }
                #expect(!cited.isEmpty || comment.contains("ASSUMPTION"), "\(f): '\(line)' names no source and is not marked ASSUMPTION")
                for c in cited { #expect(sources.contains(c), "\(f): \(c) is not among the file's sources") }
            }
        }
    }

    /// The Eyeriss design's area by component, by hand from the tables' figures (45nm.yaml, and
    /// 65nm.yaml's area_scale 2.09):
    ///   PE: 16-bit MAC 1100 µm² × pe_logic_factor 15.21 = 16,731; register files (SRAM fit
    ///   0.58 µm²/bit + 2000 µm² × min(1, bytes / 4096)): 448 B → 2,297.47, 24 B → 123.08,
    ///   48 B → 246.16; PE total 19,397.71 µm² × 2.09 × 168 PEs = 6.811 mm²;
    ///   global buffer 108 KiB: 884,736 bits × 0.58 + 2000 = 515,146.9 µm² × 2.09 = 1.077 mm²;
    ///   network 150 × 2.09 × 168 = 0.0527 mm²; control 1,402,362 × 2.09 = 2.931 mm²; total 10.871 mm².
    @Test func eyerissAreaByComponentByHand() throws {
        let b = AreaModel.area(of: try loader.load("eyeriss").subAccelerators[0])
        func close(_ x: SquareMillimeters, _ y: Double) -> Bool { abs(x.value - y) <= 1e-9 * y }
        let rf = { (bytes: Double) in bytes * 8 * 0.58 + 2000 * min(1, bytes / 4096) }
        let pe = 1100 * 15.21 + rf(448) + rf(24) + rf(48)
        #expect(abs(pe - 19_397.71) < 0.01)
        #expect(close(b.pes, pe * 2.09 * 168 * 1e-6))
        #expect(close(b.globalBuffer, (108 * 1024 * 8 * 0.58 + 2000) * 2.09 * 1e-6))
        #expect(close(b.noc, 150 * 2.09 * 168 * 1e-6))
        #expect(close(b.control, 1_402_362 * 2.09 * 1e-6))
        #expect(abs(b.total.value - 10.871) < 0.001)
    }

    /// The TPU v1 array by hand: a systolic PE uses systolic_pe_logic_factor (9.30, fitted to the
    /// floor plan's Matrix Multiply Unit, 24 % of ≤ 331 mm² = 79.4 mm²), not pe_logic_factor:
    ///   PE: int8 MAC 318 µm² × 9.30 = 2,957.4 µm² (no register files) × area_scale 0.39 × 65,536;
    ///   network 150 × 0.39 × 65,536; PE + network = 79.42 mm² (the figure it was fitted to, ± rounding).
    /// A broadcast array (nvdla) at the same size and node keeps pe_logic_factor 15.21.
    @Test func aSystolicPEHasItsOwnLogicFactor() throws {
        let tpu = try loader.load("tpu").subAccelerators[0]
        #expect(tpu.array == .systolic && tpu.peCount == 65_536 && tpu.nodeNm == 28)
        let b = AreaModel.area(of: tpu)
        let pes = 318 * 9.30 * 0.39 * 65_536 * 1e-6, noc = 150 * 0.39 * 65_536 * 1e-6
        #expect(abs(b.pes.value - pes) <= 1e-9 * pes)
        #expect(abs(b.noc.value - noc) <= 1e-9 * noc)
        #expect(abs(b.pes.value + b.noc.value - 0.24 * 331) < 0.1)
        #expect(tpu.technology.peLogicFactor(for: .systolic) == 9.30 && tpu.technology.peLogicFactor(for: .broadcast) == 15.21)
        var nvdla = try loader.load("nvdla").subAccelerators[0]
        nvdla.technology = tpu.technology
        let n = AreaModel.area(of: nvdla)
        let rf = { (bytes: Double) in bytes * 8 * 0.58 + 2000 * min(1, bytes / 4096) }
        let perPE = (318 * 15.21 + rf(Double(nvdla.rfWeightBytes)) + rf(Double(nvdla.rfInputBytes)) + rf(Double(nvdla.rfOutputBytes))) * 0.39
        #expect(abs(n.pes.value - perPE * Double(nvdla.peCount) * 1e-6) <= 1e-9 * n.pes.value)
    }

    // MARK: One node per chip

    /// A chip file whose sub-accelerators keep their templates' different nodes is refused,
    /// naming each node and where it came from.
    @Test func aChipMixingNodesIsRefused() throws {
        let (dir, path) = try write("""
            name: mixed
            dram_gbps: 16
            subaccelerators:
              - {name: a, template: nvdla, dram_gbps: 8}
              - {name: b, template: eyeriss, dram_gbps: 8}
            """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let e = #expect(throws: InputError.self) { try loader.load(path) }
        let text = e?.description ?? ""
        #expect(text.contains("node_nm"))
        #expect(text.contains("a chip has one technology node"))
        #expect(text.contains("a 16 nm (the nvdla template's)") && text.contains("b 65 nm (the eyeriss template's)"))
        #expect(text.contains("set node_nm once at the top of the accelerator file"))
        // A sub-accelerator's own node that differs from the chip's is refused too.
        let (dir2, path2) = try write("""
            name: mixed
            node_nm: 28
            subaccelerators:
              - {name: a, template: nvdla}
              - {name: b, template: eyeriss, node_nm: 65}
            """)
        defer { try? FileManager.default.removeItem(at: dir2) }
        #expect(throws: InputError.self) { try loader.load(path2) }
    }

    /// The chip's node (top of the file, or `--set node_nm=N`) normalizes every sub-accelerator:
    /// energies and areas come from that node's table, and the output notes each template
    /// evaluated away from its published node.
    @Test func theChipsNodeNormalizesTemplates() throws {
        let (dir, path) = try write("""
            name: one-node
            node_nm: 28
            clock_mhz: 500
            subaccelerators:
              - {name: a, template: nvdla}
              - {name: b, template: eyeriss}
              - {name: c, template: tpu, variant: edge, clock_mhz: 400}
            """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let chip = try loader.load(path)
        #expect(chip.subAccelerators.map(\.nodeNm) == [28, 28, 28])
        #expect(chip.subAccelerators.map(\.clockMHz) == [500, 500, 400])   // a sub-accelerator's own clock wins
        let t28 = try Technology.load(nodeNm: 28, dataDir: repositoryRoot)
        #expect(chip.subAccelerators.allSatisfy { $0.technology == t28 })
        #expect(chip.notes.count == 3)   // nvdla 16, eyeriss 65, tpu:edge 16 → all evaluated at 28
        #expect(chip.notes[1] == "b: the eyeriss template's published design is 65 nm; evaluated at 28 nm (energy and area from HardwareModels/technology/28nm.yaml)")
        // --set node_nm applies to every sub-accelerator of a file that mixes nodes.
        let (dir2, path2) = try write("""
            name: mixed
            subaccelerators:
              - {name: a, template: nvdla}
              - {name: b, template: eyeriss}
            """)
        defer { try? FileManager.default.removeItem(at: dir2) }
        #expect(try loader.load(path2, overrides: ["node_nm=16"]).subAccelerators.map(\.nodeNm) == [16, 16])
        // A template evaluated at its own node has no note; at another node, one note.
        #expect(try loader.load("eyeriss").notes.isEmpty)
        let moved = try loader.load("eyeriss", overrides: ["node_nm=16"])
        #expect(moved.notes.count == 1)
        #expect(moved.area.value < (try loader.load("eyeriss")).area.value)
    }
}
