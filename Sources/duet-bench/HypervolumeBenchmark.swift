import ArgumentParser
import DuetCore
import DuetSearch
import Foundation

/// `duet-bench hv`: exact hypervolume of points near a spherical front (DTLZ2-like, all
/// mutually non-dominated: the hard case), reference point 1.1 in every objective.
struct HypervolumeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hv",
        abstract: "Time the exact hypervolume of a non-dominated set, as JSON.")

    @Option(help: "Number of points.")
    var points = 100

    @Option(help: "Objectives per point.")
    var objectives = 3

    @Option(help: "Timed repetitions (each on fresh points).")
    var repeats = 5

    @Option(help: "Seed of the random points.")
    var seed: UInt64 = 1

    mutating func validate() throws {
        guard points > 0, objectives >= 1, repeats >= 1 else {
            throw ValidationError("--points, --objectives and --repeats must be positive")
        }
    }

    func run() throws {
        var rng = SeededGenerator(seed: seed)
        var times: [Double] = [], volumes: [Double] = []
        let clock = ContinuousClock()
        let reference = [Double](repeating: 1.1, count: objectives)
        for _ in 0..<repeats {
            let pts = (0..<points).map { _ -> [Double] in
                let v = (0..<objectives).map { _ in abs(rng.nextUnitDouble() - 0.5) + 1e-9 }
                let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
                return v.map { $0 / norm }
            }
            let start = clock.now
            volumes.append(Hypervolume.compute(pts, reference: reference))
            let c = (clock.now - start).components
            times.append((Double(c.seconds) + Double(c.attoseconds) * 1e-18) * 1e3)
        }
        let sorted = times.sorted()
        var json = JSONObject()
        json.set("points", points)
        json.set("objectives", objectives)
        json.set("repeats", repeats)
        json.set("seed", Int(seed))
        json.set("milliseconds_median", sorted[sorted.count / 2])
        json.set("hypervolume_mean", meanAndStd(volumes).mean)
        print(json.text)
    }
}
