import Testing

@testable import DriverProtocol

@Suite struct JSONParserTests {
    @Test func parsesEveryValueKind() throws {
        let v = try JSONParser.parse(#"{"a":[1,-2.5,true,false,null,"x\n\u00e9\ud83d\ude00"],"b":{}}"#)
        #expect(v["a"] == .array([.int(1), .double(-2.5), .bool(true), .bool(false), .null, .string("x\né😀")]))
        #expect(v["b"] == .object(JSONObject()))
    }

    @Test func keepsIntegersBeyondIntExact() throws {
        let v = try JSONParser.parse("123456789012345678901234567890")
        #expect(v == .bigInt("123456789012345678901234567890"))
        #expect(JSONWriter.string(v) == "123456789012345678901234567890")
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int.max))
    }

    @Test func keepsBooleansAndNumbersApart() throws {
        #expect(try JSONParser.parse("1") == .int(1))
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse("1.0") == .double(1.0))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":}", "01", "1.", "\"\\x\"", "tru", "nul", "[1] x", "\"a\u{1}\"", "{1:2}", "-", "1e",
    ])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func limitsNestingDepth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(deep) }
    }

    @Test func writerEscapesControlCharactersAndRoundTrips() throws {
        let v: JSONValue = ["k\"ey": .string("line\n\t\u{1}\\"), "n": .int(-3), "arr": [.null, 1.5]]
        let text = JSONWriter.string(v)
        #expect(text == #"{"k\"ey":"line\n\t\u0001\\","n":-3,"arr":[null,1.5]}"#)
        #expect(try JSONParser.parse(text) == v)
    }

    @Test func objectKeepsInsertionOrder() {
        var o = JSONObject()
        o["z"] = 1; o["a"] = 2; o["m"] = 3; o["a"] = 4
        #expect(o.keys == ["z", "a", "m"])
        o["z"] = nil
        #expect(JSONWriter.string(.object(o)) == #"{"a":4,"m":3}"#)
    }
}
