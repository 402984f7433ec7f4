import DuetCore
import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// The Timeloop v3 exporter: architecture, energy table, problems and mapping constraints, read
/// back with Yams (Duet's ``ConfigNode``). That Timeloop's own parser accepts them is checked by
/// docs/validation/timeloop/run.sh, which needs Timeloop built (build.sh) and is not run here.
@Suite struct TimeloopExporterTests {
    func export(_ network: String, on ref: String, _ overrides: [String] = [], energy: TimeloopExporter.Energy = .duet) throws -> (files: [String: String], hw: SubAccelerator, net: Network) {
        let hw = try accelerator(ref, overrides)
        let net = try NetworkReference.resolve(network, options: BuildOptions())
        let files = try TimeloopExporter(energy: energy).export(ExportDesign(networks: [net], accelerator: Accelerator(name: ref, subAccelerators: [hw], dramGBps: hw.dramGBps)),
                                                                baseName: "x", options: ExportOptions())
        var out: [String: String] = [:]
        for f in files { out[f.name] = String(decoding: f.data, as: UTF8.self) }
        return (out, hw, net)
    }

    func yaml(_ text: String?) throws -> ConfigNode { try ConfigNode.parse(yaml: try #require(text), file: nil) }

    /// The value at a path of mapping keys and list indices.
    func at(_ node: ConfigNode, _ path: Any...) -> ConfigNode? { at(node, path) }

    func at(_ node: ConfigNode, _ path: [Any]) -> ConfigNode? {
        var n: ConfigNode? = node
        for p in path {
            switch (n?.value, p) {
            case (.mapping(let kv)?, let k as String): n = kv.first { $0.key == k }?.value
            case (.sequence(let xs)?, let i as Int): n = i < xs.count ? xs[i] : nil
            default: return nil
            }
        }
        return n
    }

    /// The scalar at a path (``at(_:_:)``) as text.
    func text(_ node: ConfigNode, _ path: Any...) -> String? { at(node, path)?.scalarText }

    /// The `local` component named `name` anywhere in the architecture tree.
    func component(_ node: ConfigNode, _ name: String) -> ConfigNode? {
        if case .mapping(let kv) = node.value {
            if kv.first(where: { $0.key == "name" })?.value.scalarText == name, kv.contains(where: { $0.key == "class" }) { return node }
            for (_, v) in kv { if let c = component(v, name) { return c } }
        }
        if case .sequence(let xs) = node.value { for x in xs { if let c = component(x, name) { return c } } }
        return nil
    }

    /// Hand-checked: a 3×3 convolution k=16, c=8, 6×6 outputs on Eyeriss (12×14 PEs, 16-bit
    /// words, 108 KiB buffer at 12 words/cycle, RFs 448/24/48 bytes, DRAM 0.48 GB/s at 200 MHz).
    @Test func aSmallConvolutionOnEyerissHasTheExpectedKeysAndValues() throws {
        let (files, hw, _) = try export("layer:conv,k=16,c=8,p=6,q=6,r=3,s=3", on: "eyeriss")
        #expect(Set(files.keys) == ["x.arch.yaml", "x.ERT.yaml", "x.constraints.yaml", "x.mapper.yaml", "x.000.yaml", "x.layers.csv"])

        let arch = try yaml(files["x.arch.yaml"])
        #expect(text(arch, "architecture", "version") == "0.3")
        let dram = try #require(component(arch, "DRAM"))
        #expect(text(dram, "attributes", "word-bits") == "16")
        // 0.48 GB/s ÷ 200 MHz = 2.4 bytes = 1.2 sixteen-bit words per cycle.
        #expect(text(dram, "attributes", "shared_bandwidth") == "1.2")
        let glb = try #require(component(arch, "GlobalBuffer"))
        #expect(text(glb, "attributes", "memory_depth") == "55296")  // 108 KiB of 16-bit words
        #expect(text(glb, "attributes", "shared_bandwidth") == "12")
        #expect(at(glb, "attributes", "multiple-buffering") == nil)  // eyeriss is single-buffered
        #expect(text(arch, "architecture", "subtree", 0, "subtree", 0, "subtree", 0, "name") == "PE[0..167]")
        for (rf, depth) in [("weights_rf", "224"), ("inputs_rf", "12"), ("outputs_rf", "24")] {  // 448, 24, 48 bytes of 16-bit words
            let c = try #require(component(arch, rf))
            #expect(text(c, "attributes", "memory_depth") == depth, "\(rf)")
        }
        let mac = try #require(component(arch, "mac"))
        #expect(text(mac, "attributes", "meshX") == "14")
        #expect(text(mac, "attributes", "datawidth") == "16")

        let layer = try yaml(files["x.000.yaml"])
        let instance = ["G": "1", "C": "8", "M": "16", "R": "3", "S": "3", "N": "1", "P": "6", "Q": "6", "Hstride": "1", "Wstride": "1"]
        for (k, v) in instance { #expect(text(layer, "problem", "instance", k) == v, "\(k)") }
        // Duet's row-stationary choice: rows r = 3 × c = 4 (12), cols p = 6 × k = 2 (12 of 14).
        let spatial = try #require(at(layer, "mapspace_constraints", "targets", 0))
        #expect(text(spatial, "target") == "GlobalBuffer" && text(spatial, "type") == "spatial")
        #expect(text(spatial, "factors") == "P=6 M=2 R=3 C=4 G=1 S=1 N=1 Q=1")
        #expect(text(spatial, "permutation") == "PMRCGSNQ")
        #expect(text(spatial, "split") == "2")
        let dramLoops = try #require(at(layer, "mapspace_constraints", "targets", 1))
        #expect(text(dramLoops, "target") == "DRAM")
        // The whole layer is one tile (k=16, c=8, p=6 fit): one trip of every rank at DRAM.
        #expect(text(dramLoops, "factors") == "R=1 S=1 N=1 G=1 M=1 C=1 P=1 Q=1")
        // Duet's PE block pinned: q slides innermost at the buffer; the partial-sum scratchpad
        // runs nK = 8 kernels (16 ÷ 2 columns) × nC = 2 channels (8 ÷ 4 rows) × s = 3, so the
        // weight scratchpad holds 3·2·8 = 48 words and the input scratchpad 3·2 = 6.
        let glbTemporal = try #require(at(layer, "mapspace_constraints", "targets", 2))
        #expect(text(glbTemporal, "target") == "GlobalBuffer" && text(glbTemporal, "permutation") == "QPNCMGRS")
        let inputsRF = try #require(at(layer, "mapspace_constraints", "targets", 3))
        #expect(text(inputsRF, "target") == "inputs_rf" && text(inputsRF, "factors") == "G=1 C=1 M=1 R=1 S=1 N=1 P=1 Q=1")
        let outputsRF = try #require(at(layer, "mapspace_constraints", "targets", 5))
        #expect(text(outputsRF, "target") == "outputs_rf" && text(outputsRF, "factors") == "M=8 C=2 S=3 G=1 R=1 N=1 P=1 Q=1")
        // A mapspace of one mapping: the mapper walks it instead of re-drawing it at random.
        #expect(text(try yaml(files["x.mapper.yaml"]), "mapper", "algorithm") == "linear-pruned")

        // The ERT charges Duet's per-word energies: DRAM, buffer, each RF and the MAC.
        let ert = try yaml(files["x.ERT.yaml"])
        let t = hw.technology
        let expected: [String: Double] = [
            "system.DRAM": 16 * t.dramPJPerBit,
            "system.chip.GlobalBuffer": 16 * t.globalBufferPJPerBit(bytes: 108 * 1024),
            "system.chip.PE[0..167].weights_rf": 16 * t.registerFilePJPerBit(bytes: 448),
            "system.chip.PE[0..167].inputs_rf": 16 * t.registerFilePJPerBit(bytes: 24),
            "system.chip.PE[0..167].outputs_rf": 16 * t.registerFilePJPerBit(bytes: 48),
            "system.chip.PE[0..167].mac": t.macEnergy(bits: 16).value,
        ]
        guard case .sequence(let tables)? = at(ert, "ERT", "tables")?.value else { Issue.record("no ERT tables"); return }
        #expect(tables.count == expected.count)
        for table in tables {
            let name = try #require(text(table, "name"))
            let want = try #require(expected[name], "\(name)")
            let first = try #require(text(table, "actions", 0, "energy").flatMap(Double.init))
            #expect(abs(first - want) <= 1e-6 * want, "\(name)")
        }

        let constraints = try yaml(files["x.constraints.yaml"])
        #expect(text(constraints, "architecture_constraints", "targets", 1, "target") == "weights_rf")
        #expect(text(constraints, "architecture_constraints", "targets", 1, "keep", 0) == "Weights")

        let csv = try #require(files["x.layers.csv"]).split(separator: "\n")
        #expect(csv.first.map(String.init) == TimeloopExporter.layersHeader)
        #expect(csv.count == 2 && csv[1].hasPrefix("x.000.yaml,"))
        #expect(csv[1].split(separator: ",")[4] == "\(16 * 8 * 6 * 6 * 3 * 3)")
    }

    /// Every file of a whole network parses, one problem per compute layer, MACs add up, and the
    /// double-buffered NVDLA gets Timeloop's multiple buffering (8-bit words: 512 KiB = 524,288).
    @Test(arguments: ["eyeriss", "nvdla"])
    func resnet18ParsesAndTheMACsAddUp(ref: String) throws {
        let (files, hw, net) = try export("resnet18", on: ref)
        for (name, body) in files where name.hasSuffix(".yaml") { _ = try yaml(body) }
        let compute = try net.analyze().layers.filter { $0.macs > 0 && $0.loops != nil }
        let problems = files.keys.filter { $0.range(of: #"^x\.\d{3}\.yaml$"#, options: .regularExpression) != nil }
        #expect(problems.count == compute.count)
        var macs = 0
        for name in problems {
            let layer = try yaml(files[name])
            let v = try ["G", "C", "M", "R", "S", "N", "P", "Q"].map { try #require(text(layer, "problem", "instance", $0).flatMap { Int($0) }) }
            macs += v.reduce(1, *)
        }
        #expect(macs == compute.reduce(0) { $0 + $1.macs })
        let glb = try #require(component(try yaml(files["x.arch.yaml"]), "GlobalBuffer"))
        #expect(text(glb, "attributes", "multiple-buffering") == (hw.doubleBuffer ? "2" : nil))
        if ref == "nvdla" {
            #expect(text(glb, "attributes", "memory_depth") == "524288")
            // nvdla has no input register file: inputs go from the buffer to the MACs.
            #expect(component(try yaml(files["x.arch.yaml"]), "inputs_rf") == nil)
        }
    }

    /// A depthwise layer is one problem with G = 32 groups of one channel; its MACs are the layer's.
    @Test func aDepthwiseLayerIsOneProblemWithAGroupRank() throws {
        let (files, _, net) = try export("layer:depthwise,k=32,c=1,p=110,q=110,r=3,s=3,groups=32", on: "nvdla")
        let layer = try yaml(files["x.000.yaml"])
        #expect(text(layer, "problem", "instance", "G") == "32")
        #expect(text(layer, "problem", "instance", "C") == "1")
        #expect(text(layer, "problem", "instance", "M") == "1")
        #expect(text(layer, "problem", "shape", "dimensions", 0) == "G")
        let v = try ["G", "C", "M", "R", "S", "N", "P", "Q"].map { try #require(text(layer, "problem", "instance", $0).flatMap { Int($0) }) }
        #expect(v.reduce(1, *) == (try net.analyze().totalMACs))
        #expect(files["x.layers.csv"]?.split(separator: "\n")[1].split(separator: ",")[3] == "32")
        // NVDLA's PEs hold one weight and one accumulator (pipeline registers): no loop at them,
        // and its streamed loops (n, p, q) run innermost at the global buffer, q innermost.
        guard case .sequence(let targets)? = at(layer, "mapspace_constraints", "targets")?.value else { Issue.record("no targets"); return }
        let glbTemporal = try #require(targets.first { text($0, "target") == "GlobalBuffer" && text($0, "type") == "temporal" })
        #expect(text(glbTemporal, "permutation")?.hasPrefix("QPN") == true)
        for rf in ["weights_rf", "outputs_rf"] {
            let t = try #require(targets.first { text($0, "target") == rf })
            #expect(text(t, "factors") == "G=1 C=1 M=1 R=1 S=1 N=1 P=1 Q=1", "\(rf)")
        }
        // The 32 groups sit on 32 of the 64 channel lanes (PE rows, Timeloop's Y) at once, as
        // Duet maps them; without G spatially Timeloop would run them one after another.
        let spatial = try #require(targets.first { text($0, "target") == "GlobalBuffer" && text($0, "type") == "spatial" })
        #expect(text(spatial, "factors")?.split(separator: " ").contains("G=32") == true)
        #expect(text(spatial, "split") == "1")  // X: the k column(s); Y: c, then G
    }

    @Test func theAccelergyVariantWritesCompoundComponentsInsteadOfATable() throws {
        let (files, _, _) = try export("layer:conv,k=16,c=8,p=6,q=6,r=3,s=3", on: "eyeriss", energy: .accelergy)
        #expect(files["x.ERT.yaml"] == nil)
        let cc = try yaml(files["x.components.yaml"])
        #expect(text(cc, "compound_components", "classes", 0, "name") == "smartbuffer_SRAM")
        #expect(text(cc, "compound_components", "classes", 1, "name") == "smartbuffer_RF")
        let arch = try yaml(files["x.arch.yaml"])
        let glb = try #require(component(arch, "GlobalBuffer"))
        #expect(text(glb, "class") == "smartbuffer_SRAM")
        #expect(text(arch, "architecture", "subtree", 0, "subtree", 0, "attributes", "technology") == "65nm")
    }

    @Test func aSystolicArrayOrNoAcceleratorIsRefused() throws {
        let e = #expect(throws: InputError.self) { try export("layer:conv,k=16,c=8,p=6,q=6,r=3,s=3", on: "tpu") }
        #expect(e?.issues.first?.keyPath == "accelerator")
        #expect(e?.issues.first?.hint?.contains("scalesim") == true)
        let net = try NetworkReference.resolve("resnet18", options: BuildOptions(input: 32))
        let none = #expect(throws: InputError.self) { try TimeloopExporter().export(ExportDesign(networks: [net]), baseName: "x", options: ExportOptions()) }
        #expect(none?.issues.first?.message == "the timeloop export needs an accelerator")
    }
}
