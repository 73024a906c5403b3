import DriverProtocol
import Testing

@testable import Host

@Suite struct RPCRouterTests {
    let router = RPCRouter(methods: [
        "echo": { params, _ in params },
        "fail": { _, _ in throw RPCError.invalidParams("x", "is required") },
        "crash": { _, _ in
            struct Secret: Error {}; throw Secret()
        },
        "whoami": { _, ctx in .string(ctx.principal) },
    ])
    let ctx = RPCContext(connectionID: 1, principal: "alice", requestID: nil) { _, _ in }

    func call(_ text: String) async throws -> [JSONValue] {
        try await router.handle(text: text, context: ctx).map { try JSONParser.parse($0) }
    }

    @Test func answersRequestWithItsId() async throws {
        let r = try await call(#"{"jsonrpc":"2.0","id":"abc","method":"echo","params":{"a":1}}"#)
        #expect(r == [["jsonrpc": "2.0", "id": "abc", "result": ["a": 1]]])
    }

    @Test func keepsLargeIntegerIdsExact() async throws {
        let r = try await call(#"{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"whoami"}"#)
        #expect(r.first?["id"] == .bigInt("123456789012345678901234567890"))
        #expect(r.first?["result"] == "alice")
    }

    @Test func notificationGetsNoReply() async throws {
        #expect(try await call(#"{"jsonrpc":"2.0","method":"echo","params":[1]}"#).isEmpty)
    }

    @Test func parseErrorIsMinus32700WithNullId() async throws {
        let r = try await call(#"{"jsonrpc":"2.0","id":1,"method""#)
        #expect(r.first?["error"]?["code"] == -32700)
        #expect(r.first?["id"] == .null)
    }

    @Test func unknownMethodIsMinus32601NamingIt() async throws {
        let r = try await call(#"{"jsonrpc":"2.0","id":2,"method":"nope"}"#)
        #expect(r.first?["error"]?["code"] == -32601)
        #expect(r.first?["error"]?["data"]?["method"] == "nope")
    }

    @Test(arguments: [
        #"{"id":1,"method":"echo"}"#, #"{"jsonrpc":"1.0","id":1,"method":"echo"}"#,
        #"{"jsonrpc":"2.0","id":1,"method":5}"#, #"{"jsonrpc":"2.0","id":{},"method":"echo"}"#, "42", #""x""#,
    ])
    func invalidRequestsAreMinus32600(_ text: String) async throws {
        let r = try await call(text)
        #expect(r.first?["error"]?["code"] == -32600)
    }

    @Test func invalidParamsNameTheField() async throws {
        let r = try await call(#"{"jsonrpc":"2.0","id":3,"method":"fail"}"#)
        #expect(r.first?["error"]?["code"] == -32602)
        #expect(r.first?["error"]?["data"]?["field"] == "x")
        let s = try await call(#"{"jsonrpc":"2.0","id":4,"method":"echo","params":7}"#)
        #expect(s.first?["error"]?["code"] == -32602)
    }

    @Test func unexpectedErrorsBecomeGenericInternalError() async throws {
        let r = try await call(#"{"jsonrpc":"2.0","id":5,"method":"crash"}"#)
        #expect(r.first?["error"]?["code"] == -32603)
        #expect(!JSONWriter.string(r[0]).contains("Secret"))
    }

    @Test func batchAnswersEachRequestAndSkipsNotifications() async throws {
        let r = try await call(
            #"[{"jsonrpc":"2.0","id":1,"method":"echo","params":[1]},{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","id":2,"method":"nope"},7]"#
        )
        guard case .array(let items)? = r.first else { Issue.record("expected an array"); return }
        #expect(items.count == 3)
        #expect(items[0]["result"] == [1])
        #expect(items[1]["error"]?["code"] == -32601)
        #expect(items[2]["error"]?["code"] == -32600)
    }

    @Test func emptyBatchIsInvalidRequest() async throws {
        let r = try await call("[]")
        #expect(r.first?["error"]?["code"] == -32600)
    }

    @Test func allNotificationBatchGetsNoReply() async throws {
        #expect(try await call(#"[{"jsonrpc":"2.0","method":"echo"}]"#).isEmpty)
    }

    @Test func newlineSeparatedMessagesInOneFrameAreEachHandled() async throws {
        let r = try await call(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[1]}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\",\"params\":[2]}\n"
        )
        #expect(r.map { $0["id"] } == [1, 2])
    }
}
