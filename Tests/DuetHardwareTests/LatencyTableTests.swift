import Foundation
import Testing
@testable import DuetCore
@testable import DuetHardware

/// ../shared/data relative to the repository root (absent on a clean clone: tests skip).
let sharedData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")

@Suite struct OperatorSignatureTests {
    @Test func keyRoundTrips() throws {
        let s = OperatorSignature(kind: "conv", input: [32, 32, 16], output: [16, 16, 32], kernel: 3, stride: 2, groups: 1, activation: "relu")
        #expect(s.key == "conv-input:32x32x16-output:16x16x32-kernel:3-stride:2-groups:1-expand:0-se:0-idskip:0-act:relu-operands:1-precision:fp32")
        #expect(try OperatorSignature.parse(key: s.key) == s)
    }

    @Test func badKeysNameTheField() {
        #expect(throws: InputError.self) { try OperatorSignature.parse(key: "conv-input:32x0x16-output:1x1x1") }
        do { _ = try OperatorSignature.parse(key: "conv-input:3x3x3-output:3x3x3-kernal:3"); Issue.record("expected an error") } catch let e as InputError {
            #expect(e.description.contains("kernal"))
            #expect(e.description.contains("kernel"))
        } catch { Issue.record("unexpected \(error)") }
    }
}

@Suite struct LatencyTableTests {
    static func sample() -> LatencyTable {
        var t = LatencyTable(provenance: TableProvenance(device: "pixel3", method: "measured", date: "2026-01-01", source: "unit test"),
                             networkOverheadMs: 0.05)
        t.insert(LatencyEntry(OperatorSignature(kind: "conv", input: [32, 32, 16], output: [32, 32, 16], kernel: 3, stride: 1, groups: 1, activation: "relu"),
                              meanMs: 0.41, stdMs: 0.02, count: 50))
        t.insert(LatencyEntry(OperatorSignature(kind: "add", input: [8, 8, 64], output: [8, 8, 64], operands: 3), meanMs: 0.013))
        t.failures["act-input:1x1x1-output:1x1x1-kernel:0-stride:0-groups:0-expand:0-se:0-idskip:0-act:relu-operands:1-precision:fp32"] = "the runner exited with status 3"
        return t
    }

    @Test func csvRoundTripsEverything() throws {
        let t = Self.sample()
        let back = try LatencyTable.parseCSV(t.csv())
        #expect(back == t)
        #expect(back.failures.count == 1)
    }

    @Test func jsonRoundTripsEverything() throws {
        let t = Self.sample()
        #expect(try LatencyTable.parseJSON(t.json().serialized()) == t)
    }

    @Test func csvErrorsNameLineAndColumn() {
        let bad = "key,kind,input,output,kernel,stride,groups,expand,se,idskip,act,operands,precision,mean_ms,std_ms,count\n"
            + ",conv,32x32x16,32x32x16,3,1,1,0,0,0,relu,1,fp32,-1,0,0\n"
            + ",conv,32x32x16,32x32x16,3,1,1,0,2,0,relu,1,fp32,1,0,0\n"
        do { _ = try LatencyTable.parseCSV(bad, file: "t.csv"); Issue.record("expected an error") } catch let e as InputError {
            #expect(e.issues.count == 2)
            #expect(e.issues[0].keyPath == "line 2.mean_ms")
            #expect(e.issues[1].keyPath == "line 3.se")
            #expect(e.issues.allSatisfy { $0.file == "t.csv" })
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func ofaStyleImportsAndExportsTheSameText() throws {
        let text = """
            AvgPool2D-input:7x7x1152-output:1x1x1152:
              count: 495
              mean: 0.015270707070707077
              std: 0.000903109390250199
            Conv-input:224x224x3-output:112x112x24:
              count: 500
              mean: 0.994418
              std: 0.01726798413249215
            Conv_1-input:7x7x192-output:7x7x1152:
              count: 500
              mean: 0.694356
              std: 0.02063155990224683
            Conv_2-input:1x1x1152-output:1x1x1536:
              count: 500
              mean: 0.762458
              std: 0.10130917152953131
            Logits-input:1x1x1536-output:1000:
              count: 500
              mean: 0.669412
              std: 0.07743974597065771
            expanded_conv-input:112x112x24-output:56x56x32-expand:144-kernel:5-stride:2-idskip:0-se:0-hs:0:
              count: 63
              mean: 4.8
              std: 0.1

            """
        let t = try LatencyTable.parseOFA(text)
        #expect(t.count == 6)
        let mb = try #require(t.entries.first { $0.signature.kind == "mbconv" })
        #expect(mb.signature.expand == 144 && mb.signature.kernel == 5 && mb.signature.stride == 2 && mb.signature.activation == "relu")
        #expect(try t.ofaYAML() == text)
    }

    @Test func ofaBadKeysAreReported() {
        #expect(throws: InputError.self) { try LatencyTable.parseOFA("Convv-input:1x1x3-output:1x1x3:\n  count: 1\n  mean: 1\n  std: 0\n") }
        #expect(throws: InputError.self) { try LatencyTable.parseOFA("Conv-input:1x1x3-output:1x1x3:\n  count: 1\n  mean: -1\n") }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedData.appendingPathComponent("luts/ofa-note10").path), "../shared/data/luts/ofa-note10 is absent"))
    func releasedNote10TablesRoundTrip() throws {
        let dir = sharedData.appendingPathComponent("luts/ofa-note10")
        for r in [160, 176, 192, 208, 224] {
            let path = dir.appendingPathComponent("\(r)_lookup_table.yaml").path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let t = try LatencyTable.load(path: path)
            let out = try t.ofaYAML()
            let keys = { (s: String) in s.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix(" ") }.map(String.init) }
            #expect(keys(out) == keys(text), "keys of \(r)")
            #expect(try LatencyTable.parseOFA(out).entries == t.entries, "values of \(r)")
            #expect(out == text, "the whole file of \(r) re-exports byte for byte")
        }
    }
}
