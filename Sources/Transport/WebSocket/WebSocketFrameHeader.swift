/// A decoded frame header (RFC 6455 §5.2).
public struct WebSocketFrameHeader: Sendable, Equatable {
    public var fin: Bool
    public var opcode: WebSocketOpcode
    public var length: UInt64
    /// The masking key in network order, packed big-endian; 0 with `masked == false`.
    public var maskKey: UInt32
    public var masked: Bool
}
