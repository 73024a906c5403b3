import CSystem
import DriverProtocol
import FoundationEssentials

/// Start-up checks for `memoryMerge`: the kernel must support the prctl (else every sandbox spawn would
/// fail), and KSM only merges while the operator has ksmd running.
enum MemoryMergeCheck {
    static let ksmRunFile = "/sys/kernel/mm/ksm/run"

    /// Why the mode cannot work on this kernel, or nil.
    static func problem(_ mode: MemoryMerge) -> String? {
        guard mode.marksMergeable else { return nil }
        let r = cs_memory_merge_supported()
        if r == 1 { return nil }
        return "memoryMerge \(mode.rawValue) needs PR_SET_MEMORY_MERGE (Linux 6.4 or later)"
            + (r < 0 ? " (prctl: errno \(-r))" : "")
    }

    /// Warnings worth a log line at start (the merge is harmless but useless while ksmd does not run).
    static func warnings(_ mode: MemoryMerge, ksmRun: String? = readKSMRun()) -> [String] {
        guard mode.marksMergeable else { return [] }
        var w: [String] = []
        if ksmRun != "1" {
            w.append(
                "memoryMerge is \(mode.rawValue) but \(ksmRunFile) is \(ksmRun ?? "unreadable"), not 1: "
                    + "nothing is merged until the operator starts ksmd (docs/configuration.md)")
        }
        if mode.disablesASLR { w.append("memoryMerge max: sandboxed processes run without ASLR") }
        return w
    }

    static func readKSMRun() -> String? {
        guard let d = FileManager.default.contents(atPath: ksmRunFile) else { return nil }
        return String(decoding: d, as: UTF8.self).filter { !$0.isWhitespace }
    }
}
