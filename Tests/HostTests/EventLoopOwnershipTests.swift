import Glibc
import LinuxSystem
import Testing

@testable import Transport

/// Loop-owned state may be touched only on the loop thread; debug builds trap otherwise.
@Suite struct EventLoopOwnershipTests {
    final class Nobody: WebSocketDelegate, HTTPRouteHandler {
        func shouldUpgrade(_ request: UpgradeRequest) -> UpgradeDecision { .reject(status: 403, message: "test") }
        func didOpen(_ connection: any WebSocketConnection) {}
        func didReceive(text: String, from connection: any WebSocketConnection) {}
        func didClose(_ connection: any WebSocketConnection, code: UInt16) {}
        func handle(method: String, path: String, query: [String: String], headers: [(name: String, value: String)])
            async -> HTTPResponseBody?
        { nil }
    }
    struct Quiet: ServerLogging {
        func debug(_ message: @autoclosure () -> String, _ fields: [String: String]) {}
        func warning(_ message: @autoclosure () -> String, _ fields: [String: String]) {}
    }

    static func loopOwnedByAnotherThread() throws -> EventLoop {
        let loop = try EventLoop(
            options: ServerOptions(), delegate: Nobody(), routes: Nobody(), logger: Quiet(),
            counters: ServerCounters(), listenFD: -1, boundPort: 0)
        let owner = try OSThread(name: "test-owner") { loop.claimOwnership() }
        owner.join()
        return loop
    }

    @Test func onTheOwningThread_TheCheckPasses() throws {
        let loop = try EventLoop(
            options: ServerOptions(), delegate: Nobody(), routes: Nobody(), logger: Quiet(),
            counters: ServerCounters(), listenFD: -1, boundPort: 0)
        loop.claimOwnership()
        loop.assertOnLoop()
    }

    #if DEBUG
        @Test func offTheLoopThread_ADebugBuildTraps() async {
            await #expect(processExitsWith: .failure) {
                let loop = try EventLoopOwnershipTests.loopOwnedByAnotherThread()
                loop.assertOnLoop()
            }
        }
    #endif
}
