import DuetCore
import Foundation
import SwiftProtobuf

/// Reads an ONNX file without keeping its weights: the protobuf wire format is walked once and
/// rewritten without the data fields of large initializers (only their names, types and shapes
/// are needed to count MACs and parameters), then the much smaller model is decoded by
/// SwiftProtobuf. Files are read with `pread` through a small window, so skipped weight bytes are
/// never loaded: a 100 MB ResNet-50 decodes from about 50 kB of graph.
enum ONNXWire {
    /// Tensors whose encoded size is above this keep only their metadata; smaller ones (shape
    /// constants, Clip bounds, scales) keep their values, which the importer reads.
    static let keepDataBelow = 4096

    /// Decodes a model file, dropping large initializer data. Wire-format errors (a truncated or
    /// non-protobuf file) become ``InputError``s naming the file.
    static func decodeModel(_ data: Data, file: String?) throws -> Onnx_ModelProto {
        let filtered: [UInt8]
        do {
            filtered = try data.withUnsafeBytes { raw -> [UInt8] in
                var out: [UInt8] = []
                out.reserveCapacity(min(raw.count, 1 << 20))
                try filterMessage(MemoryBytes(raw: raw), 0, raw.count, into: &out, level: .model)
                return out
            }
        } catch let e as WireError {
            throw InputError(file: file, keyPath: "", value: e.where_, message: "not a readable ONNX file: \(e.message)",
                             hint: "check that the file is a complete .onnx model (it may be truncated or another format)")
        }
        return try decode(filtered, file: file)
    }

    struct WireError: Error { var message: String; var where_: String }

    /// Random access to the bytes of a model: in memory, or a file read in small windows so that
    /// skipped weight bytes are never loaded.
    protocol Bytes {
        func byte(_ at: Int) throws -> UInt8
        func append(_ range: Range<Int>, to out: inout [UInt8]) throws
    }

    struct MemoryBytes: Bytes {
        let raw: UnsafeRawBufferPointer
        func byte(_ at: Int) throws -> UInt8 { raw[at] }
        func append(_ range: Range<Int>, to out: inout [UInt8]) throws {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[range]))
        }
    }

    /// A file read with `pread` through a 64 KiB window.
    final class FileBytes: Bytes {
        let fd: Int32
        let count: Int
        private var window: [UInt8] = []
        private var windowStart = 0
        init(path: String) throws {
            fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw WireError(message: "cannot open the file", where_: path) }
            var st = stat()
            guard fstat(fd, &st) == 0 else { close(fd); throw WireError(message: "cannot stat the file", where_: path) }
            count = Int(st.st_size)
        }
        deinit { close(fd) }
        private func read(_ range: Range<Int>, into buf: UnsafeMutableRawBufferPointer) throws {
            var done = 0
            while done < range.count {
                let n = pread(fd, buf.baseAddress! + done, range.count - done, off_t(range.lowerBound + done))
                guard n > 0 else { throw WireError(message: "read failed", where_: "byte \(range.lowerBound + done)") }
                done += n
            }
        }
        func byte(_ at: Int) throws -> UInt8 {
            if at < windowStart || at >= windowStart + window.count {
                let r = at..<min(count, at + 65536)
                window = [UInt8](repeating: 0, count: r.count)
                try window.withUnsafeMutableBytes { try read(r, into: $0) }
                windowStart = at
            }
            return window[at - windowStart]
        }
        func append(_ range: Range<Int>, to out: inout [UInt8]) throws {
            if range.lowerBound >= windowStart && range.upperBound <= windowStart + window.count {
                out.append(contentsOf: window[(range.lowerBound - windowStart)..<(range.upperBound - windowStart)])
                return
            }
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: range.count))
            try out.withUnsafeMutableBytes { try read(range, into: UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
        }
    }

    /// Decodes the model in the file at `path`, reading only what is kept.
    static func decodeModel(path: String) throws -> Onnx_ModelProto {
        let filtered: [UInt8]
        do {
            let f = try FileBytes(path: path)
            var out: [UInt8] = []
            try filterMessage(f, 0, f.count, into: &out, level: .model)
            filtered = out
        } catch let e as WireError {
            throw InputError(file: path, keyPath: "", value: e.where_, message: "not a readable ONNX file: \(e.message)",
                             hint: "check that the file is a complete .onnx model (it may be truncated or another format)")
        }
        return try decode(filtered, file: path)
    }

    static func decode(_ filtered: [UInt8], file: String?) throws -> Onnx_ModelProto {
        do {
            return try Onnx_ModelProto(serializedBytes: filtered)
        } catch {
            throw InputError(file: file, message: "not a readable ONNX file: protobuf decoding failed (\(error))",
                             hint: "check that the file is a complete .onnx model")
        }
    }

    /// Which message a byte range holds, to know which fields to descend into.
    enum Level { case model, graph, tensor }

    private static func varint(_ raw: some Bytes, _ pos: inout Int, _ end: Int) throws -> UInt64 {
        var result: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard pos < end else { throw WireError(message: "the file ends inside a field", where_: "byte \(pos)") }
            let b = try raw.byte(pos); pos += 1
            if shift < 64 { result |= UInt64(b & 0x7f) << shift }
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 70 { throw WireError(message: "malformed varint", where_: "byte \(pos)") }
        }
    }

    private static func appendVarint(_ v: UInt64, _ out: inout [UInt8]) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    /// Copies the fields of the message in `raw[start..<end]` to `out`, descending into the model's
    /// graph and the graph's initializers, and dropping the data of large initializers.
    private static func filterMessage(_ raw: some Bytes, _ start: Int, _ end: Int,
                                      into out: inout [UInt8], level: Level) throws {
        if level == .tensor && end - start > keepDataBelow {
            // Keep dims (1), data_type (2), segment (3), name (8), doc (12), external_data (13),
            // data_location (14), metadata (16); drop float/int32/string/int64/raw/double/uint64 data.
            try copyFields(raw, start, end, into: &out) { [1, 2, 3, 8, 12, 13, 14, 16].contains($0) }
            return
        }
        var pos = start
        while pos < end {
            let fieldStart = pos
            let key = try varint(raw, &pos, end)
            let field = key >> 3, wire = key & 7
            guard field > 0 else { throw WireError(message: "field number 0", where_: "byte \(fieldStart)") }
            switch wire {
            case 0: _ = try varint(raw, &pos, end)
            case 1: pos += 8
            case 5: pos += 4
            case 2:
                let len = try varint(raw, &pos, end)
                guard len <= UInt64(end - pos) else {
                    throw WireError(message: "a field of \(len) bytes runs past the end (\(end - pos) bytes left)", where_: "byte \(fieldStart)")
                }
                let subStart = pos, subEnd = pos + Int(len)
                let child: Level? = level == .model && field == 7 ? .graph : level == .graph && field == 5 ? .tensor : nil
                if let child {
                    var sub: [UInt8] = []
                    try filterMessage(raw, subStart, subEnd, into: &sub, level: child)
                    appendVarint(key, &out)
                    appendVarint(UInt64(sub.count), &out)
                    out.append(contentsOf: sub)
                    pos = subEnd
                    continue
                }
                pos = subEnd
            default:
                throw WireError(message: "unsupported wire type \(wire)", where_: "byte \(fieldStart)")
            }
            guard pos <= end else { throw WireError(message: "the file ends inside a field", where_: "byte \(fieldStart)") }
            try raw.append(fieldStart..<pos, to: &out)
        }
    }

    private static func copyFields(_ raw: some Bytes, _ start: Int, _ end: Int, into out: inout [UInt8],
                                   keep: (UInt64) -> Bool) throws {
        var pos = start
        while pos < end {
            let fieldStart = pos
            let key = try varint(raw, &pos, end)
            switch key & 7 {
            case 0: _ = try varint(raw, &pos, end)
            case 1: pos += 8
            case 5: pos += 4
            case 2:
                let len = try varint(raw, &pos, end)
                guard len <= UInt64(end - pos) else {
                    throw WireError(message: "a field of \(len) bytes runs past the end", where_: "byte \(fieldStart)")
                }
                pos += Int(len)
            default: throw WireError(message: "unsupported wire type \(key & 7)", where_: "byte \(fieldStart)")
            }
            guard pos <= end else { throw WireError(message: "the file ends inside a field", where_: "byte \(fieldStart)") }
            if keep(key >> 3) { try raw.append(fieldStart..<pos, to: &out) }
        }
    }
}
