import DuetCore
import DuetCostModel
import DuetPredict
import DuetWorkload
import Foundation

/// A learned predictor of a whole network's latency (a `duet predictor fit` file whose target is a
/// `…latency_ms` column, e.g. HW-NAS-Bench's `pixel3_latency_ms`) as a ``CostEstimator``: the
/// `predictor:` target of a configuration. It predicts points of its own space from their choices
/// and is not additive (a regression of the whole network, not a sum over layers), so exact
/// solving refuses it.
public struct PredictedLatency: CostEstimator {
    public var predictor: Predictor
    /// The predictor file.
    public var path: String

    public init(predictor: Predictor, path: String) { self.predictor = predictor; self.path = path }

    public var targetName: String { URL(fileURLWithPath: path).lastPathComponent }
    public var costSource: String { "predicted (learned predictor \(targetName) of \(predictor.target) on \(predictor.spaceName))" }
    public var isAdditive: Bool { false }
    public var fixedPoint: [FixedPointMetric] {
        [FixedPointMetric(userMetric: "latency_ms", metric: "latency_ps", scale: TableTarget.picosecondsPerMs, unit: "ms")]
    }

    /// The predicted latency (`totals["latency_ms"]`, milliseconds); no units.
    public func estimate(_ subject: CostSubject) throws -> CostEstimate {
        guard case .point(let space, let arch) = subject, space.name == predictor.spaceName else {
            throw InputError(file: path, keyPath: "space", value: predictor.spaceName,
                             message: "this latency predictor estimates networks of the space '\(predictor.spaceName)' only",
                             hint: "give the task 'space: \(predictor.spaceName)', or use a latency table or device model for other networks")
        }
        return CostEstimate(totals: ["latency_ms": try predictor.predict([arch])[0]], units: [])
    }
}
