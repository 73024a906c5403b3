import Foundation
import Glibc
import Host
import Testing

/// Bounded file work: diff budget and line limit, streaming copy (issue 12 finding 2).
@Suite struct WorkspaceLimitsTests {
    /// Many identical lines with a distinct one every `every` lines, shifted by `offset`: the shape that
    /// makes Myers walk long snakes on thousands of diagonals.
    static func crafted(lines: Int, every: Int, offset: Int) -> String {
        var s = ""
        s.reserveCapacity(lines * 2)
        for i in 0..<lines { s += (i + offset) % every == 0 ? "x\(i)\n" : "a\n" }
        return s
    }

    @Test func diff_StopsAtItsStepBudget_WithAClearError() throws {
        var limits = Workspace.Limits()
        limits.maxDiffSteps = 1_000_000  // this pair needs about 2 million
        let t = TempWorkspace(limits: limits); defer { t.cleanup() }
        t.plant("a.txt", Self.crafted(lines: 60_000, every: 30, offset: 0))
        t.plant("b.txt", Self.crafted(lines: 60_000, every: 30, offset: 15))
        let start = Date()
        do {
            _ = try t.ws.diff("a.txt", otherPath: "b.txt")
            Issue.record("the diff finished within a budget it should exceed")
        } catch {
            #expect(
                error.kind == .tooLarge && error.message.contains("Diff too costly")
                    && error.message.contains("1000000 steps"))
        }
        #expect(Date().timeIntervalSince(start) < 20)
        // Ordinary diffs stay within it.
        t.plant("c.txt", "one\ntwo\nthree\n")
        #expect(
            try t.ws.diff("c.txt", content: "one\n2\nthree\n").stats == UnifiedDiff.Stats(additions: 1, deletions: 1))
    }

    @Test func diff_RefusesMoreLinesThanTheLimit() throws {
        var limits = Workspace.Limits()
        limits.maxDiffLines = 1000
        let t = TempWorkspace(limits: limits); defer { t.cleanup() }
        t.plant("big.txt", String(repeating: "a\n", count: 1001))
        do { _ = try t.ws.diff("big.txt", content: "a\n"); Issue.record("diffed") } catch {
            #expect(
                error.kind == .tooLarge
                    && error.message == "Cannot diff /workspace/big.txt: it has more than 1000 lines")
        }
        t.plant("ok.txt", String(repeating: "a\n", count: 1000))
        #expect(throws: Never.self) { try t.ws.diff("ok.txt", content: String(repeating: "a\n", count: 999) + "b\n") }
    }

    @Test func copy_Streams_KeepsTheLimit_AndNeverLeavesAPartialDestination() throws {
        var limits = Workspace.Limits()
        limits.maxCopyBytes = 3 << 20
        let t = TempWorkspace(limits: limits); defer { t.cleanup() }
        let content = String(repeating: "0123456789abcdef", count: (3 << 20) / 16)  // exactly the limit
        t.plant("src.bin", content)
        let r = try t.ws.copy(from: "src.bin", to: "dst.bin")
        #expect(r.bytes == 3 << 20 && t.hostContent("dst.bin") == content)
        t.plant("big.bin", content + "x")
        t.plant("keep.bin", "old")
        do { _ = try t.ws.copy(from: "big.bin", to: "keep.bin"); Issue.record("copied over the limit") } catch {
            #expect(error.kind == .tooLarge)
        }
        #expect(t.hostContent("keep.bin") == "old")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: t.dir)) ?? []
        #expect(!names.contains { $0.hasPrefix(".cb-tmp-") })
        // Into a directory, under the source's name; the copy is a new inode.
        _ = try t.ws.createDirectory("sub")
        #expect(try t.ws.copy(from: "src.bin", to: "sub").destinationPath == "/workspace/sub/src.bin")
    }
}
