import Testing
@testable import DuetONNX
