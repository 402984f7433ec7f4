import DuetCore
import DuetHardware
import DuetReport
import Foundation

/// Finds which fusion rules a device's runtime applies by measuring on the device, as nn-Meter's
/// fusion-rule tester does (Zhang et al., MobiSys 2021): each rule's operators are timed as one
/// graph and one by one, and the rule holds when the graph measures clearly less than the sum of
/// its parts.
///
/// Decision: with `T(graph)` the graph's time and `T(p)` each part's (milliseconds, every runner
/// call net of its per-call overhead), the saving is `S = ΣT(p) − T(graph)`. A runtime that does
/// not fuse saves about nothing; one that fuses saves about the whole cost of the smaller
/// (secondary) operator, whose memory pass and launch disappear. The rule is fused when
/// `S > alpha · min T(p)`; `alpha` = 0.5 puts the threshold halfway between the two outcomes
/// (the largest margin to both), nn-Meter's default `EMP_ALPHA`.
///
/// Noise: each round times the graph and every part once (the order alternates between rounds so
/// drift cancels); the saving's standard error is the spread of the per-round savings over √rounds.
/// A verdict is *clear* when the mean saving is more than ``confidence`` standard errors away from
/// the threshold; unclear cases get more rounds, up to ``maxRounds``, and are flagged when still
/// unclear.
public struct FusionRuleDetection: Sendable {
    /// One test: the operators a rule would fuse, in data-flow order (a chain: each one's first
    /// input is the previous one's output).
    public struct TestCase: Sendable, Hashable {
        public var rule: FusionRule
        /// Short name of the pair, e.g. `conv+bn`.
        public var label: String
        /// The operators, each as the table keys it when it is not fused.
        public var graph: [OperatorSignature]

        public init(rule: FusionRule, label: String, graph: [OperatorSignature]) {
            precondition(graph.count >= 2, "a fusion test needs at least two operators")
            self.rule = rule; self.label = label; self.graph = graph
        }
    }

    /// The test cases of every rule Duet's lowering knows, on an `hw`×`hw` feature map with `cin`
    /// input and `cout` output channels (nn-Meter's defaults: 28×28, 16 in), a `kernel`×`kernel`
    /// convolution and `activation`; the inverted-residual block expands `cin` to `expand`
    /// channels (its parts are its convolutions with their activations fused in, as the table
    /// keys them under conv_act).
    public static func testCases(hw: Int = 28, cin: Int = 16, cout: Int = 32, kernel: Int = 3, expand: Int = 96,
                                 activation: String = "relu") -> [TestCase] {
        let x = [hw, hw, cin], y = [hw, hw, cout], e = [hw, hw, expand]
        let conv = OperatorSignature(kind: "conv", input: x, output: y, kernel: kernel, stride: 1, groups: 1)
        return [
            TestCase(rule: .convBN, label: "conv+bn", graph: [conv, OperatorSignature(kind: "bn", input: y, output: y)]),
            TestCase(rule: .convAct, label: "conv+act", graph: [conv, OperatorSignature(kind: "act", input: y, output: y, activation: activation)]),
            TestCase(rule: .addAct, label: "add+act", graph: [OperatorSignature(kind: "add", input: y, output: y, operands: 2),
                                                              OperatorSignature(kind: "act", input: y, output: y, activation: activation)]),
            TestCase(rule: .invertedResidual, label: "expand+depthwise+project", graph: [
                OperatorSignature(kind: "conv", input: x, output: e, kernel: 1, stride: 1, groups: 1, activation: activation),
                OperatorSignature(kind: "conv", input: e, output: e, kernel: kernel, stride: 1, groups: expand, activation: activation),
                OperatorSignature(kind: "conv", input: e, output: x, kernel: 1, stride: 1, groups: 1),
            ]),
        ]
    }

    /// ``testCases(hw:cin:cout:kernel:expand:activation:)`` restricted to `rules` (comma-separated
    /// rule names; nil: all); an unknown name is an ``InputError`` naming `--rules` with a suggestion.
    public static func testCases(hw: Int, cin: Int, cout: Int, kernel: Int, expand: Int, activation: String, rules: String?) throws -> [TestCase] {
        let all = testCases(hw: hw, cin: cin, cout: cout, kernel: kernel, expand: expand, activation: activation)
        guard let rules else { return all }
        var c = IssueCollector()
        let names = rules.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        let wanted = names.compactMap { n -> FusionRule? in
            if let r = FusionRule(rawValue: n) { return r }
            c.add("--rules", value: n, "unknown fusion rule", hint: Suggestion.hint(for: n, in: FusionRule.allCases.map(\.rawValue)))
            return nil
        }
        try c.throwIfAny()
        if wanted.isEmpty { throw InputError(keyPath: "--rules", value: rules, message: "no rule to test", hint: "name one or more of " + FusionRule.allCases.map(\.rawValue).joined(separator: ", ")) }
        return all.filter { wanted.contains($0.rule) }
    }

    /// What the measurements say about one test case.
    public struct Verdict: Sendable, Hashable {
        public var test: TestCase
        /// The graph's time, mean over the rounds, in milliseconds.
        public var graphMs: Double
        /// Each part's time, mean over the rounds, in milliseconds (in ``TestCase/graph`` order).
        public var partsMs: [Double]
        /// Mean saving ΣT(parts) − T(graph) over the rounds, in milliseconds.
        public var savingMs: Double
        /// Standard error of ``savingMs`` (spread of the per-round savings / √rounds), in milliseconds.
        public var savingStdErrorMs: Double
        /// `alpha` × the smaller part's time, in milliseconds: fused when the saving exceeds it.
        public var thresholdMs: Double
        /// Rounds measured (each: the graph and every part once).
        public var rounds: Int
        /// The largest relative spread (std/mean) a runner reply reported for this case.
        public var worstRunnerSpread: Double
        /// Whether the rule holds on the device.
        public var fused: Bool
        /// Whether the saving is more than ``FusionRuleDetection/confidence`` standard errors from the threshold.
        public var clear: Bool
    }

    /// Threshold as a fraction of the smaller part's time (0.5: halfway between "no saving" and
    /// "the secondary operator is free").
    public var alpha = 0.5
    /// Rounds every case gets (at least 2, for a standard error).
    public var minRounds = 3
    /// Rounds at most for a case whose verdict is not clear.
    public var maxRounds = 8
    /// Standard errors between the saving and the threshold for a clear verdict.
    public var confidence = 2.0

    public init() {}

    /// Times a chain of operators once (one operator alone, or a graph): a runner's reply.
    public typealias Timer = @Sendable ([OperatorSignature]) async -> Result<TableRunner.Measurement, RunnerFailure>

    /// Measures `cases` with `timer` and returns one verdict per case, in order. `progress` is told
    /// (timings done, timings planned so far). A failed timing throws an ``InputError`` naming the
    /// runner, the graph and the runner's message (exit 2).
    public func run(_ cases: [TestCase], timer: Timer, progress: (Int, Int) -> Void = { _, _ in }) async throws -> [Verdict] {
        let lo = max(minRounds, 2), hi = max(maxRounds, lo)
        var graphs = [[Double]](repeating: [], count: cases.count)
        var parts = cases.map { [[Double]](repeating: [], count: $0.graph.count) }
        var spread = [Double](repeating: 0, count: cases.count)
        var verdicts: [Verdict?] = Array(repeating: nil, count: cases.count)
        var done = 0
        var planned = cases.reduce(0) { $0 + lo * ($1.graph.count + 1) }
        func time(_ ops: [OperatorSignature], _ i: Int) async throws -> Double {
            switch await timer(ops) {
            case .success(let m):
                done += 1
                if m.latency > 0 { spread[i] = max(spread[i], m.std / m.latency) }
                progress(done, planned)
                return m.latency
            case .failure(let f):
                let c = cases[i]
                let what = ops.count == 1 ? "operator \(ops[0].key)" : "the \(c.label) graph (\(ops.count) operators)"
                throw InputError(keyPath: "--runner", value: f.message, message: "the runner could not time \(what) for the \(c.rule.rawValue) test",
                                 hint: "a runner for detect-rules must time single operators and {\"graph\": [...]} requests (docs/FORMATS.md, runner protocol); try the runner by hand with that request on stdin")
            }
        }
        for round in 0..<hi {
            for (i, c) in cases.enumerated() {
                guard round < lo || verdicts[i]?.clear == false else { continue }
                if round >= lo { planned += c.graph.count + 1 }
                var g = 0.0, p = [Double](repeating: 0, count: c.graph.count)
                // Alternate the order (graph first, then parts; parts first, then graph) so drift cancels.
                if round % 2 == 0 { g = try await time(c.graph, i) }
                for (j, op) in c.graph.enumerated() { p[j] = try await time([op], i) }
                if round % 2 == 1 { g = try await time(c.graph, i) }
                graphs[i].append(g)
                for j in p.indices { parts[i][j].append(p[j]) }
                if graphs[i].count >= lo { verdicts[i] = decide(c, graphs: graphs[i], parts: parts[i], worstRunnerSpread: spread[i]) }
            }
            if verdicts.allSatisfy({ $0?.clear == true }) { break }
        }
        return verdicts.map { $0! }
    }

    /// The verdict from per-round times: `graphs[r]` the graph's time in round r, `parts[j][r]`
    /// part j's (milliseconds).
    public func decide(_ c: TestCase, graphs: [Double], parts: [[Double]], worstRunnerSpread: Double = 0) -> Verdict {
        let r = graphs.count
        precondition(r >= 1 && parts.count == c.graph.count && parts.allSatisfy { $0.count == r })
        let savings = (0..<r).map { k in parts.reduce(0) { $0 + $1[k] } - graphs[k] }
        let mean = savings.reduce(0, +) / Double(r)
        let sd = r > 1 ? (savings.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(r - 1)).squareRoot() : .infinity
        let se = sd / Double(r).squareRoot()
        let partMeans = parts.map { $0.reduce(0, +) / Double(r) }
        let threshold = alpha * (partMeans.min() ?? 0)
        let gap = abs(mean - threshold)
        return Verdict(test: c, graphMs: graphs.reduce(0, +) / Double(r), partsMs: partMeans, savingMs: mean, savingStdErrorMs: se,
                       thresholdMs: threshold, rounds: r, worstRunnerSpread: worstRunnerSpread, fused: mean > threshold,
                       clear: gap > confidence * se && gap > 0)
    }

    /// The fused rules of `verdicts`, in ``FusionRule`` declaration order (the form `--fusion` takes).
    public static func rules(_ verdicts: [Verdict]) -> [FusionRule] {
        FusionRule.allCases.filter { r in verdicts.contains { $0.test.rule == r && $0.fused } }
    }

    /// `conv_bn,conv_act` (or `none`): what `duet table fit|generate --fusion` accepts.
    public static func fusionOption(_ rules: [FusionRule]) -> String {
        rules.isEmpty ? "none" : rules.map(\.rawValue).joined(separator: ",")
    }
}

extension FusionRuleDetection {
    /// The verdicts as `duet table detect-rules` prints them: a table of cases with their times
    /// and verdicts, the threshold rule, and the `--fusion` value (JSON: the same fields).
    public func render(_ verdicts: [Verdict], format: OutputFormat, runner: String) -> String {
        let fusion = Self.fusionOption(Self.rules(verdicts))
        func ms(_ v: Double) -> String { String(format: "%.4f", v) }
        if format == .json {
            let cases: [JSONValue] = verdicts.map { v in
                .obj(["rule": .string(v.test.rule.rawValue), "pair": .string(v.test.label),
                      "operators": .array(v.test.graph.map { .string($0.key) }),
                      "graph_ms": .double(v.graphMs), "parts_ms": .array(v.partsMs.map { .double($0) }),
                      "saving_ms": .double(v.savingMs), "saving_stderr_ms": v.savingStdErrorMs.isFinite ? .double(v.savingStdErrorMs) : .null,
                      "threshold_ms": .double(v.thresholdMs), "rounds": .int(v.rounds), "fused": .bool(v.fused), "clear": .bool(v.clear)])
            }
            return JSONValue.obj(["runner": .string(runner), "alpha": .double(alpha), "confidence": .double(confidence),
                                  "cases": .array(cases), "fusion": .string(fusion)]).serialized() + "\n"
        }
        var t = TextTable(columns: ["rule", "operators", "graph ms", "parts ms", "sum ms", "saving ms", "± se", "threshold ms", "rounds", "verdict"],
                          numeric: [2, 4, 5, 6, 7, 8])
        for v in verdicts {
            t.append([v.test.rule.rawValue, v.test.label, ms(v.graphMs), v.partsMs.map(ms).joined(separator: " + "), ms(v.partsMs.reduce(0, +)),
                      ms(v.savingMs), v.savingStdErrorMs.isFinite ? ms(v.savingStdErrorMs) : "-", ms(v.thresholdMs), String(v.rounds),
                      (v.fused ? "fused" : "not fused") + (v.clear ? "" : " (unclear)")])
        }
        let unclear = verdicts.filter { !$0.clear }.map(\.test.rule.rawValue)
        return "fusion rules measured by: \(runner)\n" + t.rendered()
            + "fused when sum − graph > \(JSONValue.format(alpha)) × the smaller part (saving ± standard error over the rounds)\n"
            + (unclear.isEmpty ? "" : "unclear after \(maxRounds) rounds (within \(JSONValue.format(confidence)) standard errors of the threshold): \(unclear.joined(separator: ", "))\n")
            + "fusion: \(fusion)\n"
    }
}
