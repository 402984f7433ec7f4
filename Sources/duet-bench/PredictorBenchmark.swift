import ArgumentParser
import DuetCore
import DuetPredict
import DuetWorkload
import Foundation

/// `duet-bench predictor`: held-out quality of accuracy predictors on NAS-Bench-201 (mean over
/// seeded splits: train on N random networks, predict all the others), fit time and prediction
/// throughput on one core.
struct PredictorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predictor",
        abstract: "NAS-Bench-201 accuracy predictors: held-out Kendall τ over seeded splits, fit and predict speed, as JSON.")

    @Option(help: "The NAS-Bench-201 accuracy CSV (default: ../shared/data/nb201/accuracy.csv).")
    var data: String?

    @Option(help: "Target columns, comma-separated.")
    var targets = "cifar10_test_acc,cifar100_test_acc"

    @Option(help: "Training set sizes, comma-separated.")
    var train = "100,1000"

    @Option(help: "Seeds of the splits: a range like 1-5, or a comma-separated list.")
    var seeds = "1-5"

    @Option(help: "Feature sets, comma-separated: onehot, structural.")
    var features = "onehot,structural"

    @Option(help: "Models, comma-separated: gbdt, linear, ensemble.")
    var models = "gbdt"

    @Option(help: "Boosting rounds (default: FitSettings' default).")
    var rounds: Int?

    @Option(help: "Tree depth (default: chosen by the number of rows).")
    var depth: Int?

    @Option(help: "Learning rate (default: FitSettings' default).")
    var eta: Double?

    @Option(help: "XGBoost tree method: hist or exact.")
    var treeMethod: String?

    func run() async throws {
        let path = data ?? defaultDataPath("nb201/accuracy.csv")
        let space = NASBench201Space()
        let seedList = try parseSeeds(seeds)
        let sizes = train.split(separator: ",").compactMap { Int($0) }
        var out: [JSONValue.Field] = [.init("data", .string(path)), .init("seeds", .array(seedList.map { .int(Int($0)) }))]
        for target in targets.split(separator: ",").map(String.init) {
            let d = try PredictorData.load(csv: path, space: space, archColumn: "arch_str", target: target)
            for fs in features.split(separator: ",").compactMap({ FeatureSet(rawValue: String($0)) }) {
                let ex = FeatureExtractor(space: space, set: fs)
                let t0 = Date()
                let x = try ex.matrix(d.archs)
                let featureSeconds = Date().timeIntervalSince(t0)
                for kind in models.split(separator: ",").compactMap({ ModelKind(rawValue: String($0)) }) {
                    var settings = FitSettings(kind: kind)
                    if let rounds { settings.rounds = rounds }
                    if let depth { settings.maxDepth = depth }
                    if let eta { settings.learningRate = eta }
                    if let treeMethod { settings.treeMethod = treeMethod }
                    var rows: [JSONValue.Field] = []
                    for n in sizes {
                        var taus: [Double] = [], rhos: [Double] = [], rmses: [Double] = [], fits: [Double] = []
                        for s in seedList {
                            settings.seed = s
                            let (tr, te) = Predictor.split(count: d.archs.count, train: n, seed: s)
                            let f0 = Date()
                            let q = try Predictor.heldOut(features: x, columns: ex.count, targets: d.targets, train: tr, test: te, settings: settings)
                            fits.append(Date().timeIntervalSince(f0))
                            taus.append(q.kendallTau); rhos.append(q.spearmanRho); rmses.append(q.rmse)
                        }
                        rows.append(.init("train_\(n)", .obj([
                            "kendall_tau_mean": .double(taus.reduce(0, +) / Double(taus.count)), "kendall_tau": .array(taus.map { .double($0) }),
                            "spearman_rho_mean": .double(rhos.reduce(0, +) / Double(rhos.count)),
                            "rmse_mean": .double(rmses.reduce(0, +) / Double(rmses.count)),
                            "fit_and_predict_seconds_mean": .double(fits.reduce(0, +) / Double(fits.count)),
                        ])))
                    }
                    out.append(.init("\(target).\(fs.rawValue).\(kind.rawValue)", .object(rows)))
                }
                out.append(.init("\(target).\(fs.rawValue).features_per_second", .double(Double(d.archs.count) / featureSeconds)))
            }
        }
        // Speed: fit on 1,000 networks; predict all 15,625 from feature rows and from architectures.
        let d = try PredictorData.load(csv: path, space: space, archColumn: "arch_str", target: "cifar100_test_acc")
        let (tr, _) = Predictor.split(count: d.archs.count, train: 1000, seed: 1)
        var settings = FitSettings(kind: .gbdt)
        if let rounds { settings.rounds = rounds }
        if let eta { settings.learningRate = eta }
        if let treeMethod { settings.treeMethod = treeMethod }
        let f0 = Date(), c0 = cpuSeconds()
        let p = try Predictor.fit(space: space, archs: tr.map { d.archs[$0] }, targets: tr.map { d.targets[$0] }, target: "cifar100_test_acc",
                                  settings: settings)
        let fitSeconds = Date().timeIntervalSince(f0), fitCPU = cpuSeconds() - c0
        let x = try p.extractor.matrix(d.archs)
        var best = Double.infinity, bestCPU = Double.infinity
        for _ in 0..<5 {
            let t0 = Date(), c1 = cpuSeconds()
            _ = try p.predict(features: x, rows: d.archs.count)
            best = min(best, Date().timeIntervalSince(t0))
            bestCPU = min(bestCPU, cpuSeconds() - c1)
        }
        let e0 = Date(), c2 = cpuSeconds()
        _ = try p.predict(d.archs)
        let endToEnd = Date().timeIntervalSince(e0), endToEndCPU = cpuSeconds() - c2
        out.append(.init("speed", .obj([
            "fit_1000_seconds": .double(fitSeconds),
            "predict_from_features_per_second": .double(Double(d.archs.count) / best),
            "predict_from_archs_per_second": .double(Double(d.archs.count) / endToEnd),
            "fit_1000_cpu_seconds": .double(fitCPU),
            "predict_from_features_per_cpu_second": .double(Double(d.archs.count) / bestCPU),
            "predict_from_archs_per_cpu_second": .double(Double(d.archs.count) / endToEndCPU),
            "threads": .int(1),
        ])))
        print(JSONValue.object(out).serialized())
    }
}

/// A file under the shared data folder: `DUET_DATA` when set, else the first of ../shared/data
/// and /work/shared/data that exists.
func defaultDataPath(_ relative: String) -> String {
    if let d = ProcessInfo.processInfo.environment["DUET_DATA"] { return (d as NSString).appendingPathComponent(relative) }
    for base in ["../shared/data", "/work/shared/data"] {
        let p = (base as NSString).appendingPathComponent(relative)
        if FileManager.default.fileExists(atPath: p) { return p }
    }
    return "../shared/data/" + relative
}

/// CPU seconds used by this process so far (user + system): on a shared machine, the time one
/// core actually spent, which wall time overstates under load.
func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
