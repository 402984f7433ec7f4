import DuetCore
import DuetSearch
import DuetStudy
import Foundation

/// A study of any size that looks like an exploration's, for benchmarks and tests of what reads
/// studies (the report at 1,000,000 trials): a few real designs of a configuration are evaluated,
/// then trial `i` is one of them (picked with a generator seeded by `seed` and `i`) with its
/// metrics perturbed — latency, energy, area and the other costs scaled by a factor in
/// [0.6, 1.6], each task's accuracy moved by up to ±3 — and its objectives and budget violations
/// recomputed from those metrics as the exploration computes them. About 1 % of the trials fail.
/// Each trial's design JSON carries a `"synthetic": i` entry so that every trial is its own
/// design (a front of many distinct designs, as a long study has); its genome is the real
/// design's, so the report can re-evaluate whichever trial it picks.
public struct SyntheticStudy: Sendable {
    public let settings: StudySettings
    let exploration: CoExploration
    let bases: [(genome: [Double], design: String, metrics: [String: Double])]
    public let seed: UInt64
    public let population: Int

    /// Evaluates `designs` random designs of the configuration at `configPath` (seeded by `seed`).
    public init(configPath: String, dataDir: URL, designs: Int = 50, seed: UInt64 = 1) async throws {
        let cfg = try ExploreConfig.load(path: configPath, dataDir: dataDir)
        let ex = try CoExploration(config: cfg, dataDir: dataDir)
        exploration = ex
        settings = try ExploreRun(exploration: ex, store: nil).settings()
        population = max(1, cfg.population)
        self.seed = seed
        var rng = SeededGenerator(seed: seed)
        var found: [(genome: [Double], design: String, metrics: [String: Double])] = []
        var tries = 0
        while found.count < max(1, designs) && tries < 20 * max(1, designs) {
            tries += 1
            let genome = ex.space.randomGenome(using: &rng)
            let (design, metrics, error) = await ex.measure(ex.canonical(ex.space.decode(genome)))
            if error == nil { found.append((genome, design, metrics)) }
        }
        guard !found.isEmpty else {
            throw InputError(file: configPath, message: "no design of this configuration could be evaluated", hint: "try the configuration with duet explore first")
        }
        bases = found
    }

    /// Trial `i` (generation `i / population`, slot `i % population`).
    public func trial(_ i: Int) -> TrialRecord {
        var rng = SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(i + 1))
        let base = bases[Int(rng.next() % UInt64(bases.count))]
        let design = base.design.hasSuffix("}") ? String(base.design.dropLast()) + ",\"synthetic\":\(i)}" : base.design
        let g = i / population, s = i % population
        if rng.next() % 100 == 0 {
            return TrialRecord(generation: g, slot: s, genome: base.genome, design: design, metrics: [:], objectives: [], constraints: [:],
                               violation: .infinity, status: .failed, error: "synthetic failure", seconds: 0.01, seed: seed, version: "synthetic")
        }
        var m: [String: Double] = [:]
        var accSum = 0.0, accCount = 0
        for (k, v) in base.metrics.sorted(by: { $0.key < $1.key }) where k != "accuracy" {
            if k.hasSuffix(".accuracy") {
                m[k] = v + Double.random(in: -3...3, using: &rng); accSum += m[k]!; accCount += 1
            } else {
                m[k] = v * Double.random(in: 0.6...1.6, using: &rng)
            }
        }
        if accCount > 0 { m["accuracy"] = accSum / Double(accCount) }
        let objectives = exploration.config.objectives.map { m[$0.metric] ?? .nan }
        let c = exploration.constraintValues(m)
        let names = exploration.config.budgets.map(\.name)
        return TrialRecord(generation: g, slot: s, genome: base.genome, design: design, metrics: m, objectives: objectives,
                           constraints: Dictionary(uniqueKeysWithValues: zip(names, c)), violation: c.reduce(0) { $0 + max(0, $1) },
                           status: .complete, seconds: 0.01, seed: seed, version: "synthetic")
    }

    /// Stores the settings and trials `0..<count` in `store`, `batch` at a time.
    public func fill(_ store: any StudyStore, count: Int, batch: Int = 5000) async throws {
        try await store.setSettingsOnce(settings)
        for start in stride(from: 0, to: count, by: max(1, batch)) {
            try await store.record((start..<min(count, start + max(1, batch))).map(trial))
        }
    }
}
