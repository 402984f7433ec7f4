import DuetCore

/// The once-for-all lookup-table style (Cai et al., ICLR 2020; `ofa/tutorial/latency_table.py`):
/// a YAML mapping from a key to `{count, mean, std}` (milliseconds). The keys and how they map to
/// Duet signatures:
///
/// | OFA key | signature |
/// |---|---|
/// | `Conv-input:HxWx3-output:H'xW'xC` | `conv`, kernel 3, stride 2, h-swish (the first conv) |
/// | `expanded_conv-input:…-output:…-expand:E-kernel:K-stride:S-idskip:I-se:S-hs:H` | `mbconv` with `expand` E (middle channels) |
/// | `Conv_1-input:HxWxC-output:HxWxC'` (H > 1) | `conv`, 1×1, h-swish (final expand) |
/// | `AvgPool2D-input:HxWxC-output:1x1xC` | `gpool_avg` |
/// | `Conv_2-input:1x1xC-output:1x1xC'` | `conv`, 1×1, h-swish on a 1×1 map (feature mix) |
/// | `Logits-input:1x1xF-output:K` | `dense` from F to K features |
///
/// The mapping is one-to-one on these keys, so import then export gives the same keys (and,
/// numbers printed in shortest round-trip form, the same file).
extension LatencyTable {
    /// The OFA key of `sig`, or nil when the signature has no OFA form.
    public static func ofaKey(_ sig: OperatorSignature) -> String? {
        func s(_ x: [Int]) -> String { OperatorSignature.shapeText(x) }
        guard sig.input.count == 3 || sig.kind == "dense" else { return nil }
        switch sig.kind {
        case "conv" where sig.kernel == 3 && sig.stride == 2 && sig.groups == 1 && sig.activation == "hswish" && sig.input.last == 3:
            return "Conv-input:\(s(sig.input))-output:\(s(sig.output))"
        case "conv" where sig.kernel == 1 && sig.stride == 1 && sig.groups == 1 && sig.activation == "hswish":
            return (sig.input[0] == 1 && sig.input[1] == 1 ? "Conv_2" : "Conv_1") + "-input:\(s(sig.input))-output:\(s(sig.output))"
        case "gpool_avg":
            return "AvgPool2D-input:\(s(sig.input))-output:\(s(sig.output))"
        case "dense" where sig.input.count == 1 && sig.output.count == 1 && sig.activation == "none":
            return "Logits-input:1x1x\(sig.input[0])-output:\(sig.output[0])"
        case "mbconv" where ["relu", "hswish"].contains(sig.activation):
            return "expanded_conv-input:\(s(sig.input))-output:\(s(sig.output))-expand:\(sig.expand)-kernel:\(sig.kernel)"
                + "-stride:\(sig.stride)-idskip:\(sig.identitySkip ? 1 : 0)-se:\(sig.squeezeExcite ? 1 : 0)-hs:\(sig.activation == "hswish" ? 1 : 0)"
        default: return nil
        }
    }

    /// The signature of an OFA key; throws an ``InputError`` when the key is not one of the six forms.
    public static func signature(ofaKey key: String) throws -> OperatorSignature {
        let parts = key.split(separator: "-", omittingEmptySubsequences: false)
        var f: [String: Substring] = [:]
        for p in parts.dropFirst() {
            guard let colon = p.firstIndex(of: ":") else { throw InputError(keyPath: key, message: "'\(p)' is not a name:value field") }
            f[String(p[..<colon])] = p[p.index(after: colon)...]
        }
        func shape(_ n: String) throws -> [Int] {
            guard let v = f[n], let s = OperatorSignature.parseShape(v) else {
                throw InputError(keyPath: key, value: f[n].map(String.init), message: "missing or malformed '\(n)' shape")
            }
            return s
        }
        func int(_ n: String, _ allowed: ClosedRange<Int> = 0...Int.max) throws -> Int {
            guard let v = f[n], let i = Int(v), allowed.contains(i) else {
                throw InputError(keyPath: key, value: f[n].map(String.init), message: "missing or bad '\(n)'")
            }
            return i
        }
        let kind = parts.first.map(String.init) ?? ""
        let fieldsOf: [String: [String]] = ["Conv": ["input", "output"], "Conv_1": ["input", "output"], "Conv_2": ["input", "output"],
                                            "AvgPool2D": ["input", "output"], "Logits": ["input", "output"],
                                            "expanded_conv": ["input", "output", "expand", "kernel", "stride", "idskip", "se", "hs"]]
        guard let expected = fieldsOf[kind] else {
            throw InputError(keyPath: key, value: kind, message: "not a once-for-all table key",
                             hint: Suggestion.hint(for: kind, in: fieldsOf.keys.sorted()))
        }
        guard Set(f.keys) == Set(expected), f.count == parts.count - 1 else {
            throw InputError(keyPath: key, message: "a \(kind) key has the fields \(expected.joined(separator: ", "))")
        }
        let input = try shape("input"), output = try shape("output")
        func three(_ s: [Int], _ n: String) throws {
            guard s.count == 3 else { throw InputError(keyPath: key, value: OperatorSignature.shapeText(s), message: "'\(n)' must be HxWxC") }
        }
        switch kind {
        case "Conv":
            try three(input, "input"); try three(output, "output")
            return OperatorSignature(kind: "conv", input: input, output: output, kernel: 3, stride: 2, groups: 1, activation: "hswish")
        case "Conv_1", "Conv_2":
            try three(input, "input"); try three(output, "output")
            guard (input[0] == 1 && input[1] == 1) == (kind == "Conv_2") else {
                throw InputError(keyPath: key, message: kind == "Conv_2" ? "Conv_2 acts on a 1x1 map" : "Conv_1 acts on a map larger than 1x1")
            }
            return OperatorSignature(kind: "conv", input: input, output: output, kernel: 1, stride: 1, groups: 1, activation: "hswish")
        case "AvgPool2D":
            try three(input, "input"); try three(output, "output")
            return OperatorSignature(kind: "gpool_avg", input: input, output: output)
        case "Logits":
            guard input.count == 3, input[0] == 1, input[1] == 1, output.count == 1 else {
                throw InputError(keyPath: key, message: "Logits maps 1x1xF to K")
            }
            return OperatorSignature(kind: "dense", input: [input[2]], output: output)
        default:
            try three(input, "input"); try three(output, "output")
            return OperatorSignature(kind: "mbconv", input: input, output: output, kernel: try int("kernel", 1...99),
                                     stride: try int("stride", 1...99), groups: 0, expand: try int("expand", 1...Int.max),
                                     squeezeExcite: try int("se", 0...1) == 1, identitySkip: try int("idskip", 0...1) == 1,
                                     activation: try int("hs", 0...1) == 1 ? "hswish" : "relu")
        }
    }

    /// Parses a once-for-all YAML table; every bad key or value is reported.
    public static func parseOFA(_ text: String, file: String? = nil, device: String = "") throws -> LatencyTable {
        let root = try ConfigNode.parse(yaml: text, file: file)
        guard case .mapping(let items) = root.value else {
            throw InputError(file: file, message: "a once-for-all table is a mapping from operator keys to {count, mean, std}")
        }
        let d = Diagnostics(file: file)
        var table = LatencyTable(provenance: TableProvenance(device: device, method: "imported", source: file.map { "once-for-all table \($0)" } ?? "once-for-all table"),
                                 fusion: [.convBN, .convAct, .invertedResidual])
        for (key, node) in items {
            let r = ConfigReader(node, path: key, diagnostics: d)
            let count = r.int("count", required: true, min: 0)
            let mean = r.double("mean", required: true, min: 0, max: validLatencyMs.high)
            let std = r.double("std", min: 0, max: validLatencyMs.high) ?? 0
            r.finish()
            guard let sig = try d.collector.attempt({ try signature(ofaKey: key) }), let mean, let count else { continue }
            if table.contains(sig) { d.add(key, "duplicate operator"); continue }
            table.insert(LatencyEntry(sig, meanMs: mean, stdMs: std, count: count))
        }
        try d.throwIfAny()
        return table
    }

    /// The table in the once-for-all YAML style, keys sorted as the released files are; throws
    /// an ``InputError`` listing the entries that have no OFA form.
    public func ofaYAML() throws -> String {
        var rows: [(String, LatencyEntry)] = []
        var c = IssueCollector()
        for e in entries {
            if let k = Self.ofaKey(e.signature) { rows.append((k, e)) }
            else { c.add(e.signature.key, "this operator has no once-for-all table key", hint: "write the table as .csv or .json instead") }
        }
        try c.throwIfAny()
        var s = ""
        for (k, e) in rows.sorted(by: { $0.0 < $1.0 }) {
            s += "\(k):\n  count: \(e.count)\n  mean: \(e.meanMs)\n  std: \(e.stdMs)\n"
        }
        return s
    }
}
