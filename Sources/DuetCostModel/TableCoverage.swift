import DuetCore
import DuetHardware
import DuetReport
import DuetWorkload

/// `duet table check`: the operators of a network space (all of them, or those of `sample` random
/// networks) that a table lacks, lowered under the table's own runtime rules.
public struct TableCoverage: Sendable {
    public var space: any NetworkSpace
    /// The table file, as the user named it (printed).
    public var tablePath: String
    /// OFA resolutions to check; nil: all.
    public var resolutions: [Int]?
    /// Check this many random networks (drawn with `seed`) instead of all the space's operators.
    public var sample: Int?
    public var seed: UInt64 = 0

    public init(space: any NetworkSpace, tablePath: String) { self.space = space; self.tablePath = tablePath }

    /// The report in `format` (CSV: the missing operators, ready for `duet table generate
    /// --operators`) and whether the table covers every operator.
    public func render(format: OutputFormat) throws -> (text: String, complete: Bool) {
        let t = try LatencyTable.load(path: tablePath)
        let needed = try SpaceOperators.requested(space: space, resolutions: resolutions, sample: sample, seed: seed, device: TableDevice(t))
        let missing = needed.filter { !t.contains($0) }
        switch format {
        case .json:
            return (JSONValue.obj(["space": .string(space.name), "table": .string(tablePath), "operators": .int(needed.count),
                                   "missing": .array(missing.map { .string($0.key) })]).serialized() + "\n", missing.isEmpty)
        case .csv:
            var tt = TextTable(columns: ["key"] + OperatorSignature.fieldNames)
            for m in missing { tt.append([m.key] + m.fieldValues) }
            return (tt.csv(), missing.isEmpty)
        case .table:
            return ("\(space.name): \(needed.count) operators, \(needed.count - missing.count) in \(tablePath), \(missing.count) missing\n"
                + missing.map { m in "  missing: \(m.key)" + (t.failures[m.key].map { " (measurement failed: \($0))" } ?? "") + "\n" }.joined(), missing.isEmpty)
        }
    }
}
