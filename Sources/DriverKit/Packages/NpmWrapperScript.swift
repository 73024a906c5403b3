/// Runs inside the install sandbox as `node -e SCRIPT -- NODE_MODULES TOOL ARGS...`: runs the installer with
/// inherited stdio (so its lines stream), then prints one marker line listing the packages whose
/// `node_modules/<name>/package.json` appeared or changed version. It only reads JSON; nothing from the
/// workspace is executed.
enum NpmWrapperScript {
    static let marker = "@@codebeaker-installed@@"

    /// Resources/npm-wrapper.js (it spells out `marker`), embedded at build time.
    static let text = String(decoding: PackageResources.npm_wrapper_js, as: UTF8.self)
}
