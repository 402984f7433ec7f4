import Foundation

/// ONNX element types used here (TensorProto.DataType).
enum ONNXType {
    static let float: Int32 = 1, uint8: Int32 = 2, int8: Int32 = 3, int32: Int32 = 6, int64: Int32 = 7, bool: Int32 = 9, double: Int32 = 11
}

extension Onnx_TensorProto {
    /// Integer values of a small int64/int32 tensor; nil for other types and when the data is not
    /// stored here (external, or dropped because large).
    var intValues: [Int]? {
        switch dataType {
        case ONNXType.int64:
            if !int64Data.isEmpty { return int64Data.map { Int($0) } }
            return Self.decode(rawData, Int64.self).map { $0.map { Int($0) } }
        case ONNXType.int32:
            if !int32Data.isEmpty { return int32Data.map { Int($0) } }
            return Self.decode(rawData, Int32.self).map { $0.map { Int($0) } }
        case ONNXType.bool, ONNXType.uint8:
            if !int32Data.isEmpty { return int32Data.map { Int($0) } }
            return rawData.isEmpty ? nil : rawData.map { Int($0) }
        case ONNXType.int8:
            if !int32Data.isEmpty { return int32Data.map { Int($0) } }
            return rawData.isEmpty ? nil : rawData.map { Int(Int8(bitPattern: $0)) }
        default:
            return nil  // float tensors are data (weights, scales), never shapes
        }
    }

    /// Floating-point values of a small tensor; nil when the data is not stored here.
    var doubleValues: [Double]? {
        switch dataType {
        case ONNXType.float:
            if !floatData.isEmpty { return floatData.map { Double($0) } }
            return Self.decode(rawData, Float.self).map { $0.map { Double($0) } }
        case ONNXType.double:
            if !doubleData.isEmpty { return doubleData }
            return Self.decode(rawData, Double.self)
        case ONNXType.int64, ONNXType.int32, ONNXType.bool, ONNXType.uint8, ONNXType.int8:
            return intValues.map { $0.map { Double($0) } }
        default: return nil
        }
    }

    /// Number of elements the dims describe (1 for a scalar).
    var elementCount: Int { dims.reduce(1) { $0 &* Int($1) } }

    /// Little-endian fixed-width values; nil when the bytes do not match the tensor's dims.
    private static func decode<T: FixedWidthInteger>(_ data: Data, _: T.Type) -> [T]? {
        guard !data.isEmpty, data.count % MemoryLayout<T>.size == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / MemoryLayout<T>.size)).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
        }
    }

    private static func decode<T: BinaryFloatingPoint>(_ data: Data, _: T.Type) -> [T]? {
        guard !data.isEmpty, data.count % MemoryLayout<T>.size == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / MemoryLayout<T>.size)).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
        }
    }

    /// A small int64 tensor with the given values.
    static func int64(_ name: String, _ values: [Int], dims: [Int]? = nil) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = ONNXType.int64
        t.dims = (dims ?? [values.count]).map { Int64($0) }
        t.int64Data = values.map { Int64($0) }
        return t
    }

    /// A small float tensor with the given values (a scalar when `dims` is empty).
    static func float(_ name: String, _ values: [Float], dims: [Int]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = ONNXType.float
        t.dims = dims.map { Int64($0) }
        t.floatData = values
        return t
    }
}

extension Onnx_NodeProto {
    func attribute(_ name: String) -> Onnx_AttributeProto? { attribute.first { $0.name == name } }
    func int(_ name: String, default d: Int) -> Int { attribute(name).map { Int($0.i) } ?? d }
    func ints(_ name: String) -> [Int]? { attribute(name).map { $0.ints.map { Int($0) } } }
    func float(_ name: String, default d: Double) -> Double { attribute(name).map { Double($0.f) } ?? d }
    func string(_ name: String, default d: String) -> String {
        attribute(name).map { String(decoding: $0.s, as: UTF8.self) } ?? d
    }
}

extension Onnx_AttributeProto {
    static func ints(_ name: String, _ v: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .ints; a.ints = v.map { Int64($0) }; return a
    }
    static func int(_ name: String, _ v: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .int; a.i = Int64(v); return a
    }
    static func float(_ name: String, _ v: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .float; a.f = v; return a
    }
    static func string(_ name: String, _ v: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .string; a.s = Data(v.utf8); return a
    }
}

extension Onnx_ValueInfoProto {
    /// A tensor value with element type and fixed dims.
    static func tensor(_ name: String, elemType: Int32, dims: [Int]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var tt = Onnx_TypeProto.Tensor()
        tt.elemType = elemType
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { var d = Onnx_TensorShapeProto.Dimension(); d.dimValue = Int64($0); return d }
        tt.shape = shape
        v.type.tensorType = tt
        return v
    }

    /// Dims of a tensor value: a number, or nil for a symbolic/unknown dimension; nil when there is no shape.
    var dims: [Int?]? {
        guard case .tensorType(let tt)? = type.value, tt.hasShape else { return nil }
        return tt.shape.dim.map { d in
            if case .dimValue(let v)? = d.value, v > 0 { return Int(v) }
            return nil
        }
    }

    /// Makes the first dimension the symbol `N` (a batch size chosen at run time).
    mutating func symbolicBatch() {
        guard case .tensorType(var tt)? = type.value, tt.hasShape, !tt.shape.dim.isEmpty else { return }
        tt.shape.dim[0].dimParam = "N"
        type.tensorType = tt
    }

    /// The name of the symbolic dimension at `index`, if any.
    func dimParam(_ index: Int) -> String? {
        guard case .tensorType(let tt)? = type.value, tt.hasShape, index < tt.shape.dim.count,
              case .dimParam(let p)? = tt.shape.dim[index].value else { return nil }
        return p
    }
}
