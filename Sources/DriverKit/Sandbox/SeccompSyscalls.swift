/// The system calls sandboxed code may not make, with their numbers on the two architectures we build for.
/// Modelled on what Docker's default profile refuses a container without capabilities, plus io_uring
/// (it bypasses per-syscall filtering and has been a steady source of kernel bugs). docs/security.md lists
/// them with the reason for each group. Numbers: x86_64 `asm/unistd_64.h`, aarch64 `asm-generic/unistd.h`.
public enum SeccompSyscalls: Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        // swift-format-ignore: AlwaysUseLowerCamelCase
        public let x86_64: UInt32
        /// nil: the call does not exist on aarch64.
        public let aarch64: UInt32?
        init(_ name: String, _ x86_64: UInt32, _ aarch64: UInt32?) {
            self.name = name; self.x86_64 = x86_64; self.aarch64 = aarch64
        }
    }

    public static let denied: [Entry] = [
        // kernel keyrings: shared per user/session, outlive the sandbox
        .init("add_key", 248, 217), .init("keyctl", 250, 219), .init("request_key", 249, 218),
        // io_uring: async syscalls the filter cannot see
        .init("io_uring_setup", 425, 425), .init("io_uring_enter", 426, 426), .init("io_uring_register", 427, 427),
        // exploit primitives and kernel introspection
        .init("userfaultfd", 323, 282), .init("perf_event_open", 298, 241), .init("bpf", 321, 280),
        .init("ptrace", 101, 117), .init("process_vm_readv", 310, 270), .init("process_vm_writev", 311, 271),
        .init("kcmp", 312, 272), .init("pidfd_getfd", 438, 438), .init("lookup_dcookie", 212, 18),
        .init("syslog", 103, 116), .init("fanotify_init", 300, 262),
        .init("name_to_handle_at", 303, 264), .init("open_by_handle_at", 304, 265),
        // namespaces and mounts (the old and the new mount API)
        .init("unshare", 272, 97), .init("setns", 308, 268),
        .init("mount", 165, 40), .init("umount2", 166, 39), .init("pivot_root", 155, 41),
        .init("open_tree", 428, 428), .init("move_mount", 429, 429), .init("fsopen", 430, 430),
        .init("fsconfig", 431, 431), .init("fsmount", 432, 432), .init("fspick", 433, 433),
        .init("mount_setattr", 442, 442),
        // the machine: modules, kexec, reboot, swap, clocks, accounting, quotas
        .init("init_module", 175, 105), .init("finit_module", 313, 273), .init("delete_module", 176, 106),
        .init("kexec_load", 246, 104), .init("kexec_file_load", 320, 294), .init("reboot", 169, 142),
        .init("swapon", 167, 224), .init("swapoff", 168, 225), .init("acct", 163, 89),
        .init("settimeofday", 164, 170), .init("clock_settime", 227, 112), .init("clock_adjtime", 305, 266),
        .init("quotactl", 179, 60), .init("quotactl_fd", 443, 443), .init("vhangup", 153, 58),
        .init("nfsservctl", 180, 42),
        // x86 only: port I/O and obsolete calls
        .init("iopl", 172, nil), .init("ioperm", 173, nil), .init("create_module", 174, nil),
        .init("get_kernel_syms", 177, nil), .init("query_module", 178, nil), .init("uselib", 134, nil),
        .init("ustat", 136, nil), .init("sysfs", 139, nil), .init("_sysctl", 156, nil),
    ]

    /// The denied numbers for `arch`, sorted and without duplicates.
    public static func numbers(for arch: SeccompFilter.Arch) -> [UInt32] {
        let n = denied.compactMap { arch == .x86_64 ? $0.x86_64 : $0.aarch64 }
        return Array(Set(n)).sorted()
    }
}
