public import DriverProtocol

/// The driver's side of `PackageSpec` (the grammar lives in DriverProtocol, shared with the host): refuses on
/// its own as defence in depth, with the operator's `PackagePolicy`, as an invalid-params error.
extension PackageSpec {
    public init(_ text: String, style: Style, policy: PackagePolicy = .current) throws(DriverError) {
        do throws(PackageSpecError) { self = try PackageSpec(text, style: style, allowURLs: policy.allowURLs) } catch {
            throw .invalidParams("package names: \(error.message)")
        }
    }

    /// A path spec from a shell install line (`npm install ../x` run in `cwd`) in the form the grammar accepts:
    /// resolved against `cwd` and written relative to /workspace (`./sub/x`). A path that leaves the workspace
    /// is returned unchanged, for the grammar to refuse with its reason.
    public static func rebased(_ spec: String, cwd: String) -> String {
        let full = spec.hasPrefix("/") ? spec : cwd + "/" + spec
        do throws(SandboxPathError) {
            let p = try SandboxPath(full)
            return p.isRoot ? "." : "./" + p.relative
        } catch { return spec }
    }

    /// pip's normalized project name (PEP 503) as wheel file names spell it: lower case, runs of -_. as `_`.
    public static func wheelName(_ name: String) -> String {
        var out = "", sep = false
        for ch in name.lowercased() {
            if ch == "-" || ch == "_" || ch == "." { sep = true; continue }
            if sep && !out.isEmpty { out.append("_") }
            sep = false
            out.append(ch)
        }
        return out
    }
}
