import DriverKit
import Glibc

// codebeaker-sandbox: the DriverKit sandbox (SandboxService) for drivers written in any language.
// docs/driver-protocol.md, "The sandbox service (codebeaker-sandbox)", is the contract.

signal(SIGPIPE, SIG_IGN)
// SIGTERM/SIGINT cancel a run (see SandboxTool.run); blocked first thing so that one sent the moment the tool
// starts is not lost but waits for the run's handler.
SandboxTool.blockCancelSignals()
switch SandboxToolArguments.parse(Array(CommandLine.arguments.dropFirst())) {
case .failure(let e):
    FD.writeAll(2, Array("codebeaker-sandbox: \(e.message)\n\(SandboxToolArguments.usage)".utf8))
    exit(2)
case .success(.version):
    FD.writeAll(1, Array("codebeaker-sandbox \(SandboxTool.version)\n".utf8))
    exit(0)
case .success(.close(let session)):
    exit(SandboxTool.close(session: session))
case .success(.run(let options)):
    exit(SandboxTool.run(options))
}
