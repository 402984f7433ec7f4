import Foundation

extension SVGPlot {
    /// One point of a roofline plot (e.g. one layer).
    public struct RooflinePoint: Sendable {
        public var label: String
        /// Operational intensity, MACs per byte of DRAM traffic.
        public var intensity: Double
        /// Attained throughput, MACs per cycle.
        public var attained: Double
        /// The legend group (e.g. the operator kind); one colour per group.
        public var group: String
        public init(label: String, intensity: Double, attained: Double, group: String) {
            self.label = label; self.intensity = intensity; self.attained = attained; self.group = group
        }
    }

    static let palette = ["#1f6fb4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// A roofline plot on log–log axes: operational intensity (MAC/byte of DRAM traffic) against
    /// attained throughput (MAC/cycle), with the compute roof (`peakMACsPerCycle`, the PE count)
    /// and the bandwidth roof (`bytesPerCycle` × intensity, DRAM bytes per cycle at the clock);
    /// each point carries its label as a tooltip (`<title>`). Points with a non-positive or
    /// non-finite coordinate are left out.
    public static func roofline(title: String, points: [RooflinePoint], peakMACsPerCycle: Double, bytesPerCycle: Double) -> String {
        let pts = points.filter { $0.intensity > 0 && $0.attained > 0 && $0.intensity.isFinite && $0.attained.isFinite }
        let ridge = bytesPerCycle > 0 ? peakMACsPerCycle / bytesPerCycle : 1
        let xs = pts.map(\.intensity) + [ridge], ys = pts.map(\.attained) + [peakMACsPerCycle]
        let xr = (floor(log10(xs.min()! / 2)), ceil(log10(xs.max()! * 2)))
        let yr = (floor(log10(ys.min()! / 2)), ceil(log10(ys.max()! * 2)))
        let pw = width - left - right, ph = height - top - bottom
        func px(_ v: Double) -> Double { left + (log10(v) - xr.0) / (xr.1 - xr.0) * pw }
        func py(_ v: Double) -> Double { top + ph - (log10(v) - yr.0) / (yr.1 - yr.0) * ph }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(width / 2)\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">\(esc(title))</text>\n"
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"#444\"/>\n"
        for e in stride(from: xr.0, through: xr.1, by: 1) {
            let x = left + (e - xr.0) / (xr.1 - xr.0) * pw
            s += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(top + ph)\" stroke=\"#eee\"/><text x=\"\(x)\" y=\"\(top + ph + 14)\" text-anchor=\"middle\">\(fmt(pow(10, e)))</text>\n"
        }
        for e in stride(from: yr.0, through: yr.1, by: 1) {
            let y = top + ph - (e - yr.0) / (yr.1 - yr.0) * ph
            s += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + pw)\" y2=\"\(y)\" stroke=\"#eee\"/><text x=\"\(left - 4)\" y=\"\(y + 4)\" text-anchor=\"end\">\(fmt(pow(10, e)))</text>\n"
        }
        s += "<text x=\"\(left + pw / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\">operational intensity (MAC/byte of DRAM traffic, log)</text>\n"
        s += "<text x=\"14\" y=\"\(top + ph / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(top + ph / 2))\">attained (MAC/cycle, log)</text>\n"
        // The roofs: bandwidth-bound left of the ridge, compute-bound right of it.
        let x0 = pow(10, xr.0), x1 = pow(10, xr.1)
        if bytesPerCycle > 0 {
            let start = max(x0, pow(10, yr.0) / bytesPerCycle)
            let r = min(max(ridge, start), x1)
            s += "<polyline class=\"roof\" fill=\"none\" stroke=\"#c00\" stroke-width=\"1.5\" points=\"\(String(format: "%.1f,%.1f %.1f,%.1f %.1f,%.1f", px(start), py(bytesPerCycle * start), px(r), py(min(peakMACsPerCycle, bytesPerCycle * r)), px(x1), py(min(peakMACsPerCycle, bytesPerCycle * x1))))\"/>\n"
        } else {
            s += "<line class=\"roof\" x1=\"\(px(x0))\" y1=\"\(py(peakMACsPerCycle))\" x2=\"\(px(x1))\" y2=\"\(py(peakMACsPerCycle))\" stroke=\"#c00\"/>\n"
        }
        s += "<text x=\"\(left + pw - 4)\" y=\"\(py(peakMACsPerCycle) - 4)\" text-anchor=\"end\" fill=\"#c00\">compute roof \(fmt(peakMACsPerCycle)) MAC/cycle</text>\n"
        if bytesPerCycle > 0 {
            s += "<text x=\"\(left + 4)\" y=\"\(top + ph - 4)\" fill=\"#c00\">bandwidth roof \(fmt(bytesPerCycle)) B/cycle</text>\n"
        }
        var groups: [String] = []
        for p in pts where !groups.contains(p.group) { groups.append(p.group) }
        for (g, name) in groups.enumerated() {
            let color = palette[g % palette.count]
            s += "<g class=\"mark\" fill=\"\(color)\" fill-opacity=\"0.8\">"
            for p in pts where p.group == name {
                s += "<circle cx=\"\(String(format: "%.1f", px(p.intensity)))\" cy=\"\(String(format: "%.1f", py(p.attained)))\" r=\"3\"><title>\(esc(p.label)): \(fmt(p.intensity)) MAC/B, \(fmt(p.attained)) MAC/cycle</title></circle>"
            }
            s += "</g>\n"
            let ly = top + 12 + Double(g) * 14
            s += "<circle cx=\"\(left + 10)\" cy=\"\(ly - 4)\" r=\"4\" fill=\"\(color)\"/><text x=\"\(left + 18)\" y=\"\(ly)\">\(esc(name))</text>\n"
        }
        return s + "</svg>\n"
    }
}
