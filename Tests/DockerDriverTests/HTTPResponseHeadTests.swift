import DriverProtocol
import Testing

@testable import codebeaker_driver_docker

@Suite struct HTTPResponseHeadTests {
    @Test func parsesStatusHeadersAndBodyOffset() throws {
        let raw = Array("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".utf8)
        let (head, length) = try #require(try HTTPResponseHead.parse(raw))
        #expect(head.status == 201)
        #expect(head.headers["content-type"] == "application/json")
        #expect(length == raw.count - 2)
        #expect(head.framing(requestMethod: "POST") == .contentLength(2))
        #expect(head.keepAlive)
    }

    @Test func incompleteHead_ReturnsNil() throws {
        #expect(try HTTPResponseHead.parse(Array("HTTP/1.1 200 OK\r\nContent-".utf8)) == nil)
    }

    @Test func framingFollowsTheHeaders() throws {
        func framing(_ s: String, _ method: String = "GET") throws -> HTTPResponseHead.Framing? {
            try HTTPResponseHead.parse(Array(s.utf8)).map { $0.0.framing(requestMethod: method) }
        }
        #expect(try framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") == .chunked)
        #expect(try framing("HTTP/1.1 204 No Content\r\n\r\n") == HTTPResponseHead.Framing.none)
        #expect(try framing("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n") == .untilClose)
        #expect(try framing("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") == HTTPResponseHead.Framing.none)
        #expect(try framing("HTTP/1.1 200 OK\r\n\r\n") == .untilClose)
        #expect(try framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HEAD") == HTTPResponseHead.Framing.none)
    }

    @Test func connectionClose_IsNotKeepAlive() throws {
        let (head, _) = try #require(
            try HTTPResponseHead.parse(Array("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".utf8)))
        #expect(!head.keepAlive)
    }

    @Test func rejectsGarbageStatusLine() {
        #expect(throws: HTTPResponseHead.Failure.malformedStatusLine) {
            try HTTPResponseHead.parse(Array("SSH-2.0\r\n\r\n".utf8))
        }
    }

    @Test func requestSerialization_ByteExact() {
        let bytes = EngineHTTPClient.serialize("POST", "/containers/x/start", body: nil, host: "docker", upgrade: false)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "POST /containers/x/start HTTP/1.1\r\nHost: docker\r\nUser-Agent: codebeaker-driver-docker\r\nContent-Length: 0\r\n\r\n"
        )
        let up = EngineHTTPClient.serialize(
            "POST", "/exec/e/start", body: ["Detach": false], host: "docker", upgrade: true)
        #expect(
            String(decoding: up, as: UTF8.self)
                == "POST /exec/e/start HTTP/1.1\r\nHost: docker\r\nUser-Agent: codebeaker-driver-docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"Detach\":false}"
        )
    }
}
