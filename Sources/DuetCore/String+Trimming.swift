import Foundation

extension StringProtocol {
    /// The text without leading and trailing whitespace: exactly
    /// `trimmingCharacters(in: .whitespaces)` (spaces, tabs and the other Unicode space
    /// separators; not line breaks), without Foundation's work when there is nothing to trim —
    /// the case of almost every token a parser splits off (`k=64`, `nor_conv_3x3~0`).
    public func trimmingWhitespace() -> String {
        let text = String(self)
        guard let first = text.utf8.first, let last = text.utf8.last else { return "" }
        // An ASCII byte other than space and tab at both ends: no whitespace to remove (a
        // non-ASCII end may be a Unicode space such as U+00A0, so Foundation decides then).
        @inline(__always) func plain(_ b: UInt8) -> Bool { b < 0x80 && b != 0x20 && b != 0x09 }
        if plain(first) && plain(last) { return text }
        return text.trimmingCharacters(in: .whitespaces)
    }
}
