import DuetReport
import Foundation
import Testing
@testable import DuetCore
@testable import DuetHardware

/// What `duet template list|show` print (TemplateReport).
@Suite struct TemplateReportTests {
    @Test func listNamesEveryTemplateWithItsDataflows() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(TemplateReport.list(dataDir: repoRoot, format: .json).utf8)) as? [[String: Any]])
        #expect(json.compactMap { $0["name"] as? String } == DataflowTemplate.names(dataDir: repoRoot))
        let tpu = try #require(json.first { $0["name"] as? String == "tpu" })
        #expect((tpu["variants"] as? [String])?.contains("edge") == true)
        #expect(try TemplateReport.list(dataDir: repoRoot, format: .csv).hasPrefix("name,array,dataflows,variants,summary\n"))
    }

    /// The parameters shown are the loaded accelerator's (variant and --set applied), the area is
    /// ``AreaModel``'s for that sub-accelerator.
    @Test func showAppliesVariantAndOverrides() throws {
        let text = try TemplateReport.show("eyeriss", overrides: ["pe_rows=8"], dataDir: repoRoot, format: .json)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect((obj["parameters"] as? [String: String])?["pe_rows"] == "8")
        let acc = try AcceleratorLoader(dataDir: repoRoot).load("eyeriss", overrides: ["pe_rows=8"])
        #expect(obj["area_mm2"] as? Double == AreaModel.area(of: acc.subAccelerators[0]).total.value)
        let table = try TemplateReport.show("tpu:edge", overrides: [], dataDir: repoRoot, format: .table)
        #expect(table.hasPrefix("tpu: ") && table.contains("\nmappings:\n") && table.contains("\nsources:\n"))
    }

    /// `template show` states the template's bandwidth-scaling rule (the one the loader and the
    /// hardware spaces apply) and the area's four components, which add up to the total.
    @Test func showStatesTheBandwidthRuleAndTheAreaComponents() throws {
        for name in DataflowTemplate.names(dataDir: repoRoot) {
            let t = try DataflowTemplate.named(name, dataDir: repoRoot)
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(TemplateReport.show(name, overrides: [], dataDir: repoRoot, format: .json).utf8)) as? [String: Any])
            let rules = try #require(obj["bandwidth_scaling"] as? [String: String])
            #expect(rules == ["glb_words_per_cycle": t.bandwidthScaling.globalBuffer.rawValue, "noc_words_per_cycle": t.bandwidthScaling.noc.rawValue,
                              "dram_gbps": t.bandwidthScaling.dram.rawValue], "\(name)")
            let parts = try #require(obj["area_breakdown_mm2"] as? [String: Double])
            let total = try #require(obj["area_mm2"] as? Double)
            #expect(abs(parts.values.reduce(0, +) - total) <= 1e-12 * total && (parts["control"] ?? 0) > 0, "\(name)")
            let text = try TemplateReport.show(name, overrides: [], dataDir: repoRoot, format: .table)
            #expect(text.contains("bandwidth scaling (pe_rows/pe_cols away from \(name)'s own array): glb_words_per_cycle \(t.bandwidthScaling.globalBuffer.rawValue)"))
        }
    }

    /// An empty template name (`duet template show ""`) trapped on an empty split; it is an
    /// unknown template now, as is a variant without a template (`:edge`).
    @Test func anEmptyTemplateNameIsBadInput() throws {
        for name in ["", ":edge"] {
            let e = #expect(throws: InputError.self) { try TemplateReport.show(name, overrides: [], dataDir: repoRoot, format: .table) }
            #expect(e?.issues.first?.keyPath == "template" && e?.issues.first?.value == "", "\(name)")
        }
    }
}
