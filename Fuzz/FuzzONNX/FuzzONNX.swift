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
