import Foundation
import Testing
@testable import DuetCore
@testable import DuetHardware

/// An accelerator written by ``AcceleratorFile`` loads back into the same sub-accelerators.
@Suite struct AcceleratorFileTests {
    func roundTrip(_ chip: Accelerator) throws -> Accelerator {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("duet-accfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("chip.yaml").path
        try AcceleratorFile.yaml(chip, dataDir: repositoryRoot).write(toFile: path, atomically: true, encoding: .utf8)
        return try AcceleratorLoader(dataDir: repositoryRoot).load(path)
    }

    @Test(arguments: ["tpu", "tpu:edge", "eyeriss", "nvdla:nv_small", "shidiannao", "input_stationary"])
    func everyTemplateRoundTrips(_ reference: String) throws {
        let chip = try AcceleratorLoader(dataDir: repositoryRoot).load(reference)
        let back = try roundTrip(chip)
        #expect(back.subAccelerators.map { var s = $0; s.name = chip.subAccelerators[0].name; return s } == chip.subAccelerators)
        #expect(back.dramGBps == chip.dramGBps)
    }

    /// Resized arrays (bandwidths after the template's rule), another node, another dataflow, a
    /// size outside the template's ranges and a custom mapping all survive the trip.
    @Test func overriddenAndCustomDesignsRoundTrip() throws {
        let loader = AcceleratorLoader(dataDir: repositoryRoot)
        var chip = try loader.load("eyeriss", overrides: ["pe_rows=24", "pe_cols=20", "node_nm=28", "global_buffer_kib=300.5"])
        let nvdla = try loader.load("nvdla", overrides: ["pe_rows=4096", "node_nm=28", "allow_outside_template_ranges=true", "dram_channels=per_operand"])
        chip.subAccelerators.append(nvdla.subAccelerators[0])
        chip.subAccelerators[1].name = "big"
        chip.subAccelerators[1].mapping = SpatialMapping(stationary: .output, rows: [.k], cols: [.p, .q], stream: [.c, .r, .s],
                                                         windowReuse: true, factors: [.p: 4])
        chip.subAccelerators[1].dataflow = .custom
        chip.dramGBps = 64
        let text = try AcceleratorFile.yaml(chip, dataDir: repositoryRoot)
        #expect(text.contains("allow_outside_template_ranges: true") && text.contains("node_nm: 28"))
        let back = try roundTrip(chip)
        #expect(back.subAccelerators == chip.subAccelerators)
        #expect(back.dramGBps == 64)
    }
}
