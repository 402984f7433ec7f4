import Foundation
import Testing
@testable import DuetCore

@Suite struct JSONValueTests {
    /// Strings are written as RFC 8259 says: `"` and `\` escaped, the short escapes for line
    /// feed, carriage return and tab, `\u00XX` for the other control characters, everything else
    /// as it is (UTF-8), both for text that needs no escape (copied whole) and text that does.
    @Test func stringsAreEscapedAsRFC8259Says() {
        let cases: [(String, String)] = [
            ("plain", #""plain""#),
            ("", #""""#),
            ("é 😀 ünïcödé", "\"é 😀 ünïcödé\""),
            ("a\"b", #""a\"b""#),
            ("back\\slash", #""back\\slash""#),
            ("line\nfeed\r\ttab", #""line\nfeed\r\ttab""#),
            ("\u{01}\u{1F}", #""\u0001\u001f""#),
            ("\u{7F}", "\"\u{7F}\""),
        ]
        for (text, written) in cases {
            #expect(JSONValue.string(text).serialized(pretty: false) == written, "\(text.debugDescription)")
            #expect(JSONValue.object([.init(text, .null)]).serialized(pretty: false) == "{\(written):null}", "key \(text.debugDescription)")
        }
    }

    @Test func seededStringsRoundTrip() throws {
        var rng = SeededGenerator(seed: 7)
        let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", "\n", "\t", "\u{0}", "\u{1B}", "é", "€", "😀", "/", "~"]
        for _ in 0..<500 {
            let n = Int(rng.next() % 12)
            let s = String((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            let doc = JSONValue.object([.init(s, .array([.string(s), .int(n)]))])
            #expect(try JSONValue(parsing: doc.serialized(pretty: false)) == doc, "\(s.debugDescription)")
            #expect(try JSONValue(parsing: doc.serialized(pretty: true)) == doc, "\(s.debugDescription)")
        }
    }
}

@Suite struct TrimmingWhitespaceTests {
    /// The same text as Foundation's `trimmingCharacters(in: .whitespaces)`, with or without the
    /// shortcut (ASCII, non-space ends), Unicode spaces and line breaks included.
    @Test func sameAsFoundation() {
        let cases = ["", " ", "\t", "k=64", " k=64", "k=64 ", "\tk = 64\t", "a b", "\u{00A0}x", "x\u{2003}", "\u{3000}",
                     "é", " é ", "\nx\n", " \n x \n ", "x\u{0301}", "\u{0301}x", "😀", "nor_conv_3x3~0"]
        for s in cases {
            #expect(s.trimmingWhitespace() == s.trimmingCharacters(in: .whitespaces), "\(s.debugDescription)")
            let sub = s[...]
            #expect(sub.trimmingWhitespace() == sub.trimmingCharacters(in: .whitespaces), "substring \(s.debugDescription)")
        }
    }
}
