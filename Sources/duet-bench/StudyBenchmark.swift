import ArgumentParser
import DuetCore
import DuetStudy
import Foundation

/// `duet-bench study`: coordination overhead of a study store. Enqueues `--trials` pending trials,
/// then `--workers` worker processes (this binary, `study-worker`) each claim, then loop
/// complete-and-claim-the-next (one statement, as `duet worker` does) with an instant evaluator
/// until nothing is pending. Trials/s = trials ÷ wall seconds from the first
/// claim to the last completion (and, stricter, including the enqueue).
struct StudyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study", abstract: "Trials/s stored by worker processes claiming and completing trials (JSON).")

    @Option(help: "Study: an SQLite file or a postgresql:// URL with ?study=NAME (must be new).") var study: String
    @Option(help: "Trials to store.") var trials = 20_000
    @Option(help: "Worker processes.") var workers = 4
    @Option(help: "Lease of each claim, seconds.") var leaseSeconds = 60.0
    @Flag(help: "Workers complete and claim in two calls (two round trips and commits per trial), as before completeAndClaim, for comparison.")
    var separateCalls = false

    mutating func validate() throws {
        guard (1...1_000_000).contains(trials), (1...256).contains(workers) else { throw ValidationError("--trials 1…1e6 and --workers 1…256") }
    }

    func run() async throws {
        let store = try await openStudy(study, mode: .create)
        guard try await store.counts().total == 0 else {
            throw InputError(value: study, message: "the benchmark needs a new study", hint: "give a new file or ?study=NAME")
        }
        let t0 = Date()
        for start in stride(from: 0, to: trials, by: 1000) {
            try await store.enqueue((start..<min(trials, start + 1000)).map {
                PendingTrial(generation: $0 / 100, slot: $0 % 100, genome: [Double($0), 0.5], design: "{\"i\":\($0)}", seed: 1, version: "bench")
            })
        }
        let enqueueSeconds = Date().timeIntervalSince(t0)
        try await store.close()
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var procs: [(Process, Pipe)] = []
        for i in 0..<workers {
            let p = Process(), out = Pipe()
            p.executableURL = me
            p.arguments = ["study-worker", "--study", study, "--worker", "bench-\(i)", "--lease-seconds", String(leaseSeconds)] + (separateCalls ? ["--separate-calls"] : [])
            p.standardOutput = out
            try p.run()
            procs.append((p, out))
        }
        var firsts: [Double] = [], lasts: [Double] = [], counts: [Int] = []
        for (p, out) in procs {
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0,
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let n = obj["trials"] as? Int, let f = obj["first"] as? Double, let l = obj["last"] as? Double else {
                throw ValidationError("a worker failed: \(String(decoding: data, as: UTF8.self))")
            }
            counts.append(n)
            if n > 0 { firsts.append(f); lasts.append(l) }
        }
        let check = try await openStudy(study, mode: .readOnly)
        let c = try await check.counts()
        try await check.close()
        let seconds = (lasts.max() ?? 0) - (firsts.min() ?? 0)
        var j = JSONObject()
        j.set("benchmark", "study")
        j.set("backend", study.contains("://") ? "postgresql" : "sqlite")
        j.set("workers", workers)
        j.set("step", separateCalls ? "complete, then claim (two calls)" : "completeAndClaim (one call)")
        j.set("trials", trials)
        j.set("completed", c.complete)
        j.set("per_worker", counts)
        j.set("enqueue_seconds", enqueueSeconds)
        j.set("claim_complete_seconds", seconds)
        j.set("trials_per_second", Double(trials) / seconds)
        j.set("trials_per_second_with_enqueue", Double(trials) / (seconds + enqueueSeconds))
        print(j.text)
        guard c.complete == trials, counts.reduce(0, +) == trials else { throw ExitCode(1) }
    }
}

/// `duet-bench study-worker`: one worker of `duet-bench study` (claims until nothing is pending).
struct StudyWorkerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "study-worker", abstract: "One worker of duet-bench study.", shouldDisplay: false)
    @Option var study: String
    @Option var worker: String
    @Option var leaseSeconds = 60.0
    @Flag var separateCalls = false

    func run() async throws {
        let store = try await openStudy(study, mode: .open)
        var n = 0, first = 0.0, last = 0.0
        // As `duet worker` steps from one trial to the next: the completion and the next claim in
        // one round trip (StudyStore.completeAndClaim).
        var held = try await store.claim(worker: worker, leaseSeconds: leaseSeconds)
        if held != nil { first = Date().timeIntervalSince1970 }
        while let c = held {
            let x = c.genome[0]
            let result = TrialResult(metrics: ["x": x], objectives: [x], constraints: [:], violation: 0, seconds: 0)
            let (completed, next) = separateCalls
                ? (try await store.complete(c, with: result), try await store.claim(worker: worker, leaseSeconds: leaseSeconds))
                : try await store.completeAndClaim(c, with: result, worker: worker, leaseSeconds: leaseSeconds)
            guard completed else { throw ValidationError("lost the claim on trial \(c.generation)/\(c.slot)") }
            n += 1
            last = Date().timeIntervalSince1970
            held = next
        }
        try await store.close()
        print("{\"trials\": \(n), \"first\": \(first), \"last\": \(last)}")
    }
}
