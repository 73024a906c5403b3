/// The Deno runner, Resources/deno-runner.ts: one deno process per session sandbox, started with the session's
/// permission flags. Each execution is a fresh module (`/tmp/cb/exec.ts?job=N`, TypeScript compiled by Deno
/// itself); relative imports from it resolve into /workspace through the import map's scope.
///
/// Channels (set up by the shell wrapper in DenoLaunch): fd 7 = control in (a pipe fed from the driver's
/// socket), fd 6 = control out, fd 1/2 = the current job's stdout/stderr, fd 0 = /dev/null.
/// Deno cannot use the socket on fd 3 directly, hence the pipes.
let denoRunnerScript = String(decoding: PackageResources.deno_runner_ts, as: UTF8.self)

/// The control reader, Resources/deno-control.mjs: blocking reads of fd 7 in a worker thread, posted to the
/// runner (which can then unref the worker while a job runs, so 'beforeunload' marks the job's end).
let denoControlScript = String(decoding: PackageResources.deno_control_mjs, as: UTF8.self)
