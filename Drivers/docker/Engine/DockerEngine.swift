import DriverProtocol

/// The Docker Engine API endpoints the driver uses, over `EngineHTTPClient`.
/// Paths are unversioned: the daemon then speaks its own current API version.
final class DockerEngine: Sendable {
    let http: EngineHTTPClient

    init(endpoint: DockerEndpoint) {
        http = EngineHTTPClient(endpoint: endpoint)
    }

    var endpoint: DockerEndpoint { http.endpoint }

    func ping(timeoutMs: Int = 2_000) throws(EngineError) {
        _ = try http.request("GET", "/_ping", timeoutMs: timeoutMs)
    }

    /// `{Version, ApiVersion, Os, Arch, ...}`.
    func version() throws(EngineError) -> JSONValue {
        try http.request("GET", "/version", timeoutMs: 5_000).json()
    }

    /// Whether an image with this reference exists locally.
    func imageExists(_ reference: String) throws(EngineError) -> Bool {
        do {
            _ = try http.request("GET", "/images/\(Self.escapePath(reference))/json", timeoutMs: 10_000)
            return true
        } catch let e where e.isNotFound {
            return false
        }
    }

    /// Creates a container; returns its id.
    func createContainer(_ config: JSONValue, name: String? = nil) throws(EngineError) -> String {
        let query = name.map { "?name=\(Self.escapeQuery($0))" } ?? ""
        let r = try http.request("POST", "/containers/create\(query)", body: config, timeoutMs: 30_000).json()
        guard let id = r["Id"]?.string else { throw EngineError(.transport, "container create returned no Id") }
        return id
    }

    func startContainer(_ id: String) throws(EngineError) {
        do {
            _ = try http.request("POST", "/containers/\(id)/start", timeoutMs: 30_000)
        } catch let e where e.kind == .api && e.status == 304 {
            // Already started.
        }
    }

    func killContainer(_ id: String, signal: String = "KILL") throws(EngineError) {
        _ = try http.request("POST", "/containers/\(id)/kill?signal=\(signal)", timeoutMs: 10_000)
    }

    /// Force-removes a container and its anonymous volumes; a missing container is not an error.
    func removeContainer(_ id: String) throws(EngineError) {
        do {
            _ = try http.request("DELETE", "/containers/\(id)?force=true&v=true", timeoutMs: 30_000)
        } catch let e where e.isNotFound || (e.kind == .api && e.status == 409 && e.message.contains("in progress")) {
            // Gone already, or a removal is already under way.
        }
    }

    /// `GET /containers/{id}/json`, or nil when it does not exist.
    func inspectContainer(_ id: String) throws(EngineError) -> JSONValue? {
        do {
            return try http.request("GET", "/containers/\(id)/json", timeoutMs: 10_000).json()
        } catch let e where e.isNotFound {
            return nil
        }
    }

    /// All containers (running or not) carrying every `key=value` label given.
    func listContainers(labels: [String: String]) throws(EngineError) -> [ContainerSummary] {
        let filter: JSONValue = ["label": JSONValue(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })]
        let path = "/containers/json?all=true&filters=\(Self.escapeQuery(JSONWriter.string(filter)))"
        let list = try http.request("GET", path, timeoutMs: 10_000).json()
        return (list.array ?? []).compactMap(ContainerSummary.init(json:))
    }

    /// Renames a container (pool containers take their session's name when assigned).
    func renameContainer(_ id: String, to name: String) throws(EngineError) {
        _ = try http.request("POST", "/containers/\(id)/rename?name=\(Self.escapeQuery(name))", timeoutMs: 10_000)
    }

    /// Changes resource limits of a running container.
    func updateContainer(_ id: String, _ body: JSONValue) throws(EngineError) {
        _ = try http.request("POST", "/containers/\(id)/update", body: body, timeoutMs: 10_000)
    }

    /// Attaches to a container's stdin/stdout/stderr; returns the hijacked, multiplexed stream.
    func attach(_ id: String) throws(EngineError) -> EngineConnection {
        try http.hijack(
            "POST", "/containers/\(id)/attach?stream=1&stdin=1&stdout=1&stderr=1", body: nil, timeoutMs: 10_000)
    }

    /// `GET /images/{name}/json`, or nil when the image is not present.
    func inspectImage(_ reference: String) throws(EngineError) -> JSONValue? {
        do {
            return try http.request("GET", "/images/\(Self.escapePath(reference))/json", timeoutMs: 10_000).json()
        } catch let e where e.isNotFound {
            return nil
        }
    }

    /// Creates an exec instance; returns its id.
    func createExec(container: String, _ spec: ExecSpec) throws(EngineError) -> String {
        let r = try http.request("POST", "/containers/\(container)/exec", body: spec.json, timeoutMs: 10_000).json()
        guard let id = r["Id"]?.string else { throw EngineError(.transport, "exec create returned no Id") }
        return id
    }

    /// Starts an exec and returns the hijacked, multiplexed stream (stdin writable when the exec attached it).
    func startExec(_ execId: String) throws(EngineError) -> EngineConnection {
        try http.hijack("POST", "/exec/\(execId)/start", body: ["Detach": false, "Tty": false], timeoutMs: 30_000)
    }

    /// `{Running, ExitCode, Pid}` of an exec.
    func inspectExec(_ execId: String) throws(EngineError) -> ExecState {
        let r = try http.request("GET", "/exec/\(execId)/json", timeoutMs: 10_000).json()
        return ExecState(running: r["Running"]?.bool ?? false, exitCode: r["ExitCode"]?.int, pid: r["Pid"]?.int ?? 0)
    }

    // MARK: escaping

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    static func escapeQuery(_ s: String) -> String { percentEncode(s, keep: unreserved) }

    /// Image references keep `/` and `:` (the API routes `/images/{name}/json` with slashes in the name).
    static func escapePath(_ s: String) -> String { percentEncode(s, keep: unreserved.union("/:@".utf8)) }

    private static func percentEncode(_ s: String, keep: Set<UInt8>) -> String {
        var out = ""
        let hex = Array("0123456789ABCDEF")
        for b in s.utf8 {
            if keep.contains(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out.append("%"); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 0xF)])
            }
        }
        return out
    }
}

struct ExecState: Sendable, Equatable {
    var running: Bool
    var exitCode: Int?
    var pid: Int
}

/// One row of `GET /containers/json`.
struct ContainerSummary: Sendable, Equatable {
    var id: String
    var image: String
    var state: String
    var labels: [String: String]
    /// Names without the leading slash.
    var names: [String]

    init?(json: JSONValue) {
        guard let id = json["Id"]?.string else { return nil }
        self.id = id
        names = (json["Names"]?.array ?? []).compactMap {
            $0.string.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
        }
        image = json["Image"]?.string ?? ""
        state = json["State"]?.string ?? ""
        var l: [String: String] = [:]
        for (k, v) in json["Labels"]?.object ?? JSONObject() { if let s = v.string { l[k] = s } }
        labels = l
    }
}
