/// Hands out one sandbox uid (used as gid too) per live session, so sessions cannot read each other's
/// files even if a sandbox leaks. Round-robin, so a just-freed uid is not reused at once.
struct UidPool {
    let range: ClosedRange<UInt32>
    private var inUse = Set<UInt32>()
    private var next: UInt32

    init(range: ClosedRange<UInt32>) { self.range = range; next = range.lowerBound }

    mutating func allocate() -> UInt32? {
        let size = Int(range.upperBound - range.lowerBound) + 1
        guard inUse.count < size else { return nil }
        while inUse.contains(next) { advance() }
        let uid = next
        inUse.insert(uid)
        advance()
        return uid
    }

    mutating func release(_ uid: UInt32) { inUse.remove(uid) }

    /// Uids not in use.
    var free: Int { Int(range.upperBound - range.lowerBound) + 1 - inUse.count }

    private mutating func advance() { next = next == range.upperBound ? range.lowerBound : next + 1 }
}
