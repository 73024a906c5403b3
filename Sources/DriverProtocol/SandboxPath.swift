/// A path inside the sandbox's workspace, checked lexically: no file system access happens here. The one rule
/// set for client paths, used by the host (file commands, `cwd`, `requirementsFile`, its security pre-check)
/// and by the drivers (requirements files, `--find-links`, local package paths, `package.json` `file:` specs).
///
/// Accepted: `/workspace`, `/workspace/a/b`, `a/b`, `./a/../b`. Refused (`SandboxPathError.Reason`): empty,
/// NUL, over 4096 bytes, control characters (C0, DEL, C1, U+2028/U+2029), any other absolute path
/// (`/etc/passwd`, `/workspace2/x`), `..` that climbs above the workspace, a first component starting with `~`
/// (a home directory to shells and installers), a component over 255 bytes.
///
/// The path is split on the byte `/`, not on Swift `Character`s: a `/` followed by a combining mark
/// (`"../\u{301}x"`) is one Character to Swift but a separator to the kernel, so a Character split would hide
/// the `..` from this check. Percent-encoding is not decoded (`%2e%2e` is a literal name), and look-alike dots
/// or slashes (U+2025, U+FF0E, U+2215) are literal names too: the kernel does not normalise them. `..` is
/// resolved lexically, which is only sound because file operations refuse every symlink on the way.
public struct SandboxPath: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The mount point clients and sandboxed code see.
    public static let mountPoint = "/workspace"
    public static let maxLength = 4096
    public static let maxComponentLength = 255

    /// Path components below the root; empty means the root itself.
    public var components: [String]

    public init(components: [String]) { self.components = components }

    public init(_ text: String) throws(SandboxPathError) {
        let b = Array(text.utf8)
        func fail(_ r: SandboxPathError.Reason) -> SandboxPathError { SandboxPathError(r, path: text) }
        if b.isEmpty { throw fail(.empty) }
        if b.contains(0) { throw fail(.nul) }
        if b.count > Self.maxLength { throw fail(.tooLong) }
        var rest = b[...]
        let mount = Array(Self.mountPoint.utf8)
        if b.first == UInt8(ascii: "/") {
            guard b.starts(with: mount), b.count == mount.count || b[mount.count] == UInt8(ascii: "/") else {
                throw fail(.outsideMount)
            }
            rest = b[mount.count...]
        }
        var out: [String] = []
        for part in rest.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if part.elementsEqual(".".utf8) { continue }
            if part.elementsEqual("..".utf8) {
                if out.isEmpty { throw fail(.climbsAbove) }
                out.removeLast()
                continue
            }
            if part.count > Self.maxComponentLength { throw fail(.componentTooLong) }
            out.append(String(decoding: part, as: UTF8.self))
        }
        // After the walk, so a climb is reported as one whatever else is wrong (the host audits climbs).
        if text.unicodeScalars.contains(where: Self.isControl) { throw fail(.controlCharacter) }
        if rest.first == UInt8(ascii: "~") { throw fail(.home) }  // `~`, `~/x`, `~user/x`
        components = out
    }

    /// C0, DEL, C1 and the Unicode line/paragraph separators: none belongs in a file name a client sends, and
    /// each can forge log lines or terminal output where the path is echoed.
    public static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029
    }

    public var isRoot: Bool { components.isEmpty }
    public var name: String { components.last ?? "" }
    public var parent: SandboxPath { SandboxPath(components: Array(components.dropLast())) }
    public func appending(_ name: String) -> SandboxPath { SandboxPath(components: components + [name]) }

    /// What the client sees: `/workspace/a/b`.
    public var description: String {
        components.isEmpty ? Self.mountPoint : Self.mountPoint + "/" + components.joined(separator: "/")
    }
    /// Relative to the root: `a/b` (empty for the root).
    public var relative: String { components.joined(separator: "/") }
}

/// Why a client path was refused. `message` names the client's path (never a host path) and keeps the wording
/// clients have always seen (`Invalid path: ...`, `Path outside the workspace: ...`).
public struct SandboxPathError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, Equatable, CaseIterable {
        case empty, nul, tooLong, controlCharacter, componentTooLong
        case outsideMount, climbsAbove, home
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, path: String) {
        self.reason = reason
        let m = SandboxPath.mountPoint
        message =
            switch reason {
            case .empty: "Invalid path: path is empty"
            case .nul: "Invalid path: contains a NUL byte"
            case .tooLong: "Invalid path: the path is \(path.utf8.count) bytes, the limit is \(SandboxPath.maxLength)"
            case .controlCharacter: "Invalid path: contains a control character"
            case .componentTooLong:
                "Invalid path: a component of \(path) is longer than \(SandboxPath.maxComponentLength) bytes"
            case .outsideMount: "Path outside the workspace: \(path) (absolute paths must be under \(m))"
            case .climbsAbove: "Path outside the workspace: \(path) (.. climbs above \(m))"
            case .home: "Path outside the workspace: \(path) (~ is a home directory; paths are under \(m))"
            }
    }

    /// True when the path names something outside the workspace (as opposed to being malformed).
    public var leavesWorkspace: Bool { reason == .outsideMount || reason == .climbsAbove || reason == .home }

    public var description: String { message }
}

extension SandboxPath {
    /// `path` (absolute, or relative to /workspace) as an absolute in-sandbox path, or nil when `SandboxPath`
    /// refuses it. For driver inputs that name a workspace file: requirements files, `--find-links`, `cwd`.
    public static func inside(_ path: String) -> String? {
        do throws(SandboxPathError) { return try SandboxPath(path).description } catch { return nil }
    }
}
