import DriverProtocol

/// Copies a driver's stderr into the host log line by line, prefixed by the logger's `driver.<name>` component.
/// A token bucket (burst 200, then 50 lines/s) keeps a driver that floods stderr from flooding the host log;
/// dropped lines are counted and reported.
struct StderrForwarder {
    static let maxLoggedChars = 2000
    private var framer = LineFramer(maxLineBytes: 16 * 1024)
    private let logger: Logger
    private let burst: Double
    private let perSecond: Double
    private var tokens: Double
    private var lastRefill: Double
    private(set) var suppressed = 0

    init(logger: Logger, burst: Double = 200, perSecond: Double = 50, now: Double) {
        self.logger = logger; self.burst = burst; self.perSecond = perSecond
        self.tokens = burst; self.lastRefill = now
    }

    mutating func feed(_ bytes: ArraySlice<UInt8>, now: Double) {
        for item in framer.feed(bytes) {
            switch item {
            case .line(let line): emit(String(decoding: line, as: UTF8.self), now: now)
            case .tooLong(let n): emit("(stderr line of \(n) bytes skipped)", now: now)
            }
        }
    }

    /// Logs an unterminated last line and the count of suppressed lines; called at EOF.
    mutating func finish(now: Double) {
        let rest = framer.pending
        if !rest.isEmpty { emit(String(decoding: rest, as: UTF8.self), now: now) }
        if suppressed > 0 { logger.warning("suppressed \(suppressed) stderr lines (rate limit)"); suppressed = 0 }
    }

    private mutating func emit(_ text: String, now: Double) {
        tokens = min(burst, tokens + (now - lastRefill) * perSecond)
        lastRefill = now
        guard tokens >= 1 else { suppressed += 1; return }
        tokens -= 1
        if suppressed > 0 {
            logger.warning("suppressed \(suppressed) stderr lines (rate limit)")
            suppressed = 0
        }
        let shown = text.count > Self.maxLoggedChars ? String(text.prefix(Self.maxLoggedChars)) + "…" : text
        logger.info(shown)  // the logger escapes control characters (Logger.clean)
    }
}
