// libFuzzer target: YAML/JSON configuration files (exploration configs, accelerator files,
// templates, device models) through Duet's reader. Any input must give a value or an
// InputError; a trap, a hang or unbounded memory is a bug. Built by `make fuzz` only.
import DuetCore
import DuetExplore
import DuetHardware
import Foundation

private let dataDir: URL = {
    if let d = try? DataDirectory.locate() { return d }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
}()
private let scratch = NSTemporaryDirectory() + "duet-fuzz-config-\(getpid())"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    guard let text = String(data: data, encoding: .utf8) else { return 0 }
    // An exploration config (the richest reader: tasks, targets, budgets, objectives, --set).
    _ = try? ExploreConfig.load(text: text, path: scratch + "/config.yaml", dataDir: dataDir)
    // The same text as an accelerator file and as a device model, through their loaders.
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    let file = scratch + "/accelerator.yaml"
    if FileManager.default.createFile(atPath: file, contents: data) {
        _ = try? AcceleratorLoader(dataDir: dataDir).load(file, overrides: [])
        _ = try? DataflowTemplate.load(path: file)
        _ = try? DeviceModel.resolve(file, dataDirectory: dataDir)
    }
    return 0
}

// MARK: - Driver
// SwiftPM links an executable's entry point as `main`, so libFuzzer's own `main` is not used:
// this top-level code hands the command line to libFuzzer's driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var fuzzArgc = CommandLine.argc
var fuzzArgv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&fuzzArgc, &fuzzArgv) { data, count in
    guard let data else { return 0 }
    return fuzzConfig(data, count)
})
