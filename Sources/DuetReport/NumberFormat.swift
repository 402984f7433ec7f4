import Foundation

/// Human-readable number formatting for tables (never used in JSON or CSV, which carry exact values).
public enum NumberFormat {
    /// 1234567 → "1.23M"; keeps three significant digits with k/M/G/T suffixes.
    public static func si(_ v: Double) -> String {
        let a = abs(v)
        let (d, s): (Double, String) = a >= 1e12 ? (1e12, "T") : a >= 1e9 ? (1e9, "G") : a >= 1e6 ? (1e6, "M") : a >= 1e3 ? (1e3, "k") : (1, "")
        if s.isEmpty { return v == v.rounded() ? String(Int(v)) : String(format: "%.3g", v) }
        return String(format: "%.3g", v / d) + s
    }

    /// Integer with thousands separators: 25557032 → "25,557,032".
    public static func grouped(_ v: Int) -> String {
        let s = String(abs(v))
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return v < 0 ? "-" + out : out
    }
}
