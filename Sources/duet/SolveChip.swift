import ArgumentParser
import DuetCore
import DuetCostModel
import DuetExplore
import DuetHardware
import DuetSolver
import DuetWorkload
import Foundation

extension SolveCommand {
    /// A hardware-space target: choose the sub-accelerators of a heterogeneous chip and assign the
    /// tasks' fixed networks to them exactly (NASAIC), with ``ChipAssignmentSolver``. Every
    /// configuration of the space is evaluated on every network by the cost model first.
    func runChip(_ cfg: ExploreConfig, dataDir: URL) async throws {
        let (text, status) = try await renderChip(cfg, dataDir: dataDir)
        emit(text)
        if status == .infeasible { throw ExitCode(1) }
    }

    func renderChip(_ cfg: ExploreConfig, dataDir: URL) async throws -> (text: String, status: SolveResult.Status) {
        try await ChipSolve.run(cfg, dataDir: dataDir, timeoutSeconds: timeout, format: format)
    }
}
