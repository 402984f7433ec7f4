import DuetCore
import DuetSearch
import DuetWorkload
import Synchronization
import Testing
@testable import DuetPredict

@Suite struct SurrogateOptimizerTests {
    let space = NASBench201Space()

    func designSpace() throws -> DesignSpace {
        try DesignSpace(space.dimensions.map { d in .categorical(d.name, d.options.map { Value.string($0) }) })
    }

    /// The synthetic accuracy of ``syntheticData(count:seed:)`` without noise, and a "latency" of
    /// convolutions on live edges with a budget of 3.
    func evaluate(_ c: Candidate) -> Individual {
        let arch = Architecture(space.dimensions.indices.map { j in space.dimensions[j].options.firstIndex(of: c.point[j]!.stringValue!)! })
        let cell = CellStructure(nb201: arch)
        let conv3 = cell.opCounts[3], conv1 = cell.opCounts[2]
        let acc = 40 + 6 * Double(conv3) + 2 * Double(conv1) + 10 * Double(min(cell.paths, 1))
        let latency = Double(conv3 + conv1)
        return Individual(genome: c.genome, point: c.point, fitness: [-acc], violation: max(0, latency - 3) / 3)
    }

    /// The "latency" budget of ``evaluate(_:)`` computed without the accuracy: what a caller
    /// knows exactly and cheaply (the accuracy objective is left to the model).
    func exactEstimate(_ p: Point) -> ExactEstimate { Self.exactEstimate(p, space: space) }

    static func exactEstimate(_ p: Point, space: NASBench201Space) -> ExactEstimate {
        let arch = Architecture(space.dimensions.indices.map { j in space.dimensions[j].options.firstIndex(of: p[j]!.stringValue!)! })
        let cell = CellStructure(nb201: arch)
        return ExactEstimate(objectives: [nil], violation: max(0, Double(cell.opCounts[3] + cell.opCounts[2]) - 3) / 3)
    }

    func run(seed: UInt64, generations: Int, configure: (inout SurrogateSettings) -> Void = { _ in }, exact: Bool = false)
        throws -> (proposals: [[Candidate]], quality: [Double?], records: [SurrogateQuality]) {
        let ds = try designSpace()
        let f = PointFeaturizer(space: ds, networks: [.init(prefix: "", space: space)])
        var s = SurrogateSettings(model: .gbdt, screen: 5)
        s.rounds = 30
        configure(&s)
        let sp = space
        var estimate: (@Sendable (Point) -> ExactEstimate)?
        if exact { estimate = { @Sendable p in Self.exactEstimate(p, space: sp) } }
        var opt = SurrogateOptimizer(base: NSGA2(space: ds, populationSize: 12, seed: seed), settings: s, features: { f.features($0) },
                                     exact: estimate)
        let sink = QualitySink()
        opt.onQuality = { q in sink.append(q) }
        var proposals: [[Candidate]] = []
        for _ in 0..<generations {
            let batch = opt.ask()
            proposals.append(batch)
            opt.tell(batch.map(evaluate))
        }
        #expect(sink.records == opt.quality, "the callback sees every quality record as it is made")
        return (proposals, opt.quality.map { $0.tau }, opt.quality)
    }

    @Test func theSameSeedGivesTheSameProposals() throws {
        let a = try run(seed: 4, generations: 4), b = try run(seed: 4, generations: 4)
        #expect(a.proposals == b.proposals)
        #expect(a.quality == b.quality)
    }

    @Test func screenedGenerationsEvaluateOnlyAsManyAsTheBaseAsksAndNothingTwice() throws {
        let (proposals, quality, _) = try run(seed: 2, generations: 5)
        #expect(proposals.allSatisfy { $0.count <= 12 })
        let all = proposals.flatMap { $0.map(\.point) }
        #expect(Set(all).count == all.count, "no design is proposed for evaluation twice")
        // Generations 2…5 were screened; each has a predictor quality unless τ is undefined (the
        // synthetic accuracy takes few values: the designs chosen may all score the same).
        #expect(quality.count == 4, "one record per screened generation")
        #expect(quality.compactMap { $0 }.allSatisfy { (-1...1).contains($0) })
    }

    @Test func screenedOffspringAreBetterThanTheBasesOwn() throws {
        // The mean synthetic accuracy of the feasible designs evaluated in generations 2…6 (the
        // screened ones), over 8 seeds: screening spends evaluations on better designs.
        let ds = try designSpace()
        func meanFeasible(_ batches: ArraySlice<[Candidate]>) -> Double {
            let acc = batches.flatMap { $0.map(evaluate) }.filter(\.isFeasible).map { -$0.fitness[0] }
            return acc.reduce(0, +) / Double(max(1, acc.count))
        }
        var plain = 0.0, screened = 0.0, tau = 0.0
        for seed in UInt64(1)...8 {
            var base = NSGA2(space: ds, populationSize: 12, seed: seed)
            var batches: [[Candidate]] = []
            for _ in 0..<6 { let b = base.ask(); batches.append(b); base.tell(b.map(evaluate)) }
            plain += meanFeasible(batches[1...])
            let r = try run(seed: seed, generations: 6)
            screened += meanFeasible(r.proposals[1...])
            let taus = r.quality.compactMap { $0 }
            tau += taus.reduce(0, +) / Double(max(1, taus.count))
        }
        #expect(screened > plain, "screened \(screened / 8) vs plain \(plain / 8)")
        #expect(tau / 8 > 0, "the surrogate's predictions agree with the results: mean τ \(tau / 8)")
    }
}

extension SurrogateOptimizerTests {
    @Test func smallBatchesFromALargePoolWithExactFeasibility() throws {
        // 12 designs to start, then 3 per generation chosen from a pool of 400; the budget is
        // known exactly, so no screened design breaks it.
        let r = try run(seed: 3, generations: 6, configure: { $0.batch = 3; $0.pool = 400; $0.minimumTrainingRows = 12; $0.members = 3; $0.exploration = 0.5 },
                        exact: true)
        #expect(r.proposals[0].count == 12)
        #expect(r.proposals[1...].allSatisfy { $0.count == 3 })
        #expect(r.proposals[1...].allSatisfy { $0.allSatisfy { exactEstimate($0.point).violation == 0 } })
        #expect(r.records.map { $0.generation } == [1, 2, 3, 4, 5], "quality is numbered by the round it screened")
        #expect(r.records.allSatisfy { $0.pool >= 300 && $0.evaluated == 3 && $0.objective == 0 })
        #expect(r.records.map { $0.trainingRows } == [12, 15, 18, 21, 24])
        let again = try run(seed: 3, generations: 6, configure: { $0.batch = 3; $0.pool = 400; $0.minimumTrainingRows = 12; $0.members = 3; $0.exploration = 0.5 },
                            exact: true)
        #expect(again.proposals == r.proposals && again.records == r.records, "the same seed gives the same proposals and quality")
    }

    @Test func aBatchSizeAlsoLimitsTheFirstGenerationToTheMinimum() throws {
        let r = try run(seed: 5, generations: 3, configure: { $0.batch = 2; $0.minimumTrainingRows = 5 })
        #expect(r.proposals.map { $0.count } == [5, 2, 2])
    }
}

/// Collects quality records from ``SurrogateOptimizer/onQuality`` (a study's sink in real use).
final class QualitySink: Sendable {
    private let items = Mutex<[SurrogateQuality]>([])
    func append(_ q: SurrogateQuality) { items.withLock { $0.append(q) } }
    var records: [SurrogateQuality] { items.withLock { $0 } }
}

@Suite struct FeatureTests {
    @Test func liveEdgesAndPathsOfACell() throws {
        let s = NASBench201Space()
        // Node 1 is fed by a conv but nothing leaves it: its edge is dead code.
        let a = try s.parse("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|nor_conv_1x1~2|")
        let c = CellStructure(nb201: a)
        #expect(c.live == [false, true, false, false, false, true])
        #expect(c.paths == 1 && c.longestConvPath == 1 && c.pathConvs == [-1, -1, 1, -1])
        // Every edge none: no path, output disconnected from the input.
        let z = try s.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
        let n = try NetworkStructure(try s.network(z))
        #expect(CellStructure(nb201: z).paths == 0)
        #expect(n.connected == 0)
    }

    @Test func deadLayersAreNotCounted() throws {
        let s = NASBench201Space()
        let dead = try NetworkStructure(try s.network(s.parse("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|nor_conv_1x1~2|")))
        let alive = try NetworkStructure(try s.network(s.parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|none~1|nor_conv_1x1~2|")))
        // 15 cells: the dead 3×3 conv is dropped from counts and MACs in the first.
        #expect(alive.conv3 - dead.conv3 == 30)
        #expect(alive.log10MACs > dead.log10MACs)
        #expect(dead.connected == 1 && dead.longestPath < alive.longestPath)
    }

    @Test func featureNamesMatchTheVector() throws {
        for space in NetworkSpaces.all {
            let ex = FeatureExtractor(space: space)
            var rng = SeededGenerator(seed: 1)
            let f = try ex.features(space.sample(count: 1, using: &rng)[0])
            #expect(f.count == ex.names.count, "\(space.name)")
            #expect(Set(ex.names).count == ex.names.count, "\(space.name): feature names are unique")
        }
    }
}
