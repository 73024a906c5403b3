import DriverProtocol
import FoundationEssentials
import Glibc
import Synchronization

/// Structured log lines to stderr: `2026-11-22T01:02:03.456Z INFO  [component] message key=value`,
/// or one JSON object per line with `--log-format json`.
public struct Logger: Sendable {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public var name: String { ["debug", "info", "warning", "error"][rawValue] }
        public init?(name: String) {
            guard
                let l = Level.allCases.first(where: {
                    $0.name == name.lowercased() || (name.lowercased() == "warn" && $0 == .warning)
                })
            else { return nil }
            self = l
        }
    }
    public enum Format: String, Sendable { case text, json }

    /// Where lines go; tests install an in-memory sink.
    public final class Sink: Sendable {
        let write: @Sendable (String) -> Void
        public init(_ write: @escaping @Sendable (String) -> Void) { self.write = write }
        public static let stderr = Sink { StandardIO.err($0) }
    }

    private static let settings = Mutex<(Level, Format)>((.info, .text))
    public static func configure(level: Level, format: Format) { settings.withLock { $0 = (level, format) } }

    public let component: String
    public let sink: Sink

    public init(_ component: String, sink: Sink = .stderr) {
        self.component = component
        self.sink = sink
    }

    public func debug(_ message: @autoclosure () -> String, _ fields: [String: String] = [:]) {
        log(.debug, message(), fields)
    }
    public func info(_ message: @autoclosure () -> String, _ fields: [String: String] = [:]) {
        log(.info, message(), fields)
    }
    public func warning(_ message: @autoclosure () -> String, _ fields: [String: String] = [:]) {
        log(.warning, message(), fields)
    }
    public func error(_ message: @autoclosure () -> String, _ fields: [String: String] = [:]) {
        log(.error, message(), fields)
    }

    public func log(_ level: Level, _ message: @autoclosure () -> String, _ fields: [String: String] = [:]) {
        let (minimum, format) = Self.settings.withLock { $0 }
        guard level >= minimum else { return }
        let time = Date().formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).dateSeparator(.dash))
        switch format {
        case .text:
            var line = "\(time) \(level.name.uppercased().padded(to: 7)) [\(component)] \(Self.clean(message()))"
            for key in fields.keys.sorted() { line += " \(Self.clean(key))=\(Self.clean(fields[key]!))" }
            sink.write(line + "\n")
        case .json:
            var o: [(String, String)] = [
                ("time", time), ("level", level.name), ("component", component), ("message", Self.capped(message())),
            ]
            for key in fields.keys.sorted() { o.append((Self.capped(key), Self.capped(fields[key]!))) }
            var out: [UInt8] = [UInt8(ascii: "{")]
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                JSONWriter.writeString(v, into: &out)
            }
            out.append(contentsOf: Array("}\n".utf8))
            sink.write(String(decoding: out, as: UTF8.self))
        }
    }

    /// At most this many bytes of any message or field value reach a log line (client text can be long).
    static let maxPartBytes = 2048

    static func capped(_ s: String) -> String {
        guard s.utf8.count > maxPartBytes else { return s }
        return OutputSanitizer.sanitize(s, limit: maxPartBytes).text + "…"
    }

    /// For the text format: capped, and control characters escaped (`\n`, `\u{1b}`), so a value (a client's
    /// string, a driver's stderr) cannot forge a log line, hide text or drive a terminal: C0, DEL, C1 and the
    /// Unicode line and paragraph separators.
    static func clean(_ s: String) -> String {
        let c = capped(s)
        guard c.unicodeScalars.contains(where: needsEscape) else { return c }
        var out = ""
        for scalar in c.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where needsEscape(scalar): out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029
    }
}
