public import DriverProtocol
import Synchronization

/// The driver process's one channel for notifications not tied to a request (`capabilities.changed`,
/// `session.lost`): `DriverServer` installs it when it starts. Before that (unit tests) sends go nowhere.
public enum DriverNotifier: Sendable {
    public typealias Sink = @Sendable (_ method: String, _ params: JSONValue) -> Void
    private static let sink = Mutex<Sink?>(nil)

    public static func install(_ send: @escaping Sink) { sink.withLock { $0 = send } }

    public static func send(_ method: String, _ params: JSONValue) {
        sink.withLock { $0 }?(method, params)
    }
}
