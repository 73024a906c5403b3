import LinuxSystem

/// Writes straight to a file descriptor (stdout/stderr) without Foundation's FileHandle.
enum StandardIO {
    static func write(_ text: String, to fd: Int32) { FD.writeAll(fd, Array(text.utf8)) }
    static func out(_ text: String) { write(text, to: 1) }
    static func err(_ text: String) { write(text, to: 2) }
}

extension String {
    /// Left-aligned in a column of `width` characters (Foundation's `padding(toLength:)` without Foundation).
    func padded(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
