public import DriverProtocol

/// A request as a runtime sees it: the wire params (typed in DriverProtocol) and the JSON-RPC id they came
/// with. `request.code`, `request.timeoutMs`, ... read the params directly.
@dynamicMemberLookup
public struct DriverRequest<Params: Sendable & Equatable>: Sendable, Equatable {
    public var requestId: Int
    public var params: Params

    public init(requestId: Int, params: Params) { self.requestId = requestId; self.params = params }

    public subscript<T>(dynamicMember path: WritableKeyPath<Params, T>) -> T {
        get { params[keyPath: path] }
        set { params[keyPath: path] = newValue }
    }
}

public typealias ExecuteRequest = DriverRequest<ExecuteParams>
public typealias ShellRequest = DriverRequest<ShellParams>
public typealias InstallRequest = DriverRequest<InstallParams>

/// Limits shared by execute, shell and install (defined with the wire, in DriverProtocol).
public typealias RequestDefaults = RunLimits

/// An install's result (the wire's `InstallReply`).
public typealias InstallOutcome = InstallReply

extension DriverError {
    /// A bad field of a request: -32602 naming it.
    public init(_ e: WireError) { self = .invalidParams(e.message) }
}
