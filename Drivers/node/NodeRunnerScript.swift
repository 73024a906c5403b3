import DriverKit

/// The Node runner, Resources/runner.mjs: one node process per session sandbox running each job in a fresh vm
/// context (see RunnerProcess for the protocol). Embedded at build time; written to
/// /var/lib/codebeaker/runners/node/ at session open, next to the control reader it imports.
let nodeRunnerScript = String(decoding: PackageResources.runner_mjs, as: UTF8.self)
