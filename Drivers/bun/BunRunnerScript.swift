/// The Bun runner, Resources/bun-runner.mjs: one bun process per session sandbox. Each execution is a fresh
/// module file (`/tmp/cb/exec_N.ts`, TypeScript transpiled by Bun); a runtime plugin resolves its relative
/// imports against /workspace. Channels as for Deno (see BunRuntime.command): fd 7 control in, fd 6 control
/// out, fd 1/2 the current job's output, fd 0 /dev/null.
let bunRunnerScript = String(decoding: PackageResources.bun_runner_mjs, as: UTF8.self)

/// Resources/bun-control.js: blocking reads of the control pipe (fd 7) in a worker thread, so the runner can
/// unref it during a job.
let bunControlScript = String(decoding: PackageResources.bun_control_js, as: UTF8.self)
