import DuetCore
import DuetHardware
import DuetWorkload

extension TableFit {
    /// One candidate runtime and how well a table fits under it in cross-validation.
    public struct RuleScore: Sendable, Hashable {
        public var device: TableDevice
        /// Mean absolute percentage error of the held-out folds' predictions, in percent.
        public var cvMeanAPE: Double
        /// Kendall τ-b of the held-out folds' predictions (pooled) against the measurements.
        public var cvKendallTau: Double
    }

    /// The rules ``chooseRules(_:latencies:candidates:folds:seed:)`` chose, and every candidate's score.
    public struct RuleChoice: Sendable, Hashable {
        public var chosen: TableDevice
        /// Every candidate, in candidate order.
        public var scores: [RuleScore]
        public var folds: Int
        public var seed: UInt64
    }

    /// Runtimes to choose from, from none up to the full TFLite-like set: every subset of the
    /// graph rewrites that makes sense (constant folding without dead-code removal; dead branches
    /// removed but zero-input convolutions kept; both; both with CSE), each with no fusion, with
    /// conv+BN/conv+act/add+act fusion, and (for spaces with inverted-residual blocks) with the
    /// block fused too.
    public static func ruleCandidates(invertedResidual: Bool = false) -> [TableDevice] {
        let rewrites: [[GraphRewrite]] = [[], [.foldConstants], [.deadCode], [.deadCode, .foldConstants], [.deadCode, .foldConstants, .cse]]
        var fusions: [[FusionRule]] = [[], [.convBN, .convAct, .addAct]]
        if invertedResidual { fusions.append([.convBN, .convAct, .addAct, .invertedResidual]) }
        return rewrites.flatMap { r in fusions.map { TableDevice(rewrites: r, fusion: $0) } }
    }

    /// Seeded k-fold cross-validation of a table fit under each candidate runtime: `lowered(c)`
    /// gives every network's graph under candidate `c`; the candidate with the lowest held-out mean
    /// APE wins (ties: the earlier candidate, i.e. the fewer rules). `folds` at least 2 and at most
    /// the number of networks.
    public static func chooseRules(_ candidates: [TableDevice], latencies: [Double], folds: Int = 5, seed: UInt64 = 0,
                                   relative: Bool = true, lowered: (TableDevice) throws -> [DeviceGraph]) rethrows -> RuleChoice {
        try chooseRules(candidates, series: [latencies], folds: folds, seed: seed, relative: relative, lowered: lowered)
    }

    /// ``chooseRules(_:latencies:folds:seed:relative:lowered:)`` over several devices measured on
    /// the same networks (`series[d][i]`: device d, network i): a candidate's score is the mean
    /// over the devices (used when the target has too few measurements and reference devices
    /// decide the runtime).
    public static func chooseRules(_ candidates: [TableDevice], series: [[Double]], folds: Int = 5, seed: UInt64 = 0,
                                   relative: Bool = true, lowered: (TableDevice) throws -> [DeviceGraph]) rethrows -> RuleChoice {
        precondition(!candidates.isEmpty && !series.isEmpty && series[0].count >= 2)
        let latencies = series[0]
        let k = min(max(folds, 2), latencies.count)
        var rng = SeededGenerator(seed: seed)
        var order = Array(latencies.indices)
        order.shuffle(using: &rng)
        var fold = [Int](repeating: 0, count: latencies.count)
        for (pos, i) in order.enumerated() { fold[i] = pos % k }
        var scores: [RuleScore] = []
        for cand in candidates {
            let graphs = try lowered(cand)
            var ape = 0.0, tau = 0.0
            for ys in series {
                var predicted = [Double](repeating: 0, count: ys.count)
                for f in 0..<k {
                    let train = ys.indices.filter { fold[$0] != f }
                    let r = fit(train.map { Sample(signatures: graphs[$0].signatures, latencyMs: ys[$0]) }, relative: relative,
                                provenance: TableProvenance(device: "", method: "fitted"), device: cand)
                    for i in ys.indices where fold[i] == f { predicted[i] = predict(r.table, graphs[i]) }
                }
                let e = errors(predicted: predicted, measured: ys)
                ape += e.meanAPE / Double(series.count); tau += e.kendallTau / Double(series.count)
            }
            scores.append(RuleScore(device: cand, cvMeanAPE: ape, cvKendallTau: tau))
        }
        var best = 0
        for (i, s) in scores.enumerated() where s.cvMeanAPE < scores[best].cvMeanAPE * (1 - 1e-9) { best = i }
        return RuleChoice(chosen: scores[best].device, scores: scores, folds: k, seed: seed)
    }
}

extension TableDevice {
    /// `base` with its rewrites and fusion rules replaced by the lists given (comma- or
    /// space-separated names, or `none`); unknown names are an ``InputError`` naming the option.
    public func with(rewrites: String?, fusion: String?) throws -> TableDevice {
        func list(_ s: String) -> [String] { s.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) }
        func parse<T: RawRepresentable & CaseIterable>(_ text: String, _ option: String, _: T.Type) throws -> [T] where T.RawValue == String {
            let names = list(text)
            if names == ["none"] { return [] }
            var c = IssueCollector()
            let out = names.compactMap { n -> T? in
                if let v = T(rawValue: n) { return v }
                c.add(option, value: n, "unknown name", hint: Suggestion.hint(for: n, in: T.allCases.map(\.rawValue) + ["none"]))
                return nil
            }
            try c.throwIfAny()
            return out
        }
        var d = self
        if let rewrites { d.rewrites = try parse(rewrites, "--rewrites", GraphRewrite.self) }
        if let fusion { d.fusion = try parse(fusion, "--fusion", FusionRule.self) }
        return d
    }
}
