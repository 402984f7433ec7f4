import Testing
@testable import DuetReport

@Suite struct SVGPlotTests {
    @Test func pointsBeyondTheRangeAreDrawnAtTheEdgeAndCounted() {
        let series = [SVGPlot.Series(name: "feasible", points: [(x: 1, y: 1), (x: 2, y: 2)], color: "#00f"),
                      SVGPlot.Series(name: "infeasible", points: [(x: 100, y: 1.5), (x: 1.5, y: -50)], color: "#999")]
        let svg = SVGPlot.scatter(title: "t", xLabel: "energy_mj (mJ)", yLabel: "area_mm2 (mm²)", series: series, lines: [],
                                  xRange: 0.9...2.1, yRange: 0.9...2.1)
        #expect(svg.contains("2 beyond the axes"))
        #expect(svg.components(separatedBy: "class=\"mark clipped\"").count - 1 == 1)
        // The clipped ones sit on the frame: x = left + plot width, y = top + plot height.
        let pw = SVGPlot.width - SVGPlot.left - SVGPlot.right, ph = SVGPlot.height - SVGPlot.top - SVGPlot.bottom
        #expect(svg.contains("cx=\"\(String(format: "%.1f", SVGPlot.left + pw))\""))
        #expect(svg.contains("cy=\"\(String(format: "%.1f", SVGPlot.top + ph))\""))
        #expect(svg.contains("energy_mj (mJ)") && svg.contains("area_mm2 (mm²)"))
        // Without ranges nothing is clipped.
        #expect(!SVGPlot.scatter(title: "t", xLabel: "x", yLabel: "y", series: series, lines: [], xRange: nil, yRange: nil).contains("beyond the axes"))
    }

    @Test func theRooflineDrawsBothRoofsAndEveryPoint() {
        let pts = (1...20).map { SVGPlot.RooflinePoint(label: "l\($0)", intensity: Double($0), attained: Double($0) * 2, group: $0 % 2 == 0 ? "conv" : "dense") }
        let svg = SVGPlot.roofline(title: "r", points: pts + [SVGPlot.RooflinePoint(label: "zero", intensity: 0, attained: 1, group: "conv")],
                                   peakMACsPerCycle: 256, bytesPerCycle: 8)
        #expect(svg.components(separatedBy: "<title>").count - 1 == 20)   // the point with no intensity is left out
        #expect(svg.contains("compute roof 256 MAC/cycle") && svg.contains("bandwidth roof 8 B/cycle"))
        #expect(svg.contains("class=\"roof\"") && svg.contains(">conv</text>") && svg.contains(">dense</text>"))
        #expect(svg.contains("MAC/byte") && svg.contains("MAC/cycle"))
    }
}
