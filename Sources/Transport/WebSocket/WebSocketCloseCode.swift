/// Close status codes (RFC 6455 §7.4) and which ones a peer may send.
public enum WebSocketCloseCode: Sendable {
    public static let normal: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    public static let protocolError: UInt16 = 1002
    public static let unsupportedData: UInt16 = 1003
    /// Reported (never sent) when a close frame carried no code.
    public static let noStatus: UInt16 = 1005
    /// Reported (never sent) when the TCP connection dropped without a close frame.
    public static let abnormal: UInt16 = 1006
    public static let invalidPayload: UInt16 = 1007
    public static let policyViolation: UInt16 = 1008
    public static let messageTooBig: UInt16 = 1009
    public static let internalError: UInt16 = 1011

    /// Codes a client may put in a close frame: 1000–1003, 1007–1011 and 3000–4999.
    public static func isValidFromPeer(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 3000...4999: return true
        default: return false
        }
    }
}
