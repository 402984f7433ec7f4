/// A search strategy in the ask/tell style (Optuna, pymoo): ``ask()`` proposes designs, the
/// caller evaluates them however it likes (concurrently, remotely, from a study store), and
/// ``tell(_:)`` hands back the results in the same order.
///
/// Optimizers are value types holding their own seeded generator: the same seed and the same
/// results told give the same proposals.
public protocol Optimizer: Sendable {
    /// The space the optimizer searches.
    var space: DesignSpace { get }
    /// The seed of the optimizer's random stream (recorded in outputs).
    var seed: UInt64 { get }
    /// The number of completed ask/tell rounds.
    var generation: Int { get }
    /// The designs to evaluate next. Empty when the optimizer has nothing more to propose (e.g.
    /// a finite space is exhausted).
    mutating func ask() -> [Candidate]
    /// The evaluated candidates of the last ``ask()``, in order, with fitness in minimization
    /// form (see ``Individual``). Fewer may be told than were asked (a budget cut the batch).
    mutating func tell(_ evaluated: [Individual])
    /// The best designs so far: the non-dominated feasible ones, or, while none is feasible,
    /// those with the least violation.
    var front: [Individual] { get }
}
