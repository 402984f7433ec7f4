import ArgumentParser
import DuetCore
import DuetSearch
import Foundation

/// `duet-bench moo`: NSGA-II on a standard test problem over several seeds; the hypervolume of
/// each final front (the non-dominated members of the final population, as pymoo's `res.F`) and
/// the wall time of each run.
struct MOOBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moo",
        abstract: "NSGA-II on ZDT1/2/3 or DTLZ2: hypervolume and seconds per run, as JSON.")

    enum TestProblem: String, ExpressibleByArgument, CaseIterable { case zdt1, zdt2, zdt3, dtlz2 }

    @Option(help: "zdt1, zdt2, zdt3 or dtlz2 (3 objectives, 10 variables).")
    var problem: TestProblem

    @Option(help: "Evaluations per run.")
    var evaluations = 25_000

    @Option(help: "Population size (and offspring per generation).")
    var population = 100

    @Option(help: "Seeds: a range like 1-10, or a comma-separated list.")
    var seeds = "1-10"

    @Option(help: "Evaluations running at once (default: all cores).")
    var concurrency: Int?

    @Option(help: "Probability that an offspring is considered for polynomial mutation at all (pymoo's PM prob, 0.9; Deb's code: 1).")
    var mutationIndividualProbability = 0.9

    enum TruncationOption: String, ExpressibleByArgument, CaseIterable {
        case crowding, pruning
        var truncation: RankAndCrowdingSurvival.Truncation { self == .crowding ? .crowdingDistance : .pruning }
    }

    @Option(help: "How survival cuts the last front: crowding (Deb et al. 2002, pymoo's default 'cd') or pruning (Kukkonen & Deb 2006, pymoo's 'pcd').")
    var truncation: TruncationOption = .pruning

    mutating func validate() throws {
        _ = try parseSeeds(seeds)
        guard evaluations > 0 else { throw ValidationError("--evaluations must be positive") }
        guard population >= 2 else { throw ValidationError("--population must be at least 2") }
        if let c = concurrency, c < 1 { throw ValidationError("--concurrency must be at least 1") }
        guard (0...1).contains(mutationIndividualProbability) else {
            throw ValidationError("--mutation-individual-probability must be in 0...1")
        }
    }

    func run() async throws {
        let seedList = try parseSeeds(seeds)
        var hypervolumes: [Double] = [], seconds: [Double] = [], frontSizes: [Double] = [], igds: [Double] = []
        let reference: [Double]
        switch problem {
        case .zdt1, .zdt2, .zdt3:
            let p = ZDT(ZDT.Variant(rawValue: problem.rawValue)!)
            reference = [1.1, 1.1]
            let truth = p.paretoFront(count: 1000)
            for seed in seedList {
                let (front, s) = await runOnce(p, seed: seed)
                hypervolumes.append(Hypervolume.compute(front, reference: reference))
                igds.append(Indicators.igd(front, reference: truth))
                seconds.append(s)
                frontSizes.append(Double(front.count))
            }
        case .dtlz2:
            let p = DTLZ2(objectives: 3, variables: 10)
            reference = [1.1, 1.1, 1.1]
            for seed in seedList {
                let (front, s) = await runOnce(p, seed: seed)
                hypervolumes.append(Hypervolume.compute(front, reference: reference))
                seconds.append(s)
                frontSizes.append(Double(front.count))
            }
        }
        let hv = meanAndStd(hypervolumes), t = meanAndStd(seconds)
        var json = JSONObject()
        json.set("problem", problem.rawValue)
        json.set("algorithm", "NSGA-II (DuetSearch)")
        json.set("evaluations", evaluations)
        json.set("population", population)
        json.set("mutation_individual_probability", mutationIndividualProbability)
        json.set("truncation", truncation.rawValue)
        json.set("concurrency", concurrency ?? ProcessInfo.processInfo.activeProcessorCount)
        json.set("seeds", seedList.map { Int($0) })
        json.set("reference_point", reference)
        json.set("hypervolume_mean", hv.mean)
        json.set("hypervolume_std", hv.std)
        json.set("seconds_mean", t.mean)
        json.set("seconds_std", t.std)
        json.set("front_size_mean", meanAndStd(frontSizes).mean)
        if !igds.isEmpty { json.set("igd_mean", meanAndStd(igds).mean) }
        json.set("hypervolumes", hypervolumes)
        json.set("seconds", seconds)
        print(json.text)
    }

    /// One seeded NSGA-II run: the final front's objectives and the run's wall time.
    func runOnce(_ problem: some Problem, seed: UInt64) async -> ([[Double]], Double) {
        var variation = Variation()
        variation.mutation.individualProbability = mutationIndividualProbability
        var nsga = NSGA2(space: problem.space, populationSize: population, variation: variation, seed: seed)
        nsga.survival.truncation = truncation.truncation
        let search = Search(problem: problem, termination: .evaluations(evaluations), concurrency: concurrency)
        let start = ContinuousClock.now
        let result = await search.run(&nsga)
        let elapsed = ContinuousClock.now - start
        let c = elapsed.components
        return (result.front.map(\.objectives), Double(c.seconds) + Double(c.attoseconds) * 1e-18)
    }
}

/// Parses `1-10` or `1,2,5` (or a mix, `1-3,7`) into seeds.
func parseSeeds(_ text: String) throws -> [UInt64] {
    var seeds: [UInt64] = []
    for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
        let ends = part.split(separator: "-", omittingEmptySubsequences: false)
        if ends.count == 1, let s = UInt64(ends[0]) {
            seeds.append(s)
        } else if ends.count == 2, let a = UInt64(ends[0]), let b = UInt64(ends[1]), a <= b {
            seeds.append(contentsOf: a...b)
        } else {
            throw ValidationError("cannot read seeds '\(part)' in --seeds \(text); write a range like 1-10 or a list like 1,2,3")
        }
    }
    if seeds.isEmpty { throw ValidationError("--seeds names no seed; write a range like 1-10") }
    return seeds
}
