import Glibc
import Testing

@testable import DriverKit

@Suite struct NetworkRulesTests {
    @Test func cidr_ParsesAndClearsHostBits() {
        #expect(CIDR("169.254.169.254/16")?.description == "169.254.0.0/16")
        #expect(CIDR("fe80::1/10")?.description == "fe80::/10")
        #expect(CIDR("10.0.0.1")?.prefix == 32)
        #expect(CIDR("10.0.0.0/33") == nil && CIDR("nonsense/8") == nil)
        #expect(
            CIDR("172.16.0.0/12")!.contains([172, 31, 255, 1]) && !CIDR("172.16.0.0/12")!.contains([172, 32, 0, 1]))
    }

    @Test func blockedDestinations_CoverMetadataPrivateAndTheHostsOwnAddresses() {
        let all = BlockedDestinations.all()
        for r in ["169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"] {
            #expect(all.contains(CIDR(r)!), "\(r)")
        }
        for host in BlockedDestinations.hostAddresses() { #expect(all.contains(host)) }
        #expect(!all.contains { $0.contains([203, 0, 113, 80]) })  // a public address stays reachable
    }

    @Test func neverReachable_LoopbackLinkLocalAndMappedForms() {
        #expect(BlockedDestinations.isNeverReachable(family: AF_INET, [127, 0, 0, 1]))
        #expect(BlockedDestinations.isNeverReachable(family: AF_INET, [169, 254, 169, 254]))
        #expect(BlockedDestinations.isNeverReachable(family: AF_INET6, CIDR("::ffff:127.0.0.1")!.address))
        #expect(BlockedDestinations.isNeverReachable(family: AF_INET6, CIDR("fe80::1")!.address))
        #expect(!BlockedDestinations.isNeverReachable(family: AF_INET, [203, 0, 113, 80]))
    }

    @Test func proxyTargets_ParseAuthoritiesAndIndexURLs() {
        #expect(EgressProxy.parse("Index.Example:443") == EgressProxy.Target(host: "index.example", port: 443))
        #expect(EgressProxy.parse("[::1]:8080") == EgressProxy.Target(host: "::1", port: 8080))
        #expect(
            EgressProxy.parse("nohost") == nil && EgressProxy.parse("h:0") == nil && EgressProxy.parse(":443") == nil)
        let t = PackageIndexes.targets(["https://user:pw@index.example/simple/", "http://mirror.example:8080/x"])
        #expect(
            t == [
                EgressProxy.Target(host: "index.example", port: 443),
                EgressProxy.Target(host: "mirror.example", port: 8080),
            ])
    }

    @Test func packageJSON_RefusesURLGitAndOutsidePathsButKeepsRanges() throws {
        let p = PackagePolicy()
        for ok in [
            "^1.2.3", "~1.2", ">=1.0.0 <2.0.0", "1.x || 2.x", "latest", "npm:other@^2", "file:./pkgs/a", "workspace:*",
        ] {
            #expect(PackageJSONDependencies.problem(ok, policy: p) == nil, "\(ok)")
        }
        for bad in [
            "http://127.0.0.1:9/x.tgz", "git+ssh://h/r.git", "github:u/r", "u/r", "file:../../etc", "link:/etc", "~/x",
            "../up", "npm:x@http://h/y",
            "file:/workspace/a", "file:./a/../b", "file:../\u{301}x",
        ] {
            #expect(PackageJSONDependencies.problem(bad, policy: p) != nil, "\(bad)")
        }
        #expect(PackageJSONDependencies.problem("http://h/x.tgz", policy: PackagePolicy(allowURLs: true)) == nil)
        #expect(throws: DriverError.self) {
            try PackageJSONDependencies.vet(
                #"{"devDependencies":{"a":"^1"},"overrides":{"b":{"c":"https://h/c.tgz"}}}"#, policy: p)
        }
        try PackageJSONDependencies.vet(#"{"dependencies":{"a":"^1","@s/b":"~2.0"}}"#, policy: p)
    }

    @Test func cacheState_NeverTellsWhetherSomeoneElseFilledIt() {
        #expect(PipInstaller.reported(cache: "hit") == "shared")
        #expect(PipInstaller.reported(cache: "filled") == "shared")
        #expect(
            PipInstaller.reported(cache: "miss") == "miss" && PipInstaller.reported(cache: "bypassed") == "bypassed")
    }
}
