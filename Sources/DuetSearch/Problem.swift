/// What a search optimizes: a ``DesignSpace``, named objectives each minimized or maximized,
/// named inequality constraints, and an evaluation that may be asynchronous and may fail.
///
/// A thrown error is a recorded outcome (``Outcome/failed(_:)``), never a crash: the design is
/// kept out of the Pareto set and the search goes on.
public protocol Problem: Sendable {
    /// The variables a design is made of.
    var space: DesignSpace { get }
    /// The objectives, in the order ``Evaluation/objectives`` lists their values.
    var objectives: [Objective] { get }
    /// The names of the inequality constraints, in the order ``Evaluation/constraints`` lists them.
    var constraints: [String] { get }
    /// Evaluates one design.
    func evaluate(_ point: Point) async throws -> Evaluation
    /// The representative of `point`'s class of equivalent designs (e.g. a chip whose
    /// interchangeable sub-accelerators are listed in another order): the design that is
    /// evaluated and the key of the evaluation cache, so that equivalent designs are evaluated
    /// once. The default is the point itself.
    func canonical(_ point: Point) -> Point
}

extension Problem {
    public var constraints: [String] { [] }
    public func canonical(_ point: Point) -> Point { point }
}

/// One objective of a ``Problem``.
public struct Objective: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable { case minimize, maximize }
    public var name: String
    public var direction: Direction

    public init(_ name: String, _ direction: Direction = .minimize) {
        self.name = name
        self.direction = direction
    }

    public static func minimize(_ name: String) -> Objective { Objective(name, .minimize) }
    public static func maximize(_ name: String) -> Objective { Objective(name, .maximize) }
}

/// The measured objectives and constraints of one design, as the problem states them.
///
/// Constraints follow the `g(x) ≤ 0` convention: a value ≤ 0 is satisfied, a positive value is by
/// how much it is violated (e.g. `latency - budget`).
public struct Evaluation: Sendable, Hashable {
    /// One value per ``Problem/objectives``, in the objective's own direction.
    public var objectives: [Double]
    /// One value per ``Problem/constraints``; ≤ 0 means satisfied.
    public var constraints: [Double]
    /// Other named measurements of the design, kept with it by studies (e.g. each task's latency
    /// in ms beside the objectives); units are in the names.
    public var metrics: [String: Double]
    /// A description of the design as evaluated (e.g. JSON of the decoded design), kept with it.
    public var detail: String?

    public init(objectives: [Double], constraints: [Double] = [], metrics: [String: Double] = [:], detail: String? = nil) {
        self.objectives = objectives
        self.constraints = constraints
        self.metrics = metrics
        self.detail = detail
    }

    /// The total violation, Σ max(0, gᵢ) summed in constraint order (so the same design gives
    /// the same bits whatever the run); 0 for a feasible design.
    public var violation: Double {
        var v = 0.0
        for g in constraints where g > 0 { v += g }
        return v
    }

    public var isFeasible: Bool { violation == 0 }
}

/// What came of evaluating one design.
public enum Outcome: Sendable, Hashable {
    case evaluated(Evaluation)
    /// The evaluation threw, or returned something unusable (NaN, wrong counts); the message says why.
    case failed(String)

    public var evaluation: Evaluation? {
        if case .evaluated(let e) = self { return e }
        return nil
    }
}

/// A ``Problem`` from a closure, for tests, scripts and quick experiments.
public struct FunctionProblem: Problem {
    public var space: DesignSpace
    public var objectives: [Objective]
    public var constraints: [String]
    public var function: @Sendable (Point) async throws -> Evaluation

    public init(space: DesignSpace, objectives: [Objective], constraints: [String] = [],
                evaluate: @escaping @Sendable (Point) async throws -> Evaluation) {
        self.space = space
        self.objectives = objectives
        self.constraints = constraints
        self.function = evaluate
    }

    public func evaluate(_ point: Point) async throws -> Evaluation { try await function(point) }
}
