import DuetCore
import DuetHardware
import DuetWorkload
import Foundation

/// `duet table fit` as a library call: read measured networks, decide the runtime rules (given,
/// or chosen by cross-validation), fit a table (least squares on the target's networks, or few-shot
/// with reference devices as the prior), and judge it on the held-out networks.
public struct TableFitJob {
    public var space: any NetworkSpace
    /// The measurements CSV and its columns.
    public var measurements: String
    public var archColumn: String
    public var latencyColumn: String
    /// Networks to fit on (seeded choice); the rest are held out. Equal to the number of networks: all, nothing held out.
    public var train: Int
    public var seed: UInt64 = 0
    /// The runtime's rules; nil: chosen by ``TableFit/chooseRules(_:series:folds:seed:relative:lowered:)``.
    public var rules: TableDevice?
    /// Reference devices (tables or measurement CSVs); non-empty: few-shot fitting.
    public var references: [String] = []
    /// Minimize relative (default) or absolute squared error.
    public var relative = true
    /// Folds of the rule cross-validation.
    public var folds = 5
    /// Networks per reference column fitted into a reference table (a seeded sample), and per
    /// device when references choose the rules.
    public var referenceNetworks = 2_000
    public var ruleNetworks = 300
    /// How a few-shot fit (too few target networks for k-fold CV) chooses its runtime rules.
    public enum FewShotRuleChoice: String, Sendable, CaseIterable {
        /// Each candidate's few-shot fit judged by its exact leave-one-out error on the target's networks.
        case leaveOneOut = "loo"
        /// k-fold CV on ``TableFitJob/ruleNetworks`` networks of the ``TableFitJob/nearestReferences``
        /// reference devices whose latencies correlate best (Pearson) with the target's on its
        /// training networks (devices "of the same kind"); needs measurement-CSV references, else
        /// falls back to ``leaveOneOut``.
        case nearestReferences = "nearest"
    }
    public var fewShotRuleChoice = FewShotRuleChoice.leaveOneOut
    /// Reference devices that choose the rules under ``FewShotRuleChoice/nearestReferences``.
    public var nearestReferences = 3
    /// Seed of the reference networks' sample.
    public static let referenceSampleSeed: UInt64 = 0x5EED
    /// The measurements file's networks at the given row indices lowered under given rules, when
    /// the caller keeps them (a benchmark fitting many devices of one file); nil: lowered here.
    public var lowered: ((TableDevice, [Int]) throws -> [DeviceGraph])?
    /// Reference tables fitted from measurement columns, kept between jobs by a caller that runs
    /// many (keyed by file, column, rules and sample size); nil: fitted here each time.
    public var referenceMemo: ReferenceMemo?

    /// A store of fitted reference tables shared by the jobs of one benchmark.
    public final class ReferenceMemo {
        var tables: [String: LatencyTable] = [:]
        public init() {}
    }
    /// The device name recorded in the table, and the date.
    public var deviceName: String
    public var date: String = ""

    public init(space: any NetworkSpace, measurements: String, archColumn: String, latencyColumn: String, train: Int, deviceName: String) {
        self.space = space; self.measurements = measurements; self.archColumn = archColumn; self.latencyColumn = latencyColumn
        self.train = train; self.deviceName = deviceName
    }

    /// What a fit did, for printing.
    public struct Report: Sendable {
        public var table: LatencyTable
        public var rules: TableDevice
        /// Present when the rules were chosen by cross-validation.
        public var ruleChoice: TableFit.RuleChoice?
        /// Where the rule choice's data came from ("training networks" or "reference devices").
        public var ruleChoiceData: String?
        public var fewShot: TableFit.FewShotResult?
        /// Reference devices used (file: column, or table file).
        public var referenceNames: [String]
        public var archs: [String]
        public var measuredMs: [Double]
        public var predictedMs: [Double]
        public var trainIndices: [Int]
        public var testIndices: [Int]
        public var trainErrors: TableFit.Errors
        /// nil when nothing is held out.
        public var testErrors: TableFit.Errors?
        /// Operators of held-out networks that no training network has (predicted as 0 ms).
        public var unseenOperators: Int
        /// Seconds the fit itself took (after reading and lowering).
        public var fitSeconds: Double
        /// Notes for the user (nothing held out, …).
        public var notes: [String]
    }

    public func run() throws -> Report {
        let target = try MeasuredNetworks.load(path: measurements, archColumn: archColumn, columns: [latencyColumn])
        let y = target.latencyMs[latencyColumn]!
        guard train <= y.count else {
            throw InputError(keyPath: "--train", value: "\(train)", message: "only \(y.count) networks in \(measurements)",
                             hint: "use --train \(y.count) to fit on all of them, or fewer to hold some out")
        }
        var notes: [String] = []
        if train == y.count { notes.append("--train equals the number of networks: the table is fitted on all \(y.count), nothing is held out") }
        let (trainIdx, testIdx) = TableFit.split(count: y.count, trainCount: train, seed: seed)

        // References: tables, or measurement CSVs whose device columns are fitted into tables below.
        var refTables: [(name: String, table: LatencyTable)] = []
        var refColumns: [(file: String, nets: MeasuredNetworks)] = []
        for path in references {
            if try Self.isTableFile(path) {
                refTables.append((path, try LatencyTable.load(path: path)))
            } else {
                var nets = try MeasuredNetworks.load(path: path, archColumn: archColumn, columns: nil, keyPath: "--reference")
                if Self.sameFile(path, measurements) { nets.devices.removeAll { $0 == latencyColumn } }
                guard !nets.devices.isEmpty else {
                    throw InputError(file: path, keyPath: "--reference", message: "no device columns (positive numbers) besides the target's",
                                     hint: "a reference CSV has the arch column '\(archColumn)' and one latency column per device")
                }
                refColumns.append((path, nets))
            }
        }
        let fewShot = !references.isEmpty

        // Lowered networks: of the measurements file (all, from `lowered` when given, else the
        // indices asked for, memoized) and of other reference files.
        var memo: [TableDevice: [Int: DeviceGraph]] = [:]
        func measured(_ rules: TableDevice, _ idx: [Int]) throws -> [DeviceGraph] {
            if let lowered { return try lowered(rules, idx) }
            var m = memo[rules] ?? [:]
            let todo = idx.filter { m[$0] == nil }
            if !todo.isEmpty {
                for (i, g) in zip(todo, try SpaceOperators.lower(space, todo.map { target.archs[$0] }, device: rules, what: measurements)) { m[i] = g }
                memo[rules] = m
            }
            return idx.map { m[$0]! }
        }
        func referenceGraphs(_ file: String, _ nets: MeasuredNetworks, _ rules: TableDevice, _ idx: [Int]) throws -> [DeviceGraph] {
            if Self.sameFile(file, measurements) { return try measured(rules, idx) }
            return try SpaceOperators.lower(space, idx.map { nets.archs[$0] }, device: rules, what: file)
        }
        /// Every reference column fitted into a table under `rules`, on at most `limit` of its networks.
        func referenceTables(_ rules: TableDevice, limit: Int) throws -> [(name: String, table: LatencyTable)] {
            var out = refTables
            for (file, nets) in refColumns {
                // A fixed sample (not the split's seed): the references are prior knowledge, the
                // same whichever networks of the target are drawn.
                var rng = SeededGenerator(seed: Self.referenceSampleSeed)
                let pick = Array(Array(nets.archs.indices).shuffled(using: &rng).prefix(limit))
                let g = try referenceGraphs(file, nets, rules, pick)
                for d in nets.devices {
                    let memoKey = "\(file)|\(d)|\(rules)|\(limit)|\(relative)"
                    if let t = referenceMemo?.tables[memoKey] { out.append(("\(file): \(d)", t)); continue }
                    let lat = nets.latencyMs[d]!
                    let r = TableFit.fit(zip(pick, g).map { TableFit.Sample(signatures: $1.signatures, latencyMs: lat[$0]) }, relative: relative,
                                         provenance: TableProvenance(device: d, method: "fitted"), device: rules)
                    referenceMemo?.tables[memoKey] = r.table
                    out.append(("\(file): \(d)", r.table))
                }
            }
            return out
        }

        // Rules: given; the reference tables' own; or chosen from the data.
        var choice: TableFit.RuleChoice?
        var choiceData: String?
        let rules: TableDevice
        if let given = self.rules {
            rules = given
        } else if let first = refTables.first {
            rules = TableDevice(first.table)
            for r in refTables.dropFirst() where TableDevice(r.table) != rules {
                throw InputError(file: r.name, keyPath: "--reference", message: "its runtime rules differ from \(first.name)'s",
                                 hint: "use reference tables made for one runtime, or give --rewrites and --fusion")
            }
        } else {
            let cands = TableFit.ruleCandidates(invertedResidual: space.name.hasPrefix("fbnet") || space.name.hasPrefix("ofa"))
            if !fewShot || trainIdx.count >= folds * 20 {
                let ys = trainIdx.map { y[$0] }
                choice = try TableFit.chooseRules(cands, latencies: ys, folds: folds, seed: seed, relative: relative) { c in try measured(c, trainIdx) }
                choiceData = "\(ys.count) training networks"
            } else if fewShotRuleChoice == .nearestReferences, let near = nearest(trainIdx.map { target.archs[$0] }, trainIdx.map { y[$0] }, refColumns) {
                // Too few target networks for k folds: the reference devices most like the target decide.
                let (file, nets, devs) = near
                var rng = SeededGenerator(seed: Self.referenceSampleSeed)
                let pick = Array(Array(nets.archs.indices).shuffled(using: &rng).prefix(ruleNetworks))
                let series = devs.map { d in pick.map { nets.latencyMs[d]![$0] } }
                choice = try TableFit.chooseRules(cands, series: series, folds: folds, seed: seed, relative: relative) { c in try referenceGraphs(file, nets, c, pick) }
                choiceData = "\(folds)-fold CV on \(pick.count) networks of the reference devices nearest the target (\(devs.joined(separator: ", ")))"
            } else {
                // Too few target networks for k folds: each candidate's few-shot fit (references
                // fitted under it on `ruleNetworks` networks) is judged by its exact leave-one-out error.
                var scores: [TableFit.RuleScore] = []
                for c in cands {
                    let refs = try referenceTables(c, limit: ruleNetworks)
                    let g = try measured(c, trainIdx)
                    let loo = (try? TableFit.fewShot(zip(trainIdx, g).map { TableFit.Sample(signatures: $1.signatures, latencyMs: y[$0]) }, references: refs,
                                                     provenance: TableProvenance(device: "", method: "fitted"), device: c).looMeanAPE) ?? .infinity
                    scores.append(TableFit.RuleScore(device: c, cvMeanAPE: loo, cvKendallTau: .nan))
                }
                var best = 0
                for (i, sc) in scores.enumerated() where sc.cvMeanAPE < scores[best].cvMeanAPE * (1 - 1e-9) { best = i }
                choice = TableFit.RuleChoice(chosen: scores[best].device, scores: scores, folds: trainIdx.count, seed: seed)
                choiceData = "leave-one-out of the few-shot fit on the \(trainIdx.count) training networks"
            }
            rules = choice!.chosen
        }
        let allGraphs = try measured(rules, Array(y.indices))
        if fewShot { refTables = try referenceTables(rules, limit: referenceNetworks) }
        let refNames = refTables.map(\.name)

        let start = Date()
        let samples = trainIdx.map { TableFit.Sample(signatures: allGraphs[$0].signatures, latencyMs: y[$0]) }
        let how = fewShot ? "few-shot with \(refTables.count) reference devices" : "least squares"
        let prov = TableProvenance(device: deviceName, method: "fitted", date: date,
                                   source: "fitted (\(how)) on \(train) networks of \((measurements as NSString).lastPathComponent) column \(latencyColumn), seed \(seed)")
        var few: TableFit.FewShotResult?
        let table: LatencyTable
        if fewShot {
            few = try TableFit.fewShot(samples, references: refTables, provenance: prov, device: rules)
            table = few!.table
        } else {
            table = TableFit.fit(samples, relative: relative, provenance: prov, device: rules).table
        }
        let fitSeconds = Date().timeIntervalSince(start)
        let predicted = allGraphs.map { TableFit.predict(table, $0) }
        func errs(_ idx: [Int]) -> TableFit.Errors { TableFit.errors(predicted: idx.map { predicted[$0] }, measured: idx.map { y[$0] }) }
        let unseen = TableFit.unseen(table, in: testIdx.map { allGraphs[$0] }).count
        if unseen > 0 { notes.append("\(unseen) operators of held-out networks never occur in training (predicted as 0 ms)") }
        return Report(table: table, rules: rules, ruleChoice: choice, ruleChoiceData: choiceData, fewShot: few, referenceNames: refNames,
                      archs: target.archs, measuredMs: y, predictedMs: predicted, trainIndices: trainIdx, testIndices: testIdx,
                      trainErrors: errs(trainIdx), testErrors: testIdx.isEmpty ? nil : errs(testIdx), unseenOperators: unseen,
                      fitSeconds: fitSeconds, notes: notes)
    }

    /// The reference file and its ``nearestReferences`` device columns whose latencies on `archs`
    /// correlate best (Pearson) with `y`; nil when no reference CSV has all of `archs` or there are
    /// fewer than 3 networks.
    func nearest(_ archs: [String], _ y: [Double], _ columns: [(file: String, nets: MeasuredNetworks)])
        -> (file: String, nets: MeasuredNetworks, devices: [String])? {
        guard archs.count >= 3 else { return nil }
        func pearson(_ a: [Double], _ b: [Double]) -> Double {
            let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
            var sab = 0.0, saa = 0.0, sbb = 0.0
            for (x, z) in zip(a, b) { sab += (x - ma) * (z - mb); saa += (x - ma) * (x - ma); sbb += (z - mb) * (z - mb) }
            return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : -1
        }
        var best: (r: Double, file: String, nets: MeasuredNetworks, devices: [String])?
        for (file, nets) in columns {
            var row: [String: Int] = [:]
            for (i, a) in nets.archs.enumerated() where row[a] == nil { row[a] = i }
            let idx = archs.compactMap { row[$0] }
            guard idx.count == archs.count else { continue }
            let ranked = nets.devices.map { d in (d, pearson(idx.map { nets.latencyMs[d]![$0] }, y)) }.sorted { $0.1 > $1.1 }
            let top = Array(ranked.prefix(max(nearestReferences, 1)))
            let r = top.reduce(0) { $0 + $1.1 } / Double(top.count)
            if best == nil || r > best!.r { best = (r, file, nets, top.map(\.0)) }
        }
        return best.map { ($0.file, $0.nets, $0.devices) }
    }

    /// Whether `path` is a latency table (.json, .yaml, or a CSV whose header has `mean_ms`)
    /// rather than a measurements CSV.
    static func isTableFile(_ path: String) throws -> Bool {
        switch LatencyTable.FileFormat(path: path) {
        case .json, .ofa: return true
        case .csv:
            let doc = try CSVDocument.load(path: path, comment: "#")
            return doc.header.contains("mean_ms")
        case nil:
            throw InputError(file: path, keyPath: "--reference", value: (path as NSString).pathExtension, message: "unknown reference file type",
                             hint: "give a table (.csv, .json, .yaml) or a measurements CSV")
        }
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.path == URL(fileURLWithPath: b).standardizedFileURL.path
    }
}

extension TableFitJob.Report {
    /// The report as JSON (`rules`, `rule_choice`, `few_shot`, `train`, `test`, …).
    public func json(extra: [JSONValue.Field] = []) -> JSONValue {
        func e(_ x: TableFit.Errors) -> JSONValue {
            .obj(["networks": .int(x.count), "kendall_tau": .double(x.kendallTau), "mape_mean_pct": .double(x.meanAPE), "ape_median_pct": .double(x.medianAPE)])
        }
        var f = extra
        f += [
            .init("train", e(trainErrors)), .init("test", testErrors.map(e) ?? .null),
            .init("operators", .int(table.count)), .init("network_overhead_ms", .double(table.networkOverheadMs)),
            .init("unseen_operators", .int(unseenOperators)),
            .init("graph_rewrites", .array(rules.rewrites.map { .string($0.rawValue) })), .init("fusion", .array(rules.fusion.map { .string($0.rawValue) })),
            .init("rule_choice", ruleChoice.map { c in
                .obj(["data": .string(ruleChoiceData ?? ""), "folds": .int(c.folds),
                      "candidates": .array(c.scores.map { s in
                          .obj(["graph_rewrites": .array(s.device.rewrites.map { .string($0.rawValue) }), "fusion": .array(s.device.fusion.map { .string($0.rawValue) }),
                                "cv_mape_mean_pct": .double(s.cvMeanAPE), "cv_kendall_tau": .double(s.cvKendallTau), "chosen": .bool(s.device == c.chosen)])
                      })])
            } ?? .null),
            .init("few_shot", fewShot.map { .obj(["references": .array(referenceNames.map { .string($0) }), "relative_noise": .double($0.relativeNoise),
                                                   "loo_mape_mean_pct": .double($0.looMeanAPE)]) } ?? .null),
            .init("fit_seconds", .double(fitSeconds)),
            .init("notes", .array(notes.map { .string($0) })),
        ]
        return .object(f)
    }

    /// Human-readable lines.
    public var text: String {
        func line(_ e: TableFit.Errors) -> String {
            String(format: "%d networks: Kendall tau %.4f, APE mean %.2f%%, median %.2f%%", e.count, e.kendallTau, e.meanAPE, e.medianAPE)
        }
        func names(_ d: TableDevice) -> String {
            "rewrites " + (d.rewrites.isEmpty ? "none" : d.rewrites.map(\.rawValue).joined(separator: ",")) + "; fusion " + (d.fusion.isEmpty ? "none" : d.fusion.map(\.rawValue).joined(separator: ","))
        }
        var t = ""
        if let c = ruleChoice {
            let how = ruleChoiceData?.hasPrefix("leave") == true ? ruleChoiceData! : "\(c.folds)-fold cross-validation on \(ruleChoiceData ?? "the data")"
            t += "runtime rules chosen by \(how) (seed \(c.seed)):\n"
            for s in c.scores {
                t += (s.device == c.chosen ? "  * " : "    ") + names(s.device).padding(toLength: 75, withPad: " ", startingAt: 0)
                    + String(format: " held-out APE mean %6.2f%%", s.cvMeanAPE) + (s.cvKendallTau.isNaN ? "\n" : String(format: ", tau %.4f\n", s.cvKendallTau))
            }
        }
        if let f = fewShot {
            t += "few-shot prior from \(referenceNames.count) reference devices; relative noise \(f.relativeNoise) by leave-one-out (LOO APE \(String(format: "%.2f", f.looMeanAPE))%)\n"
        }
        t += "fitted \(table.count) operators + network constant \(String(format: "%.4f", table.networkOverheadMs)) ms on \(trainIndices.count) networks\n"
        t += names(rules) + "\n"
        t += "train: " + line(trainErrors) + "\n"
        if let e = testErrors { t += "held out: " + line(e) + "\n" }
        for n in notes { t += "note: \(n)\n" }
        return t
    }

    /// Every network's split, measured and predicted latency as CSV (`arch,split,measured_ms,predicted_ms`).
    public var predictionsCSV: String {
        let isTrain = Set(trainIndices)
        var s = "arch,split,measured_ms,predicted_ms\n"
        for i in archs.indices {
            s += [CSVDocument.quote(archs[i]), isTrain.contains(i) ? "train" : "test", JSONValue.format(measuredMs[i]), JSONValue.format(predictedMs[i])]
                .joined(separator: ",") + "\n"
        }
        return s
    }
}
