import Testing

@testable import Host
@testable import Transport

@Suite("SHA-1, base64 and UTF-8 validation")
struct WebSocketPrimitivesTests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test(
        "SHA-1 matches the RFC 3174 test vectors",
        arguments: [
            ("abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
            ("a", 1_000_000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
            (
                "0123456701234567012345670123456701234567012345670123456701234567", 10,
                "dea356a2cddd90c7a7ecedc5ebb563934f460452"
            ),
            ("", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ])
    func sha1Vectors(input: String, repeats: Int, expected: String) {
        let bytes = [UInt8](repeating: 0, count: 0) + Array(String(repeating: input, count: repeats).utf8)
        #expect(Self.hex(SHA1.hash(bytes)) == expected)
    }

    @Test(
        "base64 encodes the RFC 4648 vectors and decodes them back",
        arguments: [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ])
    func base64Vectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test("base64 decoding rejects malformed input", arguments: ["Zg=", "Zg=a", "Z===", "Zm9v!", "Zh==", "=Zg="])
    func base64RejectsMalformed(text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test("the RFC 6455 sample key gives the sample accept value")
    func handshakeAcceptSample() {
        #expect(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test("UTF-8 validation accepts valid text split at every byte")
    func utf8AcceptsValidSplitAnywhere() {
        let bytes = Array("κόσμε — 𝄞 ascii 你好".utf8)
        for split in 0...bytes.count {
            var v = UTF8Validator()
            let first = v.feed(Array(bytes[..<split]))
            let second = v.feed(Array(bytes[split...]))
            #expect(first && second)
            #expect(v.isComplete)
        }
    }

    @Test(
        "UTF-8 validation rejects overlongs, surrogates, out-of-range and stray bytes",
        arguments: [
            [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80],
            [0xF5, 0x80, 0x80, 0x80],
            [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xCE, 0x41],
        ] as [[UInt8]])
    func utf8RejectsInvalid(bytes: [UInt8]) {
        var v = UTF8Validator()
        let accepted = v.feed(bytes)
        #expect(!accepted)
        #expect(!v.isComplete)
    }

    @Test("UTF-8 validation reports a truncated sequence as incomplete")
    func utf8TruncatedIsIncomplete() {
        var v = UTF8Validator()
        let accepted = v.feed([0xF0, 0x9D, 0x84])
        #expect(accepted)
        #expect(!v.isComplete)
    }

    @Test("close codes from peers: 1000-1003, 1007-1011, 3000-4999 only")
    func closeCodeValidation() {
        for code in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999] as [UInt16] {
            #expect(WebSocketCloseCode.isValidFromPeer(code), "\(code)")
        }
        for code in [0, 999, 1004, 1005, 1006, 1012, 1015, 1016, 2999, 5000, 65535] as [UInt16] {
            #expect(!WebSocketCloseCode.isValidFromPeer(code), "\(code)")
        }
    }
}
