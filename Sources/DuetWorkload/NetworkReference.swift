import DuetCore
import Foundation

/// Resolves the ways a user can name a network anywhere one is expected (CLI and config files):
/// - a built-in name (`resnet50`), with input size and width options;
/// - a point of a space, `SPACE:ARCH` (`nb201:|nor_conv_3x3~0|+…`, `fbnet:k3_e1 skip …`);
/// - one inline layer, `layer:conv,k=64,c=64,p=56,q=56,r=3,s=3,stride=1,groups=1`;
/// - a network file of a format ``BuildOptions/loaders`` reads (Duet's `.yaml`, `.yml`, `.json`;
///   `.onnx` where the caller composed ONNX in), relative to `baseDirectory` when given.
public enum NetworkReference {
    public static func resolve(_ ref: String, options: BuildOptions = BuildOptions(), baseDirectory: String? = nil) throws -> Network {
        try options.validate()
        if ref.hasPrefix("layer:") { return try inlineLayer(String(ref.dropFirst(6)), batch: options.batch) }
        if let colon = ref.firstIndex(of: ":"), let space = NetworkSpaces.named(String(ref[..<colon])) {
            let arch = String(ref[ref.index(after: colon)...])
            // A space fixes its input size, width and classes: an option it cannot honor is refused, not ignored.
            let asked = [options.input.map { "--input \($0)" }, options.width != 1 ? "--width \(options.width)" : nil,
                         options.classes.map { "--classes \($0)" }].compactMap { $0 }
            if !asked.isEmpty {
                throw InputError(keyPath: asked[0].split(separator: " ")[0].description, value: ref,
                                 message: "a point of the space '\(space.name)' has the space's own input size, width and classes; \(asked.joined(separator: ", ")) cannot be applied",
                                 hint: "drop the option" + (space.name == "fbnet" ? ", or use the space fbnet-c100 (HW-NAS-Bench's CIFAR-100 FBNet, 32×32 input)" : ""))
            }
            do { return try space.network(parsing: arch) } catch let e as InputError {
                throw InputError(e.issues.map { var i = $0; i.message = "in \(space.name) arch: " + i.message; return i })
            }
        }
        if let b = BuiltinNetwork.named(ref) { return try b.network(options) }
        if let loader = options.loaders.loader(forPath: ref) {
            let path = baseDirectory.map { ref.hasPrefix("/") ? ref : ($0 as NSString).appendingPathComponent(ref) } ?? ref
            return try loader.load(path, options)
        }
        let names = BuiltinNetwork.all.map(\.name) + NetworkSpaces.names.map { $0 + ":ARCH" }
        let hint: String
        if let c = Suggestion.closest(to: ref, in: BuiltinNetwork.all.map(\.name)) { hint = "did you mean '\(c)'?" }
        else if let colon = ref.firstIndex(of: ":"), let c = Suggestion.closest(to: String(ref[..<colon]), in: NetworkSpaces.names) {
            hint = "did you mean the space '\(c)'?"
        } else {
            hint = "use a built-in (" + names.joined(separator: ", ") + "), layer:…, or a " + options.loaders.extensions.map { "." + $0 }.joined(separator: "/") + " network file"
        }
        throw InputError(value: ref, message: "unknown network", hint: hint)
    }

    /// Keys of an inline layer: Timeloop/MAESTRO-style loop bounds (p, q: output height and width).
    public static let inlineKeys = ["k", "c", "p", "q", "r", "s", "n", "stride", "groups"]

    /// The loop bounds each inline layer kind must give (the others default to 1): a layer with a
    /// bound left out would silently be a different, much smaller layer.
    public static let requiredInlineKeys: [String: [String]] = [
        "conv": ["k", "c", "p", "q", "r", "s"], "depthwise": ["k", "p", "q", "r", "s"], "pointwise": ["k", "c", "p", "q"],
        "dense": ["k", "c"], "matmul": ["k", "c", "p"],
    ]
    static let inlineKeyHelp = "k output channels, c input channels per group, p×q output pixels, r×s window"

    /// One layer given as `KIND,k=…,c=…,p=…,q=…,r=…,s=…,stride=…,groups=…` (KIND: conv, depthwise,
    /// pointwise, dense or matmul). c is input channels per group. The input is sized so that a
    /// valid (unpadded) window produces exactly p×q outputs. For dense, p is the token count; for
    /// matmul, `[n, p, c] × [n, c, k]`.
    public static func inlineLayer(_ spec: String, batch: Int = 1) throws -> Network {
        let parts = spec.split(separator: ",").map { $0.trimmingWhitespace() }
        guard let kind = parts.first, ["conv", "depthwise", "pointwise", "dense", "matmul"].contains(kind) else {
            throw InputError(keyPath: "layer", value: parts.first ?? "", message: "unknown inline layer kind",
                             hint: Suggestion.hint(for: parts.first ?? "", in: ["conv", "depthwise", "pointwise", "dense", "matmul"]))
        }
        var v: [String: Int] = ["k": 1, "c": 1, "p": 1, "q": 1, "r": 1, "s": 1, "n": 1, "stride": 1, "groups": 1]
        var given: Set<String> = []
        var issues = IssueCollector()
        for p in parts.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { issues.add("layer", value: p, "expected key=value", hint: "e.g. layer:conv,k=64,c=64,p=56,q=56,r=3,s=3"); continue }
            guard inlineKeys.contains(kv[0]) else {
                issues.add("layer.\(kv[0])", value: p, "unknown key", hint: Suggestion.hint(for: kv[0], in: inlineKeys)); continue
            }
            guard given.insert(kv[0]).inserted else {
                issues.add("layer.\(kv[0])", value: p, "the key is given twice", hint: "give each of \(inlineKeys.joined(separator: ", ")) at most once"); continue
            }
            switch UserNumber.int(kv[1], in: .atLeast(1)) {
            case .success(let x): v[kv[0]] = x
            case .failure(let e): issues.add("layer.\(kv[0])", value: kv[1], e.issues[0].message, hint: e.issues[0].hint)
            }
        }
        let missing = (requiredInlineKeys[kind] ?? []).filter { !given.contains($0) }
        if !missing.isEmpty {
            issues.add("layer", value: spec, "a \(kind) layer needs \(missing.joined(separator: ", "))",
                       hint: "add " + missing.map { "\($0)=…" }.joined(separator: ",") + " (\(inlineKeyHelp))")
        }
        try issues.throwIfAny()
        let (k, c, p, q, r, s, stride, g) = (v["k"]!, v["c"]!, v["p"]!, v["q"]!, v["r"]!, v["s"]!, v["stride"]!, v["groups"]!)
        let name = "layer"
        switch kind {
        case "dense":
            var b = NetworkBuilder(name: name, input: TensorShape(p == 1 ? [c] : [p, c]), batch: batch)
            b.dense("dense", out: k, bias: false)
            return b.network
        case "matmul":
            let n = v["n"]!
            let net = Network(name: name, batch: batch,
                              inputs: [NetworkInput(name: "a", shape: TensorShape([n, p, c])), NetworkInput(name: "b", shape: TensorShape([n, c, k]))],
                              layers: [Layer("matmul", .matmul(transposeB: false), inputs: ["a", "b"])])
            return net
        default:
            let groups = kind == "depthwise" ? k : g
            let cin = kind == "depthwise" ? k : c * groups
            let (rr, ss) = kind == "pointwise" ? (1, 1) : (r, s)
            let h = try Checked.sum(try Checked.product([p - 1, stride], what: "input height"), rr, what: "input height")
            let w = try Checked.sum(try Checked.product([q - 1, stride], what: "input width"), ss, what: "input width")
            var b = NetworkBuilder(name: name, input: TensorShape([cin, h, w]), batch: batch)
            b.add(kind, .conv(outChannels: k, window: Window2D(kernelH: rr, kernelW: ss, strideH: stride, strideW: stride, padding: .valid),
                              groups: groups, bias: false, batchNorm: false, activation: nil))
            return b.network
        }
    }
}
