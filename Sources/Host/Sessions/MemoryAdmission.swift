import DriverProtocol

/// Admits sessions against a budget of memory limits. A session's `memoryLimitMB` is a ceiling, not what it
/// uses, so the budget is the memory all sessions together may really take (the parent cgroup's limit)
/// times an overcommit ratio; what keeps the host alive when many sessions do fill their limits at once is
/// that parent limit, not this check. This check keeps a client from opening sessions whose limits alone
/// promise many times the machine (4 × 8 GB on a 24 GB host is fine at ratio 16; 64 of them are not).
/// A pure value: the session manager calls `admit` and `release` with the session's sandbox uid as key.
public struct MemoryAdmission: Sendable, Equatable {
    /// The memory every session together may use (the parent cgroup limit), MB.
    public let allSessionsMB: Int
    /// Sum of limits admitted, at most `allSessionsMB × overcommit`; nil: no budget (overcommit 0).
    public let budgetMB: Int?
    public private(set) var reservedMB = 0
    private var byKey: [UInt32: Int] = [:]

    public init(allSessionsMB: Int, overcommit: Double) {
        self.allSessionsMB = allSessionsMB
        budgetMB = overcommit > 0 ? Int((Double(allSessionsMB) * overcommit).rounded(.down)) : nil
    }

    /// Reserves `memoryMB` for `key`, or refuses (-32002) saying why.
    public mutating func admit(_ key: UInt32, memoryMB: Int) throws(RPCError) {
        if memoryMB > allSessionsMB {
            throw RPCError.unavailable(
                "memoryLimitMB \(memoryMB) is more than all sessions together may use on this server (\(allSessionsMB) MB); ask for less",
                data: ["rule": "memoryBudget", "requestedMB": .int(memoryMB), "allSessionsMB": .int(allSessionsMB)])
        }
        if let budgetMB, reservedMB + memoryMB > budgetMB {
            throw RPCError.unavailable(
                "Cannot admit a session with memoryLimitMB \(memoryMB): the open sessions' memory limits already total \(reservedMB) MB of this server's budget of \(budgetMB) MB; ask for less memory or close sessions",
                data: [
                    "rule": "memoryBudget", "requestedMB": .int(memoryMB), "reservedMB": .int(reservedMB),
                    "budgetMB": .int(budgetMB),
                ])
        }
        reservedMB += memoryMB - (byKey[key] ?? 0)
        byKey[key] = memoryMB
    }

    /// Gives `key`'s reservation back; unknown keys are ignored.
    public mutating func release(_ key: UInt32) {
        if let mb = byKey.removeValue(forKey: key) { reservedMB -= mb }
    }
}
