/// Splits Docker's multiplexed attach/exec stream (non-TTY) into stdout and stderr.
/// Each frame is an 8-byte header `[stream, 0, 0, 0, size(4 bytes, big-endian)]` followed by
/// `size` payload bytes; stream 0 = stdin, 1 = stdout, 2 = stderr. Pure and incremental:
/// frames may be split anywhere across reads.
struct StreamDemuxer: Sendable {
    enum Stream: UInt8, Sendable, Equatable {
        case stdin = 0
        case stdout = 1
        case stderr = 2
    }

    enum Failure: Error, Equatable {
        case invalidStreamType(UInt8)
    }

    private var header: [UInt8] = []
    private var current: Stream = .stdout
    private var remaining = 0

    init() { header.reserveCapacity(8) }

    /// True between frames (no partial header or payload pending).
    var isAtFrameBoundary: Bool { header.isEmpty && remaining == 0 }

    /// Feeds bytes; `emit` is called with each payload piece as soon as it arrives
    /// (a frame split across reads is emitted in pieces, never reordered).
    mutating func feed(
        _ input: UnsafeRawBufferPointer,
        emit: (Stream, UnsafeRawBufferPointer) -> Void
    ) throws(Failure) {
        var i = 0
        let n = input.count
        while i < n {
            if remaining > 0 {
                let take = min(remaining, n - i)
                emit(current, UnsafeRawBufferPointer(rebasing: input[i..<(i + take)]))
                remaining -= take
                i += take
                continue
            }
            let need = 8 - header.count
            let take = min(need, n - i)
            header.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[i..<(i + take)]))
            i += take
            guard header.count == 8 else { continue }
            guard let s = Stream(rawValue: header[0]) else { throw .invalidStreamType(header[0]) }
            current = s
            remaining = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
            header.removeAll(keepingCapacity: true)
        }
    }

    /// Convenience for tests and small buffers: all frames of `bytes`, adjacent pieces of one stream merged.
    mutating func feed(_ bytes: [UInt8]) throws(Failure) -> [(Stream, [UInt8])] {
        var out: [(Stream, [UInt8])] = []
        let r: Result<Void, Failure> = bytes.withUnsafeBytes { buf in
            Result { () throws(Failure) in
                try feed(buf) { s, piece in
                    if let last = out.last, last.0 == s {
                        out[out.count - 1].1.append(contentsOf: piece)
                    } else {
                        out.append((s, Array(piece)))
                    }
                }
            }
        }
        try r.get()
        return out
    }
}
