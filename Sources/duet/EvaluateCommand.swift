import ArgumentParser
import DuetCore
import DuetCostModel
import DuetHardware
import DuetONNX
import DuetReport
import DuetWorkload
import Foundation

struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate networks on an accelerator against spec budgets.",
        discussion: """
            Per-layer and total latency, energy, utilization and bottleneck, the chip's area and \
            power, and a verdict per budget. Exit code 0: every budget met; 1: a budget violated; \
            2: bad input. Several --network options run several tasks on the chip's sub-accelerators.
            """)

    @Option(name: .customLong("network"), help: "A network: built-in, SPACE:ARCH, layer:KIND,k=…, or a .yaml/.json file (repeatable).")
    var networks: [String] = []
    @Option(help: "A template (tpu, tpu:edge, nvdla:nv_small, eyeriss, …) or an accelerator .yaml/.json file.")
    var accelerator: String?
    @Option(help: "A latency table (.csv, .json, .yaml) of a table-driven device, in place of --accelerator.")
    var table: String?
    @Option(help: "A device model (HardwareModels/devices name or .yaml), in place of --accelerator.")
    var device: String?
    @Option(name: .customLong("set"), help: "Override a parameter: key=value, NAME.key=value or subaccelerators[i].key=value (repeatable).")
    var overrides: [String] = []
    @Option(help: "A spec file with budgets.") var spec: String?
    @Option(help: "What the mapping search minimizes: latency, energy or edp.") var objective: String = "latency"
    @Option(help: "Input size for built-in networks.") var input: Int?
    @Option(help: "Width multiplier for built-in networks.") var width: Double = 1.0
    @Option(help: "Batch size (overrides a network file's own).") var batch: Int?
    @Option(help: "table, json or csv.") var format: OutputFormat = .table
    @Option(help: "How several networks share a chip: networks (each whole on one sub-accelerator) or layers (a network's layers spread over them when that finishes sooner).")
    var schedule: ChipScheduling = .networks
    @Flag(name: .customLong("allow-unknown"),
          help: "For .onnx files: count unsupported operators as zero-cost placeholders (warned on stderr, listed in the output).")
    var allowUnknown = false

    @Flag(help: "List every layer's reads and writes per memory level and operand (register files, global buffer, DRAM), as Timeloop's statistics do.")
    var accesses = false

    func validate() throws {
        if networks.isEmpty { throw ValidationError("give at least one --network") }
        if [accelerator, table, device].compactMap({ $0 }).count != 1 { throw ValidationError("give exactly one of --accelerator, --table and --device") }
        if MappingObjective(rawValue: objective) == nil { throw ValidationError("--objective must be latency, energy or edp (got '\(objective)')") }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1 (got \(batch))") }
    }

    func run() async throws {
        let (text, met) = try render()
        emit(text)
        if !met { throw ExitCode(1) }
    }

    /// The report and whether every budget is met.
    func render() throws -> (String, Bool) {
        try request.render(format: format, dataDir: table != nil || device != nil ? URL(fileURLWithPath: ".") : DataDirectory.locate())
    }

    var request: EvaluateRequest {
        var r = EvaluateRequest(networks: networks, accelerator: accelerator, table: table, device: device, overrides: overrides, spec: spec,
                        objective: MappingObjective(rawValue: objective) ?? .latency, input: input, width: width, batch: batch,
                        allowUnknownOperators: allowUnknown, loaders: Duet.networkLoaders)
        r.scheduling = schedule
        r.showAccesses = accesses
        return r
    }
}
