// libFuzzer target: latency tables in every format (CSV, JSON, once-for-all YAML), with the
// value checks `LatencyTable.load` applies. Built by `make fuzz` only.
import DuetCore
import DuetHardware
import Foundation
import _FuzzDriver

fuzz { data in
    guard let text = String(data: data, encoding: .utf8) else { return }
    for parse in [LatencyTable.parseCSV, LatencyTable.parseJSON] {
        if let t = try? parse(text, "fuzz") { _ = try? t.checkValues(file: "fuzz"); _ = t.csv(); _ = t.json().serialized() }
    }
    if let t = try? LatencyTable.parseOFA(text, file: "fuzz") { _ = try? t.checkValues(file: "fuzz"); _ = try? t.ofaYAML() }
}
