import Dispatch
import Glibc

/// SIGHUP revives failed drivers (fresh restart budget, the binary on disk started again), so an operator who
/// fixed or replaced a driver does not have to restart the host and drop every session; it also rescans the
/// drivers directories at once (the host polls them anyway) and restarts `unavailable` drivers, whose runtime may
/// have been installed since. `systemctl reload codebeaker` sends it.
final class ReviveOnHangup: @unchecked Sendable {
    /// Set once at startup and never changed: the signal source must stay alive for the life of the process.
    nonisolated(unsafe) private static var installed: ReviveOnHangup?
    private let source: any DispatchSourceSignal

    private init(_ registry: DriverRegistry) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler {
            registry.reviveFailed()
            Task { await registry.rescan(retryUnavailable: true) }
        }
        source.resume()
    }

    static func install(_ registry: DriverRegistry) {
        guard installed == nil else { return }
        installed = ReviveOnHangup(registry)
    }
}
