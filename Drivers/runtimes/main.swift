import DriverKit
import FoundationEssentials
import Glibc
import LinuxSystem
import Synchronization

// The runtimes driver: any number of languages declared by JSON manifests (docs/runtimes.md), each run in the
// session's bubblewrap sandbox. Manifest directories: CODEBEAKER_RUNTIMES_DIRS, else the shipped one and
// /etc/codebeaker/runtimes.d; they are polled, so a new manifest needs no rebuild and no restart.
let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
let dirs = ManifestDirectories.resolve(executable: exe, environment: ProcessInfo.processInfo.environment)
DriverLog.info("runtime manifest directories: \(dirs.joined(separator: ":"))")
BuildDirectory.removeStale()
let catalog = Catalog(scanner: ManifestScanner(directories: dirs))

// Probe the versions before the handshake when that is quick (the host waits 10 s for it); a probe still
// running later is announced with capabilities.changed when it ends.
let firstScanDone = Mutex(false)
Task.detached {
    await catalog.refresh()
    firstScanDone.withLock { $0 = true }
}
let deadline = MonotonicClock.now() + 4
while !firstScanDone.withLock({ $0 }) && MonotonicClock.now() < deadline { usleep(20_000) }

DriverServer.run(RuntimesDriver(catalog: catalog))
