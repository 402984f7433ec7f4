import DuetCore
import DuetHardware

/// Calibrating a spec-sheet ``DeviceModel`` against measured whole networks.
public enum DeviceCalibration {
    /// Fits the model's ``DeviceModel/Calibration`` to networks measured on the device: each
    /// network's latency ≈ Σ over its operators of (conv·dense time + depthwise·dw time +
    /// elementwise·ew time + launch) + network overhead, by non-negative least squares on relative
    /// error (``TableFit/nnls(rows:targets:relative:maxIterations:)``). `graphs` are the networks
    /// lowered with the model's own rules; `source` says what the data is.
    public static func fit(_ model: DeviceModel, graphs: [DeviceGraph], latenciesMs: [Double], source: String) -> DeviceModel.Calibration {
        var cache: [OperatorSignature: [Double]] = [:]
        let rows: [[Double]] = graphs.map { g in
            var r = [0.0, 0.0, 0.0, Double(g.operators.count) / 1000, 1]
            for op in g.operators {
                let t = cache[op.signature] ?? model.classTimesMs(op.signature)
                cache[op.signature] = t
                for i in 0..<3 { r[i] += t[i] }
            }
            return r
        }
        var x = TableFit.nnls(rows: rows, targets: latenciesMs, relative: true)
        // A class no network has (NAS-Bench-201 has no depthwise convolution) keeps a neutral
        // scale: the dense one for depthwise, 1 for elementwise, rather than 0.
        if rows.allSatisfy({ $0[1] == 0 }) { x[1] = x[0] }
        if rows.allSatisfy({ $0[2] == 0 }) { x[2] = 1 }
        if rows.allSatisfy({ $0[0] == 0 }) { x[0] = 1 }
        return DeviceModel.Calibration(conv: x[0], depthwise: x[1], elementwise: x[2], launchOverheadUs: x[3], networkOverheadMs: x[4], source: source)
    }
}
