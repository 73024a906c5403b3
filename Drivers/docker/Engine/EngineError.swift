/// Failures talking to the Docker Engine: transport (socket, HTTP framing) or an API error reply.
struct EngineError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// The daemon could not be reached at all (socket missing, refused).
        case unreachable
        /// The connection broke or the reply was malformed.
        case transport
        /// The API answered with an error status; `status` holds it.
        case api
        case timeout
    }

    var kind: Kind
    var status: Int
    var message: String

    init(_ kind: Kind, _ message: String, status: Int = 0) {
        self.kind = kind; self.message = message; self.status = status
    }

    var description: String {
        kind == .api ? "Docker API error \(status): \(message)" : message
    }

    var isNotFound: Bool { kind == .api && status == 404 }
}
