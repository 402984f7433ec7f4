import DuetCore
import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// The MAESTRO exporter on hand-checkable layers: exact dimensions and directives (MAESTRO's own
/// example mappings, data/mapping/*.m in github.com/maestro-project/maestro, with the cluster
/// sizes of the array), the hardware file, grouped and depthwise layers, refused inputs. That
/// MAESTRO parses the files is checked by docs/validation/maestro/run.sh with MAESTRO itself.
@Suite struct MAESTROExporterTests {
    func export(_ net: Network, _ hw: SubAccelerator, exporter: MAESTROExporter = MAESTROExporter()) throws -> (mapping: String, hardware: String) {
        let files = try exporter.export(ExportDesign(networks: [net], accelerator: Accelerator(name: hw.name, subAccelerators: [hw], dramGBps: hw.dramGBps)),
                                        baseName: "net", options: ExportOptions())
        #expect(files.map(\.name) == ["net.m", "net_hw.m"])
        return (String(decoding: files[0].data, as: UTF8.self), String(decoding: files[1].data, as: UTF8.self))
    }

    /// The lines of the `Dataflow` block of the layer named `layer`.
    func dataflow(_ text: String, layer: String) throws -> [String] {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let start = try #require(lines.firstIndex(of: "Layer \(layer) {"))
        let open = try #require(lines[start...].firstIndex(of: "Dataflow {"))
        let close = try #require(lines[open...].firstIndex(of: "}"))
        return Array(lines[(open + 1)..<close])
    }

    func line(_ text: String, after layer: String, starting prefix: String) -> String? {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let start = lines.firstIndex(of: "Layer \(layer) {") else { return nil }
        return lines[start...].first { $0.hasPrefix(prefix) }
    }

    /// Duet's mapping of `net`'s only layer on `hw`: the output rows of its buffer tile and the groups packed side by side.
    func duetStep(_ net: Network, _ hw: SubAccelerator) throws -> (rows: Int, packed: Int) {
        let m = try #require(NetworkEvaluator.evaluate(try net.analyze(), on: hw).layers.first).cost.mapping
        return (m.tileExtents.p, m.groupsPacked)
    }

    /// The issue's anchor: a 3×3 depthwise layer of 32 channels, 110×110 outputs, on NVDLA 64×4.
    /// Duet runs it on NVDLA's channel lanes (32 of the 64 C lanes, one channel each), and the
    /// export gives MAESTRO that mapping: one cluster of 32 PEs busy (an outer spatial map over
    /// the whole R has one iteration), a stripe of the buffer tile's output rows per outer step.
    /// (MAESTRO's own example form, MobileNetV2_kcp_ws.m's DSCONV over every PE, runs it in
    /// 133,100 cycles on its accelerator_1.m: docs/validation/maestro/anchor.csv.)
    @Test func depthwiseAnchorOnNVDLA() throws {
        let hw = try accelerator("nvdla", ["pe_rows=64", "pe_cols=4", "allow_outside_template_ranges=true"])
        let net = try NetworkReference.inlineLayer("depthwise,k=32,c=1,p=110,q=110,r=3,s=3,groups=32")
        let (m, h) = try export(net, hw)
        #expect(line(m, after: "depthwise", starting: "Type:") == "Type: DSCONV")
        #expect(line(m, after: "depthwise", starting: "Stride") == "Stride { X: 1, Y: 1 }")
        // Y = (p − 1)·stride + r = 112: MAESTRO's (Y − R)/stride + 1 gives Duet's 110.
        #expect(line(m, after: "depthwise", starting: "Dimensions") == "Dimensions { K: 1, C: 32, R: 3, S: 3, Y: 112, X: 112 }")
        let step = try duetStep(net, hw)
        #expect(step.packed == 32)  // 32 channels, 64 lanes
        // The stripe: tile rows t take (t − 1)·1 + 3 input rows, t apart (one tile of all 112
        // rows when t = 110); every output column: one tile as wide as the input (112).
        let yTile = step.rows == 110 ? "TemporalMap(112,112) Y;" : "TemporalMap(\(step.rows + 2),\(step.rows)) Y;"
        #expect(try dataflow(m, layer: "depthwise") == [
            "TemporalMap(32,32) C;", "SpatialMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;",
            yTile, "TemporalMap(112,112) X;", "Cluster(32,P);", "SpatialMap(1,1) C;",
            "TemporalMap(Sz(R),1) Y;", "TemporalMap(Sz(S),1) X;", "TemporalMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;"])
        #expect(m.contains("// duet: depthwise\n"))
        // 256 PEs; L1 = weight 1 + input 0 + accumulator 4 bytes; L2 = 512 KiB; off-chip 25.6 GB/s at 1 GHz = 25 one-byte words per cycle.
        let fields = Dictionary(uniqueKeysWithValues: h.split(separator: "\n").map { l -> (String, String) in
            let kv = l.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            return (kv[0], kv[1])
        })
        #expect(fields["num_pes"] == "256")
        #expect(fields["l1_size_cstr"] == "5")
        #expect(fields["l2_size_cstr"] == "524288")
        #expect(fields["offchip_bw_cstr"] == "25")
        #expect(fields["noc_bw_cstr"] == "\(Int(hw.nocWordsPerCycle))")
    }

    /// A dense 3×3 convolution on each template's dataflow: the directives of MAESTRO's example for it.
    @Test func convolutionPerStyle() throws {
        let net = try NetworkReference.inlineLayer("conv,k=64,c=32,p=28,q=28,r=3,s=3,stride=2")
        // nvdla 64×32: K across the 32 column clusters, C on the 64 PEs of a cluster (kcp_ws).
        let nv = try accelerator("nvdla")
        #expect(try MAESTROExporter.style(of: nv) == .kcpWS)
        // One outer step streams the buffer tile's t output rows by all 28 columns: (t − 1)·2 + 3
        // input rows 2t apart (one tile of all 57 when t = 28), all (28 − 1)·2 + 3 = 57 columns in one tile.
        let t = try duetStep(net, nv).rows
        let yTile = t == 28 ? "TemporalMap(57,57) Y;" : "TemporalMap(\((t - 1) * 2 + 3),\(2 * t)) Y;"
        #expect(try dataflow(export(net, nv).mapping, layer: "conv") == [
            "SpatialMap(1,1) K;", "TemporalMap(64,64) C;", "TemporalMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;",
            yTile, "TemporalMap(57,57) X;", "Cluster(64,P);", "SpatialMap(1,1) C;",
            "TemporalMap(Sz(R),1) Y;", "TemporalMap(Sz(S),1) X;", "TemporalMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;"])
        // shidiannao 8×8: output rows across 8 clusters, 8 output columns per cluster; the X tile
        // is (8 − 1)·2 + 3 = 17 input columns, 8·2 = 16 apart (stride 2).
        let sd = try accelerator("shidiannao")
        #expect(try MAESTROExporter.style(of: sd) == .yxpOS)
        #expect(try dataflow(export(net, sd).mapping, layer: "conv") == [
            "TemporalMap(1,1) K;", "TemporalMap(1,1) C;", "SpatialMap(Sz(R),1) Y;", "TemporalMap(17,16) X;",
            "TemporalMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;", "Cluster(8,P);", "SpatialMap(Sz(S),1) X;"])
        // eyeriss: MAESTRO's row-stationary mapping, clusters of Sz(R) PEs.
        let ey = try accelerator("eyeriss")
        #expect(try MAESTROExporter.style(of: ey) == .rs)
        #expect(try dataflow(export(net, ey).mapping, layer: "conv") == [
            "SpatialMap(1,1) Y';", "TemporalMap(1,1) X';", "TemporalMap(1,1) C;", "TemporalMap(16,16) K;",
            "TemporalMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;", "Cluster(Sz(R),P);", "SpatialMap(1,1) Y;",
            "SpatialMap(1,1) R;", "TemporalMap(Sz(S),Sz(S)) S;"])
        // tpu:edge os: K across 32 column clusters, 32 output columns per cluster: (32 − 1)·2 + 3 = 65
        // input columns, capped at the input's 57 (MAESTRO gives 0 cycles for a tile wider than X),
        // one tile (57 apart: MAESTRO miscounts tiles further apart than they are wide).
        let os = try accelerator("tpu:edge", ["dataflow=os"])
        #expect(try MAESTROExporter.style(of: os) == .kxOS)
        #expect(try dataflow(export(net, os).mapping, layer: "conv") == [
            "SpatialMap(1,1) K;", "TemporalMap(1,1) C;", "TemporalMap(Sz(R),1) Y;", "TemporalMap(57,57) X;",
            "TemporalMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;", "Cluster(32,P);", "SpatialMap(Sz(S),1) X;"])
        // input_stationary 16×16: output columns across 16 clusters, C on the 16 PEs of a cluster, K innermost.
        let ist = try accelerator("input_stationary")
        #expect(try MAESTROExporter.style(of: ist) == .xcIS)
        #expect(try dataflow(export(net, ist).mapping, layer: "conv") == [
            "SpatialMap(Sz(S),1) X;", "TemporalMap(Sz(R),1) Y;", "TemporalMap(16,16) C;", "TemporalMap(Sz(R),Sz(R)) R;",
            "TemporalMap(Sz(S),Sz(S)) S;", "TemporalMap(1,1) K;", "Cluster(16,P);", "SpatialMap(1,1) C;"])
        #expect(try MAESTROExporter.style(of: accelerator("tpu:edge")) == .kcpWS)
        let (m, _) = try export(net, nv)
        #expect(line(m, after: "conv", starting: "Dimensions") == "Dimensions { K: 64, C: 32, R: 3, S: 3, Y: 57, X: 57 }")
        #expect(line(m, after: "conv", starting: "Stride") == "Stride { X: 2, Y: 2 }")
    }

    /// The kcp_ws directives from a layer's step, hand-set: a stride-2 depthwise layer (144
    /// channels, 56×56 outputs from 113×113) on 64 lanes with a 14-row stripe, the same layer
    /// without lanes (MAESTRO's DSCONV form, a systolic TPU's), and a 1×1 layer's whole-plane step.
    @Test func kcpStepsByHand() throws {
        let hw = try accelerator("nvdla", ["pe_rows=64", "pe_cols=4", "allow_outside_template_ranges=true"])
        let dw = MAESTROExporter.Layer(name: "dw", duetName: "dw", depthwise: true, n: 1, k: 1, c: 144, r: 3, s: 3, y: 113, x: 113,
                                       strideY: 2, strideX: 2, rowsPerStep: 14, lanes: 64)
        #expect((dw.p, dw.q) == (56, 56))
        #expect(MAESTROExporter().directives(dw, hw: hw, style: .kcpWS) == [
            "TemporalMap(64,64) C;", "SpatialMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;",
            "TemporalMap(29,28) Y;", "TemporalMap(113,113) X;", "Cluster(64,P);", "SpatialMap(1,1) C;",
            "TemporalMap(Sz(R),1) Y;", "TemporalMap(Sz(S),1) X;", "TemporalMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;"])
        var spread = dw
        spread.lanes = nil
        #expect(MAESTROExporter().directives(spread, hw: hw, style: .kcpWS) == [
            "SpatialMap(1,1) C;", "TemporalMap(Sz(R),1) Y;", "TemporalMap(Sz(S),1) X;", "TemporalMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;"])
        let pw = MAESTROExporter.Layer(name: "pw", duetName: "pw", depthwise: false, n: 1, k: 96, c: 16, r: 1, s: 1, y: 112, x: 112,
                                       strideY: 1, strideX: 1, rowsPerStep: 112)
        #expect(Array(MAESTROExporter().directives(pw, hw: hw, style: .kcpWS)[4...5]) == ["TemporalMap(112,112) Y;", "TemporalMap(112,112) X;"])
        // A 2×2 window at stride 3 (10×10 outputs from 29×29): a 4-row stripe is 4·3 = 12 rows
        // wide, not (4 − 1)·3 + 2 = 11, so that stripes 12 apart leave no gap; the whole width is one tile.
        let gap = MAESTROExporter.Layer(name: "g", duetName: "g", depthwise: false, n: 1, k: 8, c: 8, r: 2, s: 2, y: 29, x: 29,
                                        strideY: 3, strideX: 3, rowsPerStep: 4)
        #expect(Array(MAESTROExporter().directives(gap, hw: hw, style: .kcpWS)[4...5]) == ["TemporalMap(12,12) Y;", "TemporalMap(29,29) X;"])
        // A 1×1 stride-2 layer reads every other input: written as stride 1 over the 28×28 inputs it reads.
        let ds = try MAESTROExporter().layers(try NetworkReference.inlineLayer("conv,k=512,c=256,p=28,q=28,r=1,s=1,stride=2").analyze())
        #expect(ds.map { [$0.y, $0.x, $0.strideY, $0.strideX, $0.p, $0.q] } == [[28, 28, 1, 1, 28, 28]])
        #expect(macs(ds[0]) == 512 * 256 * 28 * 28)
        // A systolic TPU packs depthwise channels block-diagonally (c·r·s rows each): no lanes, MAESTRO's DSCONV form.
        let tpu = try accelerator("tpu:edge")
        let dwNet = try NetworkReference.inlineLayer("depthwise,k=32,c=1,p=14,q=14,r=3,s=3,groups=32")
        #expect(try dataflow(export(dwNet, tpu).mapping, layer: "depthwise").first == "SpatialMap(1,1) C;")
    }

    /// Depthwise on the row-stationary array: MAESTRO's RS mapping without the K tile.
    @Test func depthwiseRowStationary() throws {
        let net = try NetworkReference.inlineLayer("depthwise,k=16,p=14,q=14,r=3,s=3")
        let (m, _) = try export(net, try accelerator("eyeriss"))
        #expect(line(m, after: "depthwise", starting: "Type:") == "Type: DSCONV")
        #expect(try dataflow(m, layer: "depthwise") == [
            "SpatialMap(1,1) Y';", "TemporalMap(1,1) X';", "TemporalMap(1,1) C;", "TemporalMap(Sz(R),Sz(R)) R;",
            "TemporalMap(Sz(S),Sz(S)) S;", "Cluster(Sz(R),P);", "SpatialMap(1,1) Y;", "SpatialMap(1,1) R;", "TemporalMap(Sz(S),Sz(S)) S;"])
    }

    /// MAC count of a MAESTRO layer as MAESTRO derives it: N·K·C·R·S·Y'·X' (DSCONV: K = 1).
    func macs(_ l: MAESTROExporter.Layer) -> Int {
        l.n * l.k * l.c * l.r * l.s * ((l.y - l.r) / l.strideY + 1) * ((l.x - l.s) / l.strideX + 1)
    }

    /// Grouped (non-depthwise) layers become one CONV per group; MobileNetV2's depthwise layers
    /// become DSCONV; every network's MACs add up, and names are unique.
    @Test func groupsDepthwiseAndMACsAddUp() throws {
        let grouped = try NetworkReference.inlineLayer("conv,k=64,c=8,p=14,q=14,r=3,s=3,groups=4")
        let ga = try grouped.analyze()
        let gl = try MAESTROExporter().layers(ga)
        #expect(gl.map(\.name) == ["conv_g0", "conv_g1", "conv_g2", "conv_g3"])
        #expect(gl.allSatisfy { !$0.depthwise && $0.k == 16 && $0.c == 8 })
        #expect(gl.reduce(0) { $0 + macs($1) } == ga.totalMACs)

        let mv2 = try NetworkReference.resolve("mobilenet-v2", options: BuildOptions(input: 96))
        let a = try mv2.analyze()
        let ls = try MAESTROExporter().layers(a)
        #expect(ls.reduce(0) { $0 + macs($1) } == a.layers.filter { $0.loops != nil }.reduce(0) { $0 + $1.macs })
        #expect(Set(ls.map(\.name)).count == ls.count)
        #expect(ls.filter(\.depthwise).count == a.layers.filter { $0.kind == "depthwise" }.count)
        #expect(ls.filter(\.depthwise).allSatisfy { $0.k == 1 && $0.c > 1 })
        let (m, _) = try export(mv2, try accelerator("nvdla"))
        #expect(m.components(separatedBy: "Type: DSCONV").count - 1 == ls.filter(\.depthwise).count)
        #expect(m.components(separatedBy: "\tLayer ").count - 1 == ls.count)

        // A batch adds N and an outermost N loop.
        let batched = try NetworkReference.inlineLayer("conv,k=8,c=8,p=4,q=4,r=1,s=1", batch: 2)
        let (bm, _) = try export(batched, try accelerator("nvdla"))
        #expect(line(bm, after: "conv", starting: "Dimensions") == "Dimensions { N: 2, K: 8, C: 8, R: 1, S: 1, Y: 4, X: 4 }")
        #expect(try dataflow(bm, layer: "conv").first == "TemporalMap(1,1) N;")
    }

    @Test func namesAreMAESTROIdentifiers() {
        #expect(MAESTROExporter.sanitized("features.1.conv.0") == "features_1_conv_0")
        #expect(MAESTROExporter.sanitized("3x3 conv") == "L3x3_conv")
        #expect(MAESTROExporter.sanitized("") == "L")
    }

    @Test func refusedInputs() throws {
        let net = try NetworkReference.inlineLayer("conv,k=8,c=8,p=4,q=4,r=1,s=1")
        let noAccelerator = #expect(throws: InputError.self) {
            try MAESTROExporter().export(ExportDesign(networks: [net]), baseName: "x", options: ExportOptions())
        }
        #expect(noAccelerator?.issues.first?.keyPath == "accelerator")
        var custom = try accelerator("nvdla")
        custom.dataflow = .custom
        let e = #expect(throws: InputError.self) { try export(net, custom) }
        #expect(e?.issues.first?.keyPath == "accelerator")
        #expect(e?.issues.first?.hint?.contains("shidiannao") == true)
        var small = MAESTROExporter()
        small.maxLayers = 3
        let grouped = try NetworkReference.inlineLayer("conv,k=64,c=8,p=14,q=14,r=3,s=3,groups=4")
        let tooMany = #expect(throws: InputError.self) { try export(grouped, try accelerator("nvdla"), exporter: small) }
        #expect(tooMany?.issues.first?.keyPath == "network")
        #expect(tooMany?.issues.first?.message.contains("more than 3 layers") == true)
    }
}
