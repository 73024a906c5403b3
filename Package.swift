// swift-tools-version:6.2
import PackageDescription

// Strict settings for every library and executable target (see docs/architecture.md): imports are internal
// unless a file says `public import` (each module its public API shows).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // The successor of -require-explicit-sendable (a diagnostic group since Swift 6.2).
    .treatWarning("ExplicitSendable", as: .error),
]
/// Test targets: the same checks, with ExplicitSendable a warning and imports as before (they use @testable).
let testing: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatWarning("ExplicitSendable", as: .warning),
]

/// A driver executable; `resources`: its runner programs (Drivers/<name>/Resources), embedded as bytes so the
/// driver stays a single binary.
func driver(_ name: String, resources: [String] = []) -> Target {
    .executableTarget(
        name: "codebeaker-driver-\(name)",
        dependencies: ["DriverKit", "LinuxSystem"],
        path: "Drivers/\(name)",
        resources: resources.map { .embedInCode("Resources/\($0)") },
        swiftSettings: strict
    )
}

/// The browser playground (Sources/Host/Playground): its page and modules, and the JavaScript SDK (`sdk/` holds
/// symlinks to clients/js/src, so the page runs the SDK's own files).
let playgroundFiles =
    ["playground.html", "playground.css", "favicon.svg"]
    + ["main", "connection", "editor", "highlight", "output", "languages", "files", "server", "run"].map {
        "pg-\($0).js"
    }
    + ["index", "client", "rpc", "session", "execution", "results", "errors", "diagnose"].map { "sdk/\($0).js" }

let package = Package(
    name: "CodeBeaker",
    products: [
        .executable(name: "codebeaker", targets: ["CodeBeaker"]),
        .executable(name: "codebeaker-driver-python", targets: ["codebeaker-driver-python"]),
        .executable(name: "codebeaker-driver-node", targets: ["codebeaker-driver-node"]),
        .executable(name: "codebeaker-driver-deno", targets: ["codebeaker-driver-deno"]),
        .executable(name: "codebeaker-driver-bun", targets: ["codebeaker-driver-bun"]),
        .executable(name: "codebeaker-driver-docker", targets: ["codebeaker-driver-docker"]),
        .executable(name: "codebeaker-sandbox", targets: ["codebeaker-sandbox"]),
        .executable(name: "codebeaker-driver-runtimes", targets: ["codebeaker-driver-runtimes"]),
        .library(name: "DriverProtocol", targets: ["DriverProtocol"]),
        .library(name: "DriverKit", targets: ["DriverKit"]),
        .library(name: "LinuxSystem", targets: ["LinuxSystem"]),
    ],
    targets: [
        // Linux syscalls Glibc does not expose (epoll, eventfd, pidfd) and a fork/exec spawner.
        .target(
            name: "CSystem", path: "Sources/CSystem", cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("m")]),
        // The system layer: fds and the one syscall wrapper, one thread type, one clock, timestamps, the
        // spawner and one-shot process runs, the mount table. Knows nothing of the wire.
        .target(name: "LinuxSystem", dependencies: ["CSystem"], swiftSettings: strict),
        // Wire types shared by the host and every driver: JSON, line framing, messages.
        .target(name: "DriverProtocol", dependencies: ["CSystem"], swiftSettings: strict),
        // Driver-side library: stdio loop, process spawning, sandbox, workspace.
        .target(
            name: "DriverKit", dependencies: ["DriverProtocol", "LinuxSystem", "CSystem"], exclude: ["README.md"],
            resources: ["control.mjs", "pip_boot.py", "npm-wrapper.js"].map { .embedInCode("Resources/\($0)") },
            swiftSettings: strict),
        // The transport: epoll event loop, HTTP/1.1, WebSocket. Knows nothing of JSON-RPC or sessions (JSON
        // for error bodies comes from DriverProtocol's writer).
        .target(
            name: "Transport", dependencies: ["DriverProtocol", "LinuxSystem", "CSystem"],
            swiftSettings: strict),
        // The server: JSON-RPC, sessions, supervision, security, metrics, workspaces.
        .target(
            name: "Host", dependencies: ["Transport", "DriverProtocol", "LinuxSystem", "CSystem"],
            resources: [.embedInCode("Resources/usage.txt")]
                + playgroundFiles.map { .embedInCode("Resources/playground/\($0)") },
            swiftSettings: strict),
        .executableTarget(name: "CodeBeaker", dependencies: ["Host"], swiftSettings: strict),
        driver("python", resources: ["runner.py"]),
        driver("node", resources: ["runner.mjs"]),
        driver("deno", resources: ["deno-runner.ts", "deno-control.mjs"]),
        driver("bun", resources: ["bun-runner.mjs", "bun-control.js"]),
        driver("docker", resources: ["python-forkserver.py", "npm-install.js"]),
        // The sandbox as a command for drivers in any language (docs/driver-protocol.md, "The sandbox service").
        .executableTarget(
            name: "codebeaker-sandbox", dependencies: ["DriverKit", "DriverProtocol", "LinuxSystem", "CSystem"],
            path: "Sources/SandboxTool", swiftSettings: strict),
        // Any number of languages from JSON runtime manifests (docs/runtimes.md).
        driver("runtimes"),
        .testTarget(name: "LinuxSystemTests", dependencies: ["LinuxSystem", "CSystem"], swiftSettings: testing),
        .testTarget(name: "DriverProtocolTests", dependencies: ["DriverProtocol"], swiftSettings: testing),
        .testTarget(name: "DriverKitTests", dependencies: ["DriverKit"], swiftSettings: testing),
        .testTarget(
            name: "HostTests", dependencies: ["Host", "Transport", "LinuxSystem"], exclude: ["Fixtures"],
            swiftSettings: testing),
        .testTarget(
            name: "SandboxToolTests", dependencies: ["codebeaker-sandbox"], swiftSettings: testing),
        .testTarget(
            name: "DockerDriverTests", dependencies: ["codebeaker-driver-docker", "LinuxSystem"], swiftSettings: testing
        ),
        .testTarget(
            name: "RuntimesDriverTests", dependencies: ["codebeaker-driver-runtimes", "DriverProtocol"],
            swiftSettings: testing),
    ]
)
