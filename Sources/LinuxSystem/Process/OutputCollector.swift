/// One stream's captured output: keeps at most `limit` bytes (cut on a character boundary), flags truncation,
/// and hands streamed text to `onText` in order.
public struct OutputCollector: Sendable {
    public let limit: Int
    public private(set) var bytes: [UInt8] = []
    public private(set) var truncated = false
    private var chunker = UTF8Chunker()

    public init(limit: Int) { self.limit = limit }

    /// Appends a chunk; returns the newly captured text for streaming (may be empty).
    public mutating func append(_ chunk: some Collection<UInt8>) -> String {
        guard !truncated else { return "" }
        let room = limit - bytes.count
        if chunk.count <= room {
            bytes.append(contentsOf: chunk)
            return chunker.decode(chunk)
        }
        truncated = true
        var kept = Array(chunk.prefix(room))
        // Do not keep half a character at the cut.
        let whole = bytes + kept
        let cut = UTF8Chunker.completePrefix(whole)
        if cut < whole.count { kept.removeLast(whole.count - cut) }
        bytes.append(contentsOf: kept)
        return chunker.decode(kept)
    }

    /// Text still held back at end of stream (an unfinished character, as U+FFFD).
    public mutating func finish() -> String { truncated ? "" : chunker.flush() }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
