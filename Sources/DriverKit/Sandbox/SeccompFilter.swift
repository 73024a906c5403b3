/// A classic-BPF seccomp program that refuses `SeccompSyscalls.denied` with EPERM and allows the rest, in
/// the binary form bubblewrap's `--seccomp FD` reads (an array of `struct sock_filter`, native byte order).
/// Assembled here so the sandbox needs no libseccomp.
///
/// The program: load `seccomp_data.arch`; a foreign ABI (a 32-bit binary's int 0x80 on x86_64) kills the
/// process, since its numbers mean other calls; load `nr`; on x86_64 refuse the x32 ABI (numbers with bit
/// 30 set); one `jeq` per denied number jumping to the EPERM return; otherwise allow.
public enum SeccompFilter: Sendable {
    public enum Arch: Sendable, Equatable {
        // swift-format-ignore: AlwaysUseLowerCamelCase
        // (the kernel's architecture names)
        case x86_64, aarch64

        /// linux/audit.h: AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64.
        public var auditArch: UInt32 { self == .x86_64 ? 0xC000_003E : 0xC000_00B7 }

        /// The architecture this driver was built for (nil: no filter is known for it).
        public static var current: Arch? {
            #if arch(x86_64)
                return .x86_64
            #elseif arch(arm64)
                return .aarch64
            #else
                return nil
            #endif
        }
    }

    /// One `struct sock_filter`.
    public struct Instruction: Sendable, Equatable {
        public var code: UInt16
        public var jt: UInt8
        public var jf: UInt8
        public var k: UInt32
    }

    // linux/bpf_common.h and linux/seccomp.h
    static let ldAbsW: UInt16 = 0x20  // BPF_LD | BPF_W | BPF_ABS
    static let jeqK: UInt16 = 0x15  // BPF_JMP | BPF_JEQ | BPF_K
    static let jgeK: UInt16 = 0x35  // BPF_JMP | BPF_JGE | BPF_K
    static let retK: UInt16 = 0x06  // BPF_RET | BPF_K
    static let offsetNr: UInt32 = 0, offsetArch: UInt32 = 4
    public static let retAllow: UInt32 = 0x7FFF_0000
    public static let retKillProcess: UInt32 = 0x8000_0000
    public static let retErrno: UInt32 = 0x0005_0000
    public static let eperm: UInt32 = 1
    static let x32Bit: UInt32 = 0x4000_0000

    /// The program for `arch` denying `denied` (syscall numbers) with EPERM.
    public static func program(arch: Arch, denied: [UInt32]) -> [Instruction] {
        let numbers = Array(Set(denied)).sorted()
        var p: [Instruction] = [
            .init(code: ldAbsW, jt: 0, jf: 0, k: offsetArch),
            .init(code: jeqK, jt: 1, jf: 0, k: arch.auditArch),
            .init(code: retK, jt: 0, jf: 0, k: retKillProcess),
            .init(code: ldAbsW, jt: 0, jf: 0, k: offsetNr),
        ]
        // Every conditional jumps forward to the EPERM return at the end (offsets count from the next
        // instruction). A jump offset is 8 bits: the deny list must stay under ~250 entries.
        let checks = (arch == .x86_64 ? 1 : 0) + numbers.count
        precondition(checks < 255, "seccomp deny list too long for 8-bit jumps")
        let denyIndex = p.count + checks + 1
        func jumpToDeny(_ code: UInt16, _ k: UInt32) {
            p.append(.init(code: code, jt: UInt8(denyIndex - p.count - 1), jf: 0, k: k))
        }
        if arch == .x86_64 { jumpToDeny(jgeK, x32Bit) }
        for n in numbers { jumpToDeny(jeqK, n) }
        p.append(.init(code: retK, jt: 0, jf: 0, k: retAllow))
        p.append(.init(code: retK, jt: 0, jf: 0, k: retErrno | eperm))
        return p
    }

    /// The sandbox's program for the running architecture, as bytes; nil on an architecture we have no
    /// syscall table for.
    public static func sandboxBytes() -> [UInt8]? {
        guard let arch = Arch.current else { return nil }
        return bytes(program(arch: arch, denied: SeccompSyscalls.numbers(for: arch)))
    }

    /// Serialises `struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }` (8 bytes, little-endian on both
    /// supported architectures).
    public static func bytes(_ program: [Instruction]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(program.count * 8)
        for i in program {
            out += [UInt8(i.code & 0xFF), UInt8(i.code >> 8), i.jt, i.jf]
            out += [UInt8(i.k & 0xFF), UInt8((i.k >> 8) & 0xFF), UInt8((i.k >> 16) & 0xFF), UInt8(i.k >> 24)]
        }
        return out
    }
}
