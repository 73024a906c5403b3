import Synchronization

/// Transport counters for metrics. Updated with relaxed atomics (the loop thread and senders).
public struct ServerStats: Sendable, Equatable {
    public var connectionsAccepted = 0
    public var connectionsRejected = 0
    public var connectionsOpen = 0
    public var webSocketsOpened = 0
    public var webSocketsOpen = 0
    public var httpRequests = 0
    public var messagesReceived = 0
    public var messagesSent = 0
    public var bytesReceived = 0
    public var bytesSent = 0
    /// WebSockets the server closed for a protocol, UTF-8 or size violation (1002, 1003, 1007, 1009).
    public var protocolErrors = 0
    /// Connections dropped because their send buffer overflowed (slow readers).
    public var slowReaderDrops = 0
    /// Requests refused by the cross-site checks (foreign Origin or Host).
    public var crossSiteRefused = 0
    public init() {}
}

final class ServerCounters: Sendable {
    let accepted = Atomic<Int>(0)
    let rejected = Atomic<Int>(0)
    let open = Atomic<Int>(0)
    let webSocketsOpened = Atomic<Int>(0)
    let webSocketsOpen = Atomic<Int>(0)
    let httpRequests = Atomic<Int>(0)
    let messagesReceived = Atomic<Int>(0)
    let messagesSent = Atomic<Int>(0)
    let bytesReceived = Atomic<Int>(0)
    let bytesSent = Atomic<Int>(0)
    let protocolErrors = Atomic<Int>(0)
    let slowReaderDrops = Atomic<Int>(0)
    let crossSiteRefused = Atomic<Int>(0)

    var snapshot: ServerStats {
        var s = ServerStats()
        s.connectionsAccepted = accepted.load(ordering: .relaxed)
        s.connectionsRejected = rejected.load(ordering: .relaxed)
        s.connectionsOpen = open.load(ordering: .relaxed)
        s.webSocketsOpened = webSocketsOpened.load(ordering: .relaxed)
        s.webSocketsOpen = webSocketsOpen.load(ordering: .relaxed)
        s.httpRequests = httpRequests.load(ordering: .relaxed)
        s.messagesReceived = messagesReceived.load(ordering: .relaxed)
        s.messagesSent = messagesSent.load(ordering: .relaxed)
        s.bytesReceived = bytesReceived.load(ordering: .relaxed)
        s.bytesSent = bytesSent.load(ordering: .relaxed)
        s.protocolErrors = protocolErrors.load(ordering: .relaxed)
        s.slowReaderDrops = slowReaderDrops.load(ordering: .relaxed)
        s.crossSiteRefused = crossSiteRefused.load(ordering: .relaxed)
        return s
    }
}
