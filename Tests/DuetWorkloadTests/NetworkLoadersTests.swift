import DuetCore
import Foundation
import Testing
@testable import DuetWorkload

/// The network loader registry is a value: what a caller composes is what it reads.
@Suite struct NetworkLoadersTests {
    @Test func aComposedLoaderIsUsedAndTheStandardOneIsUnchanged() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-loaders-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let toy = dir.appendingPathComponent("net.toy").path
        try "resnet18".write(toFile: toy, atomically: true, encoding: .utf8)
        // A format whose files name a built-in network.
        let loader = NetworkLoader(name: "toy", extensions: ["TOY"]) { path, options in
            try NetworkReference.resolve(try String(contentsOfFile: path, encoding: .utf8), options: BuildOptions(batch: options.batch))
        }
        let loaders = NetworkLoaders.standard.adding(loader)
        #expect(loaders.extensions == ["yaml", "yml", "json", "toy"])
        #expect(loaders != .standard)
        let net = try NetworkReference.resolve("net.toy", options: BuildOptions(batch: 2, loaders: loaders), baseDirectory: dir.path)
        #expect(net.name == "resnet18" && net.batch == 2)
        let e = #expect(throws: InputError.self) { try NetworkReference.resolve(toy) }
        #expect(e?.issues.first?.hint?.contains(".yaml/.yml/.json network file") == true)
        // Duet's own format goes through the same registry.
        let yaml = dir.appendingPathComponent("n.yaml").path
        try NetworkFormat.yaml(net).write(toFile: yaml, atomically: true, encoding: .utf8)
        #expect(NetworkLoaders.standard.loader(forPath: yaml)?.name == "duet")
        #expect(try NetworkReference.resolve(yaml).analyze().totalMACs == net.analyze().totalMACs)
    }
}
