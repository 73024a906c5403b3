import Testing

@testable import DriverKit

/// The seccomp assembler, checked by running its program in a small classic-BPF interpreter (the subset the
/// program uses: ld abs, jeq/jge k, ret k), the way the kernel would for a given (arch, nr).
@Suite struct SeccompFilterTests {
    /// The verdict of `program` for one system call.
    static func run(_ program: [SeccompFilter.Instruction], arch: UInt32, nr: UInt32) -> UInt32? {
        var acc: UInt32 = 0
        var pc = 0
        var steps = 0
        while pc < program.count, steps < 10_000 {
            steps += 1
            let i = program[pc]
            switch i.code {
            case 0x20: acc = i.k == 4 ? arch : (i.k == 0 ? nr : 0); pc += 1
            case 0x15: pc += 1 + Int(acc == i.k ? i.jt : i.jf)
            case 0x35: pc += 1 + Int(acc >= i.k ? i.jt : i.jf)
            case 0x06: return i.k
            default: return nil  // an instruction the interpreter does not know: fail the test
            }
        }
        return nil
    }

    static let eperm = SeccompFilter.retErrno | SeccompFilter.eperm

    @Test(arguments: [SeccompFilter.Arch.x86_64, .aarch64])
    func deniedCallsGetEPERMAndEveryOtherCallIsAllowed(arch: SeccompFilter.Arch) {
        let denied = Set(SeccompSyscalls.numbers(for: arch))
        let p = SeccompFilter.program(arch: arch, denied: Array(denied))
        for nr in UInt32(0)..<600 {
            let verdict = Self.run(p, arch: arch.auditArch, nr: nr)
            #expect(verdict == (denied.contains(nr) ? Self.eperm : SeccompFilter.retAllow), "nr \(nr)")
        }
    }

    @Test func theFindingsCallsAreOnTheList() {
        let names = Set(SeccompSyscalls.denied.map(\.name))
        for n in [
            "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "perf_event_open", "keyctl",
            "add_key", "request_key", "bpf", "kexec_load", "kexec_file_load", "mount", "umount2", "ptrace",
            "unshare", "setns", "fsopen", "open_tree",
        ] {
            #expect(names.contains(n), "\(n)")
        }
        // x86_64 numbers every Linux kernel uses (asm/unistd_64.h), so a typo in the table shows up.
        let x = Dictionary(uniqueKeysWithValues: SeccompSyscalls.denied.map { ($0.name, $0.x86_64) })
        #expect(x["io_uring_setup"] == 425 && x["keyctl"] == 250 && x["add_key"] == 248 && x["userfaultfd"] == 323)
        #expect(x["perf_event_open"] == 298 && x["bpf"] == 321 && x["ptrace"] == 101 && x["mount"] == 165)
        let a = Dictionary(uniqueKeysWithValues: SeccompSyscalls.denied.map { ($0.name, $0.aarch64) })
        #expect(a["keyctl"] == 219 && a["io_uring_setup"] == 425 && a["mount"] == 40 && a["ptrace"] == 117)
    }

    @Test func aForeignArchitectureIsKilled() {
        let p = SeccompFilter.program(arch: .x86_64, denied: [1])
        let auditArchI386: UInt32 = 0x4000_0003
        #expect(Self.run(p, arch: auditArchI386, nr: 1) == SeccompFilter.retKillProcess)
        #expect(Self.run(p, arch: SeccompFilter.Arch.aarch64.auditArch, nr: 0) == SeccompFilter.retKillProcess)
    }

    @Test func x32CallsAreRefusedOnX86_64() {
        let p = SeccompFilter.program(arch: .x86_64, denied: [])
        #expect(Self.run(p, arch: SeccompFilter.Arch.x86_64.auditArch, nr: 0x4000_0000 | 425) == Self.eperm)
        #expect(Self.run(p, arch: SeccompFilter.Arch.x86_64.auditArch, nr: 0) == SeccompFilter.retAllow)
    }

    @Test func serialisesAsStructSockFilter() {
        let bytes = SeccompFilter.bytes([.init(code: 0x15, jt: 2, jf: 3, k: 0xC000_003E)])
        #expect(bytes == [0x15, 0x00, 0x02, 0x03, 0x3E, 0x00, 0x00, 0xC0])
        let program = SeccompFilter.program(arch: .x86_64, denied: SeccompSyscalls.numbers(for: .x86_64))
        #expect(SeccompFilter.bytes(program).count == program.count * 8)
    }
}
