import DuetCore
import DuetHardware

extension TableFit {
    /// The result of ``fewShot(_:references:provenance:device:noiseCandidates:)``.
    public struct FewShotResult: Sendable {
        public var table: LatencyTable
        /// The relative measurement noise chosen by leave-one-out (0.05: 5 %).
        public var relativeNoise: Double
        /// Leave-one-out mean absolute percentage error on the training networks at that noise.
        public var looMeanAPE: Double
        /// The scale that maps the references' mean onto the target (target ms per reference-mean ms).
        public var scale: Double
    }

    /// Few-shot fitting with prior devices: a table for a device measured on only a few networks,
    /// using tables of other devices (the references) as prior knowledge.
    ///
    /// The target's operator latencies θ (one per reference entry, plus the per-network constant)
    /// get a Gaussian prior built from the references: each reference table is scaled so that it
    /// predicts a mean of 1 on the training networks; the prior mean is `s·μ` (μ the mean of the
    /// scaled references, `s` the target's mean latency over μ's) and the prior covariance
    /// `s²·(Σ + ε·d·I)` (Σ the covariance of the scaled references across devices, `d` its mean
    /// variance, ε = ``priorJitter``). So a table is, a priori, a combination of the references plus
    /// a little independent slack per operator. The measurements `y = Aθ + noise` (A: operator
    /// counts) with noise `σ·y` per network give the posterior mean
    /// `θ = s·μ + s²·C·Aᵀ·(A·s²C·Aᵀ + diag(σy)²)⁻¹·(y − A·s·μ)`, computed in the n×n form
    /// (n networks), clamped at 0. σ is chosen from `noiseCandidates` by the exact leave-one-out
    /// error of this Gaussian model. Deterministic; O(n³ + n·p·m).
    ///
    /// Every operator of `samples` must have an entry in every reference (an ``InputError``
    /// naming the reference and the operator otherwise).
    public static func fewShot(_ samples: [Sample], references: [(name: String, table: LatencyTable)], provenance: TableProvenance,
                               device: TableDevice, noiseCandidates: [Double] = [0.01, 0.02, 0.05, 0.1, 0.2]) throws -> FewShotResult {
        precondition(!samples.isEmpty && !noiseCandidates.isEmpty)
        guard references.count >= 2 else {
            throw InputError(keyPath: "--reference", value: "\(references.count)", message: "few-shot fitting needs at least two reference devices",
                             hint: "give more --reference tables, or a measurements CSV with several device columns")
        }
        // Parameters: every operator the references share (their first's order), then the constant.
        var sigs = references[0].table.entries.map(\.signature).filter { s in references.allSatisfy { $0.table.contains(s) } }
        var index: [OperatorSignature: Int] = [:]
        for (i, s) in sigs.enumerated() { index[s] = i }
        var c = IssueCollector()
        for s in Set(samples.flatMap(\.signatures)) where index[s] == nil {
            let lacking = references.filter { !$0.table.contains(s) }.map(\.name)
            c.add("--reference", value: s.key, "no entry for this operator in \(lacking.joined(separator: ", "))",
                  hint: "fit or generate the reference tables with the same space and runtime rules as the target")
            if c.issues.count >= 20 { break }
        }
        try c.throwIfAny()
        sigs = Array(sigs)
        let p = sigs.count + 1, n = samples.count, m = references.count
        // A: counts (n × p), sparse as (column, count) lists.
        let rows: [[(Int, Double)]] = samples.map { s in
            var d: [Int: Double] = [:]
            for sig in s.signatures { d[index[sig]!, default: 0] += 1 }
            return d.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + [(p - 1, 1)]
        }
        func apply(_ v: [Double]) -> [Double] { rows.map { r in r.reduce(0) { $0 + $1.1 * v[$1.0] } } }
        // Scaled reference vectors.
        var refs: [[Double]] = references.map { r in sigs.map { r.table[$0]!.meanMs } + [r.table.networkOverheadMs] }
        for j in 0..<m {
            let mean = apply(refs[j]).reduce(0, +) / Double(n)
            if mean > 0 { refs[j] = refs[j].map { $0 / mean } }
        }
        let mu = (0..<p).map { i in refs.reduce(0) { $0 + $1[i] } / Double(m) }
        let dev = refs.map { r in zip(r, mu).map { $0 - $1 } }                 // m × p
        let variance = (0..<p).map { i in dev.reduce(0) { $0 + $1[i] * $1[i] } / Double(max(m - 1, 1)) }
        let jitter = priorJitter * max(variance.reduce(0, +) / Double(p), 1e-12)
        let y = samples.map(\.latencyMs)
        let aMu = apply(mu)
        let s = y.reduce(0, +) / max(aMu.reduce(0, +), 1e-300)
        // K0 = A C Aᵀ = U Uᵀ/(m−1) + jitter·A Aᵀ with U = A·devᵀ (n × m).
        let u: [[Double]] = dev.map(apply)                                      // m × n
        var k0 = [Double](repeating: 0, count: n * n)
        for a in 0..<n {
            for b in a..<n {
                var v = 0.0
                for j in 0..<m { v += u[j][a] * u[j][b] }
                v /= Double(max(m - 1, 1))
                var dot = 0.0, ib = 0
                let rb = rows[b]
                for (col, x) in rows[a] {
                    while ib < rb.count && rb[ib].0 < col { ib += 1 }
                    if ib < rb.count && rb[ib].0 == col { dot += x * rb[ib].1 }
                }
                v += jitter * dot
                k0[a * n + b] = v * s * s; k0[b * n + a] = v * s * s
            }
        }
        let resid = zip(y, aMu).map { $0 - s * $1 }
        var best: (noise: Double, loo: Double, alpha: [Double])?
        for sigma in noiseCandidates {
            var k = k0
            for i in 0..<n { k[i * n + i] += (sigma * y[i]) * (sigma * y[i]) }
            guard let inv = Self.spdInverse(k, n) else { continue }
            var alpha = [Double](repeating: 0, count: n)
            for i in 0..<n { for j in 0..<n { alpha[i] += inv[i * n + j] * resid[j] } }
            // Leave-one-out residual of a Gaussian model: alpha_i / (K⁻¹)_ii.
            let loo = (0..<n).reduce(0.0) { $0 + abs(alpha[$1] / inv[$1 * n + $1]) / y[$1] } / Double(n) * 100
            if best == nil || loo < best!.loo { best = (sigma, loo, alpha) }
        }
        guard let best else {
            throw InputError(keyPath: "--reference", message: "the reference tables give a degenerate prior (all equal after scaling?)",
                             hint: "use references of different devices")
        }
        // θ = sμ + s²·(devᵀ·(U·α)/(m−1) + jitter·Aᵀα).
        let ua = u.map { uj in zip(uj, best.alpha).reduce(0) { $0 + $1.0 * $1.1 } }
        var theta = mu.map { s * $0 }
        for j in 0..<m { let w = s * s * ua[j] / Double(max(m - 1, 1)); for i in 0..<p { theta[i] += w * dev[j][i] } }
        for (a, r) in rows.enumerated() { for (col, x) in r { theta[col] += s * s * jitter * x * best.alpha[a] } }
        var table = LatencyTable(provenance: provenance, networkOverheadMs: max(theta[p - 1], 0), rewrites: device.rewrites, fusion: device.fusion)
        for (i, sig) in sigs.enumerated() { table.insert(LatencyEntry(sig, meanMs: max(theta[i], 0))) }
        return FewShotResult(table: table, relativeNoise: best.noise, looMeanAPE: best.loo, scale: s)
    }

    /// ε of the few-shot prior: the independent per-operator slack, relative to the references' mean variance.
    public static let priorJitter = 0.01

    /// The inverse of a symmetric positive-definite n×n matrix (row-major) by Cholesky; nil when
    /// it is not positive definite.
    static func spdInverse(_ a: [Double], _ n: Int) -> [Double]? { Cholesky(a, n: n)?.inverse() }
}
