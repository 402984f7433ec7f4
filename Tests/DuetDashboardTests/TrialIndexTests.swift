import DuetCore
import DuetDashboard
import DuetStudy
import Foundation
import Testing

@Suite struct TrialIndexTests {
    @Test func refreshReadsEveryTrialAndFiltersAsTheRecordsSay() async throws {
        let path = Fixture.tempPath("index")
        try await Fixture.makeStudy(path, trials: 0..<2500)
        let store = try SQLiteStudyStore(path: path, mode: .readOnly)
        var index = TrialIndex(objectiveCount: 2)
        let read = try await index.refresh(from: store)
        #expect(read == 2500)
        #expect(index.count == 2500)
        let all = (0..<2500).map(Fixture.trial)

        // Status and feasibility.
        let failed = index.matches(TrialFilter(statuses: [.failed]))
        #expect(failed.count == all.filter { $0.status == .failed }.count)
        let feasible = index.matches(TrialFilter(feasible: true))
        #expect(feasible.count == all.filter(\.isFeasible).count)
        #expect(feasible.allSatisfy { all[$0].isFeasible })
        #expect(index.matches(TrialFilter(feasible: false)).count == 2500 - feasible.count)

        // An objective range (latency_ms in [2, 4]) keeps only trials with a value inside it.
        let ranged = index.matches(TrialFilter(ranges: [.init(objective: 1, min: 2, max: 4)]))
        let expected = all.indices.filter { all[$0].objectives.count == 2 && (2...4).contains(all[$0].objectives[1]) }
        #expect(ranged == expected)

        // Sorting by accuracy, descending: non-increasing, trials without a value last.
        let sorted = index.matches(TrialFilter(sort: .objective(0), descending: true))
        #expect(sorted.count == 2500)
        let values = sorted.map { index.objective($0, 0) }
        let withValue = values.prefix { !$0.isNaN }
        #expect(withValue.count == all.filter { $0.status == .complete }.count)
        #expect(zip(withValue, withValue.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(values.dropFirst(withValue.count).allSatisfy { $0.isNaN })
        try await store.close()
    }

    @Test func theFrontHoldsExactlyTheNonDominatedFeasibleTrials() async throws {
        let path = Fixture.tempPath("front")
        try await Fixture.makeStudy(path, trials: 0..<300)
        let store = try SQLiteStudyStore(path: path, mode: .readOnly)
        var index = TrialIndex(objectiveCount: 2)
        try await index.refresh(from: store)
        let front = index.front(maximize: [true, false])
        let all = (0..<300).map(Fixture.trial)
        // Brute force: feasible, and no feasible trial is at least as good everywhere and better somewhere.
        func dominates(_ a: TrialRecord, _ b: TrialRecord) -> Bool {
            a.objectives[0] >= b.objectives[0] && a.objectives[1] <= b.objectives[1] && a.objectives != b.objectives
        }
        let feasible = all.indices.filter { all[$0].isFeasible }
        let nonDominated = feasible.filter { i in !feasible.contains { dominates(all[$0], all[i]) } }
        // Equal objective vectors are listed once (the first stored).
        var seen = Set<[Double]>()
        let expected = nonDominated.filter { seen.insert(all[$0].objectives).inserted }
        #expect(front == expected)
        #expect(!front.isEmpty)
        try await store.close()
    }

    @Test func aRefreshRereadsOnlyTheOpenEndAndSeesStatusChanges() async throws {
        let path = Fixture.tempPath("incr")
        try await Fixture.makeStudy(path, trials: 0..<3000)
        let writer = try SQLiteStudyStore(path: path, mode: .open)
        var index = TrialIndex(objectiveCount: 2)
        #expect(try await index.refresh(from: writer) == 3000)
        // Nothing changed: only the last page is read again, then only the last tail page.
        let again = try await index.refresh(from: writer)
        #expect(again <= TrialIndex.pageSize)
        #expect(try await index.refresh(from: writer) <= TrialIndex.tailPageSize)
        #expect(index.count == 3000)

        // A queued generation, then one of its trials claimed and completed.
        let pending = (0..<5).map { PendingTrial(generation: 900, slot: $0, genome: [Double($0)], design: "{}", seed: 1, version: "test") }
        try await writer.enqueue(pending)
        try await index.refresh(from: writer)
        #expect(index.count == 3005)
        #expect(index.matches(TrialFilter(statuses: [.pending])).count == 5)
        let claim = try #require(try await writer.claim(worker: "w", leaseSeconds: 60))
        try await writer.complete(claim, with: TrialResult(metrics: [:], objectives: [0.99, 1], constraints: ["latency_ms": -0.8], violation: 0, seconds: 2))
        try await index.refresh(from: writer)
        #expect(index.count == 3005)
        #expect(index.matches(TrialFilter(statuses: [.pending])).count == 4)
        let done = index.matches(TrialFilter(generation: 900))
        #expect(done.count == 5)
        #expect(done.filter { index.status[$0] == .complete }.map { index.objective($0, 0) } == [0.99])
        // The open generation is re-read, the finished history is not.
        #expect(try await index.refresh(from: writer) <= 2 * TrialIndex.tailPageSize)
        try await writer.close()
    }
}

@Suite struct TrialQueryTests {
    let objectives = Fixture.objectives

    @Test func parsesEveryParameter() throws {
        let q = try TrialQuery(query: "status=complete,failed&feasible=true&generation=3&min.accuracy=0.5&max.latency_ms=4.5&sort=latency_ms&order=desc&offset=20&limit=10",
                               objectives: objectives)
        #expect(q.filter.statuses == [.complete, .failed])
        #expect(q.filter.feasible == true)
        #expect(q.filter.generation == 3)
        #expect(q.filter.ranges == [.init(objective: 0, min: 0.5), .init(objective: 1, max: 4.5)])
        #expect(q.filter.sort == .objective(1))
        #expect(q.filter.descending)
        #expect(q.offset == 20 && q.limit == 10)
        // Percent-encoding is decoded.
        let e = try TrialQuery(query: "min.latency_ms=%31.5", objectives: objectives)
        #expect(e.filter.ranges == [.init(objective: 1, min: 1.5)])
        #expect(try TrialQuery(query: nil, objectives: objectives) == TrialQuery())
    }

    @Test func collectsEveryProblemWithTheParameterValueAndFix() throws {
        let error = try #require(throws: InputError.self) {
            try TrialQuery(query: "status=done&limit=100000&min.latncy_ms=1&min.accuracy=0.9&max.accuracy=0.1&sort=acuracy&feasible=maybe",
                           objectives: objectives)
        }
        let byKey = Dictionary(grouping: error.issues, by: \.keyPath)
        #expect(byKey["status"]?.first?.value == "done")
        #expect(byKey["limit"]?.first?.message.contains("1…500") == true)
        #expect(byKey["min.latncy_ms"]?.first?.hint == "did you mean 'min.latency_ms'?")
        #expect(byKey["min.accuracy"]?.first?.hint?.contains("swap") == true)
        #expect(byKey["sort"]?.first?.hint == "did you mean 'accuracy'?")
        #expect(byKey["feasible"]?.first?.value == "maybe")
        #expect(error.issues.count == 6)
    }
}
