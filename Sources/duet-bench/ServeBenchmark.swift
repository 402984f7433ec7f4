import ArgumentParser
import DuetCore
import DuetWorkload
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `duet-bench serve`: evaluations per second through one `duet serve` connection (a child
/// process on stdin/stdout pipes, requests batched with `"designs"`/`"points"`), against the
/// process-per-evaluation path (`duet evaluate` spawned once per design), on the same designs.
///
/// Workloads (seeded, every design distinct unless said):
/// - `layer`: single conv layers `layer:conv,k,c,p,q,r,s,stride` on `--accelerator` (Eyeriss), every
///   one a different shape (a mapping search each: nothing is reused from a cache);
/// - `layer_pool`: the same kind of layers drawn with repetition from a pool of `--pool` shapes (an
///   agent revisiting shapes, as a search does; later draws hit the server's mapping cache);
/// - `nb201`: NAS-Bench-201 networks `nb201:ARCH` (distinct architectures) on the accelerator;
/// - `nasaic_points`: points of Examples/nasaic-two-tasks/config.yaml (two NB201 networks on a
///   2-3 sub-accelerator chip, accuracy from the table), sampled by the server.
struct ServeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "duet serve throughput on one connection vs. a process per evaluation (JSON).")

    @Option(help: "The duet executable (default: the one beside duet-bench).") var duet: String?
    @Option(help: "Accelerator template of the layer and nb201 workloads.") var accelerator = "eyeriss"
    @Option(help: "Single-layer designs per workload.") var layers = 20_000
    @Option(help: "Distinct shapes of the layer_pool workload.") var pool = 500
    @Option(help: "NAS-Bench-201 networks.") var networks = 4_000
    @Option(help: "nasaic config points.") var points = 2_000
    @Option(help: "Designs per request.") var batch = 500
    @Option(help: "Designs evaluated by spawning duet evaluate once each.") var processRuns = 40
    @Option(help: "Seed of the designs drawn.") var seed: UInt64 = 1
    @Flag(help: "Ask for totals only (\"layers\": false): no per-layer rows in the responses.") var totalsOnly = false

    mutating func validate() throws {
        guard layers >= 1, networks >= 1, points >= 0, (1...100_000).contains(batch), processRuns >= 1, pool >= 1 else {
            throw ValidationError("counts must be positive and --batch at most 100,000")
        }
    }

    func run() async throws {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let duetPath = duet ?? me.deletingLastPathComponent().appendingPathComponent("duet").path
        var rng = SeededGenerator(seed: seed)
        func draw(_ xs: [Int]) -> Int { xs[Int(rng.next() % UInt64(xs.count))] }
        func layer() -> String {
            let k = draw([16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]), c = draw([3, 16, 32, 64, 96, 128, 256, 512])
            let p = draw([7, 14, 28, 56, 112]), r = draw([1, 3, 5, 7]), stride = draw([1, 1, 2])
            return "layer:conv,k=\(k),c=\(c),p=\(p),q=\(p),r=\(r),s=\(r),stride=\(stride)"
        }
        // Distinct layers: a set keeps drawing until enough shapes.
        var seen = Set<String>()
        var distinct: [String] = []
        while distinct.count < layers {
            var l = layer()
            if seen.contains(l) { l += ",n=\(distinct.count % 7 + 1)" }   // batch size makes it another layer
            if seen.insert(l).inserted { distinct.append(l) }
        }
        let shapes = Array(distinct.prefix(pool))
        let pooled = (0..<layers).map { _ in shapes[Int(rng.next() % UInt64(shapes.count))] }
        let space = NASBench201Space()
        var archSeen = Set<String>()
        var archs: [String] = []
        while archs.count < min(networks, 15_625) {
            let a = space.format(space.sample(count: 1, using: &rng)[0])
            if archSeen.insert(a).inserted { archs.append("nb201:" + a) }
        }
        let config = "Examples/nasaic-two-tasks/config.yaml"

        let client = try ServeClient(duet: duetPath)
        var out = JSONObject()
        out.set("duet", duetPath)
        out.set("accelerator", accelerator)
        out.set("batch", batch)
        out.set("totals_only", totalsOnly ? "yes" : "no")
        out.set("seed", Int(seed))
        let layerRate = try timeDirect(client, distinct)
        out.set("layer_designs", distinct.count)
        out.set("layer_evaluations_per_s", layerRate)
        let pooledRate = try timeDirect(client, pooled)
        out.set("layer_pool_shapes", shapes.count)
        out.set("layer_pool_evaluations_per_s", pooledRate)
        let nbRate = try timeDirect(client, archs)
        out.set("nb201_networks", archs.count)
        out.set("nb201_evaluations_per_s", nbRate)
        if points > 0 {
            let sampled = try client.call("sample", #"{"config":"\#(config)","n":\#(points),"seed":\#(seed)}"#)
            guard let list = sampled["points"]?.arrayValue else { throw ValidationError("sample failed: \(sampled.serialized(pretty: false).prefix(300))") }
            let t0 = Date()
            for start in stride(from: 0, to: list.count, by: batch) {
                let chunk = JSONValue.array(Array(list[start..<min(start + batch, list.count)])).serialized(pretty: false)
                let r = try client.call("evaluate", #"{"config":"\#(config)","points":\#(chunk)}"#)
                try Self.checkResults(r)
            }
            out.set("nasaic_points", list.count)
            out.set("nasaic_point_evaluations_per_s", Double(list.count) / Date().timeIntervalSince(t0))
        }
        _ = try? client.call("shutdown", "{}")
        client.wait()

        // The process-per-evaluation path: `duet evaluate` spawned once per design (distinct layers).
        let runs = Array(distinct.suffix(processRuns))
        let t0 = Date()
        for l in runs {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: duetPath)
            p.arguments = ["evaluate", "--network", l, "--accelerator", accelerator, "--format", "json"]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 || p.terminationStatus == 1 else { throw ValidationError("duet evaluate failed on \(l)") }
        }
        let processRate = Double(runs.count) / Date().timeIntervalSince(t0)
        out.set("process_per_evaluation_runs", runs.count)
        out.set("process_per_evaluation_per_s", processRate)
        out.set("ratio_layer_vs_process", layerRate / processRate)
        out.set("ratio_nb201_vs_process", nbRate / processRate)
        print(out.text)
    }

    /// Evaluations/s of `networks` on the accelerator through the connection, `batch` a request.
    func timeDirect(_ client: ServeClient, _ networks: [String]) throws -> Double {
        let t0 = Date()
        for start in stride(from: 0, to: networks.count, by: batch) {
            let designs = networks[start..<min(start + batch, networks.count)].map {
                totalsOnly ? JSONValue.obj(["network": .string($0), "accelerator": .string(accelerator), "layers": .bool(false)])
                    : JSONValue.obj(["network": .string($0), "accelerator": .string(accelerator)])
            }
            let r = try client.call("evaluate", #"{"designs":"# + JSONValue.array(designs).serialized(pretty: false) + "}")
            try Self.checkResults(r)
        }
        return Double(networks.count) / Date().timeIntervalSince(t0)
    }

    static func checkResults(_ r: JSONValue) throws {
        guard let results = r["results"]?.arrayValue else { throw ValidationError("no results: \(r.serialized(pretty: false).prefix(300))") }
        if let bad = results.first(where: { $0["error"] != nil }) {
            throw ValidationError("a design failed: \(bad.serialized(pretty: false).prefix(300))")
        }
    }
}

/// One `duet serve` child process and its stdin/stdout pipes: one request line out, one response line in.
final class ServeClient {
    let process = Process()
    let input: FileHandle
    let output: Int32
    var buffer: [UInt8] = []
    var nextID = 1

    init(duet: String) throws {
        let stdin = Pipe(), stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: duet)
        process.arguments = ["serve"]
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        input = stdin.fileHandleForWriting
        output = stdout.fileHandleForReading.fileDescriptor
    }

    /// Sends `method` with `params` (JSON text) and returns the result; an error response throws.
    func call(_ method: String, _ params: String) throws -> JSONValue {
        let id = nextID
        nextID += 1
        try input.write(contentsOf: Data((#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":"# + params + "}\n").utf8))
        let line = try readLine()
        let v = try JSONValue(parsing: line)
        if let e = v["error"] { throw ValidationError("\(method) failed: \(e.serialized(pretty: false).prefix(500))") }
        guard v["id"] == .int(id), let r = v["result"] else { throw ValidationError("unexpected response: \(line.prefix(300))") }
        return r
    }

    func readLine() throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<nl])
                buffer.removeFirst(nl + 1)
                return line
            }
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress!, $0.count) }
            guard n > 0 else { throw ValidationError("duet serve closed its output") }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    func wait() {
        try? input.close()
        process.waitUntilExit()
    }
}
