public import DriverProtocol

extension SecurityConfig {
    /// Whether sessions of `principal` may have network (`networkPrincipals` lists it, or `"*"`).
    public func allowsNetwork(principal: String) -> Bool {
        networkPrincipals.contains("*") || networkPrincipals.contains(principal)
    }
}

extension SecurityLayer {
    public static let networkRule = "network.notAllowed"

    /// `session.create` with `network: true`: only for principals the operator listed in
    /// `networkPrincipals`. Anything else is -32602 on the `network` field, audited as a SecurityViolation.
    public func checkNetwork(principal: String, params: JSONValue) throws(RPCError) {
        guard params["network"]?.bool == true, !config.allowsNetwork(principal: principal) else { return }
        let reason =
            "is not allowed for principal \(principal): the operator has not enabled network access for it "
            + "(security.networkPrincipals / CODEBEAKER_NETWORK_PRINCIPALS)"
        metrics.securityViolations.labels(Self.networkRule).increment()
        audit?.record(
            .securityViolation, principal: principal, session: nil, outcome: .denied,
            details: [
                "rule": .string(Self.networkRule), "message": .string("network " + reason),
                "attempted": .string(AuditEventType.sessionCreate.rawValue),
            ])
        var e = RPCError.invalidParams("network", reason)
        if case .object(var d)? = e.data { d["rule"] = .string(Self.networkRule); e.data = .object(d) }
        throw e
    }
}
