import DriverKit
import DriverProtocol
import LinuxSystem
import Synchronization

/// The languages of the manifest directories, kept current: `refresh` rereads them when their fingerprint
/// changes and probes versions (cached by argv and env; a failed probe is retried after `retryFailedAfter`).
/// Every published change bumps `revision`, which the driver turns into a `capabilities.changed`.
final class Catalog: Sendable {
    struct Probe: Sendable {
        var version: String?
        var reason: String?
        var at: Double
    }

    struct State {
        var fingerprint: String?
        var languages: [LanguageStatus] = []
        var probes: [[String]: Probe] = [:]
        var revision = 0
    }

    let scanner: ManifestScanner
    let probeTimeoutMs: Int
    let retryFailedAfter: Double
    private let state = Mutex(State())
    private let refreshing = AsyncGate()

    init(scanner: ManifestScanner, probeTimeoutMs: Int = 10_000, retryFailedAfter: Double = 60) {
        self.scanner = scanner; self.probeTimeoutMs = probeTimeoutMs; self.retryFailedAfter = retryFailedAfter
    }

    /// What a language says while its version probe has not answered yet.
    static let probeRunning = "version probe still running"

    var revision: Int { state.withLock { $0.revision } }
    var languages: [LanguageStatus] { state.withLock { $0.languages } }

    /// By name or alias, case-insensitively.
    func language(_ name: String) -> LanguageStatus? {
        let n = name.lowercased()
        return state.withLock { s in
            s.languages.first { $0.name == n } ?? s.languages.first { $0.manifest?.aliases.contains(n) ?? false }
        }
    }

    /// Waits while `name`'s version probe is still running (up to the probe timeout and a margin), so a session
    /// opened right after the driver starts gets the probe's verdict rather than "still running".
    func waitForProbe(_ name: String) async {
        let deadline = MonotonicClock.now() + Double(probeTimeoutMs) / 1000 + 5
        while language(name)?.unavailableReason == Self.probeRunning, MonotonicClock.now() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Rereads the directories if they changed (or a failed probe is due again) and probes what is new.
    func refresh() async {
        guard await refreshing.acquire() else { return }
        defer { refreshing.release() }
        let fingerprint = scanner.fingerprint()
        let now = MonotonicClock.now()
        let (changed, retry) = state.withLock { s in
            (
                s.fingerprint != fingerprint,
                s.languages.contains { l in
                    guard l.manifest != nil, l.unavailableReason != nil, let argv = Self.probeKey(l.manifest) else {
                        return false
                    }
                    return s.probes[argv].map { now - $0.at >= retryFailedAfter } ?? false
                }
            )
        }
        guard changed || retry else { return }
        let set = ManifestSet.merge(scanner.read())
        for case .broken(_, let e) in set.entries { DriverLog.warning("runtime manifest refused: \(e)") }
        // A failed probe that is due again keeps its verdict until the new one is in (no flapping to "running").
        let due = state.withLock { s -> Set<[String]> in
            s.fingerprint = fingerprint
            return Set(s.probes.filter { $0.value.reason != nil && now - $0.value.at >= retryFailedAfter }.map(\.key))
        }
        publish(set)  // languages whose probe is known are final now; the others say the probe is running
        let wanted = set.entries.compactMap { e -> (key: [String], argv: [String], env: [String: String])? in
            guard case .ok(let m) = e, let argv = m.version, let key = Self.probeKey(m) else { return nil }
            return state.withLock { $0.probes[key] } == nil || due.contains(key) ? (key, argv, m.env) : nil
        }
        guard !wanted.isEmpty else { return }
        let prepared: (workspace: String, etcDir: String)
        do throws(DriverError) { prepared = try RuntimeSandbox.prepareProbes() } catch {
            DriverLog.error("cannot prepare version probes: \(error)")
            return
        }
        // Four at a time: a box with 25 languages settles in a few seconds without a fork storm.
        let timeout = probeTimeoutMs
        await withTaskGroup(of: ([String], Probe).self) { group in
            var next = wanted.makeIterator()
            func add() {
                guard let w = next.next() else { return }
                group.addTask {
                    let r = await RuntimeSandbox.probe(w.argv, env: w.env, timeoutMs: timeout, prepared: prepared)
                    let (version, reason) = LanguageStatus.judge(probe: w.argv, r)
                    return (w.key, Probe(version: version, reason: reason, at: MonotonicClock.now()))
                }
            }
            for _ in 0..<4 { add() }
            for await (key, probe) in group {
                state.withLock { $0.probes[key] = probe }
                add()
            }
        }
        publish(set)
    }

    /// The probe cache key: argv plus the manifest's env (which may change what the probe finds).
    static func probeKey(_ m: Manifest?) -> [String]? {
        guard let m, let argv = m.version else { return nil }
        return argv + m.env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    private func publish(_ set: ManifestSet) {
        state.withLock { s in
            let langs = set.entries.map { e -> LanguageStatus in
                switch e {
                case .broken(let name, let error):
                    return LanguageStatus(
                        name: name, unavailableReason: "invalid runtime manifest: \(error)",
                        installHint: "fix or remove \(error.file)")
                case .ok(let m):
                    var l = LanguageStatus(name: m.name, manifest: m, installHint: LanguageStatus.hint(m))
                    if let key = Self.probeKey(m) {
                        if let p = s.probes[key] {
                            l.version = p.version; l.unavailableReason = p.reason
                        } else {
                            l.unavailableReason = Self.probeRunning
                        }
                    }
                    return l
                }
            }
            if langs != s.languages {
                s.languages = langs
                s.revision += 1
            }
        }
    }
}
