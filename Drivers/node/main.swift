import DriverKit
import DriverProtocol

// The Node driver: JavaScript on Debian's /usr/bin/node in a bubblewrap sandbox per session. One node
// runner per session runs each execution in a fresh vm context, so node's start (~270 ms here) is paid at
// session.open, not per execution.
//
// Capability figures (measured, see bench/exec_bench.py): startupMs is a warm execution's round trip (a cold
// session needs ~200 ms to its first result), memoryMB the PSS of an idle session's processes. isolationLevel 6: namespaces (pid, mount, net, ipc, uts, user) +
// cgroup memory/pids limits + unprivileged uid + no_new_privs. Executions in one session share the runner
// process (fresh globals, same heap), which is weaker than a process per execution: documented, not hidden.
let capabilities = DriverCapabilities(
    languages: [.init(name: "javascript", aliases: ["nodejs", "node", "js"], extensions: [".js", ".mjs", ".cjs"])],
    runtimeType: "NodeJs", isolationLevel: 6, startupMs: 2, memoryMB: 48,
    packageManagers: ["npm"], stateful: true, interrupt: true, streaming: true, networkControl: true)

let npm = NpmInstaller(tool: .npm)
var flavor = RunnerFlavor(
    name: "node", version: "0.1.0", capabilities: capabilities,
    interpreter: "/usr/bin/node",
    installHint: "install Debian's nodejs: apt-get install -y nodejs",
    script: nodeRunnerScript, scriptFileName: "runner.mjs",
    env: ["NODE_DISABLE_COLORS": "1"].merging(npm.sessionEnv) { _, new in new }
) { node, script, options in
    // V8's heap limit below the cgroup limit, so a memory bomb ends as a clean heap error when possible.
    let heapMB = max(32, options.memoryLimitMB * 3 / 4)
    return [node, "--max-old-space-size=\(heapMB)", script, "--sandboxed"] + (options.stateful ? ["--stateful"] : [])
}

flavor.companionFiles = [RunnerFile(name: JSControlReader.fileName, text: JSControlReader.text)]
flavor.installer = npm  // install_packages into /workspace/node_modules, see docs/packages.md

DriverServer.run(RunnerDriver(flavor: flavor))
