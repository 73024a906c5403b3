/// Splits a byte stream into newline-terminated lines with a hard cap on line length.
/// An over-long line is reported once and then skipped up to its newline, so one bad
/// message cannot make the reader buffer without bound.
public struct LineFramer: Sendable {
    public enum Item: Sendable, Equatable {
        case line([UInt8])
        case tooLong(Int)
    }

    public let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var skipping = false
    private var skipped = 0

    public init(maxLineBytes: Int = DriverWire.maxLineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds bytes; returns the complete lines (without the newline, trailing CR dropped).
    public mutating func feed(_ chunk: some Collection<UInt8>) -> [Item] {
        var items: [Item] = []
        for b in chunk {
            if b == 0x0A {
                if skipping {
                    items.append(.tooLong(skipped))
                    skipping = false
                    skipped = 0
                } else {
                    if buffer.last == 0x0D { buffer.removeLast() }
                    items.append(.line(buffer))
                    buffer.removeAll(keepingCapacity: true)
                }
            } else if skipping {
                skipped += 1
            } else {
                buffer.append(b)
                if buffer.count > maxLineBytes {
                    skipping = true
                    skipped = buffer.count
                    buffer.removeAll(keepingCapacity: false)
                }
            }
        }
        return items
    }

    /// Bytes held for an unfinished line (for EOF handling).
    public var pending: [UInt8] { buffer }
}
