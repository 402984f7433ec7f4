// The libFuzzer driver shared by the fuzz targets (Fuzz/*; built by `make fuzz` only). SwiftPM
// links an executable's entry point as `main`, so libFuzzer's own `main` is not used (`make fuzz`
// links with --allow-multiple-definition): a target's top-level code calls ``fuzz(_:)``, which
// hands the command line to libFuzzer's driver with the target's input function.
import Foundation

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The target's input function: set once by ``fuzz(_:)`` before the driver starts, read only after.
nonisolated(unsafe) private var target: ((Data) -> Void)?

/// libFuzzer's entry point for one input (also what its own `main` would call).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes, let target else { return 0 }
    target(Data(bytes: bytes, count: count))
    return 0
}

/// Runs libFuzzer on `body` with this process's command line (corpus folders, `-max_total_time`,
/// `-fork`, …) and exits with its status. `body` must give a value or an `InputError` for any
/// input; a trap, a hang or unbounded memory is a bug.
public func fuzz(_ body: @escaping (Data) -> Void) -> Never {
    target = body
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runFuzzerDriver(&argc, &argv) { bytes, count in fuzzTestOneInput(bytes, count) })
}
