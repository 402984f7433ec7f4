import DuetCore
import Foundation

/// Finds Duet's data folders (`Templates/`, `HardwareModels/`): `$DUET_HOME` if set, else the
/// nearest folder holding both above the running executable, else above the current directory.
public enum DataDirectory {
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let home = environment["DUET_HOME"] {
            let u = URL(fileURLWithPath: home)
            guard holdsData(u) else {
                throw InputError(keyPath: "DUET_HOME", value: home, message: "no Templates/ and HardwareModels/ folders there",
                                 hint: "point DUET_HOME at the root of a Duet checkout or installation")
            }
            return u
        }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        for start in [exe.deletingLastPathComponent(), URL(fileURLWithPath: FileManager.default.currentDirectoryPath)] {
            var dir = start.standardizedFileURL
            for _ in 0..<8 {
                if holdsData(dir) { return dir }
                let up = dir.deletingLastPathComponent()
                if up.path == dir.path { break }
                dir = up
            }
        }
        throw InputError(message: "cannot find Duet's Templates/ and HardwareModels/ folders",
                         hint: "run from a Duet checkout or set DUET_HOME to its root")
    }

    static func holdsData(_ u: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: u.appendingPathComponent("Templates").path, isDirectory: &isDir) && isDir.boolValue
            && FileManager.default.fileExists(atPath: u.appendingPathComponent("HardwareModels").path, isDirectory: &isDir) && isDir.boolValue
    }
}
