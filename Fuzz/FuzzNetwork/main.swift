// libFuzzer target: network files (YAML/JSON) decoded and analysed (shapes, counts), and inline
// layer strings. Any input must give a network or an InputError. Built by `make fuzz` only.
import DuetCore
import DuetWorkload
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetwork(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard let text = String(data: Data(bytes: bytes, count: count), encoding: .utf8) else { return 0 }
    if let node = try? ConfigNode.parse(yaml: text, file: "fuzz.yaml"), let net = try? NetworkFormat.decode(node, file: "fuzz.yaml") {
        _ = try? net.analyze(file: "fuzz.yaml")
    }
    // The first line as a network reference (inline layers, space points).
    let first = String(text.prefix { $0 != "\n" })
    if first.hasPrefix("layer:") || first.contains(":") && !first.hasSuffix(".yaml") && !first.hasSuffix(".json") {
        _ = try? NetworkReference.resolve(first).analyze()
    }
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
    return fuzzNetwork(data, count)
})
