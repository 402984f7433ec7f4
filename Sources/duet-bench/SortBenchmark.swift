import ArgumentParser
import DuetCore
import DuetSearch
import Foundation

/// `duet-bench sort`: non-dominated sorting (all ranks) of uniformly random points.
struct SortBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sort",
        abstract: "Time the non-dominated sort of random points, as JSON.")

    @Option(help: "Number of points.")
    var points = 10_000

    @Option(help: "Objectives per point.")
    var objectives = 3

    @Option(help: "Timed repetitions (each on fresh points).")
    var repeats = 20

    @Option(help: "Seed of the random points.")
    var seed: UInt64 = 1

    mutating func validate() throws {
        guard points > 0, objectives >= 1, repeats >= 1 else {
            throw ValidationError("--points, --objectives and --repeats must be positive")
        }
    }

    func run() throws {
        var rng = SeededGenerator(seed: seed)
        var times: [Double] = []
        var fronts: [Int] = []
        let clock = ContinuousClock()
        for _ in 0..<repeats {
            let f = (0..<(points * objectives)).map { _ in rng.nextUnitDouble() }
            let start = clock.now
            let ranks = NonDominatedSort.ranks(f, objectiveCount: objectives)
            let c = (clock.now - start).components
            times.append((Double(c.seconds) + Double(c.attoseconds) * 1e-18) * 1e3)
            fronts.append((ranks.max() ?? -1) + 1)
        }
        let sorted = times.sorted()
        var json = JSONObject()
        json.set("points", points)
        json.set("objectives", objectives)
        json.set("repeats", repeats)
        json.set("seed", Int(seed))
        json.set("milliseconds_median", sorted[sorted.count / 2])
        json.set("milliseconds_min", sorted[0])
        json.set("milliseconds_mean", meanAndStd(times).mean)
        json.set("fronts_mean", meanAndStd(fronts.map(Double.init)).mean)
        print(json.text)
    }
}
