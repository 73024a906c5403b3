/// How `session.create` picks among drivers that run the language, from their declared figures (as the
/// original did): Speed = lowest startupMs, Security = highest isolationLevel, Memory = lowest memoryMB,
/// Balanced = highest 1000/(startup+1) + 1000/(mem+1) + isolation/2.
public enum RuntimePreference: String, Sendable, Equatable, CaseIterable {
    case speed = "Speed"
    case security = "Security"
    case memory = "Memory"
    case balanced = "Balanced"

    public init?(caseInsensitive s: String) {
        guard let p = Self.allCases.first(where: { $0.rawValue.lowercased() == s.lowercased() }) else { return nil }
        self = p
    }

    /// Higher is better.
    func score(startupMs: Int, memoryMB: Int, isolationLevel: Int) -> Double {
        switch self {
        case .speed: return -Double(startupMs)
        case .security: return Double(isolationLevel)
        case .memory: return -Double(memoryMB)
        case .balanced:
            return 1000 / (Double(startupMs) + 1) + 1000 / (Double(memoryMB) + 1) + Double(isolationLevel) / 2
        }
    }
}
