import DuetCore
import DuetCostModel
import DuetExplore
import DuetStudy
import Foundation
import Testing
import _DuetTestSupport
@testable import DuetServe

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func tempDir() throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("duet-serve-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// A small co-exploration: one NAS-Bench-201 task (MACs proxy accuracy) on a chip of 1-2
/// sub-accelerators; population 4, so a generation is four trials.
let smallConfig = smallExploreConfig.replacingOccurrences(of: "evaluations: 120", with: "evaluations: 40")
    .replacingOccurrences(of: "population: 20", with: "population: 4").replacingOccurrences(of: "workers: 2\n", with: "")

func writeConfig(_ dir: URL, _ text: String = smallConfig, name: String = "config.yaml") throws -> String {
    let p = dir.appendingPathComponent(name).path
    try text.write(toFile: p, atomically: true, encoding: .utf8)
    return p
}

/// Sends one request and returns the whole response object.
func send(_ server: Server, _ method: String, _ params: JSONValue, id: Int = 1) async throws -> JSONValue {
    let request = JSONValue.obj(["jsonrpc": .string("2.0"), "id": .int(id), "method": .string(method), "params": params])
    let reply = await server.handle(request.serialized(pretty: false))
    let line = try #require(reply.line)
    return try JSONValue(parsing: line)
}

/// The result of a request that must succeed.
func result(_ server: Server, _ method: String, _ params: JSONValue) async throws -> JSONValue {
    let r = try await send(server, method, params)
    #expect(r["error"] == nil, "\(method) failed: \(r.serialized(pretty: false))")
    return try #require(r["result"])
}

/// The error object of a request that must fail.
func error(_ server: Server, _ method: String, _ params: JSONValue) async throws -> JSONValue {
    let r = try await send(server, method, params)
    #expect(r["result"] == nil)
    return try #require(r["error"], "\(method) did not fail: \(r.serialized(pretty: false))")
}

@Suite struct ServerEvaluateTests {
    let server = Server(dataDir: root)

    @Test func directFormIsTheObjectDuetEvaluatePrints() async throws {
        // Given the library's `duet evaluate --format json` output for a layer on Eyeriss with an override,
        let request = EvaluateRequest(networks: ["layer:conv,k=64,c=64,p=56,q=56,r=3,s=3"], accelerator: "eyeriss", overrides: ["pe_rows=16"])
        let expected = try JSONValue(parsing: try request.render(format: .json, dataDir: root).text)
        // when the server evaluates it with "network" and "set" as an object, and with "networks" and "set" as a list,
        let a = try await result(server, "evaluate", .obj(["network": .string("layer:conv,k=64,c=64,p=56,q=56,r=3,s=3"),
                                                          "accelerator": .string("eyeriss"), "set": .obj(["pe_rows": .int(16)])]))
        let b = try await result(server, "evaluate", .obj(["networks": .array([.string("layer:conv,k=64,c=64,p=56,q=56,r=3,s=3")]),
                                                          "accelerator": .string("eyeriss"), "set": .array([.string("pe_rows=16")])]))
        // then both are that object, byte for byte.
        #expect(a.serialized() == expected.serialized())
        #expect(b.serialized() == expected.serialized())
        #expect(a["accelerator"] != nil && a["networks"]?.arrayValue?.count == 1)
        // "layers": false keeps everything but the per-layer rows.
        let totals = try await result(server, "evaluate", .obj(["network": .string("layer:conv,k=64,c=64,p=56,q=56,r=3,s=3"),
                                                               "accelerator": .string("eyeriss"), "set": .obj(["pe_rows": .int(16)]), "layers": .bool(false)]))
        #expect(totals["networks"]?.arrayValue?.first?["layers"] == nil)
        #expect(totals["networks"]?.arrayValue?.first?["totals"] == a["networks"]?.arrayValue?.first?["totals"])
        #expect(totals["totals"] == a["totals"] && totals["accelerator"] == a["accelerator"])
    }

    @Test func designsBatchKeepsOrderAndAnswersEachError() async throws {
        let good = JSONValue.obj(["network": .string("resnet18"), "accelerator": .string("eyeriss")])
        let bad = JSONValue.obj(["network": .string("resnet5O"), "accelerator": .string("eyeriss")])
        let r = try await result(server, "evaluate", .obj(["designs": .array([good, bad, .string("nope"), good])]))
        let results = try #require(r["results"]?.arrayValue)
        #expect(results.count == 4)
        #expect(results[0].serialized() == results[3].serialized())
        #expect(results[0]["networks"] != nil)
        // The bad network: an input error with the key and a fix.
        #expect(results[1]["error"]?["code"] == .int(-32000))
        let issue = try #require(results[1]["error"]?["data"]?["issues"]?.arrayValue?.first)
        #expect(issue["value"]?.stringValue?.contains("resnet5O") == true)
        #expect(issue["fix"]?.stringValue?.contains("resnet50") == true, "\(issue.serialized())")
        #expect(results[2]["error"]?["code"] == .int(-32602))
    }

    @Test func configPointFormGivesObjectivesConstraintsAndDesign() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try writeConfig(dir)
        let space = try await result(server, "space", .obj(["config": .string(config)]))
        let names = try #require(space["variables"]?.arrayValue).compactMap { $0["name"]?.stringValue }
        #expect(names.contains("cifar10.edge_1_0") || names.contains { $0.hasPrefix("cifar10.") })
        #expect(names.contains("hw.count"))
        #expect(space["objectives"] == .array([.obj(["name": .string("accuracy"), "sense": .string("maximize")]),
                                               .obj(["name": .string("latency_ms"), "sense": .string("minimize")])]))
        #expect(space["constraints"] == .array([.string("latency_ms"), .string("area_mm2")]))
        let points = try #require(try await result(server, "sample", .obj(["config": .string(config), "n": .int(3), "seed": .int(7)]))["points"]?.arrayValue)
        #expect(points.count == 3)
        let one = try await result(server, "evaluate", .obj(["config": .string(config), "point": points[0]]))
        let objectives = try #require(one["objectives"]?.objectFields)
        #expect(objectives.map(\.key) == ["accuracy", "latency_ms"])
        let constraints = try #require(one["constraints"]?.objectFields)
        #expect(constraints.map(\.key) == ["latency_ms", "area_mm2"])
        // feasible ⇔ no budget violated, and the violations list the violated ones.
        let violated = constraints.filter { ($0.value.doubleValue ?? 0) > 0 }.map { JSONValue.string($0.key) }
        #expect(one["violations"] == .array(violated))
        #expect(one["feasible"] == .bool(violated.isEmpty))
        #expect(one["metrics"]?["latency_ms"] == objectives[1].value)
        #expect(one["design"]?["hardware"]?.arrayValue?.isEmpty == false)
        // The batch form keeps order; a repeated point gives the same result.
        let batch = try await result(server, "evaluate", .obj(["config": .string(config), "points": .array([points[1], points[0], .obj(["hw.count": .int(9)])])]))
        let results = try #require(batch["results"]?.arrayValue)
        #expect(results.count == 3)
        #expect(results[1].serialized() == one.serialized())
        #expect(results[2]["error"]?["code"] == .int(-32000))
        // decode gives the design the evaluation reports.
        let decoded = try await result(server, "decode", .obj(["config": .string(config), "point": points[0]]))
        #expect(decoded["design"] == one["design"])
    }

    @Test func sampleIsDeterministicForASeed() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try writeConfig(dir)
        let a = try await result(server, "sample", .obj(["config": .string(config), "n": .int(5), "seed": .int(11)]))
        let b = try await result(server, "sample", .obj(["config": .string(config), "n": .int(5), "seed": .int(11)]))
        let c = try await result(server, "sample", .obj(["config": .string(config), "n": .int(5), "seed": .int(12)]))
        #expect(a == b)
        #expect(a != c)
        // Every sampled point is valid input to evaluate.
        let r = try await result(server, "evaluate", .obj(["config": .string(config), "points": a["points"]!]))
        #expect(r["results"]?.arrayValue?.allSatisfy { $0["error"] == nil } == true)
    }

    @Test func configIsReloadedWhenTheFileChanges() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try writeConfig(dir)
        let before = try await result(server, "space", .obj(["config": .string(config)]))
        #expect(before["constraints"]?.arrayValue?.count == 2)
        _ = try writeConfig(dir, smallConfig.replacingOccurrences(of: "  area_mm2: 4\n", with: ""))
        let after = try await result(server, "space", .obj(["config": .string(config)]))
        #expect(after["constraints"] == .array([.string("latency_ms")]))
    }

    @Test func solveAnswersTheSolveReport() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try writeConfig(dir, """
            name: fixed-chip
            tasks:
              - name: c10
                space: nb201
                accuracy: proxy:macs
            target:
              accelerator: eyeriss
            budgets:
              latency_ms: 50
            objectives:
              - maximize: accuracy
            """)
        let r = try await result(server, "solve", .obj(["config": .string(config), "timeout": .int(30)]))
        #expect(r["status"]?.stringValue != nil, "\(r.serialized(pretty: false).prefix(300))")
    }
}

@Suite struct ServerProtocolTests {
    let server = Server(dataDir: root)

    func reply(_ text: String) async throws -> JSONValue {
        let r = await server.handle(text)
        return try JSONValue(parsing: try #require(r.line, "no answer to \(text.prefix(80))"))
    }

    @Test func batchAnswersEveryRequestButNotifications() async throws {
        let text = """
            [{"jsonrpc":"2.0","id":"a","method":"evaluate","params":{"network":"layer:conv,k=8,c=8,p=8,q=8,r=3,s=3","accelerator":"eyeriss"}},
             {"jsonrpc":"2.0","method":"evaluate","params":{"network":"resnet18","accelerator":"eyeriss"}},
             {"jsonrpc":"2.0","id":2,"method":"nope"},
             {"jsonrpc":"2.0","id":3,"method":"shutdown"}]
            """.replacingOccurrences(of: "\n", with: "")
        let r = await server.handle(text)
        #expect(r.shutdown)
        let line = try #require(r.line)
        let answers = try #require(try JSONValue(parsing: line).arrayValue)
        #expect(answers.count == 3)
        #expect(answers.map { $0["id"] } == [.string("a"), .int(2), .int(3)])
        #expect(answers[0]["result"]?["networks"] != nil)
        #expect(answers[1]["error"]?["code"] == .int(-32601))
        #expect(answers[2]["result"] == .obj(["ok": .bool(true)]))
    }

    @Test func notificationGetsNoResponse() async throws {
        let ok = await server.handle(#"{"jsonrpc":"2.0","method":"evaluate","params":{"network":"resnet18","accelerator":"eyeriss"}}"#)
        #expect(ok.line == nil)
        let failing = await server.handle(#"{"jsonrpc":"2.0","method":"evaluate","params":{"network":"nonet","accelerator":"eyeriss"}}"#)
        #expect(failing.line == nil)
        let batch = await server.handle(#"[{"jsonrpc":"2.0","method":"space","params":{}}]"#)
        #expect(batch.line == nil)
    }

    @Test func everyErrorCode() async throws {
        // -32700: not JSON; the id is null.
        let parse = try await reply(#"{"jsonrpc":"2.0","id":1,"method":"#)
        #expect(parse["error"]?["code"] == .int(-32700) && parse["id"] == .null)
        // -32600: not a request object, no version, no method, a bad id, an empty batch.
        for bad in ["42", #"{"id":1,"method":"space"}"#, #"{"jsonrpc":"2.0","id":1}"#, #"{"jsonrpc":"2.0","id":[1],"method":"space"}"#, "[]"] {
            let r = try await reply(bad)
            #expect(r["error"]?["code"] == .int(-32600), "\(bad): \(r.serialized(pretty: false))")
        }
        // -32601 with a suggestion.
        let unknown = try await reply(#"{"jsonrpc":"2.0","id":5,"method":"evalute"}"#)
        #expect(unknown["error"]?["code"] == .int(-32601) && unknown["id"] == .int(5))
        #expect(unknown["error"]?["data"]?["issues"]?.arrayValue?.first?["fix"]?.stringValue?.contains("evaluate") == true)
        // -32602: params not an object, a wrong type, a missing parameter.
        for bad in [#"{"jsonrpc":"2.0","id":1,"method":"space","params":[1]}"#,
                    #"{"jsonrpc":"2.0","id":1,"method":"evaluate","params":{"network":7,"accelerator":"eyeriss"}}"#,
                    #"{"jsonrpc":"2.0","id":1,"method":"space","params":{}}"#,
                    #"{"jsonrpc":"2.0","id":1,"method":"evaluate","params":{"network":"resnet18","accelerator":"eyeriss","objective":"speed"}}"#] {
            let r = try await reply(bad)
            #expect(r["error"]?["code"] == .int(-32602), "\(bad): \(r.serialized(pretty: false))")
            #expect(r["error"]?["data"]?["issues"]?.arrayValue?.first?["key"]?.stringValue?.hasPrefix("params") == true)
        }
        // -32000: Duet's InputError with file, key, value and fix.
        let input = try await reply(#"{"jsonrpc":"2.0","id":1,"method":"evaluate","params":{"network":"resnet18","accelerator":"eyeriss","set":{"pe_row":16}}}"#)
        #expect(input["error"]?["code"] == .int(-32000))
        let issue = try #require(input["error"]?["data"]?["issues"]?.arrayValue?.first)
        #expect(issue["fix"]?.stringValue?.contains("pe_rows") == true, "\(issue.serialized(pretty: false))")
        #expect(issue["value"] != nil && issue["key"] != nil && issue["file"] != nil)
        // -32001: the evaluation failed (no accuracy in the table for this architecture).
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "arch_str,acc\n|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,10\n".write(toFile: dir.appendingPathComponent("acc.csv").path, atomically: true, encoding: .utf8)
        let config = try writeConfig(dir, smallConfig.replacingOccurrences(of: "accuracy: proxy:macs", with: "accuracy: {table: acc.csv, key: arch_str, column: acc}"))
        let sampled = try #require(try await result(server, "sample", .obj(["config": .string(config), "n": .int(1), "seed": .int(1)]))["points"]?.arrayValue?.first)
        let failed = try await send(server, "evaluate", .obj(["config": .string(config), "point": sampled]))
        #expect(failed["error"]?["code"] == .int(-32001), "\(failed.serialized(pretty: false))")
    }

    @Test func hostileLinesAreAnsweredNotFatal() async throws {
        let deep = String(repeating: "[", count: 100_000)
        let hostile: [[UInt8]] = [
            Array(deep.utf8), Array((String(repeating: "{\"a\":", count: 5_000) + "1").utf8),
            Array(#"{"jsonrpc":"2.0","id":1e999,"method":"space"}"#.utf8),
            Array(#"{"jsonrpc":"2.0","id":1,"method":"sample","params":{"config":"x","n":123456789012345678901234567890}}"#.utf8),
            [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], Array(#"{"jsonrpc":"2.0","id":"\ud800","method":"x"}"#.utf8),
            Array(#"{"jsonrpc":"2.0","id":1,"method":"evaluate","params":{"networks":[[[]]],"accelerator":{}}}"#.utf8),
            Array(repeating: 0x61, count: 10 << 20), [0x00, 0x01, 0x02],
        ]
        for bytes in hostile {
            let r = await server.handle(bytes)
            let answer = try JSONValue(parsing: try #require(r.line))
            #expect(answer["error"]?["code"]?.intValue != nil, "\(answer.serialized(pretty: false).prefix(200))")
            #expect(!r.shutdown)
        }
        // A huge but valid layer is evaluated, not refused.
        let huge = await server.handle(#"{"jsonrpc":"2.0","id":1,"method":"evaluate","params":{"network":"layer:conv,k=99999999999,c=1,p=1,q=1,r=1,s=1","accelerator":"eyeriss"}}"#)
        let answer = try JSONValue(parsing: try #require(huge.line))
        #expect(answer["result"] != nil || answer["error"] != nil)
    }
}

@Suite struct JSONParsingTests {
    @Test func parsesWhatItWrites() throws {
        let v = JSONValue.obj(["a": .int(-3), "b": .double(0.1), "c": .array([.bool(true), .null, .string("é\"\\\n\u{1}")]), "d": .object([])])
        #expect(try JSONValue(parsing: v.serialized(pretty: false)) == v)
        #expect(try JSONValue(parsing: v.serialized()) == v)
        #expect(try JSONValue(parsing: #""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue(parsing: "12345678901234567890") == .double(12345678901234567890))
    }

    @Test func refusesMalformedInput() {
        for bad in ["", "01", "1.", "-", "[1,]", "{\"a\" 1}", "\"\\x\"", "\"\\ud800\"", "1e400", "tru", "[1] 2", "{\"a\":1,}"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue(parsing: bad) }
        }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
    }
}
