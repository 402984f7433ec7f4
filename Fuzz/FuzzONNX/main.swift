// libFuzzer target: ONNX model bytes through the importer (protobuf decoding, operators,
// shape inference). Any input must give a network or an InputError. Built by `make fuzz` only.
import DuetCore
import DuetONNX
import Foundation
import _FuzzDriver

fuzz { data in
    _ = try? ONNX.importModel(data, file: "fuzz.onnx")
    _ = try? ONNX.importModel(data, file: "fuzz.onnx", options: ONNX.ImportOptions(allowUnknown: true))
}
