import DriverProtocol

/// Maps the seed's session `permissions` ({allowRead, allowWrite, allowNet, allowEnv}) to Deno's flags.
/// Default: read and write inside /workspace only, no network, no environment, no subprocesses, no FFI.
/// Each value may be `true` (everything), `false`/absent (nothing, or the default), or a list.
struct DenoPermissions: Sendable, Equatable {
    enum Grant: Sendable, Equatable {
        case none
        case all
        case only([String])
    }

    var read: Grant = .only(["/workspace"])
    var write: Grant = .only(["/workspace"])
    var net: Grant = .none
    var env: Grant = .none

    enum Failure: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        var description: String { if case .invalid(let m) = self { return m }; return "" }
    }

    init() {}

    init(json: JSONValue?) throws(Failure) {
        guard let json, json != .null else { return }
        guard case .object = json else { throw .invalid("field 'options.permissions' must be an object") }
        read = try Self.grant(json["allowRead"], field: "allowRead", default: read)
        write = try Self.grant(json["allowWrite"], field: "allowWrite", default: write)
        net = try Self.grant(json["allowNet"], field: "allowNet", default: .none)
        env = try Self.grant(json["allowEnv"], field: "allowEnv", default: .none)
    }

    private static func grant(_ v: JSONValue?, field: String, default d: Grant) throws(Failure) -> Grant {
        guard let v, v != .null else { return d }
        if let b = v.bool { return b ? .all : .none }
        if let s = v.string { return s.isEmpty ? .none : .only([s]) }
        guard let a = v.array else {
            throw .invalid("field 'options.permissions.\(field)' must be a boolean or an array of strings")
        }
        var items: [String] = []
        for item in a {
            guard let s = item.string, !s.isEmpty, !s.contains(",") else {
                throw .invalid("field 'options.permissions.\(field)' must contain non-empty strings without commas")
            }
            items.append(s)
        }
        return items.isEmpty ? .none : .only(items)
    }

    /// Deno's flags, plus what the runner itself needs at start-up (revoked by the runner once it has
    /// opened its channels; reading its own staged program stays allowed).
    var flags: [String] {
        var out: [String] = []
        func flag(_ name: String, _ g: Grant, runner: [String]) {
            switch g {
            case .all: out.append("--allow-\(name)")
            case .none: if !runner.isEmpty { out.append("--allow-\(name)=" + runner.joined(separator: ",")) }
            case .only(let list): out.append("--allow-\(name)=" + (runner + list).joined(separator: ","))
            }
        }
        flag("read", read, runner: ["/proc/self/fd/7", "/tmp/cb/exec.ts", "/opt/codebeaker/deno-control.mjs"])
        flag("write", write, runner: ["/proc/self/fd/6", "/tmp/cb"])
        flag("net", net, runner: [])
        flag("env", env, runner: [])
        return out
    }
}
