import DuetCore
import DuetHardware
import DuetWorkload
import Foundation

/// SCALE-Sim (Samajdar et al., ISPASS 2020; `pip install scalesim`) inputs for a systolic
/// sub-accelerator and a network: `NAME.cfg` (array rows × columns, the global buffer split in
/// three equal ifmap/filter/ofmap SRAMs, the dataflow, DRAM bytes per cycle) and `NAME.csv`, the
/// conv topology (`Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
/// Num Filter, Strides,`).
///
/// SCALE-Sim models GEMM-like layers only, without padding, groups or batch: each layer with MACs
/// becomes one row per group and sample (`name`, or `name.g3`, `name.n1.g3`), its input sized
/// `(p − 1)·stride + r` by `(q − 1)·stride + s` so that the simulator derives Duet's output
/// extent p × q (dilation and unequal strides folded into that size); layers without MACs
/// (pooling, elementwise) are left out. The rows' MACs add up to the network's.
public struct SCALESimExporter: DesignExporter {
    /// At most this many topology rows (groups × samples of every layer).
    public var maxRows = 100_000

    public init() {}

    public var name: String { "scalesim" }
    public var fileExtension: String { "cfg" }
    public var summary: String { "SCALE-Sim config (.cfg) and conv topology (.csv) for a systolic sub-accelerator (ws, os or is) running the network" }
    public var input: ExportInput { .networkAndSubAccelerator }
    public var isText: Bool { true }

    /// The header of SCALE-Sim's conv topology files.
    public static let topologyHeader = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"

    public func export(_ design: ExportDesign, baseName: String, options: ExportOptions) throws -> [ExportedFile] {
        let net = try DesignExporters.firstNetwork(design, exporter: name)
        let hw = try DesignExporters.firstSubAccelerator(design, exporter: name)
        guard hw.array == .systolic, [.ws, .os, .inputStationary].contains(hw.dataflow) else {
            throw InputError(keyPath: "accelerator", value: "\(hw.template) (\(hw.array.rawValue), \(hw.dataflow))",
                             message: "SCALE-Sim simulates systolic arrays with the ws, os or is dataflow",
                             hint: "export a systolic sub-accelerator, e.g. tpu:edge (--set dataflow=os for output-stationary)")
        }
        return [ExportedFile(name: "\(baseName).cfg", text: config(hw, runName: baseName)),
                ExportedFile(name: "\(baseName).csv", text: try topology(net.analyze()))]
    }

    /// The architecture config of `hw`, in the shape SCALE-Sim 3.0.0's config reader requires
    /// (its `[layout]` and `[sparsity]` sections with custom layouts and sparsity off, as in its
    /// repository's `configs/google.cfg`; docs/validation/scalesim/CONFIG.md). SCALE-Sim's words
    /// are one byte, so `Bandwidth` (read in USER mode only) is the DRAM bytes per cycle, rounded up.
    public func config(_ hw: SubAccelerator, runName: String) -> String {
        let sramKiB = max(1, Int(hw.globalBufferKiB / 3))
        let bandwidth = max(1, Int(hw.dramBytesPerCycle.rounded(.up)))
        return """
            [general]
            run_name = \(runName)

            [architecture_presets]
            ArrayHeight:    \(hw.peRows)
            ArrayWidth:     \(hw.peCols)
            IfmapSramSzkB:   \(sramKiB)
            FilterSramSzkB:  \(sramKiB)
            OfmapSramSzkB:   \(sramKiB)
            IfmapOffset:    0
            FilterOffset:   10000000
            OfmapOffset:    20000000
            Bandwidth : \(bandwidth)
            Dataflow : \(hw.dataflow.rawValue)
            MemoryBanks:   1
            ReadRequestBuffer: 512
            WriteRequestBuffer: 512

            [layout]
            IfmapCustomLayout: False
            IfmapSRAMBankBandwidth: \(bandwidth)
            IfmapSRAMBankNum: 1
            IfmapSRAMBankPort: 2
            FilterCustomLayout: False
            FilterSRAMBankBandwidth: \(bandwidth)
            FilterSRAMBankNum: 1
            FilterSRAMBankPort: 2

            [sparsity]
            SparsitySupport : false
            SparseRep : ellpack_block
            OptimizedMapping : false
            BlockSize : 8
            RandomNumberGeneratorSeed : 40

            [run_presets]
            InterfaceBandwidth: CALC
            UseRamulatorTrace: False

            """
    }

    /// The conv topology of `analysis` (see the type's documentation).
    public func topology(_ analysis: NetworkAnalysis) throws -> String {
        var lines = [Self.topologyHeader]
        for l in analysis.layers where l.macs > 0 {
            guard let n = l.loops else { continue }
            let stride = n.strideH
            let h = try Checked.sum(try Checked.product([n.p - 1, stride], what: "input height"), n.r, what: "input height")
            let w = try Checked.sum(try Checked.product([n.q - 1, stride], what: "input width"), n.s, what: "input width")
            let filters = n.k / max(1, n.groups)
            let copies = try Checked.product([n.n, n.groups], what: "topology rows")
            guard lines.count + copies <= maxRows + 1 else {
                throw InputError(keyPath: "network", value: analysis.network.name, message: "the SCALE-Sim topology would have more than \(maxRows) rows (one per group and sample)",
                                 hint: "export a network without large grouped (depthwise) layers or batches, or with batch 1")
            }
            let name = l.layer.name.replacingOccurrences(of: ",", with: "_")
            for b in 0..<n.n {
                for g in 0..<n.groups {
                    let label = name + (n.n > 1 ? ".n\(b)" : "") + (n.groups > 1 ? ".g\(g)" : "")
                    lines.append("\(label), \(h), \(w), \(n.r), \(n.s), \(n.c), \(filters), \(stride),")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
