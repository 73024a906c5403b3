/// The Python runner, Resources/runner.py: a fork server that runs inside the session sandbox (see RunnerProcess
/// for the protocol). Embedded at build time so the driver is a single executable; written to
/// /var/lib/codebeaker/runners/python/ at session open.
let pythonRunnerScript = String(decoding: PackageResources.runner_py, as: UTF8.self)
