import Foundation
import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

@Suite struct TableFitTests {
    func bruteTau(_ x: [Double], _ y: [Double]) -> Double {
        var c = 0.0, d = 0.0, tx = 0.0, ty = 0.0
        for i in 0..<x.count { for j in (i + 1)..<x.count {
            let a = (x[i] - x[j]).sign == .minus ? -1.0 : (x[i] == x[j] ? 0 : 1)
            let b = (y[i] - y[j]).sign == .minus ? -1.0 : (y[i] == y[j] ? 0 : 1)
            if a == 0 && b == 0 { continue }
            if a == 0 { tx += 1 } else if b == 0 { ty += 1 } else if a == b { c += 1 } else { d += 1 }
        } }
        return (c - d) / ((c + d + tx) * (c + d + ty)).squareRoot()
    }

    @Test func kendallTauMatchesTheQuadraticDefinitionWithTies() {
        for seed in 0..<20 as Range<UInt64> {
            var rng = SeededGenerator(seed: seed)
            let x = (0..<57).map { _ in Double(rng.next() % 9) }
            let y = (0..<57).map { _ in Double(rng.next() % 7) }
            #expect(abs(TableFit.kendallTau(x, y) - bruteTau(x, y)) < 1e-12, "seed \(seed)")
        }
        #expect(TableFit.kendallTau([1, 2, 3], [10, 20, 30]) == 1)
        #expect(TableFit.kendallTau([1, 2, 3], [3, 2, 1]) == -1)
    }

    @Test func nnlsRecoversNonNegativeCoefficients() {
        var rng = SeededGenerator(seed: 7)
        let truth = [0.5, 0, 2, 1.25]
        let rows = (0..<40).map { _ in (0..<4).map { _ in Double(rng.next() % 5) } + [1] }
        let y = rows.map { r in zip(r, truth + [0.1]).reduce(0) { $0 + $1.0 * $1.1 } }
        let x = TableFit.nnls(rows: rows, targets: y, relative: false)
        for (a, b) in zip(x, truth + [0.1]) { #expect(abs(a - b) < 1e-6) }
        // A negative least-squares solution is clipped to 0.
        let clipped = TableFit.nnls(rows: [[1, 1], [1, 2]], targets: [1, 0.5], relative: false)
        #expect(clipped.allSatisfy { $0 >= 0 })
    }

    @Test func splitIsSeededAndDisjoint() {
        let a = TableFit.split(count: 100, trainCount: 30, seed: 3), b = TableFit.split(count: 100, trainCount: 30, seed: 3)
        #expect(a.train == b.train && a.test == b.test)
        #expect(Set(a.train).isDisjoint(with: a.test) && a.train.count == 30 && a.test.count == 70)
        #expect(TableFit.split(count: 100, trainCount: 30, seed: 4).train != a.train)
    }

    @Test func fitRecoversATableFromNetworkSums() throws {
        // Given latencies that are exact sums of a hidden table over rewritten NB201 networks,
        // when fitting on 60 networks, then held-out predictions are exact.
        let space = NASBench201Space()
        var rng = SeededGenerator(seed: 11)
        let archs = space.sample(count: 90, using: &rng)
        let graphs = try archs.map { try TableDevice.tflite.lower(space.exportedNetwork($0)) }
        let sigs = distinctSignatures(graphs)
        let hidden = Dictionary(uniqueKeysWithValues: sigs.enumerated().map { ($1, 0.01 * Double($0 % 7 + 1)) })
        let samples = graphs.map { g in TableFit.Sample(signatures: g.signatures, latencyMs: 0.05 + g.signatures.reduce(0) { $0 + hidden[$1]! }) }
        let r = TableFit.fit(Array(samples[..<60]), provenance: TableProvenance(device: "t", method: "fitted"), device: .tflite)
        var pred: [Double] = [], meas: [Double] = []
        for (g, s) in zip(graphs[60...], samples[60...]) where g.signatures.allSatisfy({ r.table.contains($0) }) {
            pred.append(try r.table.latency(of: g).latencyMs); meas.append(s.latencyMs)
        }
        let e = TableFit.errors(predicted: pred, measured: meas)
        #expect(pred.count > 20)
        #expect(e.medianAPE < 1, "median APE \(e.medianAPE)%")
    }
}
