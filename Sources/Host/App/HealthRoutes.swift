public import DriverProtocol
public import Transport

/// `/health/live` (the process answers), `/health/ready` (503 until a driver is ready), `/health` (overall),
/// and `/metrics` (Prometheus text).
public struct HealthRoutes: HTTPRouteHandler {
    let drivers: any DriverDirectory
    let status: @Sendable () -> JSONObject
    let metricsText: @Sendable () -> String

    public init(
        drivers: any DriverDirectory, status: @escaping @Sendable () -> JSONObject = { [:] },
        metricsText: @escaping @Sendable () -> String
    ) {
        self.drivers = drivers
        self.status = status
        self.metricsText = metricsText
    }

    public func handle(
        method: String, path: String, query: [String: String],
        headers: [(name: String, value: String)]
    ) async -> HTTPResponseBody? {
        let known = ["/health", "/health/live", "/health/ready", "/metrics"]
        guard known.contains(path) else { return nil }
        guard method == "GET" || method == "HEAD" else {
            return .json(405, ["error": "method not allowed", "allowed": ["GET", "HEAD"]])
        }
        switch path {
        case "/health/live":
            return .json(200, ["status": "alive"])
        case "/health/ready":
            let ready = drivers.anyReady
            return .json(
                ready ? 200 : 503, ["status": .string(ready ? "ready" : "not ready"), "drivers": drivers.snapshot()])
        case "/health":
            let ready = drivers.anyReady
            let snapshot = drivers.snapshot()
            let degraded = Self.degradedDrivers(snapshot)
            var o: JSONObject = [
                "status": .string(ready && degraded.isEmpty ? "healthy" : "degraded"),
                "server": .object([
                    "name": .string(CoreMethods.serverName), "version": .string(CoreMethods.serverVersion),
                ]),
                "drivers": snapshot,
            ]
            if !degraded.isEmpty { o["degradedDrivers"] = .array(degraded) }
            for (k, v) in status() { o[k] = v }
            // 503 only when nothing can run: a failed driver among ready ones is worth an alert, not a restart.
            return .json(ready ? 200 : 503, .object(o))
        default:
            return HTTPResponseBody(
                status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: Array(metricsText().utf8))
        }
    }

    /// Drivers that should be working but are not: `failed` (given up on) or `unresponsive` (missing pings).
    /// `unavailable` (runtime not installed) and a passing `restarting` are not problems of this host's health.
    static func degradedDrivers(_ snapshot: JSONValue) -> [JSONValue] {
        (snapshot.array ?? []).compactMap { d -> JSONValue? in
            guard let state = d["state"]?.string, state == "failed" || state == "unresponsive" else { return nil }
            return .object(["name": d["name"] ?? .null, "state": .string(state), "reason": d["reason"] ?? .null])
        }
    }
}
