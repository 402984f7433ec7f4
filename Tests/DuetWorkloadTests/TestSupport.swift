import Foundation

/// Paths shared by the workload tests.
enum TestPaths {
    /// The repository root (two levels above this file's folder).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// ../shared/data beside the checkout, where the third-party data lives; nil when absent.
    static var sharedData: URL? {
        let u = root.deletingLastPathComponent().appendingPathComponent("shared/data")
        return FileManager.default.fileExists(atPath: u.path) ? u : nil
    }
}
