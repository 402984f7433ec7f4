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
    @Flag(name: .customLong("allow-unknown"),
          help: "For .onnx files: count unsupported operators as zero-cost placeholders (warned on stderr, listed in the output).")
    var allowUnknown = false

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
        if table != nil || device != nil {
            return try TableEvaluation.render(networks: networks, table: table, device: device, spec: spec,
                                              options: BuildOptions(input: input, width: width, batch: batch ?? 1, loaders: Duet.networkLoaders), format: format)
        }
        let dataDir = try DataDirectory.locate()
        let chip = try AcceleratorLoader(dataDir: dataDir).load(accelerator!, overrides: overrides)
        var analyses: [NetworkAnalysis] = []
        var issues = IssueCollector()
        for (i, n) in networks.enumerated() {
            do {
                var net = try NetworkReference.resolve(n, options: BuildOptions(input: input, width: width, batch: batch ?? 1,
                                                                                allowUnknownOperators: allowUnknown, loaders: Duet.networkLoaders))
                if let batch { net.batch = batch }
                var a = try net.analyze()
                if analyses.contains(where: { $0.network.name == a.network.name }) { a.network.name += "#\(i)" }
                analyses.append(a)
            } catch let e as InputError { issues.add(e.issues.allSatisfy { $0.file != nil } ? e : e.under("--network[\(i)]")) }
        }
        try issues.throwIfAny()
        let result = try ChipEvaluator.evaluate(analyses, on: chip, objective: MappingObjective(rawValue: objective)!)
        let loadedSpec = try spec.map { try Spec.load(path: $0) }
        let verdicts = try loadedSpec?.verdicts(for: result) ?? []
        let rates = loadedSpec?.rates ?? FrameRates()
        let met = verdicts.allSatisfy(\.met)
        switch format {
        case .json:
            var doc = EvaluationReport.json(result, verdicts: verdicts, rates: rates)
            let notes = analyses.flatMap { a in a.network.notes.map { "\(a.network.name): \($0)" } }
            if !notes.isEmpty, case .object(var fields) = doc { fields.append(.init("notes", .array(notes.map { .string($0) }))); doc = .object(fields) }
            return (doc.serialized() + "\n", met)
        case .csv: return (EvaluationReport.csv(result), met)
        case .table:
            let notes = analyses.flatMap { a in a.network.notes.map { "note: \(a.network.name): \($0)\n" } }
            return (EvaluationReport.table(result, verdicts: verdicts, rates: rates) + notes.joined(), met)
        }
    }
}
