import DriverKit
import DriverProtocol

/// The seccomp profile for session containers (`HostConfig.SecurityOpt: ["seccomp=<json>"]`): the same
/// denials as the native sandboxes (`SeccompSyscalls`, EPERM), because the engine's default profile allows
/// io_uring on the engines we support (Docker 20.10 to 24). A deny-list with ALLOW as the default, as the
/// native filter is; Docker's default refusals that matter without capabilities are all on the list, plus
/// the two it expresses with arguments: user namespaces through clone(2) (CLONE_NEWUSER) and clone3, whose
/// flags a filter cannot read (ENOSYS makes libc fall back to clone).
enum DockerSeccompProfile {
    static let cloneNewUser = 0x1000_0000
    static let enosys = 38

    static var json: JSONValue {
        let names: [JSONValue] = SeccompSyscalls.denied.map { .string($0.name) }
        let arches: [JSONValue]
        #if arch(arm64)
            arches = ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
        #else
            arches = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
        #endif
        let eperm: JSONValue = .int(1)
        return [
            "defaultAction": "SCMP_ACT_ALLOW",
            "architectures": .array(arches),
            "syscalls": [
                ["names": .array(names), "action": "SCMP_ACT_ERRNO", "errnoRet": eperm],
                [
                    "names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": eperm,
                    "args": [
                        [
                            "index": 0, "value": .int(cloneNewUser), "valueTwo": .int(cloneNewUser),
                            "op": "SCMP_CMP_MASKED_EQ",
                        ]
                    ],
                ],
                ["names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": .int(enosys)],
            ],
        ]
    }

    /// The `SecurityOpt` entry.
    static var securityOpt: String { "seccomp=" + JSONWriter.string(json) }
}
