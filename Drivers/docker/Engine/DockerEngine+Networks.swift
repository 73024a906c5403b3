import DriverProtocol

extension DockerEngine {
    /// `GET /networks/{name}`; nil when there is none.
    func inspectNetwork(_ name: String) throws(EngineError) -> JSONValue? {
        do {
            return try http.request("GET", "/networks/\(Self.escapePath(name))", timeoutMs: 10_000).json()
        } catch let e where e.isNotFound {
            return nil
        }
    }

    /// `POST /networks/create`; a concurrent creator winning the race (409) is fine.
    func createNetwork(_ config: JSONValue) throws(EngineError) {
        do {
            _ = try http.request("POST", "/networks/create", body: config, timeoutMs: 30_000)
        } catch let e where e.kind == .api && e.status == 409 {
        }
    }
}
