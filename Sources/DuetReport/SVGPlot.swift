import Foundation

/// Self-contained SVG charts (no scripts, no external fonts or CDNs): scatter plots with
/// highlighted series and reference lines, line charts and horizontal bar charts.
public enum SVGPlot {
    /// A series of points drawn in one style.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var color: String
        public var radius: Double
        /// Whether the points are joined by a line in their order (e.g. a 2-D front) rather than drawn as dots.
        public var connected: Bool
        public init(name: String, points: [(x: Double, y: Double)], color: String, radius: Double = 2.5, connected: Bool = false) {
            self.name = name; self.points = points; self.color = color; self.radius = radius; self.connected = connected
        }
    }

    /// A labelled vertical (`x`) or horizontal (`y`) reference line, e.g. a budget.
    public struct Line: Sendable {
        public var label: String
        public var value: Double
        public var vertical: Bool
        public init(label: String, value: Double, vertical: Bool) { self.label = label; self.value = value; self.vertical = vertical }
    }

    static let width = 480.0, height = 320.0, left = 64.0, right = 16.0, top = 28.0, bottom = 44.0

    public static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A number as the plots write it: 3 significant digits, whole numbers from 1,000 to 10^7, exponent form outside.
    public static func fmt(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1e3 && a < 1e7 { return String(format: "%.0f", v) }
        if a >= 1e7 || a < 1e-2 { return String(format: "%.2g", v) }
        return String(format: "%.3g", v)
    }

    static func range(_ values: [Double]) -> (Double, Double) {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return (0, 1) }
        if lo == hi { return (lo - 0.5 * max(abs(lo), 1), hi + 0.5 * max(abs(hi), 1)) }
        let pad = (hi - lo) * 0.05
        // Non-negative data keeps a non-negative axis.
        return (lo >= 0 ? max(0, lo - pad) : lo - pad, hi + pad)
    }

    /// The plot's frame, axes and labels; `extraHeight` adds room below the x-axis label (a legend).
    static func frame(title: String, xLabel: String, yLabel: String, xr: (Double, Double), yr: (Double, Double), extraHeight: Double = 0) -> String {
        let h = Int(height + extraHeight)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(h)\" viewBox=\"0 0 \(Int(width)) \(h)\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(width / 2)\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">\(esc(title))</text>\n"
        let pw = width - left - right, ph = height - top - bottom
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"#444\"/>\n"
        for i in 0...4 {
            let fx = Double(i) / 4, x = left + fx * pw, y = top + ph - fx * ph
            s += "<text x=\"\(x)\" y=\"\(top + ph + 14)\" text-anchor=\"middle\">\(fmt(xr.0 + fx * (xr.1 - xr.0)))</text>\n"
            s += "<text x=\"\(left - 4)\" y=\"\(y + 4)\" text-anchor=\"end\">\(fmt(yr.0 + fx * (yr.1 - yr.0)))</text>\n"
            s += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + pw)\" y2=\"\(y)\" stroke=\"#eee\"/>\n"
        }
        s += "<text x=\"\(left + pw / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        s += "<text x=\"14\" y=\"\(top + ph / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(top + ph / 2))\">\(esc(yLabel))</text>\n"
        return s
    }

    static func map(_ v: Double, _ r: (Double, Double), _ lo: Double, _ span: Double) -> Double { lo + (v - r.0) / (r.1 - r.0) * span }

    /// A scatter plot of several series with optional reference lines.
    public static func scatter(title: String, xLabel: String, yLabel: String, series: [Series], lines: [Line] = []) -> String {
        let xs = series.flatMap { $0.points.map(\.x) } + lines.filter(\.vertical).map(\.value)
        let ys = series.flatMap { $0.points.map(\.y) } + lines.filter { !$0.vertical }.map(\.value)
        let xr = range(xs), yr = range(ys)
        var s = frame(title: title, xLabel: xLabel, yLabel: yLabel, xr: xr, yr: yr)
        let pw = width - left - right, ph = height - top - bottom
        for sr in series {
            for p in sr.points where p.x.isFinite && p.y.isFinite {
                let x = map(p.x, xr, left, pw), y = top + ph - map(p.y, yr, 0, ph)
                s += "<circle cx=\"\(String(format: "%.1f", x))\" cy=\"\(String(format: "%.1f", y))\" r=\"\(sr.radius)\" fill=\"\(sr.color)\" fill-opacity=\"0.75\"/>\n"
            }
        }
        for l in lines {
            if l.vertical {
                let x = map(l.value, xr, left, pw)
                s += "<line class=\"budget\" x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(top + ph)\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>\n"
                s += "<text x=\"\(x + 3)\" y=\"\(top + 12)\" fill=\"#c00\">\(esc(l.label))</text>\n"
            } else {
                let y = top + ph - map(l.value, yr, 0, ph)
                s += "<line class=\"budget\" x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + pw)\" y2=\"\(y)\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>\n"
                s += "<text x=\"\(left + 4)\" y=\"\(y - 3)\" fill=\"#c00\">\(esc(l.label))</text>\n"
            }
        }
        var ly = top + 12.0
        for sr in series {
            s += "<circle cx=\"\(left + pw - 90)\" cy=\"\(ly - 4)\" r=\"4\" fill=\"\(sr.color)\"/><text x=\"\(left + pw - 82)\" y=\"\(ly)\">\(esc(sr.name))</text>\n"
            ly += 14
        }
        return s + "</svg>\n"
    }

    /// A line chart of y against x; `yRange` fixes the y axis (e.g. 0…1), nil spans the points.
    public static func line(title: String, xLabel: String, yLabel: String, points: [(x: Double, y: Double)], yRange: ClosedRange<Double>? = nil) -> String {
        let xr = range(points.map(\.x)), yr = yRange.map { spanned($0) } ?? range(points.map(\.y))
        var s = frame(title: title, xLabel: xLabel, yLabel: yLabel, xr: xr, yr: yr)
        let pw = width - left - right, ph = height - top - bottom
        let path = points.filter { $0.x.isFinite && $0.y.isFinite }.map {
            String(format: "%.1f,%.1f", map($0.x, xr, left, pw), top + ph - map($0.y, yr, 0, ph))
        }.joined(separator: " ")
        s += "<polyline class=\"mark\" fill=\"none\" stroke=\"#1f6fb4\" stroke-width=\"2\" points=\"\(path)\"/>\n"
        return s + "</svg>\n"
    }

    /// Horizontal bars, one per label (e.g. per-layer latency).
    public static func bars(title: String, unit: String, items: [(label: String, value: Double)]) -> String {
        let rowH = 14.0, labelW = 170.0, w = 640.0
        let h = top + Double(items.count) * rowH + 24
        let maxV = max(items.map(\.value).max() ?? 1, 1e-30)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" font-family=\"sans-serif\" font-size=\"10\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"\(w / 2)\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">\(esc(title))</text>\n"
        for (i, it) in items.enumerated() {
            let y = top + Double(i) * rowH
            let bw = (w - labelW - 80) * it.value / maxV
            s += "<text x=\"\(labelW - 4)\" y=\"\(y + 10)\" text-anchor=\"end\">\(esc(String(it.label.suffix(28))))</text>"
            s += "<rect class=\"mark\" x=\"\(labelW)\" y=\"\(y + 2)\" width=\"\(String(format: "%.1f", bw))\" height=\"\(rowH - 4)\" fill=\"#1f6fb4\"/>"
            s += "<text x=\"\(labelW + bw + 4)\" y=\"\(y + 10)\">\(fmt(it.value)) \(esc(unit))</text>\n"
        }
        return s + "</svg>\n"
    }
}
