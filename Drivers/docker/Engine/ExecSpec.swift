import DriverProtocol

/// The body of `POST /containers/{id}/exec`.
struct ExecSpec: Sendable, Equatable {
    var cmd: [String]
    var env: [String] = []
    var workingDir: String? = nil
    var user: String? = nil
    var attachStdin = false

    var json: JSONValue {
        var o: JSONObject = [
            "AttachStdin": .bool(attachStdin), "AttachStdout": true, "AttachStderr": true,
            "Tty": false, "Cmd": JSONValue(cmd),
        ]
        if !env.isEmpty { o["Env"] = JSONValue(env) }
        if let workingDir { o["WorkingDir"] = .string(workingDir) }
        if let user { o["User"] = .string(user) }
        return .object(o)
    }
}
