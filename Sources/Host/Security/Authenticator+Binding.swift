import FoundationEssentials
import Glibc
import Transport

extension Authenticator {
    /// The listening rule: without tokens the server accepts anonymous clients, so it may only listen on
    /// loopback (127.0.0.0/8, ::1, localhost) unless the operator passes `--insecure` explicitly.
    public static func bindingAllowed(host: String, tokensConfigured: Bool, insecure: Bool) -> Result<
        Void, BindingError
    > {
        if tokensConfigured || insecure || isLoopback(host) { return .success(()) }
        return .failure(
            BindingError(
                message:
                    "refusing to listen on \(host) without authentication tokens: configure tokens (config \"tokens\" or CODEBEAKER_TOKENS=principal:token), listen on 127.0.0.1, or pass --insecure"
            ))
    }

    public struct BindingError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// 127.0.0.0/8 in dotted-quad form, ::1 in any spelling (also bracketed, also v4-mapped 127.x), localhost.
    public static func isLoopback(_ host: String) -> Bool { HostAddress.isLoopback(host) }
}
