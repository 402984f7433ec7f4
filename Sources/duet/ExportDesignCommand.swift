import ArgumentParser
import DuetCore
import DuetExplore
import DuetHardware
import DuetWorkload
import Foundation

/// `duet export-design`: a network on a sub-accelerator, with the mapping Duet chose for each
/// layer, in a peer simulator's input format (SCALE-Sim, and the formats registered in
/// ``DuetFormats/exporters``).
struct ExportDesignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-design",
        abstract: "Write a network on an accelerator, with Duet's mappings, as a peer simulator's input (Timeloop, SCALE-Sim, ZigZag, MAESTRO).",
        discussion: """
            Formats that describe hardware: \(DuetFormats.exporters.exporters.filter { $0.input == .networkAndSubAccelerator }
                .map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")). \
            The accelerator's first sub-accelerator is exported; --set overrides its parameters as in \
            `duet evaluate`. Files go into the folder --out, named after the network.
            """)

    @Argument(help: "The network: built-in, SPACE:ARCH, layer:KIND,k=…, or a .yaml/.json/.onnx file.") var network: String
    @OptionGroup var build: NetworkBuildOptions
    @Option(help: "A template (eyeriss, nvdla, tpu:edge, …) or an accelerator .yaml/.json file.") var accelerator: String
    @Option(name: .customLong("set"), help: "Override a parameter: key=value (repeatable).") var overrides: [String] = []
    @Option(help: "The peer's format.") var format: String
    @Option(help: "The output folder (created if needed).") var out: String
    @Option(help: "Base name of the files (default: the network's name).") var name: String?

    func validate() throws {
        guard let e = DuetFormats.exporters.exporters.first(where: { $0.name == format.lowercased() }) else {
            throw ValidationError("--format must be one of \(DuetFormats.exporters.exporters.filter { $0.input == .networkAndSubAccelerator }.map(\.name).joined(separator: ", ")) (got '\(format)')")
        }
        if e.input != .networkAndSubAccelerator {
            throw ValidationError("--format \(format) writes a network alone: use `duet network export --format \(format)`")
        }
    }

    func run() async throws {
        let net = try NetworkReference.resolve(network, options: build.buildOptions)
        _ = try net.analyze()
        let chip = try AcceleratorLoader(dataDir: DataDirectory.locate()).load(accelerator, overrides: overrides)
        let design = ExportDesign(networks: [net], accelerator: chip)
        _ = try DuetFormats.exporters.write(design, format: format, baseName: name ?? net.name, to: out)
        emit("wrote the \(format) export of \(net.name) on \(chip.subAccelerators[0].name) into \(out)\n")
    }
}
