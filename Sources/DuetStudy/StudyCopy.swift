import DuetCore
import Foundation

/// What ``copyStudy(from:to:pageSize:)`` copied.
public struct StudyCopyReport: Sendable, Hashable {
    /// Finished trials copied as they are.
    public var finished = 0
    /// Pending trials, and running ones (whose claims do not move), copied as pending.
    public var pending = 0
    /// Free key/value entries.
    public var attributes = 0
}

/// Copies a whole study — settings, free key/value entries and every trial with its status — from
/// `source` to `destination` (any backends), reading `pageSize` trials at a time, so memory stays
/// flat in the study's size. Running trials arrive as pending (claims do not move between stores).
///
/// Throws ``InputError`` when the destination already holds trials (copying never merges) or holds
/// settings different from the source's.
@discardableResult
public func copyStudy(from source: any StudyStore, to destination: any StudyStore, pageSize: Int = 1000) async throws -> StudyCopyReport {
    let existing = try await destination.counts()
    guard existing.total == 0 else {
        throw InputError(file: destination.location.description, message: "the destination study already holds \(existing.total) trials",
                         hint: "copy into a new file or a new study name (…?study=NEW); copying never merges studies")
    }
    var report = StudyCopyReport()
    if let s = try await source.settings() {
        let stored = try await destination.setSettingsOnce(s)
        guard stored == s else {
            throw InputError(file: destination.location.description, message: "the destination study has other settings",
                             hint: "copy into a new file or a new study name")
        }
    }
    for (k, v) in try await source.attributes() {
        try await destination.setAttribute(k, v)
        report.attributes += 1
    }
    var cursor: Int64? = nil
    repeat {
        let page = try await source.trialPage(after: cursor, limit: max(1, pageSize))
        let finished = page.trials.filter(\.status.isFinished)
        let open = page.trials.filter { !$0.status.isFinished }.map {
            PendingTrial(generation: $0.generation, slot: $0.slot, genome: $0.genome, design: $0.design, seed: $0.seed, version: $0.version)
        }
        report.finished += try await destination.record(finished)
        report.pending += try await destination.enqueue(open)
        cursor = page.next
    } while cursor != nil
    return report
}
