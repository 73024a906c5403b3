/// `output`: a chunk of a running request's stdout or stderr (sent only when it asked for `stream:true`).
public struct OutputEvent: Sendable, Equatable {
    public var request: Int
    public var session: String?
    /// `stdout` or `stderr`.
    public var stream: String
    public var data: String
    /// 0, 1, 2, ... per request, across both streams and `progress`.
    public var seq: Int?

    public init(request: Int, session: String?, stream: String, data: String, seq: Int?) {
        self.request = request; self.session = session; self.stream = stream; self.data = data; self.seq = seq
    }

    public var json: JSONValue {
        var p: JSONObject = ["request": .int(request)]
        if let session { p["session"] = .string(session) }
        p["stream"] = .string(stream)
        p["data"] = .string(data)
        if let seq { p["seq"] = .int(seq) }
        return .object(p)
    }
}

/// `progress`: free text during a long operation such as `install`.
public struct ProgressEvent: Sendable, Equatable {
    public var request: Int
    public var session: String?
    public var message: String
    public var seq: Int?

    public init(request: Int, session: String?, message: String, seq: Int?) {
        self.request = request; self.session = session; self.message = message; self.seq = seq
    }

    public var json: JSONValue {
        var p: JSONObject = ["request": .int(request)]
        if let session { p["session"] = .string(session) }
        p["message"] = .string(message)
        if let seq { p["seq"] = .int(seq) }
        return .object(p)
    }
}

/// A notification a driver sends while a request runs. Decoding is lenient (missing text is empty, a missing
/// stream is stdout) since the host only forwards events; only the `request` id is required, to route it.
public enum DriverEvent: Sendable, Equatable {
    case output(OutputEvent)
    case progress(ProgressEvent)

    /// The request an event belongs to; nil when it names none (the host drops it).
    public static func requestId(in params: JSONValue) -> Int? { params["request"]?.int }

    /// Nil for a method this protocol version does not define, or without a `request` id.
    public init?(method: String, params: JSONValue) {
        guard let request = Self.requestId(in: params) else { return nil }
        let session = params["session"]?.string, seq = params["seq"]?.int
        switch method {
        case DriverWire.Event.output:
            self = .output(
                OutputEvent(
                    request: request, session: session, stream: params["stream"]?.string ?? "stdout",
                    data: params["data"]?.string ?? "", seq: seq))
        case DriverWire.Event.progress:
            self = .progress(
                ProgressEvent(request: request, session: session, message: params["message"]?.string ?? "", seq: seq))
        default:
            return nil
        }
    }

    public var method: String {
        switch self {
        case .output: return DriverWire.Event.output
        case .progress: return DriverWire.Event.progress
        }
    }

    public var params: JSONValue {
        switch self {
        case .output(let e): return e.json
        case .progress(let e): return e.json
        }
    }

    /// The notification to write.
    public var message: DriverMessage { .notification(method: method, params: params) }
}
