import DriverProtocol
import Host
import Testing

@Suite struct InstallPackagesParsingTests {
    @Test func emptyPackagesArray_MeansInstallTheProjectDependencies() throws {
        let c = try SessionCommand(json: ["type": "install_packages", "packages": [], "global": true])
        #expect(c == .installPackages(.init(packages: [], global: true)))
    }

    @Test func missingPackagesAndRequirementsFile_IsStillRefused() {
        do {
            _ = try SessionCommand(json: ["type": "install_packages", "global": true])
            Issue.record("accepted an install without packages")
        } catch {
            #expect(error.code == -32602 && error.data?["field"]?.string == "command.packages")
        }
    }
}
