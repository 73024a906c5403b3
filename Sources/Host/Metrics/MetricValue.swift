import Synchronization

/// A monotonically increasing count. Lock-free: one atomic add per increment.
public final class Counter: Sendable {
    private let value = Atomic<UInt64>(0)
    public init() {}
    public func increment(by n: UInt64 = 1) { value.add(n, ordering: .relaxed) }
    public var current: UInt64 { value.load(ordering: .relaxed) }
}

/// A value that goes up and down. Stored as Double bits so gauges can hold fractions.
public final class Gauge: Sendable {
    private let bits = Atomic<UInt64>(0.0.bitPattern)
    public init() {}
    public func set(_ v: Double) { bits.store(v.bitPattern, ordering: .relaxed) }
    public func increment(by d: Double = 1) { add(d) }
    public func decrement(by d: Double = 1) { add(-d) }
    public var current: Double { Double(bitPattern: bits.load(ordering: .relaxed)) }

    private func add(_ d: Double) {
        var old = bits.load(ordering: .relaxed)
        while true {
            let new = (Double(bitPattern: old) + d).bitPattern
            let (done, seen) = bits.compareExchange(expected: old, desired: new, ordering: .relaxed)
            if done { return }
            old = seen
        }
    }
}

/// Observations counted into fixed buckets. Each bucket counts only its own range (not cumulative),
/// so the renderer derives `_count` from the buckets and the exposition is always self-consistent.
public final class Histogram: Sendable {
    /// Upper bounds, ascending, without +Inf.
    public let bounds: [Double]
    private let counts: [Counter]  // atomics cannot live in arrays; one small object per bucket
    private let sumBits = Atomic<UInt64>(0.0.bitPattern)

    public init(bounds: [Double]) {
        self.bounds = bounds
        self.counts = (0...bounds.count).map { _ in Counter() }
    }

    public func observe(_ v: Double) {
        guard !v.isNaN else { return }
        var i = 0
        while i < bounds.count && v > bounds[i] { i += 1 }  // bucket i holds (bounds[i-1], bounds[i]]
        counts[i].increment()
        var old = sumBits.load(ordering: .relaxed)
        while true {
            let (done, seen) = sumBits.compareExchange(
                expected: old, desired: (Double(bitPattern: old) + v).bitPattern, ordering: .relaxed)
            if done { return }
            old = seen
        }
    }

    /// Cumulative counts per bound, the last one for +Inf; plus the sum.
    public func snapshot() -> (cumulative: [UInt64], sum: Double) {
        var running: UInt64 = 0
        var out: [UInt64] = []
        out.reserveCapacity(counts.count)
        for c in counts {
            running += c.current
            out.append(running)
        }
        return (out, Double(bitPattern: sumBits.load(ordering: .relaxed)))
    }
}
