/// Unsent bytes of one connection: appended at the end, written from `head`. Storage is released when it
/// drains so idle connections cost almost nothing.
struct OutboundBuffer {
    private var bytes: [UInt8] = []
    private var head = 0

    var count: Int { bytes.count - head }
    var isEmpty: Bool { head == bytes.count }

    mutating func append(_ more: [UInt8]) {
        if isEmpty {
            bytes = more  // take the caller's storage: no copy
            head = 0
        } else {
            bytes.append(contentsOf: more)
        }
    }

    mutating func consume(_ n: Int) {
        head += n
        if head == bytes.count {
            bytes = []
            head = 0
        } else if head >= 1 << 20, head > bytes.count / 2 {
            bytes.removeFirst(head)
            head = 0
        }
    }

    func withUnsentBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[head...])) }
    }
}
