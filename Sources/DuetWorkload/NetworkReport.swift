import DuetCore
import DuetReport
import Foundation

/// Renders a network analysis for `network show` and `space show --arch`, and the list of
/// built-in networks for `network list`.
public enum NetworkReport {
    public static func loops(_ l: LoopNest?) -> JSONValue {
        guard let l else { return .null }
        return .obj(["n": .int(l.n), "k": .int(l.k), "c": .int(l.c), "p": .int(l.p), "q": .int(l.q), "r": .int(l.r), "s": .int(l.s),
                     "stride": .int(l.strideH), "groups": .int(l.groups)])
    }

    public static func json(_ a: NetworkAnalysis, bits: Int) -> JSONValue {
        var v = baseJSON(a, bits: bits)
        // Imported networks with placeholders say so in every output.
        if !a.network.notes.isEmpty, case .object(var fields) = v {
            fields.insert(JSONValue.Field("notes", .array(a.network.notes.map { .string($0) })), at: 3)
            v = .object(fields)
        }
        return v
    }

    public static func baseJSON(_ a: NetworkAnalysis, bits: Int) -> JSONValue {
        .obj([
            "name": .string(a.network.name),
            "batch": .int(a.network.batch),
            "precision_bits": .int(bits),
            "layers": .array(a.layers.map { l in
                .obj(["name": .string(l.layer.name), "kind": .string(l.kind),
                      "input_shape": l.inputShapes.count == 1 ? .array(l.inputShapes[0].dims.map { .int($0) })
                          : .array(l.inputShapes.map { .array($0.dims.map { .int($0) }) }),
                      "output_shape": .array(l.outputShape.dims.map { .int($0) }),
                      "macs": .int(l.macs), "params": .int(l.params), "loops": loops(l.loops)])
            }),
            "totals": .obj(["macs": .int(a.totalMACs), "params": .int(a.totalParams),
                            "weight_bytes": .int(a.totalWeightBytes(bits: bits)), "activation_bytes": .int(a.totalActivationBytes(bits: bits))]),
        ])
    }

    public static func render(_ a: NetworkAnalysis, format: OutputFormat, bits: Int) -> String {
        switch format {
        case .json: return json(a, bits: bits).serialized() + "\n"
        case .csv, .table:
            let csv = format == .csv
            var t = TextTable(columns: ["layer", "kind", "input", "output", "macs", "params", "n", "k", "c", "p", "q", "r", "s", "stride", "groups"],
                              numeric: Set(4...14))
            for l in a.layers {
                let lp = l.loops
                let loopCells = lp.map { [$0.n, $0.k, $0.c, $0.p, $0.q, $0.r, $0.s, $0.strideH, $0.groups].map(String.init) }
                    ?? Array(repeating: "", count: 9)
                t.append([l.layer.name, l.kind, l.inputShapes.map(\.description).joined(separator: " "), l.outputShape.description,
                          csv ? String(l.macs) : NumberFormat.grouped(l.macs), csv ? String(l.params) : NumberFormat.grouped(l.params)] + loopCells)
            }
            if csv { return t.csv() }
            let notes = a.network.notes.map { "note: \($0)\n" }.joined()
            return t.rendered() + notes + """
                \(a.network.name): \(a.layers.count) layers, \(NumberFormat.grouped(a.totalMACs)) MACs (\(NumberFormat.si(Double(a.totalMACs)))), \
                \(NumberFormat.grouped(a.totalParams)) params (\(NumberFormat.si(Double(a.totalParams)))), \
                weights \(NumberFormat.si(Double(a.totalWeightBytes(bits: bits))))B, activations \(NumberFormat.si(Double(a.totalActivationBytes(bits: bits))))B at \(bits)-bit

                """
        }
    }

    /// The built-in networks with their default input, MACs, parameters and summary.
    public static func builtins(format: OutputFormat) throws -> String {
        var rows: [(BuiltinNetwork, NetworkAnalysis)] = []
        for b in BuiltinNetwork.all { rows.append((b, try b.network().analyze())) }
        switch format {
        case .json:
            return JSONValue.array(rows.map { b, a in
                .obj(["name": .string(b.name), "summary": .string(b.summary), "default_input": .int(b.defaultInput),
                      "macs": .int(a.totalMACs), "params": .int(a.totalParams), "source": .string(b.source)])
            }).serialized() + "\n"
        case .table, .csv:
            var t = TextTable(columns: ["name", "input", "macs", "params", "summary"], numeric: [1, 2, 3])
            for (b, a) in rows {
                t.append([b.name, String(b.defaultInput),
                          format == .csv ? String(a.totalMACs) : NumberFormat.si(Double(a.totalMACs)),
                          format == .csv ? String(a.totalParams) : NumberFormat.si(Double(a.totalParams)), b.summary])
            }
            return format == .csv ? t.csv() : t.rendered()
        }
    }
}
