// libFuzzer target: ONNX model bytes through the importer (protobuf decoding, operators,
// shape inference). Any input must give a network or an InputError. Built by `make fuzz` only.
import DuetCore
import DuetONNX
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    _ = try? ONNX.importModel(data, file: "fuzz.onnx")
    _ = try? ONNX.importModel(data, file: "fuzz.onnx", options: ONNX.ImportOptions(allowUnknown: true))
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
    return fuzzONNX(data, count)
})
