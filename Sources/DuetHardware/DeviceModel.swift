import DuetCore
import Foundation

/// What a device's runtime does to a network graph before running it (TFLite, onnxruntime and
/// FPGA compilers all do some of this). Applied by `DeviceGraph` in DuetCostModel.
public enum GraphRewrite: String, Sendable, Hashable, CaseIterable {
    /// Remove operators whose results cannot reach a network output.
    case deadCode = "dead_code"
    /// Fold elementwise, activation and shape operators fed only by constants (a `zero` tensor
    /// is the constant 0) and remove zero operands of adds; convolutions, dense layers and
    /// pooling fed by constants still run (as in TFLite).
    case foldConstants = "fold_constants"
    /// Merge identical weightless operators (activations, pooling, elementwise) applied to the
    /// same tensors (common-subexpression elimination).
    case cse
}

/// Operator fusions a device applies; fused operators are one table entry.
public enum FusionRule: String, Sendable, Hashable, CaseIterable {
    /// A standalone BatchNorm after a convolution is folded into its weights.
    case convBN = "conv_bn"
    /// An activation after a convolution or dense layer (sole consumer) runs inside it.
    case convAct = "conv_act"
    /// An activation after an add (sole consumer) runs inside it.
    case addAct = "add_act"
    /// Expand 1×1 + depthwise + [squeeze-excite] + linear 1×1 + [identity add] is one `mbconv`
    /// operator (how once-for-all tables are keyed).
    case invertedResidual = "inverted_residual"
}

/// An FPGA convolution engine in the style of Zhang et al., "Optimizing FPGA-based Accelerator
/// Design for Deep Convolutional Neural Networks" (FPGA'15): Tm × Tn multipliers unrolled over
/// output × input channels, output tiles of Tr × Tc pixels; the computation roof is
/// 2·Tm·Tn·f FLOP/s, reduced by channel under-utilization, and the bandwidth roof is the
/// off-chip bandwidth times the tiles' computation-to-communication ratio.
public struct ConvolutionEngine: Sendable, Hashable {
    /// Output-channel unroll Tm.
    public var tm: Int
    /// Input-channel unroll Tn.
    public var tn: Int
    /// Output tile rows Tr and columns Tc (pixels).
    public var tr: Int, tc: Int
    /// Elementwise lanes per cycle for pooling, adds and activations.
    public var vectorLanes: Int
}

/// A device described by public spec-sheet figures that predicts an operator's latency
/// analytically: launch overhead + max(compute time at the op class's peak, bytes moved over
/// memory bandwidth) for CPUs; the Zhang FPGA'15 roofline for an FPGA engine.
public struct DeviceModel: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case cpu, gpu, fpga }

    public var name: String
    public var summary: String
    public var kind: Kind
    /// `fp32`, `fp16`, `int8`, `int16`.
    public var precision: String
    /// Bytes per activation/weight element at ``precision``.
    public var elementBytes: Int { ["int8": 1, "fp16": 2, "int16": 2][precision] ?? 4 }
    /// Clock in MHz (the big cores' for a CPU; the fabric's for an FPGA).
    public var clockMHz: Double
    /// Cores used for inference (CPU) — informational; peaks already include them.
    public var cores: Int
    /// Peak GFLOP/s for dense convolutions and matrix products at ``precision``.
    public var peakConvGFLOPs: Double
    /// Peak GFLOP/s for depthwise convolutions.
    public var peakDepthwiseGFLOPs: Double
    /// Peak GFLOP/s (element operations per ns) for pooling, adds, activations.
    public var peakElementwiseGFLOPs: Double
    /// Sustained memory bandwidth in GB/s.
    public var memoryGBps: Double
    /// Fixed cost per operator in microseconds (kernel dispatch).
    public var launchOverheadUs: Double
    /// Fixed cost per inference in milliseconds.
    public var networkOverheadMs: Double
    public var rewrites: [GraphRewrite]
    public var fusion: [FusionRule]
    /// FPGA only: the tiled convolution engine, DSP and BRAM budgets.
    public var engine: ConvolutionEngine?
    public var dsps: Int?
    public var bram36k: Int?
    /// Source of each figure, by key.
    public var sources: [String: String]
    /// Scales fitted against measured networks (nil: the spec-sheet model, uncalibrated).
    public var calibration: Calibration?

    /// A model's correction from measurements: each op class's time (compute or memory bound, as
    /// modelled) is multiplied by its scale; the launch and network overheads are replaced.
    public struct Calibration: Sendable, Hashable {
        /// Multipliers of the modelled time of dense convolutions/matrix products, depthwise
        /// convolutions, and elementwise operators (pooling, adds, activations).
        public var conv: Double, depthwise: Double, elementwise: Double
        /// Fixed cost per operator in microseconds, and per inference in milliseconds.
        public var launchOverheadUs: Double, networkOverheadMs: Double
        /// What it was fitted on and its error there, shown wherever the model's latencies are.
        public var source: String

        public init(conv: Double, depthwise: Double, elementwise: Double, launchOverheadUs: Double, networkOverheadMs: Double, source: String) {
            self.conv = conv; self.depthwise = depthwise; self.elementwise = elementwise
            self.launchOverheadUs = launchOverheadUs; self.networkOverheadMs = networkOverheadMs; self.source = source
        }
    }

    /// One line saying how far to trust the model: its calibration source, or that it is uncalibrated.
    public var calibrationNote: String { calibration.map { "calibrated: \($0.source)" } ?? "uncalibrated spec-sheet model" }

    /// Latency of `sig` in milliseconds as the model predicts it.
    public func latencyMs(_ sig: OperatorSignature) -> Double {
        let t = classTimesMs(sig)
        guard let c = calibration else { return t[0] + t[1] + t[2] + launchOverheadUs / 1000 }
        return c.conv * t[0] + c.depthwise * t[1] + c.elementwise * t[2] + c.launchOverheadUs / 1000
    }

    /// The uncalibrated modelled time of `sig` in milliseconds split by op class (dense,
    /// depthwise, elementwise), launch overhead excluded: what a calibration scales.
    public func classTimesMs(_ sig: OperatorSignature) -> [Double] {
        var t = [0.0, 0.0, 0.0]
        for p in parts(sig) { t[p.cls] += time(p) }
        return t
    }

    /// The per-inference constant in milliseconds (the calibrated one when calibrated).
    public var effectiveNetworkOverheadMs: Double { calibration?.networkOverheadMs ?? networkOverheadMs }

    /// The operator as primitive pieces: (op class, FLOPs, bytes moved, conv dims for the FPGA engine).
    struct Piece { var cls: Int; var flops: Double; var bytes: Double; var conv: (m: Int, n: Int, r: Int, c: Int, k: Int, groups: Int)? }

    func parts(_ sig: OperatorSignature) -> [Piece] {
        let b = Double(elementBytes)
        func n(_ s: [Int]) -> Double { Double(s.reduce(1, *)) }
        func hwc(_ s: [Int]) -> (Int, Int, Int) { s.count == 3 ? (s[0], s[1], s[2]) : (1, 1, s.first ?? 1) }
        let (hi, wi, ci) = hwc(sig.input), (ho, wo, co) = hwc(sig.output)
        func conv(_ hin: Int, _ win: Int, _ cin: Int, _ hout: Int, _ wout: Int, _ cout: Int, k: Int, groups: Int) -> Piece {
            let g = max(groups, 1)
            let macs = Double(hout * wout * cout) * Double(cin / g) * Double(k * k)
            let bytes = b * (Double(hin * win * cin) + Double(hout * wout * cout) + Double(cout * (cin / g) * k * k))
            return Piece(cls: g > 1 && g == cin ? 1 : 0, flops: 2 * macs, bytes: bytes, conv: (cout, cin / g, hout, wout, k, g))
        }
        func elementwise(_ ops: Double, _ elems: Double) -> Piece { Piece(cls: 2, flops: ops, bytes: b * elems, conv: nil) }
        switch sig.kind {
        case "conv":
            return [conv(hi, wi, ci, ho, wo, co, k: sig.kernel, groups: sig.groups)]
        case "dense":
            let fi = Double(sig.input.reduce(1, *)), fo = Double(sig.output.reduce(1, *))
            return [Piece(cls: 0, flops: 2 * fi * fo, bytes: b * (fi + fo + fi * fo), conv: (Int(fo), Int(fi), 1, 1, 1, 1))]
        case "pool_avg", "pool_max":
            return [elementwise(n(sig.output) * Double(sig.kernel * sig.kernel), n(sig.input) + n(sig.output))]
        case "gpool_avg", "gpool_max":
            return [elementwise(n(sig.input), n(sig.input) + n(sig.output))]
        case "add", "mul":
            return [elementwise(n(sig.output) * Double(max(sig.operands - 1, 1)), n(sig.output) * Double(max(sig.operands, 2) + 1))]
        case "act", "bn":
            return [elementwise(n(sig.output) * (sig.kind == "bn" ? 2 : 1), 2 * n(sig.output))]
        case "se":
            let r = max(ci / 4, 1)
            return [elementwise(n(sig.input) * 2, 2 * n(sig.input)),
                    Piece(cls: 0, flops: 4 * Double(ci * r), bytes: b * Double(2 * ci * r), conv: (r, ci, 1, 1, 1, 1))]
        case "mbconv":
            let mid = max(sig.expand, 1)
            var ps: [Piece] = []
            if mid != ci { ps.append(conv(hi, wi, ci, hi, wi, mid, k: 1, groups: 1)) }
            ps.append(conv(hi, wi, mid, ho, wo, mid, k: sig.kernel, groups: mid))
            if sig.squeezeExcite {
                ps += parts(OperatorSignature(kind: "se", input: [ho, wo, mid], output: [ho, wo, mid], precision: sig.precision))
            }
            ps.append(conv(ho, wo, mid, ho, wo, co, k: 1, groups: 1))
            if sig.identitySkip { ps.append(elementwise(n(sig.output), 3 * n(sig.output))) }
            return ps
        default:
            return [elementwise(n(sig.output), n(sig.input) + n(sig.output))]
        }
    }

    func time(_ p: Piece) -> Double {
        let memory = p.bytes / (memoryGBps * 1e9) * 1000
        if kind == .fpga, let e = engine {
            let f = clockMHz * 1e6
            guard let c = p.conv else {
                return max(p.flops / Double(max(e.vectorLanes, 1)) / f * 1000, memory)
            }
            // Zhang FPGA'15: cycles = ⌈M/Tm⌉·⌈N/Tn⌉·R·C·K², per group.
            let cycles = Double(c.groups) * ceil(Double(c.m) / Double(e.tm)) * ceil(Double(c.n) / Double(e.tn)) * Double(c.r * c.c * c.k * c.k)
            return max(cycles / f * 1000, memory)
        }
        let peak = [peakConvGFLOPs, peakDepthwiseGFLOPs, peakElementwiseGFLOPs][p.cls]
        return max(p.flops / (peak * 1e9) * 1000, memory)
    }

    /// A table holding the model's prediction for every signature.
    public func table(for signatures: [OperatorSignature], date: String = "") -> LatencyTable {
        var t = LatencyTable(provenance: TableProvenance(device: name, method: "model", date: date, source: "duet device model \(name) (\(calibrationNote))"),
                             networkOverheadMs: effectiveNetworkOverheadMs, rewrites: rewrites, fusion: fusion)
        for s in signatures { t.insert(LatencyEntry(s, meanMs: latencyMs(s))) }
        return t
    }
}

extension DeviceModel {
    /// Reads and validates a device file (see docs/FORMATS.md, "Device models").
    public static func load(path: String) throws -> DeviceModel {
        let node = try ConfigNode.load(path: path)
        return try parse(node, file: path)
    }

    /// `HardwareModels/devices/NAME.yaml` from Duet's data directory, or `ref` itself when it is a path.
    public static func resolve(_ ref: String, dataDirectory: URL? = nil) throws -> DeviceModel {
        if ref.hasSuffix(".yaml") || ref.hasSuffix(".yml") || ref.hasSuffix(".json") { return try load(path: ref) }
        let dir = try (dataDirectory ?? DataDirectory.locate()).appendingPathComponent("HardwareModels/devices")
        let path = dir.appendingPathComponent(ref + ".yaml").path
        guard FileManager.default.fileExists(atPath: path) else {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
            throw InputError(keyPath: "device", value: ref, message: "unknown device",
                             hint: Suggestion.closest(to: ref, in: names).map { "did you mean '\($0)'?" } ?? "known devices: \(names.joined(separator: ", "))")
        }
        return try load(path: path)
    }

    public static func parse(_ node: ConfigNode, file: String?) throws -> DeviceModel {
        let d = Diagnostics(file: file)
        let r = ConfigReader(node, diagnostics: d)
        let name = r.string("name", required: true) ?? ""
        let summary = r.string("summary") ?? ""
        let kind = r.choice("kind", in: ["cpu", "gpu", "fpga"], required: true).flatMap(Kind.init(rawValue:)) ?? .cpu
        let precision = r.choice("precision", in: ["fp32", "fp16", "int8", "int16"]) ?? "fp32"
        let clock = r.double("clock_mhz", required: true, min: 1) ?? 1
        let cores = r.int("cores", min: 1) ?? 1
        let conv = r.double("peak_conv_gflops", required: kind != .fpga, min: 0.001) ?? 1
        let dw = r.double("peak_depthwise_gflops", min: 0.001) ?? conv / 4
        let ew = r.double("peak_elementwise_gflops", min: 0.001) ?? conv / 8
        let bw = r.double("memory_gbps", required: true, min: 0.001) ?? 1
        let launch = r.double("launch_overhead_us", min: 0) ?? 0
        let overhead = r.double("network_overhead_ms", min: 0) ?? 0
        var rewrites: [GraphRewrite] = [], fusion: [FusionRule] = []
        for (i, s) in (r.strings("graph_rewrites") ?? []).enumerated() {
            if let g = GraphRewrite(rawValue: s) { rewrites.append(g) }
            else { d.add(r.keyPath("graph_rewrites") + "[\(i)]", value: s, "unknown graph rewrite", hint: Suggestion.hint(for: s, in: GraphRewrite.allCases.map(\.rawValue))) }
        }
        for (i, s) in (r.strings("fusion") ?? []).enumerated() {
            if let f = FusionRule(rawValue: s) { fusion.append(f) }
            else { d.add(r.keyPath("fusion") + "[\(i)]", value: s, "unknown fusion rule", hint: Suggestion.hint(for: s, in: FusionRule.allCases.map(\.rawValue))) }
        }
        var engine: ConvolutionEngine?, dsps: Int?, bram: Int?
        if let f = r.object("fpga", required: kind == .fpga) {
            dsps = f.int("dsps", required: true, min: 1)
            bram = f.int("bram_36k", required: true, min: 1)
            let macsPerDSP = f.double("dsps_per_mac", min: 0.001) ?? 1
            if let e = f.object("engine", required: true) {
                let tm = e.int("tm", required: true, min: 1) ?? 1, tn = e.int("tn", required: true, min: 1) ?? 1
                engine = ConvolutionEngine(tm: tm, tn: tn, tr: e.int("tr", required: true, min: 1) ?? 1, tc: e.int("tc", required: true, min: 1) ?? 1,
                                           vectorLanes: e.int("vector_lanes", min: 1) ?? 16)
                if let dsps, Double(tm * tn) * macsPerDSP > Double(dsps) {
                    d.add(e.keyPath("tm"), value: "\(tm)×\(tn)", "the engine needs \(Int(Double(tm * tn) * macsPerDSP)) DSPs but the device has \(dsps)",
                          hint: "reduce tm or tn")
                }
                e.finish()
            }
            f.finish()
        }
        var calibration: Calibration?
        if let c = r.object("calibration") {
            calibration = Calibration(conv: c.double("conv", required: true, min: 0) ?? 1, depthwise: c.double("depthwise", required: true, min: 0) ?? 1,
                                      elementwise: c.double("elementwise", required: true, min: 0) ?? 1,
                                      launchOverheadUs: c.double("launch_overhead_us", required: true, min: 0) ?? 0,
                                      networkOverheadMs: c.double("network_overhead_ms", required: true, min: 0) ?? 0,
                                      source: c.string("source", required: true) ?? "")
            c.finish()
        }
        var sources: [String: String] = [:]
        if let s = r.object("sources") {
            for k in s.keys { if let v = s.string(k) { sources[k] = v } }
            s.finish()
        }
        r.finish()
        try d.throwIfAny()
        let peakConv = kind == .fpga && engine != nil ? 2 * Double(engine!.tm * engine!.tn) * clock / 1000 : conv
        return DeviceModel(name: name, summary: summary, kind: kind, precision: precision, clockMHz: clock, cores: cores,
                           peakConvGFLOPs: peakConv, peakDepthwiseGFLOPs: dw, peakElementwiseGFLOPs: ew, memoryGBps: bw,
                           launchOverheadUs: launch, networkOverheadMs: overhead, rewrites: rewrites, fusion: fusion,
                           engine: engine, dsps: dsps, bram36k: bram, sources: sources, calibration: calibration)
    }
}
