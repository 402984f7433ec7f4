import DuetCore
import DuetHardware
import DuetReport
import DuetWorkload
import Foundation

/// `duet evaluate --table FILE | --device NAME`: networks on a table-driven device. The JSON
/// keeps evaluate's top-level shape (`networks[].totals.latency_ms`, `totals.latency_ms`,
/// `energy_pj` null because tables hold no energy, `verdict`).
public enum TableEvaluation {
    public static func render(networks: [String], table: String?, device: String?, spec: String?, options: BuildOptions, format: OutputFormat) throws -> (String, Bool) {
        let t: LatencyTable
        let name: String
        if let table {
            t = try LatencyTable.load(path: table); name = t.provenance.device.isEmpty ? table : t.provenance.device
        } else {
            let model = try DeviceModel.resolve(device!)
            name = model.name
            var sigs = Set<OperatorSignature>()
            for n in networks { sigs.formUnion(try TableDevice(model).lower(SpaceOperators.deviceNetwork(reference: n, options: options)).signatures) }
            t = model.table(for: sigs.sorted())
        }
        var results: [(String, TableLatencyReport)] = []
        var issues = IssueCollector()
        for (i, n) in networks.enumerated() {
            do {
                // SPACE:ARCH as the device's converter sees it (NAS-Bench-201: its exported graph),
                // as `duet table fit/predict`, solve and explore do.
                let net = try SpaceOperators.deviceNetwork(reference: n, options: options)
                let g = try TableDevice(t).lower(net)
                results.append((net.name, try t.latency(of: g, fillHint: "fill it with `duet table generate --network \(n) --device DEVICE --out \(table ?? "TABLE")`")))
            } catch let e as InputError { issues.add(e.issues.allSatisfy { $0.file != nil } ? e : e.under("--network[\(i)]")) }
        }
        try issues.throwIfAny()
        let total = results.reduce(0) { $0 + $1.1.latencyMs }
        let verdicts = try spec.map { path -> [Verdict] in
            do { return try Spec.load(path: path).verdicts(tableLatencies: results.map { ($0.0, $0.1.latencyMs) }) } catch let e as InputError {
                throw e.issues.allSatisfy({ $0.file != nil }) ? e : e.inFile(path)
            }
        } ?? []
        let met = verdicts.allSatisfy(\.met)
        switch format {
        case .json:
            return (JSONValue.obj([
                "device": .obj(["name": .string(name), "table": table.map { .string($0) } ?? .null, "method": .string(t.provenance.method)]),
                "networks": .array(results.map { n, r in
                    .obj(["name": .string(n),
                          "operators": .array(r.operators.map { op, l in
                              .obj(["key": .string(op.signature.key), "kind": .string(op.signature.kind),
                                    "layers": .array(op.layers.map { .string($0) }), "latency_ms": .double(l)])
                          }),
                          "totals": .obj(["latency_ms": .double(r.latencyMs), "network_overhead_ms": .double(r.overheadMs), "energy_pj": .null])])
                }),
                "totals": .obj(["latency_ms": .double(total), "energy_pj": .null]),
                "verdict": .array(verdicts.map { v in
                    .obj(["budget": .string(v.budget), "limit": .double(v.limit), "value": .double(v.value), "margin": .double(v.margin), "met": .bool(v.met)])
                }),
            ]).serialized() + "\n", met)
        case .csv:
            var tt = TextTable(columns: ["network", "operator", "kind", "layers", "latency_ms"])
            for (n, r) in results { for (op, l) in r.operators { tt.append([n, op.signature.key, op.signature.kind, op.layers.joined(separator: "+"), JSONValue.format(l)]) } }
            return (tt.csv(), met)
        case .table:
            var out = ""
            for (n, r) in results {
                var tt = TextTable(columns: ["layers", "operator", "latency_ms"], numeric: [2])
                for (op, l) in r.operators { tt.append([op.layers.joined(separator: "+"), op.signature.kind, String(format: "%.4f", l)]) }
                out += "\(n) on \(name)\n" + tt.rendered() + String(format: "  total: %.4g ms (network constant %.4g ms)\n\n", r.latencyMs, r.overheadMs)
            }
            out += String(format: "device %@: latency %.4g ms\n", name, total)
            if !verdicts.isEmpty {
                var vt = TextTable(columns: ["budget", "limit", "value", "margin", "verdict"], numeric: [1, 2, 3])
                for v in verdicts { vt.append([v.budget, String(format: "%.4g", v.limit), String(format: "%.4g", v.value), String(format: "%.4g", v.margin), v.met ? "met" : "VIOLATED"]) }
                out += "\n" + vt.rendered()
            }
            return (out, met)
        }
    }
}
