import DriverKit
import Testing

@Suite struct DriverKitSmokeTests {
    @Test func moduleLoads() { #expect(Bool(true)) }
}
