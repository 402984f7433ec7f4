/// "Did you mean …?" suggestions for misspelt keys and names.
public enum Suggestion {
    /// Damerau–Levenshtein (optimal string alignment) distance between two strings.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.lowercased()), y = Array(b.lowercased())
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }

    /// The closest candidate to `word`, if it is close enough to be a plausible typo (or `word`
    /// is the candidate without its unit suffix, as `latency` for `latency_ms`).
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let lower = word.lowercased()
        if !lower.isEmpty, let prefixed = candidates.first(where: { $0.lowercased().hasPrefix(lower + "_") }) { return prefixed }
        var best: (String, Int)?
        for c in candidates {
            let d = editDistance(word, c)
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (name, dist) = best else { return nil }
        let limit = max(2, word.count / 3)
        return dist <= limit ? name : nil
    }

    /// A hint of the form "did you mean 'x'?" or, failing that, the list of valid choices.
    public static func hint(for word: String, in candidates: [String]) -> String {
        if let c = closest(to: word, in: candidates) { return "did you mean '\(c)'?" }
        return "expected one of: " + candidates.map { "'\($0)'" }.joined(separator: ", ")
    }
}
