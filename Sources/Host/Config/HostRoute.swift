import DriverProtocol

/// Where a session lives when several hosts sit behind one proxy (docs/scaling.md). A host with a `hostId`
/// puts it in its session and execution ids (`s_h2_<hex>`), and `session.create` answers with `route` (the
/// id) and, given `publicUrl`, an `endpoint` that makes the proxy pick this host (`…?host=h2`). A
/// reconnecting client uses it; a proxy that cannot reach the host answers 503 instead of another host.
public struct HostRoute: Sendable, Equatable {
    public var hostId: String?
    /// The proxy's public WebSocket URL (e.g. `wss://cb.example.com/ws/jsonrpc`).
    public var publicUrl: String?

    public init(hostId: String? = nil, publicUrl: String? = nil) {
        self.hostId = hostId
        self.publicUrl = publicUrl
    }

    /// Why a host id is unusable, or nil: 1-32 of `a-z 0-9 -`, so it fits URLs, proxy ACLs and ids unquoted.
    public static func hostIdProblem(_ id: String) -> String? {
        let ok =
            !id.isEmpty && id.utf8.count <= 32
            && id.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
        return ok ? nil : "'\(id)' is not a host id (1-32 characters of a-z, 0-9 and -)"
    }

    /// Why a public URL is unusable, or nil: `ws://` or `wss://`, no fragment.
    public static func publicUrlProblem(_ url: String) -> String? {
        let ok = (url.hasPrefix("wss://") || url.hasPrefix("ws://")) && !url.contains("#") && url.utf8.count <= 512
        return ok ? nil : "'\(url)' is not a WebSocket URL (ws:// or wss://, no fragment)"
    }

    /// `s_` / `x_` plus `<hostId>_` when the host has an id.
    public func idPrefix(_ kind: String) -> String {
        guard let hostId else { return kind + "_" }
        return kind + "_" + hostId + "_"
    }

    /// The fields `session.create` adds: `route` and `endpoint` (both absent without a host id).
    public var createFields: [(key: String, value: String)] {
        guard let hostId else { return [] }
        var out = [(key: "route", value: hostId)]
        if let publicUrl {
            out.append((key: "endpoint", value: publicUrl + (publicUrl.contains("?") ? "&" : "?") + "host=" + hostId))
        }
        return out
    }

    /// The host id inside a session or execution id made by a host with one (`s_h2_<hex>` → `h2`), or nil.
    public static func hostId(inId id: String) -> String? {
        let parts = id.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "s" || parts[0] == "x" else { return nil }
        let candidate = String(parts[1])
        return hostIdProblem(candidate) == nil ? candidate : nil
    }
}

extension HostRoute {
    /// A -32001 for a session id that another host made says which host (from the id alone, so it tells
    /// nothing about whether the session exists): a client that reached the wrong host learns why.
    public func explain(_ error: RPCError, sessionId: String) -> RPCError {
        guard error.code == -32001, let owner = Self.hostId(inId: sessionId), owner != hostId else { return error }
        let here = hostId.map { "host \($0)" } ?? "a host without a hostId"
        return RPCError(
            code: error.code,
            message: error.message + " (its id is host \(owner)'s, this is \(here): reconnect to its endpoint)",
            data: ["route": .string(owner)])
    }
}
