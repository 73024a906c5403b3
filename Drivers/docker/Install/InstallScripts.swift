import DriverKit

/// What runs inside the short-lived install container (written there by cb-runner as the session uid): for pip
/// the shared `PipBootScript`; for npm the wrapper below. Both print, after `marker`, what was installed, so the
/// answer lists `installed` like the native drivers' (docs/packages.md). Package names reach them only as argv.
enum DockerInstallScripts {
    /// `PipBootScript.marker`; spelled out in the npm wrapper below.
    static let marker = PipBootScript.marker
    static let pipPath = "/tmp/cb_pip_boot.py"
    static let npmPath = "/tmp/cb_npm_install.js"

    /// `node cb_npm_install.js ROOT NPM-ARGS...` (Resources/npm-install.js): npm as a child; the marker line
    /// lists the `ROOT/<name>/package.json` files that appeared or changed version.
    static let npm = String(decoding: PackageResources.npm_install_js, as: UTF8.self)
}
