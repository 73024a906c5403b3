import DriverKit
import DriverProtocol

// The Python driver: CPython 3 (Debian's /usr/bin/python3) in a bubblewrap sandbox per session, with a
// fork-server runner so an execution costs a fork, not an interpreter start.
//
// Capability figures (measured on the dev box, see bench/exec_bench.py): startupMs is a warm execution's
// round trip (the runner is started at session.open; a cold session needs ~110 ms to its first result),
// memoryMB the PSS of a busy session's processes (bwrap, supervisor, zygote and two warmed spares; after 30 s
// without a job the runner lets all but the supervisor go, about 3 MB). isolationLevel 6:
// namespaces (pid, mount, net, ipc, uts, user) + cgroup memory/pids limits + unprivileged uid + no_new_privs.
let capabilities = DriverCapabilities(
    languages: [.init(name: "python", aliases: ["python3", "py"], extensions: [".py"])],
    runtimeType: "Python", isolationLevel: 6, startupMs: 3, memoryMB: 15,
    packageManagers: ["pip"], stateful: true, interrupt: true, streaming: true, networkControl: true)

let pip = PipInstaller()
var flavor = RunnerFlavor(
    name: "python", version: "0.1.0", capabilities: capabilities,
    interpreter: "/usr/bin/python3",
    installHint: "install Debian's python3: apt-get install -y python3",
    script: pythonRunnerScript, scriptFileName: "runner.py",
    env: ["PYTHONDONTWRITEBYTECODE": "1"].merging(pip.sessionEnv) { _, new in new }
) { python, script, options in
    [python, "-s", script, "--sandboxed"] + (options.stateful ? ["--stateful"] : [])
}

flavor.compile = compiledRunner(interpreter: flavor.effectiveInterpreter)
flavor.installer = pip  // install_packages: a venv per session, see docs/packages.md
flavor.freshProcessPerJob = true  // runner.py forks each job from its zygote (not in stateful sessions)

DriverServer.run(RunnerDriver(flavor: flavor))
