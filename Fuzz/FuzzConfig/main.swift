// libFuzzer target: YAML/JSON configuration files (exploration configs, accelerator files,
// templates, device models) through Duet's reader. Any input must give a value or an
// InputError; a trap, a hang or unbounded memory is a bug. Built by `make fuzz` only.
import DuetCore
import DuetExplore
import DuetHardware
import Foundation
import _FuzzDriver

private let dataDir: URL = {
    if let d = try? DataDirectory.locate() { return d }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
}()
private let scratch = NSTemporaryDirectory() + "duet-fuzz-config-\(getpid())"

fuzz { data in
    guard let text = String(data: data, encoding: .utf8) else { return }
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
}
