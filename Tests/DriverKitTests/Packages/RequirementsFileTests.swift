import Testing

@testable import DriverKit

@Suite struct RequirementsFileTests {
    @Test func commentsContinuationsAndMarkers_AreParsed() throws {
        let text =
            "# deps\nsix==1.16.0  # pinned\n\nrequests[socks] \\\n  >=2.0\nbackports.zoneinfo; python_version < \"3.9\"\r\n--pre\n"
        let (specs, options) = try RequirementsFile.parse(text, file: "/workspace/requirements.txt")
        #expect(specs == ["six==1.16.0", "requests[socks]>=2.0", "backports.zoneinfo; python_version < \"3.9\""])
        #expect(options.pre)
    }

    @Test func smuggledOptionsAndUrls_AreRefusedNamingTheFileAndLine() {
        for (text, expected) in [
            ("six\n--index-url http://evil/simple\n", "--index-url"),
            ("six\n-e git+https://x/y.git\n", "-e"),
            ("ok\nx @ https://evil/x.whl\n", "line 2"),
            ("six; os_name == 'posix' and $(id)\n", "line 1"),
        ] {
            do {
                _ = try RequirementsFile.parse(text, file: "/workspace/r.txt")
                Issue.record("accepted \(text)")
            } catch {
                #expect(
                    error.message.contains("/workspace/r.txt") && error.message.contains(expected), "\(error.message)")
            }
        }
    }
}
