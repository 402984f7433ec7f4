import DuetCore
import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// The ZigZag exporter: the three YAML files parse (Yams, through ConfigNode), and on
/// hand-checkable layers carry the exact keys ZigZag 3.9.1's validators require, the layer's
/// loop sizes and the spatial mapping Duet chose. That ZigZag's own parser accepts them is
/// checked by docs/validation/zigzag/run_exports.sh with ZigZag itself.
@Suite struct ZigZagExporterTests {
    func export(_ net: Network, _ hw: SubAccelerator) throws -> (acc: ConfigNode, workload: ConfigNode, mapping: ConfigNode, texts: [String]) {
        let files = try ZigZagExporter().export(ExportDesign(networks: [net], accelerator: Accelerator(name: hw.name, subAccelerators: [hw], dramGBps: hw.dramGBps)),
                                                baseName: "net", options: ExportOptions())
        #expect(files.map(\.name) == ["net_accelerator.yaml", "net_workload.yaml", "net_mapping.yaml"])
        let texts = files.map { String(decoding: $0.data, as: UTF8.self) }
        return (try ConfigNode.parse(yaml: texts[0], file: files[0].name), try ConfigNode.parse(yaml: texts[1], file: files[1].name),
                try ConfigNode.parse(yaml: texts[2], file: files[2].name), texts)
    }

    func get(_ n: ConfigNode, _ key: String) throws -> ConfigNode {
        guard case .mapping(let kv) = n.value, let v = kv.first(where: { $0.key == key }) else {
            Issue.record("no key \(key)"); throw InputError(keyPath: key, message: "missing in test")
        }
        return v.value
    }

    func keys(_ n: ConfigNode) -> [String] {
        if case .mapping(let kv) = n.value { return kv.map(\.key) }
        return []
    }

    func list(_ n: ConfigNode) -> [ConfigNode] {
        if case .sequence(let xs) = n.value { return xs }
        return []
    }

    func scalars(_ n: ConfigNode) -> [String] { list(n).compactMap(\.scalarText) }

    /// The mapping entry named `name`: D1 and D2 as "DIM, factor" strings.
    func spatial(_ mapping: ConfigNode, _ name: String) throws -> (d1: [String], d2: [String]) {
        let e = try #require(list(mapping).first { (try? get($0, "name").scalarText) == name })
        let sm = try get(e, "spatial_mapping")
        return (scalars(try get(sm, "D1")), scalars(try get(sm, "D2")))
    }

    @Test func convolutionOnNVDLA() throws {
        let hw = try accelerator("nvdla")
        let net = try NetworkReference.inlineLayer("conv,k=64,c=32,p=28,q=28,r=3,s=3,stride=2")
        let (acc, wl, mp, _) = try export(net, hw)
        // Workload: ZigZag's grouped Conv equation, K and C per group, OX = q, OY = p, FX = s, FY = r.
        let layer = try #require(list(wl).first)
        #expect(try get(layer, "name").scalarText == "conv")
        #expect(try get(layer, "operator_type").scalarText == "Conv")
        #expect(try get(layer, "equation").scalarText == "O[b][g][k][oy][ox]+=W[g][k][c][fy][fx]*I[b][g][c][iy][ix]")
        #expect(scalars(try get(layer, "loop_dims")) == ["B", "K", "G", "OX", "OY", "C", "FX", "FY"])
        #expect(scalars(try get(layer, "loop_sizes")) == ["1", "64", "1", "28", "28", "32", "3", "3"])
        #expect(scalars(try get(layer, "dimension_relations")) == ["ix=2*ox+1*fx", "iy=2*oy+1*fy"])
        // Unpadded input extent (28 − 1)·2 + 3 = 57.
        #expect(scalars(try get(layer, "pr_loop_sizes")) == ["57", "57"])
        let precision = try get(layer, "operand_precision")
        #expect(try get(precision, "W").scalarText == "8" && get(precision, "O").scalarText == "16" && get(precision, "O_final").scalarText == "8")
        // Mapping: nvdla's rows hold C (64 ≥ 32: all of it), its columns K (32 of 64).
        #expect(try spatial(mp, "conv") == (["C, 32"], ["K, 32"]))
        #expect(try spatial(mp, "default") == (["C, 64"], ["K, 32"]))
        // Accelerator: a 64 × 32 array (broadcast: no systolic dimensions), memories innermost first.
        let oa = try get(acc, "operational_array")
        #expect(scalars(try get(oa, "sizes")) == ["64", "32"])
        #expect(!keys(oa).contains("systolic_dimensions"))
        let mem = try get(acc, "memories")
        #expect(keys(mem) == ["rf_weight", "rf_input", "rf_psum", "global_buffer", "dram"])
        // The global buffer's port is glb_words_per_cycle words of 8 bits wide and costs Duet's pJ per bit.
        let glb = try get(mem, "global_buffer")
        let port = try #require(list(try get(glb, "ports")).first)
        let width = Int(hw.glbWordsPerCycle) * 8
        #expect(try get(port, "bandwidth_max").scalarText == "\(width)")
        #expect(try get(glb, "size").scalarText == "\(hw.globalBufferBytes * 8)")
        let cost = try #require(Double(try get(glb, "r_cost").scalarText ?? ""))
        let expected = Double(width) * hw.technology.globalBufferPJPerBit(bytes: hw.globalBufferBytes)
        #expect(abs(cost - expected) <= 1e-5 * expected)
        #expect(scalars(try get(glb, "served_dimensions")) == ["D1", "D2"])
        #expect(scalars(try get(try get(mem, "rf_psum"), "served_dimensions")).isEmpty)
    }

    /// A systolic TPU's flattened c·r·s rows: S and R whole (3·3 = 9), then C as far as 32 rows
    /// hold it (⌊32 / 9⌋ = 3): 27 of 32 rows; K on the 32 columns.
    @Test func flattenedRowsOnTheEdgeTPU() throws {
        let hw = try accelerator("tpu:edge")
        let net = try NetworkReference.inlineLayer("conv,k=64,c=32,p=14,q=14,r=3,s=3")
        let (acc, _, mp, _) = try export(net, hw)
        #expect(try spatial(mp, "conv") == (["C, 3", "FY, 3", "FX, 3"], ["K, 32"]))
        #expect(scalars(try get(try get(acc, "operational_array"), "systolic_dimensions")) == ["D1", "D2"])
        // Output-stationary: rows n·p·q (OX 14 whole, then OY ⌊32/14⌋ = 2), columns K.
        let os = try accelerator("tpu:edge", ["dataflow=os"])
        #expect(try spatial(try export(net, os).mapping, "conv") == (["OY, 2", "OX, 14"], ["K, 32"]))
    }

    /// A depthwise layer: G = channels, K = C = 1 per group; the groups Duet packs side by side go
    /// on the axis holding C, as many as Duet packs.
    @Test func depthwiseLayer() throws {
        let hw = try accelerator("nvdla")
        let net = try NetworkReference.inlineLayer("depthwise,k=32,c=1,p=56,q=56,r=3,s=3,groups=32")
        let (_, wl, mp, _) = try export(net, hw)
        let layer = try #require(list(wl).first)
        #expect(scalars(try get(layer, "loop_sizes")) == ["1", "1", "32", "56", "56", "1", "3", "3"])
        let result = try NetworkEvaluator.evaluate(try net.analyze(), on: hw)
        let packed = min(32, try #require(result.layers.first).cost.mapping.groupsPacked)
        let (d1, d2) = try spatial(mp, "depthwise")
        #expect(d1 == (packed > 1 ? ["G, \(packed)"] : ["K, 1"]))
        #expect(d2 == ["K, 1"])
    }

    /// Eyeriss's row-stationary mapping: filter rows (FY) on the PE rows, output rows (OY) on the
    /// columns, as Duet's chosen mapping spans them.
    @Test func rowStationaryOnEyeriss() throws {
        let hw = try accelerator("eyeriss")
        let net = try NetworkReference.inlineLayer("conv,k=64,c=64,p=56,q=56,r=3,s=3")
        let (_, _, mp, _) = try export(net, hw)
        let chosen = try #require(try NetworkEvaluator.evaluate(try net.analyze(), on: hw).layers.first).cost.mapping
        let (d1, d2) = try spatial(mp, "conv")
        #expect(d1.first == "FY, 3")
        #expect(d2.first == "OY, \(try #require(chosen.colLoops.first { $0.dim == .p }).factor)")
        func product(_ xs: [String]) -> Int { xs.reduce(1) { $0 * (Int($1.split(separator: " ").last ?? "1") ?? 1) } }
        #expect(product(d1) <= hw.peRows && product(d2) <= hw.peCols)
    }

    /// Hand-made chosen mappings: a loop spanning more PEs than its per-group extent replicates
    /// over groups (G); groups packed on NVDLA-style lanes go on the rows, capped at what is left.
    @Test func chosenMappingToZigZag() {
        let dw = LoopNest(n: 1, k: 32, c: 1, p: 14, q: 14, r: 3, s: 3, groups: 32)
        var rs = MappingDescription(spatial: "", tile: "", order: "", groupsPacked: 4)
        rs.rowLoops = [MappedLoop(.r, 3), MappedLoop(.c, 4)]
        rs.colLoops = [MappedLoop(.p, 14)]
        let a = ZigZagExporter.spatial(dw, chosen: rs, placement: .block, rows: 12, cols: 14)
        #expect(a.0.map { "\($0.0)\($0.1)" } == ["FY3", "G4"])
        #expect(a.1.map { "\($0.0)\($0.1)" } == ["OY14"])
        var lanes = MappingDescription(spatial: "", tile: "", order: "", groupsPacked: 32)
        lanes.rowLoops = [MappedLoop(.c, 1)]
        lanes.colLoops = [MappedLoop(.k, 1)]
        let b = ZigZagExporter.spatial(dw, chosen: lanes, placement: .rows, rows: 16, cols: 4)
        #expect(b.0.map { "\($0.0)\($0.1)" } == ["G16"])
        #expect(b.1.isEmpty)
        let c = ZigZagExporter.spatial(dw, chosen: lanes, placement: .cols, rows: 16, cols: 4)
        #expect(c.0.isEmpty && c.1.map { "\($0.0)\($0.1)" } == ["G4"])
    }

    /// Every layer of MobileNetV2 with MACs has a workload entry and a mapping entry of the same
    /// name, in Duet's order, and its spatial unrolling fits the array.
    @Test func mobileNetV2NamesAndFit() throws {
        let hw = try accelerator("shidiannao")
        let net = try NetworkReference.resolve("mobilenet-v2", options: BuildOptions(input: 64))
        let a = try net.analyze()
        let (_, wl, mp, texts) = try export(net, hw)
        let names = try list(wl).map { try #require(try get($0, "name").scalarText) }
        #expect(names.count == a.layers.filter { $0.macs > 0 && $0.loops != nil }.count)
        #expect(Set(names).count == names.count)
        let mapped = try list(mp).map { try #require(try get($0, "name").scalarText) }
        #expect(mapped == ["default"] + names)
        for n in names {
            let (d1, d2) = try spatial(mp, n)
            func product(_ xs: [String]) -> Int { xs.reduce(1) { $0 * (Int($1.split(separator: " ").last ?? "1") ?? 1) } }
            #expect(product(d1) <= hw.peRows && product(d2) <= hw.peCols, "\(n)")
        }
        #expect(texts[1].contains("# duet: features.0"))
    }

    @Test func refusedInputs() throws {
        let net = try NetworkReference.inlineLayer("conv,k=8,c=8,p=4,q=4,r=1,s=1")
        let e = #expect(throws: InputError.self) {
            try ZigZagExporter().export(ExportDesign(networks: [net]), baseName: "x", options: ExportOptions())
        }
        #expect(e?.issues.first?.message == "the zigzag export needs an accelerator")
        let noNetwork = #expect(throws: InputError.self) {
            try ZigZagExporter().export(ExportDesign(networks: []), baseName: "x", options: ExportOptions())
        }
        #expect(noNetwork?.issues.first?.keyPath == "network")
    }
}
