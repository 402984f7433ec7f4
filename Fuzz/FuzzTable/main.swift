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

// MARK: - Driver
// SwiftPM links an executable's entry point as `main`, so libFuzzer's own `main` is not used:
// this top-level code hands the command line to libFuzzer's driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var fuzzArgc = CommandLine.argc
var fuzzArgv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&fuzzArgc, &fuzzArgv) { data, count in
    guard let data else { return 0 }
    return fuzzTable(data, count)
})
