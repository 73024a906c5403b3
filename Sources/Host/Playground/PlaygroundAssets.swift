/// The playground's files, embedded at build time (Package.swift, `Resources/playground`): the page, its
/// styles and modules, and the JavaScript SDK (`sdk/`: symlinks to clients/js/src, so the page runs the same
/// client the SDK ships).
enum PlaygroundAssets {
    struct Asset: Sendable {
        let contentType: String
        let bytes: [UInt8]
    }

    static let html = "text/html; charset=utf-8"
    static let css = "text/css; charset=utf-8"
    static let js = "text/javascript; charset=utf-8"

    /// By URL path. The page itself is `/playground`; everything else lives below it.
    static let byPath: [String: Asset] = [
        "/playground": Asset(contentType: html, bytes: PackageResources.playground_html),
        "/playground/playground.css": Asset(contentType: css, bytes: PackageResources.playground_css),
        "/playground/favicon.svg": Asset(contentType: "image/svg+xml", bytes: PackageResources.favicon_svg),
        "/playground/pg-main.js": Asset(contentType: js, bytes: PackageResources.pg_main_js),
        "/playground/pg-connection.js": Asset(contentType: js, bytes: PackageResources.pg_connection_js),
        "/playground/pg-editor.js": Asset(contentType: js, bytes: PackageResources.pg_editor_js),
        "/playground/pg-highlight.js": Asset(contentType: js, bytes: PackageResources.pg_highlight_js),
        "/playground/pg-output.js": Asset(contentType: js, bytes: PackageResources.pg_output_js),
        "/playground/pg-languages.js": Asset(contentType: js, bytes: PackageResources.pg_languages_js),
        "/playground/pg-files.js": Asset(contentType: js, bytes: PackageResources.pg_files_js),
        "/playground/pg-server.js": Asset(contentType: js, bytes: PackageResources.pg_server_js),
        "/playground/pg-run.js": Asset(contentType: js, bytes: PackageResources.pg_run_js),
        "/playground/sdk/index.js": Asset(contentType: js, bytes: PackageResources.index_js),
        "/playground/sdk/client.js": Asset(contentType: js, bytes: PackageResources.client_js),
        "/playground/sdk/rpc.js": Asset(contentType: js, bytes: PackageResources.rpc_js),
        "/playground/sdk/session.js": Asset(contentType: js, bytes: PackageResources.session_js),
        "/playground/sdk/execution.js": Asset(contentType: js, bytes: PackageResources.execution_js),
        "/playground/sdk/results.js": Asset(contentType: js, bytes: PackageResources.results_js),
        "/playground/sdk/errors.js": Asset(contentType: js, bytes: PackageResources.errors_js),
        "/playground/sdk/diagnose.js": Asset(contentType: js, bytes: PackageResources.diagnose_js),
    ]
}
