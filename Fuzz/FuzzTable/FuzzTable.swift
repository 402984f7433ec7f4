// libFuzzer target: latency tables in every format (CSV, JSON, once-for-all YAML), with the
// value checks `LatencyTable.load` applies. Built by `make fuzz` only.
import DuetCore
import DuetHardware
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTable(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard let text = String(data: Data(bytes: bytes, count: count), encoding: .utf8) else { return 0 }
    for parse in [LatencyTable.parseCSV, LatencyTable.parseJSON] {
        if let t = try? parse(text, "fuzz") { _ = try? t.checkValues(file: "fuzz"); _ = t.csv(); _ = t.json().serialized() }
    }
    if let t = try? LatencyTable.parseOFA(text, file: "fuzz") { _ = try? t.checkValues(file: "fuzz"); _ = try? t.ofaYAML() }
    return 0
}
