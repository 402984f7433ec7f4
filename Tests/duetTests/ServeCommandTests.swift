import ArgumentParser
import DuetCore
import DuetServe
import Foundation
import Testing
@testable import duet

/// `duet serve` as a user runs it: the same JSON as `duet evaluate`, and a process that answers
/// every malformed line with an error object and stays up.
@Suite struct ServeCommandTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Cases of `duet evaluate --format json` and the serve params that ask for the same.
    static let cases: [(args: [String], params: String)] = [
        (["--network", "resnet18", "--accelerator", "eyeriss"], #"{"network":"resnet18","accelerator":"eyeriss"}"#),
        (["--network", "layer:conv,k=64,c=64,p=56,q=56,r=3,s=3", "--accelerator", "tpu", "--set", "pe_rows=32", "--objective", "energy"],
         #"{"networks":["layer:conv,k=64,c=64,p=56,q=56,r=3,s=3"],"accelerator":"tpu","set":{"pe_rows":32},"objective":"energy"}"#),
        (["--network", "mobilenet-v2", "--network", "resnet18", "--accelerator", "eyeriss", "--batch", "2"],
         #"{"networks":["mobilenet-v2","resnet18"],"accelerator":"eyeriss","batch":2}"#),
    ]

    @Test(arguments: 0..<cases.count) func serveEvaluateIsDuetEvaluateJSON(_ k: Int) async throws {
        let (args, params) = Self.cases[k]
        // Given what `duet evaluate … --format json` prints (from the repository, where templates are found),
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(Self.repo.path)
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        let (cli, _) = try EvaluateCommand.parse(args + ["--format", "json"]).render()
        // when the server is asked for the same,
        let server = Server(dataDir: Self.repo)
        let reply = await server.handle(#"{"jsonrpc":"2.0","id":1,"method":"evaluate","params":"# + params + "}")
        let response = try JSONValue(parsing: try #require(reply.line))
        // then its result is that object exactly.
        let result = try #require(response["result"], "\(response.serialized(pretty: false).prefix(300))")
        #expect(result.serialized() + "\n" == cli)
    }

    /// The `duet` executable built beside this test bundle.
    static let binary: URL? = RobustnessCorpusTests.binary

    @Test(.enabled(if: binary != nil, "the duet executable is not built beside the tests"))
    func tenThousandMalformedLinesEachGetAnErrorObject() async throws {
        // Given 10,000 malformed lines of many kinds (bad JSON, invalid UTF-8, deep nesting, huge
        // numbers, wrong shapes and types, unknown methods), then a valid request and end of input,
        var kinds: [[UInt8]] = [
            Array("not json".utf8), Array("{".utf8), Array("[1,2".utf8), [0xFF, 0xFE, 0x7B], Array(String(repeating: "[", count: 5_000).utf8),
            Array(#"{"jsonrpc":"2.0","id":1e999,"method":"space"}"#.utf8), Array("42".utf8), Array(#"{"id":1,"method":"space"}"#.utf8),
            Array(#"{"jsonrpc":"2.0","id":1,"method":"warp"}"#.utf8), Array(#"{"jsonrpc":"2.0","id":1,"method":"space","params":[1]}"#.utf8),
            Array(#"{"jsonrpc":"2.0","id":1,"method":"evaluate","params":{"network":7}}"#.utf8),
            Array(#"{"jsonrpc":"2.0","id":1,"method":"evaluate","params":{"network":"resnet18","accelerator":"nope"}}"#.utf8),
            Array("[]".utf8), Array(#"{"jsonrpc":"2.0","id":{},"method":"space"}"#.utf8),
        ]
        kinds.append(Array(#""\ud800""#.utf8))
        var input = Data()
        for i in 0..<10_000 { input.append(contentsOf: kinds[i % kinds.count]); input.append(0x0A) }
        input.append(contentsOf: Array(#"{"jsonrpc":"2.0","id":"last","method":"shutdown"}"#.utf8))
        input.append(0x0A)
        // when `duet serve` reads them,
        let binary = try #require(Self.binary)
        var run = Subprocess(command: "cd '\(Self.repo.path)' && exec '\(binary.path)' serve", input: input, timeoutSeconds: 60)
        run.stdoutLimitBytes = 64 << 20
        let r = await run.run()
        // then it answers each with one error object, stays up for the last request, and exits 0.
        #expect(r.ending == .exited(0), "\(r.ending): \(r.stderr.prefix(500))")
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 10_001)
        var errors = 0
        for line in lines.prefix(10_000) {
            if let v = try? JSONValue(parsing: String(line)), v["error"]?["code"]?.intValue != nil, v["jsonrpc"] == .string("2.0") { errors += 1 }
        }
        #expect(errors == 10_000)
        let last = try JSONValue(parsing: String(try #require(lines.last)))
        #expect(last["id"] == .string("last") && last["result"]?["ok"] == .bool(true))
    }
}

/// `duet study ask` and `duet study tell` as a user runs them, in separate processes.
@Suite struct StudyAskTellCommandTests {
    func duet(_ args: [String]) async throws -> (code: Subprocess.Result.Ending, out: String, err: String) {
        let binary = try #require(ServeCommandTests.binary)
        let quoted = ([binary.path] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let r = await Subprocess(command: "cd '\(ServeCommandTests.repo.path)' && exec \(quoted)", timeoutSeconds: 60).run()
        return (r.ending, String(decoding: r.stdout, as: UTF8.self), r.stderr)
    }

    @Test(.enabled(if: ServeCommandTests.binary != nil, "the duet executable is not built beside the tests"))
    func askThenTellInAnotherProcess() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-asktell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let study = dir.appendingPathComponent("s.db").path
        let config = ServeCommandTests.repo.appendingPathComponent("Examples/nasaic-two-tasks/config.yaml").path
        // Given two designs asked of a new study,
        let ask = try await duet(["study", "ask", study, "--config", config, "--n", "2"])
        #expect(ask.code == .exited(0), "\(ask.err)")
        let trials = try #require(try JSONValue(parsing: ask.out)["trials"]?.arrayValue)
        #expect(trials.count == 2)
        let id = try #require(trials[0]["trial"]?.intValue)
        // when one is told in another process, a second time, and with a metric missing,
        let metrics = #"{"accuracy":70.5,"energy_mj":0.3,"area_mm2":3.5,"latency_ms":1.2}"#
        let told = try await duet(["study", "tell", study, "--trial", String(id), "--metrics", metrics])
        let again = try await duet(["study", "tell", study, "--trial", String(id), "--metrics", metrics])
        let partial = try await duet(["study", "tell", study, "--trial", String(trials[1]["trial"]!.intValue!), "--metrics", #"{"accuracy":1}"#])
        let own = try await duet(["study", "tell", study, "--point", trials[1]["point"]!.serialized(pretty: false), "--metrics", metrics])
        // then the first is recorded, the repeats are bad input (exit 2) saying why, and the study shows the told trials.
        #expect(told.code == .exited(0), "\(told.err)")
        #expect(try JSONValue(parsing: told.out)["recorded"] == .bool(true))
        #expect(again.code == .exited(2) && again.err.contains("already told"))
        #expect(partial.code == .exited(2) && partial.err.contains("energy_mj"))
        #expect(own.code == .exited(0), "\(own.err)")
        let show = try await duet(["study", "show", study])
        #expect(show.out.contains("2 complete"), "\(show.out)")
    }
}
