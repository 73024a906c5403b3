import DriverProtocol

extension SandboxPath {
    /// `path` (absolute, or relative to /workspace) as an absolute in-sandbox path, or nil when `SandboxPath`
    /// refuses it. For driver inputs that name a workspace file: requirements files, `--find-links`, `cwd`.
    public static func inside(_ path: String) -> String? {
        do throws(SandboxPathError) { return try SandboxPath(path).description } catch { return nil }
    }
}
