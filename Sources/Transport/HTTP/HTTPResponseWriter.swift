import DriverProtocol

/// Serialises responses. Every response carries Content-Length, so keep-alive framing is always exact.
public enum HTTPResponseWriter: Sendable {
    public static func reason(_ status: Int) -> String {
        switch status {
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 302: return "Found"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 426: return "Upgrade Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }

    public static func response(
        status: Int, contentType: String, body: [UInt8], keepAlive: Bool,
        headers: [(String, String)] = []
    ) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason(status))\r\nServer: codebeaker\r\n"
        if status != 204 { head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        var out = Array(head.utf8)
        if status != 204 { out += body }
        return out
    }

    public static func response(_ body: HTTPResponseBody, keepAlive: Bool) -> [UInt8] {
        response(
            status: body.status, contentType: body.contentType, body: body.body, keepAlive: keepAlive,
            headers: body.headers)
    }

    /// The head of a streamed response: chunked, so keep-alive framing stays exact without a length.
    public static func streamHead(_ body: HTTPResponseBody, keepAlive: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(body.status) \(reason(body.status))\r\nServer: codebeaker\r\n"
        head += "Content-Type: \(body.contentType)\r\nTransfer-Encoding: chunked\r\nCache-Control: no-cache\r\n"
        for (name, value) in body.headers { head += "\(name): \(value)\r\n" }
        head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        return Array(head.utf8)
    }

    /// One chunk (RFC 9112 §7.1); empty input gives nothing, since an empty chunk would end the body.
    public static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        return Array((String(bytes.count, radix: 16) + "\r\n").utf8) + bytes + Array("\r\n".utf8)
    }

    public static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    /// A small JSON error body: `{"error":"..."}`.
    public static func error(status: Int, message: String, keepAlive: Bool = false, headers: [(String, String)] = [])
        -> [UInt8]
    {
        var body: [UInt8] = Array("{\"error\":".utf8)
        JSONWriter.writeString(message, into: &body)
        body.append(UInt8(ascii: "}"))
        return response(
            status: status, contentType: "application/json", body: body, keepAlive: keepAlive, headers: headers)
    }
}
