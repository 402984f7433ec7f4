import Testing
@testable import DuetSearch
@Test func placeholder() { #expect(Bool(true)) }
