import DuetCostModel

extension ExploreConfig {
    /// The required frame rates the budgets name (`fps`, `TASK.fps`), by task name.
    public var rates: FrameRates {
        var r = FrameRates()
        for (name, limit) in budgets {
            if name == "fps" { r.chip = limit } else if name.hasSuffix(".fps") { r.tasks[String(name.dropLast(4))] = limit }
        }
        return r
    }

    /// Whether budget `name` is a lower bound (a frame rate), met when the value is at least the limit.
    public static func isLowerBound(_ name: String) -> Bool { name == "fps" || name.hasSuffix(".fps") }
}
