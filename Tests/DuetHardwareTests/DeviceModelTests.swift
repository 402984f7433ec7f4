import Foundation
import Testing
@testable import DuetCore
@testable import DuetHardware

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct DeviceModelTests {
    @Test func shippedDevicesLoad() throws {
        for name in ["pixel3", "note10", "raspi4", "zcu102"] {
            let m = try DeviceModel.resolve(name, dataDirectory: repoRoot)
            #expect(m.name == name)
            #expect(!m.sources.isEmpty, "every device cites sources")
        }
    }

    @Test func biggerConvolutionsTakeLonger() throws {
        let calibrated = try DeviceModel.resolve("pixel3", dataDirectory: repoRoot)
        var m = calibrated
        m.calibration = nil                   // the spec-sheet formula first
        let small = OperatorSignature(kind: "conv", input: [8, 8, 64], output: [8, 8, 64], kernel: 3, stride: 1, groups: 1)
        var big = small; big.input = [32, 32, 64]; big.output = [32, 32, 64]
        #expect(m.latencyMs(big) > m.latencyMs(small))
        // compute-bound: 2·MACs / peak + launch overhead
        let macs = 32.0 * 32 * 64 * 64 * 9
        #expect(abs(m.latencyMs(big) - (2 * macs / (m.peakConvGFLOPs * 1e9) * 1000 + m.launchOverheadUs / 1000)) < 1e-9)
        // Calibrated: the dense time times the calibration's scale, plus its launch overhead.
        let c = try #require(calibrated.calibration)
        #expect(abs(calibrated.latencyMs(big) - (c.conv * 2 * macs / (m.peakConvGFLOPs * 1e9) * 1000 + c.launchOverheadUs / 1000)) < 1e-9)
        #expect(c.source.contains("median error"))
    }

    @Test func fpgaEngineFollowsZhangCycleCount() throws {
        let m = try DeviceModel.resolve("zcu102", dataDirectory: repoRoot)
        let e = try #require(m.engine)
        // M=96 output, N=48 input channels, 14×14 outputs, 3×3: ⌈96/64⌉·⌈48/32⌉·14·14·9 cycles.
        let s = OperatorSignature(kind: "conv", input: [14, 14, 48], output: [14, 14, 96], kernel: 3, stride: 1, groups: 1)
        let cycles = 2.0 * 2 * 14 * 14 * 9
        #expect(e.tm == 64 && e.tn == 32)
        #expect(abs(m.latencyMs(s) - (cycles / (m.clockMHz * 1e6) * 1000 + m.launchOverheadUs / 1000)) < 1e-9)
    }

    @Test func badDeviceFilesReportEveryProblem() throws {
        let yaml = "name: x\nkind: cpu\nclock_mhz: 0\npeak_conv_gflop: 3\nmemory_gbps: 1\nfusion: [conv_actt]\n"
        do { _ = try DeviceModel.parse(try ConfigNode.parse(yaml: yaml, file: "d.yaml"), file: "d.yaml"); Issue.record("expected errors") }
        catch let e as InputError {
            let text = e.description
            #expect(text.contains("clock_mhz"))
            #expect(text.contains("did you mean 'peak_conv_gflops'"))
            #expect(text.contains("conv_act"))
        }
    }

    @Test func unknownDeviceSuggests() {
        do { _ = try DeviceModel.resolve("pixle3", dataDirectory: repoRoot); Issue.record("expected an error") }
        catch let e as InputError { #expect(e.description.contains("pixel3")) } catch { Issue.record("\(error)") }
    }
}
