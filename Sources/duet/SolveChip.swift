import DuetCore
import DuetExplore
import Foundation

extension SolveCommand {
    /// A hardware-space target: choose the sub-accelerators of a heterogeneous chip and assign the
    /// tasks' networks to them exactly (not built yet).
    func runChip(_ cfg: ExploreConfig, dataDir: URL) async throws {
        throw InputError(file: config, keyPath: "target.hardware", message: "duet solve does not search hardware spaces yet",
                         hint: "use duet explore for a hardware space, or give a fixed 'accelerator:'")
    }
}
