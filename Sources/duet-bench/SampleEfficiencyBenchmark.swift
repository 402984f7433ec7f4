import ArgumentParser
import DuetCore
import DuetPredict
import DuetSearch
import DuetWorkload
import Foundation

/// `duet-bench sample-efficiency`: how many real evaluations each optimizer needs on NAS-Bench-201
/// (CIFAR-100 accuracy as the expensive oracle; Pixel 3 latency measured by HW-NAS-Bench as the
/// budget) until its best feasible accuracy is within `tolerance` points of the exact optimum
/// (every one of the 15,625 networks enumerated). Maximize accuracy subject to latency ≤ budget,
/// budgets at the 20th and 50th percentile of the latencies. The optimizers are driven with
/// ask/tell directly; every design told counts as one real evaluation.
struct SampleEfficiencyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-efficiency",
        abstract: "NAS-Bench-201 CIFAR-100 under Pixel 3 latency budgets: real evaluations to within 0.3 points of the optimum, as JSON.")

    @Option(help: "The NAS-Bench-201 accuracy CSV (default: ../shared/data/nb201/accuracy.csv).")
    var accuracy: String?

    @Option(help: "The NAS-Bench-201 latency CSV (default: ../shared/data/nb201/latency_pixel3_raspi4.csv).")
    var latency: String?

    @Option(help: "Accuracy column.")
    var accuracyColumn = "cifar100_test_acc"

    @Option(help: "Latency column (ms).")
    var latencyColumn = "pixel3_latency_ms"

    @Option(help: "Latency budgets as percentiles of the latencies, comma-separated.")
    var percentiles = "20,50"

    @Option(help: "Optimizers, comma-separated: random, evolution, nsga2, surrogate-nsga2, surrogate-evolution.")
    var optimizers = "random,evolution,nsga2,surrogate-nsga2"

    @Option(help: "Seeds: a range like 1-20, or a comma-separated list.")
    var seeds = "1-20"

    @Option(help: "Accuracy points from the optimum that count as reached.")
    var tolerance = 0.3

    @Option(help: "Evaluations after which a run that has not reached the optimum stops (counted as this many).")
    var maxEvaluations = 20_000

    @Option(help: "Population of NSGA-II and aging evolution (and batch of random search).")
    var population = 20

    @Option(help: "Surrogate screening factor (offspring bred per offspring evaluated).")
    var screen = 20

    @Option(help: "Random designs added to the surrogate's pool per bred design.")
    var randomShare = 1.0

    @Option(help: "At most this many evaluated designs train the surrogate (the best half and the most recent half).")
    var maxTrainingRows = SurrogateSettings().maximumTrainingRows

    @Option(help: "Surrogate model: gbdt, linear or ensemble.")
    var model: ModelKind = .gbdt

    @Option(help: "Surrogate: real evaluations per screened generation (0: the population).")
    var batch = 5

    @Option(help: "Surrogate: candidates screened per generation, the base's offspring first, then random designs (0: random-share decides).")
    var pool = 4_000

    @Option(help: "Surrogate: evaluated designs before screening starts (0: the population).")
    var minTrials = 0

    @Option(help: "Surrogate: models per prediction (their spread is the uncertainty).")
    var members = 1

    @Option(help: "Surrogate: standard deviations of optimism under uncertainty.")
    var exploration = 0.0

    @Flag(inversion: .prefixedNo, help: "Surrogate: the latency (the budget) is known exactly from the table before a design is evaluated; only accuracy is predicted.")
    var exactLatency = true

    func run() async throws {
        let space = NASBench201Space()
        let acc = try readColumn(accuracy ?? defaultDataPath("nb201/accuracy.csv"), column: accuracyColumn)
        let lat = try readColumn(latency ?? defaultDataPath("nb201/latency_pixel3_raspi4.csv"), column: latencyColumn)
        // Index both tables by architecture number (mixed radix over the choices).
        let n = space.exactCardinality!
        var accuracyOf = [Double](repeating: .nan, count: n), latencyOf = [Double](repeating: .nan, count: n)
        for (k, v) in acc { accuracyOf[try index(space, k)] = v }
        for (k, v) in lat { latencyOf[try index(space, k)] = v }
        guard !accuracyOf.contains(where: \.isNaN), !latencyOf.contains(where: \.isNaN) else {
            throw InputError(message: "the tables do not cover all \(n) architectures")
        }
        let sorted = latencyOf.sorted()
        let ds = try DesignSpace(space.dimensions.map { d in .categorical(d.name, d.options.map { Value.string($0) }) })
        let featurizer = PointFeaturizer(space: ds, networks: [.init(prefix: "", space: space)])
        let seedList = try parseSeeds(seeds)
        var out: [JSONValue.Field] = [
            .init("oracle", .string(accuracyColumn)), .init("latency", .string(latencyColumn)), .init("tolerance", .double(tolerance)),
            .init("seeds", .int(seedList.count)), .init("population", .int(population)), .init("screen", .int(screen)),
            .init("surrogate_model", .string(model.rawValue)), .init("random_share", .double(randomShare)), .init("max_training_rows", .int(maxTrainingRows)), .init("max_evaluations", .int(maxEvaluations)),
            .init("batch", .int(batch)), .init("pool", .int(pool)), .init("min_trials", .int(minTrials > 0 ? minTrials : population)),
            .init("members", .int(members)), .init("exploration", .double(exploration)), .init("exact_latency", .bool(exactLatency)),
        ]
        for pct in percentiles.split(separator: ",").compactMap({ Double($0) }) {
            // The percentile by linear interpolation between order statistics (numpy's default).
            let pos = pct / 100 * Double(n - 1)
            let lo = Int(pos.rounded(.down)), hi = min(lo + 1, n - 1)
            let budget = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - Double(lo))
            var optimum = -Double.infinity
            for i in 0..<n where latencyOf[i] <= budget { optimum = max(optimum, accuracyOf[i]) }
            var fields: [JSONValue.Field] = [.init("budget_ms", .double(budget)), .init("optimum", .double(optimum)),
                                             .init("feasible_networks", .int(latencyOf.filter { $0 <= budget }.count))]
            var medians: [String: Double] = [:]
            for name in optimizers.split(separator: ",").map(String.init) {
                var counts: [Double] = []
                var taus: [Double] = []
                let t0 = Date()
                for s in seedList {
                    let (k, q) = try runOne(name, seed: s, space: ds, arch: space, budget: budget, target: optimum - tolerance,
                                            accuracyOf: accuracyOf, latencyOf: latencyOf, featurizer: featurizer)
                    counts.append(Double(k))
                    taus += q
                    FileHandle.standardError.write(Data("p\(Int(pct)) \(name) seed \(s): \(k) evaluations\n".utf8))
                }
                let c = counts.sorted()
                var f: [JSONValue.Field] = [
                    .init("median", .double(quantile(c, 0.5))), .init("q1", .double(quantile(c, 0.25))), .init("q3", .double(quantile(c, 0.75))),
                    .init("not_reached", .int(counts.filter { $0 >= Double(maxEvaluations) }.count)),
                    .init("evaluations", .array(counts.map { .int(Int($0)) })),
                    .init("seconds", .double(Date().timeIntervalSince(t0))),
                ]
                if !taus.isEmpty { f.append(.init("surrogate_tau_mean", .double(taus.reduce(0, +) / Double(taus.count)))) }
                medians[name] = quantile(c, 0.5)
                // How many times fewer evaluations than the same optimizer without the surrogate (run before it).
                if name.hasPrefix("surrogate-"), let plain = medians[String(name.dropFirst("surrogate-".count))] {
                    f.append(.init("plain_over_surrogate", .double(plain / quantile(c, 0.5))))
                }
                fields.append(.init(name, .object(f)))
            }
            out.append(.init("p\(Int(pct))", .object(fields)))
        }
        print(JSONValue.object(out).serialized())
    }

    /// Real evaluations until the best feasible accuracy reaches `target` (or `maxEvaluations`),
    /// and the surrogate's per-generation Kendall τ.
    func runOne(_ name: String, seed: UInt64, space ds: DesignSpace, arch: NASBench201Space, budget: Double, target: Double,
                accuracyOf: [Double], latencyOf: [Double], featurizer: PointFeaturizer) throws -> (Int, [Double]) {
        let features: @Sendable (Point) -> [Float] = { featurizer.features($0) }
        var settings = SurrogateSettings(model: model, screen: screen)
        settings.minimumTrainingRows = minTrials > 0 ? minTrials : population
        settings.randomShare = randomShare
        settings.maximumTrainingRows = maxTrainingRows
        settings.batch = batch > 0 ? batch : nil
        settings.pool = pool > 0 ? pool : nil
        settings.members = max(1, members)
        settings.exploration = exploration
        // The cheap part known exactly: the latency from the table, so the budget violation.
        let archIndex: @Sendable (Point) -> Int = { p in Self.archIndex(arch, p) }
        var exact: (@Sendable (Point) -> ExactEstimate)?
        if exactLatency { exact = { @Sendable p in ExactEstimate(objectives: [nil], violation: max(0, (latencyOf[archIndex(p)] - budget) / budget)) } }
        var opt: any Optimizer
        switch name {
        case "random": opt = RandomSearch(space: ds, batchSize: population, seed: seed)
        case "evolution": opt = RegularizedEvolution(space: ds, populationSize: population, sampleSize: max(2, population / 4), batchSize: max(1, population / 4), seed: seed)
        case "nsga2": opt = NSGA2(space: ds, populationSize: population, seed: seed)
        case "surrogate-nsga2":
            opt = SurrogateOptimizer(base: NSGA2(space: ds, populationSize: population, seed: seed), settings: settings, features: features, exact: exact)
        case "surrogate-evolution":
            opt = SurrogateOptimizer(base: RegularizedEvolution(space: ds, populationSize: population, sampleSize: max(2, population / 4),
                                                                batchSize: max(1, population / 4), seed: seed), settings: settings, features: features, exact: exact)
        default: throw InputError(keyPath: "--optimizers", value: name, message: "unknown optimizer")
        }
        var used = 0
        var stale = 0
        while used < maxEvaluations {
            let batch = opt.ask()
            if batch.isEmpty { stale += 1; if stale > 3 { break }; continue }
            var told: [Individual] = []
            for c in batch {
                let i = archIndex(c.point)
                used += 1
                let a = accuracyOf[i], l = latencyOf[i]
                told.append(Individual(genome: c.genome, point: c.point, fitness: [-a], violation: max(0, (l - budget) / budget)))
                if l <= budget && a >= target {
                    return (used, taus(opt))
                }
                if used >= maxEvaluations { break }
            }
            opt.tell(told)
        }
        return (maxEvaluations, taus(opt))
    }

    /// The surrogate's per-generation Kendall τ (defined ones), empty for a plain optimizer.
    func taus(_ opt: any Optimizer) -> [Double] {
        let q = (opt as? SurrogateOptimizer<NSGA2>)?.quality ?? (opt as? SurrogateOptimizer<RegularizedEvolution>)?.quality ?? []
        return q.compactMap(\.tau)
    }

    /// A point's architecture number (mixed radix over the choices), the index of the tables.
    static func archIndex(_ arch: NASBench201Space, _ p: Point) -> Int {
        arch.dimensions.indices.reduce(0) { acc, j in
            acc * arch.dimensions[j].options.count + (arch.dimensions[j].options.firstIndex(of: p[j]?.stringValue ?? "") ?? 0)
        }
    }

    func index(_ space: NASBench201Space, _ text: String) throws -> Int {
        let a = try space.parse(text)
        return space.dimensions.indices.reduce(0) { $0 * space.dimensions[$1].options.count + a.choices[$1] }
    }

    func readColumn(_ path: String, column: String) throws -> [String: Double] {
        let d = try PredictorData.load(csv: path, space: NASBench201Space(), archColumn: "arch_str", target: column)
        return Dictionary(zip(d.archStrings, d.targets), uniquingKeysWith: { a, _ in a })
    }

    /// Linear-interpolation quantile of sorted values.
    func quantile(_ s: [Double], _ q: Double) -> Double {
        guard !s.isEmpty else { return .nan }
        let pos = q * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }
}
extension ModelKind: ExpressibleByArgument {}
