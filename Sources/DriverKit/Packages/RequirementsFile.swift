import DriverProtocol

/// A requirements.txt read by the driver and turned into vetted specs, so its lines get the same checks as
/// `packages` (pip would otherwise honour `--index-url`, `-e`, URLs and nested files written in it).
public enum RequirementsFile: Sendable {
    public static let maxBytes = 1 << 20

    /// Specs from `text`. Comments, blank lines and `\` continuations are handled; environment markers
    /// (`; python_version < "3.12"`) are kept when they use only marker syntax. Option lines other than
    /// pip options this driver allows are refused, naming the line.
    public static func parse(_ text: String, file: String, policy: PackagePolicy = .current) throws(DriverError) -> (
        specs: [String], options: PipOptions
    ) {
        var logical: [(Int, String)] = []
        var pending = "", start = 0
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .enumerated()
        {
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            if pending.isEmpty { start = n + 1 }
            if line.hasSuffix("\\") { pending += line.dropLast(); continue }
            logical.append((start, pending + line))
            pending = ""
        }
        if !pending.isEmpty { logical.append((start, pending)) }

        var specs: [String] = [], optionWords: [String] = []
        for (n, line) in logical {
            var l = Substring(line)
            if let hash = l.firstIndex(of: "#"),
                hash == l.startIndex || l[l.index(before: hash)] == " " || l[l.index(before: hash)] == "\t"
            {
                l = l[..<hash]
            }
            let t = l.trimmingSpaces
            if t.isEmpty { continue }
            if t.hasPrefix("-") {
                optionWords += t.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                continue
            }
            var spec = t, marker: Substring = ""
            if let semi = t.firstIndex(of: ";") {
                spec = t[..<semi].trimmingSpaces; marker = t[t.index(after: semi)...].trimmingSpaces
            }
            let compact = String(spec.filter { $0 != " " && $0 != "\t" })
            do throws(DriverError) {
                _ = try PackageSpec(compact, style: .pip, policy: policy)
                if !marker.isEmpty {
                    guard PackageSpec.isMarker(marker) else {
                        throw DriverError.invalidParams("bad environment marker")
                    }
                    specs.append(compact + "; " + marker)
                } else {
                    specs.append(compact)
                }
            } catch {
                throw .invalidParams(
                    "requirementsFile \(file) line \(n): \(error.message.replacingPrefix("package names: "))")
            }
        }
        let options: PipOptions
        do throws(DriverError) { options = try PipOptions(optionWords) } catch {
            throw .invalidParams("requirementsFile \(file): \(error.message.replacingPrefix("flags: "))")
        }
        return (specs, options)
    }
}

extension StringProtocol {
    var trimmingSpaces: Substring {
        let s = self.drop(while: { $0 == " " || $0 == "\t" })
        return Substring(s.reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
    func replacingPrefix(_ p: String) -> String { hasPrefix(p) ? String(dropFirst(p.count)) : String(self) }
}
