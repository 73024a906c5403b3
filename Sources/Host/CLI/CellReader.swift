/// Splits the repl's input lines into cells: one line is a cell, unless it opens a block (ends in ':',
/// '{', '(', '[' or '\'), which then runs up to the next blank line. Pure, unit-tested.
public struct CellReader: Sendable {
    private var lines: [String] = []

    public init() {}

    /// True while a block is being read (the prompt is "... ").
    public var inBlock: Bool { !lines.isEmpty }

    /// Feeds one line; returns a cell when one is complete.
    public mutating func feed(_ line: String) -> String? {
        let blank = line.allSatisfy { $0 == " " || $0 == "\t" }
        if lines.isEmpty {
            if blank { return nil }
            if Self.opensBlock(line) {
                lines = [line]
                return nil
            }
            return line
        }
        if blank { return finish() }
        lines.append(line)
        return nil
    }

    /// At the end of input: the unfinished block, if any.
    public mutating func finish() -> String? {
        defer { lines = [] }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    static func opensBlock(_ line: String) -> Bool {
        var end = line[...]
        while let l = end.last, l == " " || l == "\t" { end = end.dropLast() }
        guard let last = end.last else { return false }
        return [":", "{", "(", "[", "\\"].contains(last)
    }
}
