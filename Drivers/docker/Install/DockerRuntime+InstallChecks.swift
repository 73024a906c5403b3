import DriverKit
import DriverProtocol

/// The shared install rules that need the workspace, run in the session's own container (session uid,
/// offline, so a symlink cannot make the driver read a host file): `--find-links` only to directories, and
/// package.json dependencies vetted like `packages` (see docs/packages.md).
extension DockerRuntime {
    func checkFindLinksAreDirectories(_ paths: [String], session s: DockerSession) async throws {
        guard !paths.isEmpty else { return }
        let spec = runSpec(
            s,
            argv: ["/bin/sh", "-c", "for p; do test -d \"$p\" || { printf %s \"$p\"; exit 1; }; done", "sh"] + paths,
            cwd: SandboxPath.mountPoint, env: [:], stdin: nil, timeoutMs: 10_000, maxOutput: 4096, file: nil)
        let r = try await run(s, spec, timeoutMs: 10_000, events: .discard())
        guard r.succeeded else {
            throw DriverError.invalidParams(
                "flags: --find-links \"\(r.stdout.prefix(80))\" must be a directory under /workspace (a links page could point pip at any URL)"
            )
        }
    }

    func vetPackageJSON(session s: DockerSession, policy: PackagePolicy) async throws {
        let path = SandboxPath.mountPoint + "/package.json"
        let spec = runSpec(
            s, argv: ["/bin/sh", "-c", "test -e \"$1\" || exit 3; exec cat -- \"$1\"", "sh", path],
            cwd: SandboxPath.mountPoint, env: [:], stdin: nil, timeoutMs: 10_000,
            maxOutput: PackageJSONDependencies.maxBytes + 1, file: nil)
        let r = try await run(s, spec, timeoutMs: 10_000, events: .discard())
        if r.exitCode == 3 { return }
        guard r.succeeded else {
            throw DriverError.invalidParams(
                "\(path): cannot read it: \(r.stderr.split(separator: "\n").last.map(String.init) ?? "exit \(r.exitCode ?? -1)")"
            )
        }
        guard !r.stdoutTruncated else {
            throw DriverError.invalidParams("\(path) is larger than \(PackageJSONDependencies.maxBytes) bytes")
        }
        try PackageJSONDependencies.vet(r.stdout, file: path, policy: policy)
    }
}
