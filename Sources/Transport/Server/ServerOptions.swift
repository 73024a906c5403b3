/// Transport settings. Defaults are safe for a public-facing loopback server.
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 5039
    public var webSocketPath = "/ws/jsonrpc"
    public var maxMessageBytes = 16 << 20
    public var maxHeaderBytes = 16 << 10
    public var maxHeaderCount = 100
    public var maxRequestLineBytes = 8 << 10
    public var maxBodyBytes = 1 << 20
    /// A connection must complete its request head this soon after it starts (slowloris).
    public var headerTimeoutSeconds = 10.0
    /// ...and its body this soon after the head.
    public var bodyTimeoutSeconds = 30.0
    /// Idle keep-alive HTTP connections are closed after this long.
    public var keepAliveTimeoutSeconds = 60.0
    /// WebSockets idle this long get a ping; no reply within as long again drops them.
    public var idlePingSeconds = 30.0
    /// After sending a close frame, how long to wait for the peer's; also how long a closing connection
    /// may go without sending before it is closed (see `LingeringClose`).
    public var closeWaitSeconds = 2.0
    /// A closing connection keeps reading and discarding what the peer still sends (so the peer sees our
    /// close frame, not a reset) for at most this long and this many bytes.
    public var lingerMaxSeconds = 10.0
    public var lingerMaxBytes = 64 << 20
    /// A connection whose unsent bytes exceed this is dropped (slow reader).
    public var maxSendBufferBytes = 64 << 20
    /// Above this many unsent bytes the server stops reading from the connection until it drains.
    public var readPauseBytes = 1 << 20
    public var maxConnections = 10_000
    /// Cross-site checks (`CrossSiteGuard`): origins and host names allowed beyond the defaults; "*" allows any.
    public var allowedOrigins: [String] = []
    public var allowedHosts: [String] = []
    public var listenBacklog = 1024
    public init() {}
}
