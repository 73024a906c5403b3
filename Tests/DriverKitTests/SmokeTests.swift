import Testing
import DriverKit

@Suite struct DriverKitSmokeTests {
    @Test func moduleLoads() { #expect(Bool(true)) }
}
