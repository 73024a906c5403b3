/// Formatted, unmounted volume images kept ready so `session.create` only has to mount one.
/// Pure state: the storage does the formatting and reports back.
struct VolumePool: Sendable, Equatable {
    /// How many ready images to keep.
    let target: Int
    private(set) var ready: [String] = []
    /// Formats started and not yet reported.
    private(set) var formatting = 0

    init(target: Int) { self.target = max(0, target) }

    /// A ready image for a new session, oldest first.
    mutating func take() -> String? { ready.isEmpty ? nil : ready.removeFirst() }

    /// How many formats to start now: one at a time, so refilling never competes with sessions for CPU.
    mutating func formatsToStart() -> Int {
        guard formatting == 0, ready.count < target else { return 0 }
        formatting = 1
        return 1
    }

    /// A format finished; `image` is nil if it failed.
    mutating func formatFinished(_ image: String?) {
        formatting = max(0, formatting - 1)
        if let image { ready.append(image) }
    }

    /// Drops every ready image (shutdown); returns them for deletion.
    mutating func drain() -> [String] {
        defer { ready = [] }
        return ready
    }
}
