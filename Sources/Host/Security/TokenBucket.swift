/// A token bucket: holds up to `capacity` tokens, refills at `rate` per second, one token per request.
/// Times are monotonic seconds from any origin, passed in by the caller.
struct TokenBucket: Sendable, Equatable {
    let capacity: Double
    let rate: Double
    private(set) var tokens: Double
    private(set) var last: Double

    init(capacity: Double, rate: Double, now: Double) {
        self.capacity = capacity; self.rate = rate; self.tokens = capacity; self.last = now
    }

    /// Takes one token, or returns the seconds until one will be there.
    mutating func take(now: Double) -> Double? {
        refill(now: now)
        if tokens >= 1 { tokens -= 1; return nil }
        return (1 - tokens) / rate
    }

    /// A full bucket carries no state: forgetting it and starting a new one later is lossless.
    func isFull(now: Double) -> Bool { tokens + max(0, now - last) * rate >= capacity }

    private mutating func refill(now: Double) {
        if now > last { tokens = min(capacity, tokens + (now - last) * rate); last = now }
    }
}
