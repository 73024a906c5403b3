/// The installer's entry point (Resources/pip_boot.py) inside the install sandbox, run by the system interpreter with `-I`:
/// `python3 -I pip_boot.py VENV install ARGS...`. It creates the session venv on first use and runs
/// Debian's pip *as if* inside the venv (prefix, scheme, shebangs, already-installed detection) while
/// nothing under the user-writable venv is importable: a `.pth`, `sitecustomize` or a fake `pip`/`keyring`
/// planted there by session code must not run while the installer has network.
public enum PipBootScript: Sendable {
    public static let marker = "@@codebeaker-installed@@"
    static let fileName = "pip_boot.py"

    /// Resources/pip_boot.py, embedded at build time.
    public static let text = String(decoding: PackageResources.pip_boot_py, as: UTF8.self)
}
