// Test tags and conditions shared by the test targets.
import Foundation
import Testing

extension Tag {
    /// A test that takes more than about 3 s on its own in a debug build (a whole exploration, a
    /// subprocess killed and resumed, a solver over a whole space). `swift test` has no option to
    /// leave out a tag, so slow tests also carry ``Testing/Trait/runsUnlessSkippingSlow``:
    /// `DUET_SKIP_SLOW=1 swift test` runs the fast ones and reports the slow ones as skipped.
    @Tag public static var slow: Self
}

/// Whether slow tests are left out of this run (`DUET_SKIP_SLOW=1`).
public let skippingSlowTests = ProcessInfo.processInfo.environment["DUET_SKIP_SLOW"] == "1"

extension Trait where Self == ConditionTrait {
    /// Runs the test unless `DUET_SKIP_SLOW=1`; then it is reported as skipped, with the reason.
    /// Goes with `.tags(.slow)`.
    public static var runsUnlessSkippingSlow: Self {
        .enabled(if: !skippingSlowTests, "slow (over ~3 s): skipped because DUET_SKIP_SLOW=1")
    }
}
