import Foundation
import Testing
@testable import DuetCore

/// FIPS 180-4's examples and `sha256sum` on this machine.
@Suite struct SHA256Tests {
    @Test func knownDigests() {
        #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum"), "sha256sum not found"))
    func agreesWithSha256sumOnAMegabyte() async throws {
        var rng = SeededGenerator(seed: 3)
        let data = Data((0..<1_000_003).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("duet-sha-\(UUID().uuidString)")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = await Subprocess(command: "sha256sum '\(file.path)'", timeoutSeconds: 30).run()
        #expect(String(decoding: r.stdout, as: UTF8.self).prefix(64) == SHA256.hex(data))
    }
}
