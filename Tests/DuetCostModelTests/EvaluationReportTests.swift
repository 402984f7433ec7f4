import Foundation
import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

@Suite struct EvaluationReportTests {
    /// The JSON of `r` with every network's "layers" key removed, as a reader who drops it sees it.
    static func dropLayers(_ doc: JSONValue) -> JSONValue {
        guard case .object(let fields) = doc else { return doc }
        return .object(fields.map { f in
            guard f.key == "networks", case .array(let nets) = f.value else { return f }
            return .init(f.key, .array(nets.map { n in .object((n.objectFields ?? []).filter { $0.key != "layers" }) }))
        })
    }

    /// `layers: false` is the full report without the per-layer rows, byte for byte, on one
    /// network, two networks on a chip of two sub-accelerators, and activation residency.
    @Test(arguments: [
        (["nb201:|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"], "eyeriss", [String]()),
        (["layer:conv,k=64,c=32,p=28,q=28,r=3,s=3"], "tpu:edge", []),
        (["resnet18"], "eyeriss", ["activation_residency=true"]),
    ])
    func totalsOnlyIsTheReportWithoutRows(networks: [String], accelerator: String, overrides: [String]) throws {
        let request = EvaluateRequest(networks: networks, accelerator: accelerator, overrides: overrides)
        let full = try request.json(dataDir: repositoryRoot).json
        let totals = try request.json(dataDir: repositoryRoot, layers: false).json
        #expect(full.serialized(pretty: false).contains("\"layers\":["))
        #expect(!totals.serialized(pretty: false).contains("\"layers\""))
        #expect(totals.serialized(pretty: false) == Self.dropLayers(full).serialized(pretty: false))
    }

    @Test func twoNetworksOnTwoSubAccelerators() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("chip.yaml").path
        try """
            name: duo
            node_nm: 45
            subaccelerators:
              - {name: a, template: tpu, variant: edge}
              - {name: b, template: eyeriss}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let request = EvaluateRequest(networks: ["resnet18", "mobilenet-v2"], accelerator: file)
        let full = try request.json(dataDir: repositoryRoot).json
        let totals = try request.json(dataDir: repositoryRoot, layers: false).json
        #expect(totals.serialized(pretty: true) == Self.dropLayers(full).serialized(pretty: true))
    }
}
