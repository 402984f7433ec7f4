// libFuzzer target: network files (YAML/JSON) decoded and analysed (shapes, counts), and inline
// layer strings. Any input must give a network or an InputError. Built by `make fuzz` only.
import DuetCore
import DuetWorkload
import Foundation
import _FuzzDriver

fuzz { data in
    guard let text = String(data: data, encoding: .utf8) else { return }
    if let node = try? ConfigNode.parse(yaml: text, file: "fuzz.yaml"), let net = try? NetworkFormat.decode(node, file: "fuzz.yaml") {
        _ = try? net.analyze(file: "fuzz.yaml")
    }
    // The first line as a network reference (inline layers, space points).
    let first = String(text.prefix { $0 != "\n" })
    if first.hasPrefix("layer:") || first.contains(":") && !first.hasSuffix(".yaml") && !first.hasSuffix(".json") {
        _ = try? NetworkReference.resolve(first).analyze()
    }
}
