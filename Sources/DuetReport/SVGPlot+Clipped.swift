import Foundation

extension SVGPlot {
    /// A scatter plot whose axes span given ranges (e.g. the feasible region plus a margin)
    /// rather than every point: points beyond a range are drawn on the plot's edge as open
    /// markers of their series' colour, and the legend counts them, so an outlier (an infeasible
    /// 14 mJ design) neither squashes the region that matters nor disappears. A nil range spans
    /// the series and lines as ``scatter(title:xLabel:yLabel:series:lines:)`` does.
    /// Series with `connected` are drawn as a polyline (clipped points included at the edge).
    /// Compact output: one `<g>` per series, so a dot costs about 40 bytes.
    public static func scatter(title: String, xLabel: String, yLabel: String, series: [Series], lines: [Line],
                               xRange: ClosedRange<Double>?, yRange: ClosedRange<Double>?) -> String {
        let allX = series.flatMap { $0.points.map(\.x) } + lines.filter(\.vertical).map(\.value)
        let allY = series.flatMap { $0.points.map(\.y) } + lines.filter { !$0.vertical }.map(\.value)
        let xr = xRange.map { spanned($0) } ?? range(allX), yr = yRange.map { spanned($0) } ?? range(allY)
        // The legend goes below the plot, two entries a row (one more for the clipped count).
        let legendRows = Double((series.count + 1 + 1) / 2)
        var s = frame(title: title, xLabel: xLabel, yLabel: yLabel, xr: xr, yr: yr, extraHeight: legendRows * 14 + 4)
        let pw = width - left - right, ph = height - top - bottom
        var clippedCount = 0
        func place(_ p: (x: Double, y: Double)) -> (x: Double, y: Double, clipped: Bool) {
            let cx = min(max(p.x, xr.0), xr.1), cy = min(max(p.y, yr.0), yr.1)
            return (map(cx, xr, left, pw), top + ph - map(cy, yr, 0, ph), cx != p.x || cy != p.y)
        }
        for sr in series {
            let pts = sr.points.filter { $0.x.isFinite && $0.y.isFinite }
            if sr.connected {
                let path = pts.map { p -> String in let q = place(p); return String(format: "%.1f,%.1f", q.x, q.y) }.joined(separator: " ")
                s += "<polyline class=\"mark\" fill=\"none\" stroke=\"\(sr.color)\" stroke-width=\"1.5\" points=\"\(path)\"/>\n"
                continue
            }
            var inside = "", outside = ""
            for p in pts {
                let q = place(p)
                let dot = "<circle cx=\"\(String(format: "%.1f", q.x))\" cy=\"\(String(format: "%.1f", q.y))\" r=\"\(sr.radius)\"/>"
                if q.clipped { outside += dot; clippedCount += 1 } else { inside += dot }
            }
            if !inside.isEmpty { s += "<g class=\"mark\" fill=\"\(sr.color)\" fill-opacity=\"0.75\">\(inside)</g>\n" }
            if !outside.isEmpty { s += "<g class=\"mark clipped\" fill=\"none\" stroke=\"\(sr.color)\">\(outside)</g>\n" }
        }
        for l in lines {
            if l.vertical {
                guard l.value >= xr.0 && l.value <= xr.1 else { continue }
                let x = map(l.value, xr, left, pw)
                s += "<line class=\"budget\" x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(top + ph)\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>\n"
                let rightHalf = x > left + pw / 2
                s += "<text x=\"\(rightHalf ? x - 3 : x + 3)\" y=\"\(top + 12)\" fill=\"#c00\"\(rightHalf ? " text-anchor=\"end\"" : "")>\(esc(l.label))</text>\n"
            } else {
                guard l.value >= yr.0 && l.value <= yr.1 else { continue }
                let y = top + ph - map(l.value, yr, 0, ph)
                s += "<line class=\"budget\" x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + pw)\" y2=\"\(y)\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>\n"
                s += "<text x=\"\(left + 4)\" y=\"\(y - 3)\" fill=\"#c00\">\(esc(l.label))</text>\n"
            }
        }
        var entries: [String] = series.map { sr in
            (sr.connected ? "<line x1=\"-10\" y1=\"-4\" x2=\"0\" y2=\"-4\" stroke=\"\(sr.color)\" stroke-width=\"2\"/>"
                          : "<circle cx=\"-5\" cy=\"-4\" r=\"4\" fill=\"\(sr.color)\"/>") + "<text x=\"6\" y=\"0\">\(esc(sr.name))</text>"
        }
        if clippedCount > 0 {
            entries.append("<circle cx=\"-5\" cy=\"-4\" r=\"4\" fill=\"none\" stroke=\"#555\"/><text class=\"clipped-count\" x=\"6\" y=\"0\">\(clippedCount) beyond the axes, drawn at the edge</text>")
        }
        for (n, e) in entries.enumerated() {
            let x = left + 10 + Double(n % 2) * (pw / 2), y = height + 8 + Double(n / 2) * 14
            s += "<g transform=\"translate(\(x) \(y))\">\(e)</g>\n"
        }
        return s + "</svg>\n"
    }

    /// A range with width: a single value is widened by a tenth of its magnitude (or 0.5 around 0).
    static func spanned(_ r: ClosedRange<Double>) -> (Double, Double) {
        if r.upperBound > r.lowerBound { return (r.lowerBound, r.upperBound) }
        let h = r.lowerBound == 0 ? 0.5 : 0.1 * abs(r.lowerBound)
        return (r.lowerBound - h, r.upperBound + h)
    }
}
