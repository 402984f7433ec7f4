import ArgumentParser
import DuetCore
import DuetCostModel
import DuetReport
import DuetWorkload
import Foundation

extension OutputFormat: ExpressibleByArgument {}
extension ChipScheduling: ExpressibleByArgument {}

/// Options shared by every command that builds a network.
struct NetworkBuildOptions: ParsableArguments {
    @Option(help: "Input height/width in pixels (sequence length for text encoders); default: the network's own.")
    var input: Int?

    @Option(help: "Channel width multiplier for built-in networks.")
    var width: Double = 1.0

    @Option(help: "Batch size N.")
    var batch: Int = 1

    @Option(name: .customLong("precision-bits"), help: "Bits per weight and activation element, for byte counts.")
    var precisionBits: Int = 8

    func validate() throws {
        do { try buildOptions.validate() } catch let e as InputError {
            throw ValidationError(e.issues.map { "--\($0.keyPath): \($0.message) (got \($0.value ?? ""))" }.joined(separator: "\n"))
        }
        if precisionBits < 1 || precisionBits > 64 { throw ValidationError("--precision-bits must be between 1 and 64 (got \(precisionBits))") }
    }

    var buildOptions: BuildOptions { BuildOptions(input: input, width: width, batch: batch, loaders: Duet.networkLoaders) }
}

/// Writes to stdout. A reader that went away (`duet study export URL | head`) ends the output
/// quietly: SwiftNIO (PostgreSQL studies) ignores SIGPIPE, so the write fails with EPIPE instead of
/// the signal ending the process, and `FileHandle.write(_:)` would trap on that error.
func emit(_ text: String) {
    do { try FileHandle.standardOutput.write(contentsOf: Data(text.utf8)) } catch { exit(0) }
}

/// Writes `text` to stderr as it is (progress lines, notes).
func note(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

/// Writes `text` to `path` atomically (``OutputFile/write(_:to:)``).
func writeFile(_ text: String, to path: String) throws { try OutputFile.write(text, to: path) }
