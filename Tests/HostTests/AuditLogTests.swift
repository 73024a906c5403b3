import DriverProtocol
import Foundation
import Glibc
import Synchronization
import Testing

@testable import Host

/// File-system behaviour of the audit log in a temp dir, with chosen days and an injected clock.
@Suite(.serialized) final class AuditLogTests {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "audit-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & 0o777 : 0
    }

    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func store_CreatesFile0600InDirectory0700() throws {
        let dir = root + "/a/b/audit"
        var store = AuditFileStore(directory: dir, retentionDays: 90)
        try store.append(Array("one\n".utf8), day: 20_779)
        try store.append(Array("two\n".utf8), day: 20_779)
        store.closeFile()
        let file = dir + "/audit-2026-11-22.jsonl"
        #expect(lines(file) == ["one", "two"])
        #expect(mode(file) == 0o600)
        #expect(mode(dir) == 0o700)
    }

    @Test func store_TightensAPermissiveExistingFileAndDirectory() throws {
        let dir = root + "/loose"
        mkdir(dir, 0o777); chmod(dir, 0o777)
        let file = dir + "/audit-2026-11-22.jsonl"
        _ = FileManager.default.createFile(
            atPath: file, contents: Data("old\n".utf8), attributes: [.posixPermissions: 0o644])
        var store = AuditFileStore(directory: dir, retentionDays: 90)
        try store.append(Array("new\n".utf8), day: 20_779)
        store.closeFile()
        #expect(mode(file) == 0o600)
        #expect(mode(dir) == 0o700)
        #expect(lines(file) == ["old", "new"])
    }

    @Test func store_RotatesDaily() throws {
        var store = AuditFileStore(directory: root, retentionDays: 90)
        try store.append(Array("a\n".utf8), day: 20_779)
        try store.append(Array("b\n".utf8), day: 20_780)
        try store.append(Array("c\n".utf8), day: 20_780)
        store.closeFile()
        #expect(lines(root + "/audit-2026-11-22.jsonl") == ["a"])
        #expect(lines(root + "/audit-2026-11-23.jsonl") == ["b", "c"])
    }

    @Test func store_DeletesFilesOlderThanRetention_AndNothingElse() throws {
        for name in [
            "audit-2026-08-23.jsonl", "audit-2026-08-24.jsonl", "audit-2025-01-01.jsonl", "audit-garbage.jsonl",
            "notes.txt",
        ] {
            _ = FileManager.default.createFile(atPath: root + "/" + name, contents: Data())
        }
        var store = AuditFileStore(directory: root, retentionDays: 90)
        // 2026-11-22 minus 90 days is 2026-08-24: that file is kept, the 08-23 one and older go.
        try store.append(Array("x\n".utf8), day: 20_779)
        store.closeFile()
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: root))
        #expect(left == ["audit-2026-08-24.jsonl", "audit-garbage.jsonl", "notes.txt", "audit-2026-11-22.jsonl"])
    }

    @Test func store_FailsWithAnErrorNamingThePath_WhenTheDirectoryCannotExist() {
        _ = FileManager.default.createFile(atPath: root + "/file", contents: Data())
        var store = AuditFileStore(directory: root + "/file/audit", retentionDays: 90)
        #expect(throws: AuditFileStore.Failure.self) { try store.append(Array("x\n".utf8), day: 1) }
        do { try store.append(Array("x\n".utf8), day: 1) } catch { #expect(error.description.contains(root + "/file")) }
    }

    @Test func store_ReopensWhenTheFileOrDirectoryIsRemoved() throws {
        let dir = root + "/gone"
        var store = AuditFileStore(directory: dir, retentionDays: 90)
        try store.append(Array("a\n".utf8), day: 5)
        try FileManager.default.removeItem(atPath: dir)
        try store.append(Array("b\n".utf8), day: 5)
        store.closeFile()
        #expect(lines(dir + "/" + AuditFileStore.fileName(day: 5)) == ["b"])
        #expect(mode(dir) == 0o700)
    }

    final class Captured: Sendable {
        let lines = Mutex<[String]>([])
        var sink: Logger.Sink { Logger.Sink { line in self.lines.withLock { $0.append(line) } } }
        var count: Int { lines.withLock { $0.count } }
    }

    @Test func log_WriteFailure_NeverThrows_LogsOnce_CountsEveryLostEvent_AndRecovers() {
        _ = FileManager.default.createFile(atPath: root + "/file", contents: Data())
        let counter = Counter()
        let captured = Captured()
        let log = AuditLog(
            directory: root + "/file/audit", retentionDays: 90, redactor: AuditRedactor(tokens: []),
            failures: counter, logger: Logger("audit", sink: captured.sink))
        for i in 0..<5 {
            log.record(.codeExecution, principal: "p", session: "s", outcome: .success, details: ["i": .int(i)])
            #expect(log.flush())
        }
        #expect(counter.current == 5)
        #expect(captured.count == 1)
        #expect(captured.lines.withLock { $0.first?.contains("dropped") == true })
        // The obstacle goes away: the next event is written and the recovery is logged once.
        try? FileManager.default.removeItem(atPath: root + "/file")
        log.record(.codeExecution, principal: "p", session: "s", outcome: .success)
        log.record(.codeExecution, principal: "p", session: "s", outcome: .success)
        log.close()
        #expect(counter.current == 5)
        #expect(captured.count == 2)
        #expect(captured.lines.withLock { $0.last?.contains("succeed again") == true })
        #expect(lines(root + "/file/audit/" + AuditFileStore.fileName(day: UTCTime.dayNumber(Date()))).count == 2)
    }

    @Test func log_AppliesRetentionAtStart() {
        let old = root + "/" + AuditFileStore.fileName(day: UTCTime.dayNumber(Date()) - 91)
        let kept = root + "/" + AuditFileStore.fileName(day: UTCTime.dayNumber(Date()) - 90)
        _ = FileManager.default.createFile(atPath: old, contents: Data())
        _ = FileManager.default.createFile(atPath: kept, contents: Data())
        let log = AuditLog(
            directory: root, retentionDays: 90, redactor: AuditRedactor(tokens: []), failures: Counter(),
            logger: Logger("audit", sink: Logger.Sink { _ in }))
        #expect(log.flush())
        log.close()
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(FileManager.default.fileExists(atPath: kept))
    }

    @Test func log_WritesRedactedLinesIntoTheFileOfTheirUTCDay() throws {
        let clock = Mutex<Double>(1_795_312_984)  // 2026-11-22T02:03:04Z
        let now: @Sendable () -> Date = { Date(timeIntervalSince1970: clock.withLock { $0 }) }
        let counter = Counter()
        let log = AuditLog(
            directory: root, retentionDays: 90, redactor: AuditRedactor(tokens: ["tok-secret-1"]), failures: counter,
            clock: now)
        log.record(
            .sessionCreate, principal: "alice", session: "s1", outcome: .success, details: ["note": "tok-secret-1"])
        clock.withLock { $0 += 86_400 }
        log.record(.sessionDestroy, principal: "alice", session: "s1", outcome: .success)
        log.close()
        log.record(.fileRead, principal: "late", session: nil, outcome: .success)  // after close: dropped, counted
        let day1 = lines(root + "/audit-2026-11-22.jsonl"), day2 = lines(root + "/audit-2026-11-23.jsonl")
        #expect(day1.count == 1 && day2.count == 1)
        #expect(day1.first?.contains("SessionCreate") == true)
        #expect(day1.first?.contains("tok-secret-1") == false)
        #expect(day2.first?.contains("SessionDestroy") == true)
        #expect(counter.current == 1)
    }

    @Test func log_QueueCap_DropsAndCountsInsteadOfGrowing() {
        let counter = Counter()
        let log = AuditLog(
            directory: root, retentionDays: 90, redactor: AuditRedactor(tokens: []), failures: counter,
            logger: Logger("audit", sink: Logger.Sink { _ in }), maxQueuedBytes: 10)
        for _ in 0..<3 { log.record(.fileRead, principal: "p", session: nil, outcome: .success) }
        log.close()
        #expect(counter.current == 3)
    }

    /// Every one of many quick records lands; prints the caller's cost of `record` (the hot path) next to
    /// encoding plus a synchronous O_APPEND write per event, the alternative design.
    @Test func log_ManyRecords_AllLand_AndCallerCostIsReported() throws {
        let n = 5_000
        let counter = Counter()
        let log = AuditLog(
            directory: root + "/bench", retentionDays: 90, redactor: AuditRedactor(tokens: ["tok-0123456789"]),
            failures: counter)
        let clock = ContinuousClock()
        let queued = clock.measure {
            for i in 0..<n {
                log.record(
                    .codeExecution, principal: "alice", session: "sess-1", outcome: .success,
                    details: ["language": "python", "durationMs": .int(i)])
            }
        }
        log.close()
        #expect(lines(root + "/bench/" + AuditFileStore.fileName(day: UTCTime.dayNumber(Date()))).count == n)
        #expect(counter.current == 0)

        let redactor = AuditRedactor(tokens: ["tok-0123456789"])
        let fd = open(root + "/direct.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        defer { close(fd) }
        let direct = clock.measure {
            for i in 0..<n {
                let line = AuditRecord(
                    time: Date(), principal: "alice", session: "sess-1", event: .codeExecution, outcome: .success,
                    details: ["language": "python", "durationMs": .int(i)]
                ).line(redactor: redactor)
                _ = line.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            }
        }
        let perQueued =
            Double(queued.components.attoseconds / 1_000_000_000 + queued.components.seconds * 1_000_000_000)
            / Double(n)
        let perDirect =
            Double(direct.components.attoseconds / 1_000_000_000 + direct.components.seconds * 1_000_000_000)
            / Double(n)
        print(
            "audit record (encode+redact+enqueue): \(Int(perQueued)) ns/event; encode+direct O_APPEND write: \(Int(perDirect)) ns/event"
        )
    }

    /// Issue 12 (#3): a refused request carrying a 9 MB string was dropped by the 8 MiB queue cap, so the
    /// refusal left no trace. Every client string in an event is capped, so the event is written. (Scaled
    /// down 64 times, queue cap included, to stay cheap next to the other suites.)
    @Test func log_HugeClientStrings_AreCappedNotDropped() throws {
        let counter = Counter()
        let log = AuditLog(
            directory: root, retentionDays: 90, redactor: AuditRedactor(tokens: []), failures: counter,
            logger: Logger("audit", sink: Logger.Sink { _ in }), maxQueuedBytes: 128 << 10)
        let huge = String(repeating: "r", count: 144 << 10)
        log.record(
            .securityViolation, principal: "p", session: "s", outcome: .denied,
            details: [
                "language": .string(huge), "message": .string("rejected: \(huge)"),
                "args": .array(Array(repeating: .string(huge), count: 3)), .init(stringLiteral: huge): "key",
            ])
        log.close()
        #expect(counter.current == 0)
        let written = lines(root + "/" + AuditFileStore.fileName(day: UTCTime.dayNumber(Date())))
        #expect(written.count == 1)
        #expect((written.first?.utf8.count ?? .max) < 24 << 10)
        let v = try JSONParser.parse(Array(written[0].utf8))
        #expect(v["event"] == "SecurityViolation")
        #expect(v["details"]?["language"]?.string?.hasPrefix("rrrr") == true)
        #expect(v["details"]?["language"]?.string?.hasSuffix("…") == true)
    }
}
