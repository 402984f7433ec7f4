import DuetCore

/// The canonical identity of one device operator, the key of a ``LatencyTable``: two operators
/// with equal signatures take the same time on a device.
///
/// Shapes are written height × width × channels (`32x32x16`) as mobile lookup tables write them
/// (a vector is just its length, `1000`). Fields that do not apply to a kind are 0 / `none`.
///
/// Kinds produced by Duet's lowering (``DeviceGraph`` in DuetCostModel): `conv` (any grouping;
/// `groups` tells depthwise apart), `dense`, `pool_avg`, `pool_max`, `gpool_avg`, `gpool_max`,
/// `add`, `mul`, `act` (a standalone activation), `bn` (a standalone BatchNorm), `se`
/// (squeeze-excite), `mbconv` (a fused inverted-residual block: expand 1×1, depthwise, optional
/// squeeze-excite, linear 1×1, optional identity skip), `concat`, `softmax` and `other:<kind>`.
public struct OperatorSignature: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: String
    /// Input shape, H×W×C (or F for vectors).
    public var input: [Int]
    /// Output shape, H×W×C (or F for vectors).
    public var output: [Int]
    /// Square kernel size in pixels (0 when not a windowed operator).
    public var kernel: Int
    /// Stride in pixels (0 when not a windowed operator).
    public var stride: Int
    /// Convolution groups (0 when not a convolution).
    public var groups: Int
    /// Middle (expanded) channels of an inverted-residual block; 0 otherwise.
    public var expand: Int
    /// Whether the operator contains a squeeze-excite stage.
    public var squeezeExcite: Bool
    /// Whether the operator adds its input back (identity skip of an inverted-residual block).
    public var identitySkip: Bool
    /// The fused (or standalone, for `act`) activation: `none`, `relu`, `hswish`, …
    public var activation: String
    /// Number of input tensors (2 for a binary add, 3 for a three-way add).
    public var operands: Int
    /// Arithmetic precision: `fp32`, `fp16`, `int8`, `int16`.
    public var precision: String

    public init(kind: String, input: [Int], output: [Int], kernel: Int = 0, stride: Int = 0, groups: Int = 0,
                expand: Int = 0, squeezeExcite: Bool = false, identitySkip: Bool = false,
                activation: String = "none", operands: Int = 1, precision: String = "fp32") {
        self.kind = kind; self.input = input; self.output = output; self.kernel = kernel; self.stride = stride
        self.groups = groups; self.expand = expand; self.squeezeExcite = squeezeExcite; self.identitySkip = identitySkip
        self.activation = activation; self.operands = operands; self.precision = precision
    }

    /// The field names of the canonical key and of table CSV files, in order.
    public static let fieldNames = ["kind", "input", "output", "kernel", "stride", "groups", "expand", "se", "idskip",
                                    "act", "operands", "precision"]

    /// Field values as written in keys and CSV files, in ``fieldNames`` order.
    public var fieldValues: [String] {
        [kind, Self.shapeText(input), Self.shapeText(output), String(kernel), String(stride), String(groups),
         String(expand), squeezeExcite ? "1" : "0", identitySkip ? "1" : "0", activation, String(operands), precision]
    }

    /// The canonical key, e.g.
    /// `conv-input:32x32x16-output:32x32x16-kernel:3-stride:1-groups:1-expand:0-se:0-idskip:0-act:none-operands:1-precision:fp32`.
    public var key: String {
        var s = kind
        for (n, v) in zip(Self.fieldNames.dropFirst(), fieldValues.dropFirst()) { s += "-\(n):\(v)" }
        return s
    }

    public var description: String { key }

    public static func < (a: OperatorSignature, b: OperatorSignature) -> Bool { a.key < b.key }

    /// `32x32x16`.
    public static func shapeText(_ s: [Int]) -> String { s.map(String.init).joined(separator: "x") }

    /// Parses `32x32x16`; nil when malformed.
    public static func parseShape(_ s: Substring) -> [Int]? {
        let parts = s.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! > 0 }) else { return nil }
        return parts.map { $0! }
    }

    /// Builds a signature from field values (as in ``fieldValues``) keyed by field name; throws an
    /// ``InputError`` naming each bad field. `keyPath` prefixes the key paths in errors.
    public static func from(fields: [String: String], keyPath: String = "") throws -> OperatorSignature {
        var c = IssueCollector()
        func text(_ n: String) -> String? {
            guard let v = fields[n], !v.isEmpty else { c.add(KeyPaths.join(keyPath, n), "missing field '\(n)'"); return nil }
            return v
        }
        func int(_ n: String) -> Int {
            guard let v = text(n) else { return 0 }
            guard let i = Int(v), i >= 0 else { c.add(KeyPaths.join(keyPath, n), value: v, "expected a non-negative integer"); return 0 }
            return i
        }
        func flag(_ n: String) -> Bool {
            guard let v = text(n) else { return false }
            guard v == "0" || v == "1" else { c.add(KeyPaths.join(keyPath, n), value: v, "expected 0 or 1"); return false }
            return v == "1"
        }
        func shape(_ n: String) -> [Int] {
            guard let v = text(n) else { return [] }
            guard let s = parseShape(Substring(v)) else {
                c.add(KeyPaths.join(keyPath, n), value: v, "expected a shape like 32x32x16 (positive sizes joined by 'x')"); return []
            }
            return s
        }
        let known = Set(fieldNames)
        for name in fields.keys.sorted() where !known.contains(name) {
            c.add(KeyPaths.join(keyPath, name), "unknown field '\(name)'", hint: Suggestion.hint(for: name, in: fieldNames))
        }
        let sig = OperatorSignature(kind: text("kind") ?? "", input: shape("input"), output: shape("output"),
                                    kernel: int("kernel"), stride: int("stride"), groups: int("groups"), expand: int("expand"),
                                    squeezeExcite: flag("se"), identitySkip: flag("idskip"), activation: text("act") ?? "none",
                                    operands: int("operands"), precision: text("precision") ?? "fp32")
        try c.throwIfAny()
        return sig
    }

    /// Parses a canonical key (see ``key``); throws an ``InputError`` saying what is wrong.
    public static func parse(key: String) throws -> OperatorSignature {
        let parts = key.split(separator: "-", omittingEmptySubsequences: false)
        guard let kind = parts.first, !kind.isEmpty, !kind.contains(":") else {
            throw InputError(value: key, message: "an operator key starts with its kind",
                             hint: "write it as conv-input:32x32x16-output:32x32x16-kernel:3-…")
        }
        var fields = ["kind": String(kind)]
        for p in parts.dropFirst() {
            guard let colon = p.firstIndex(of: ":") else {
                throw InputError(value: key, message: "'\(p)' is not a name:value field of an operator key")
            }
            fields[String(p[..<colon])] = String(p[p.index(after: colon)...])
        }
        do { return try from(fields: fields) } catch let e as InputError {
            throw InputError(e.issues.map { var i = $0; i.value = i.value ?? key; i.message = "in operator key: " + i.message; return i })
        }
    }
}
