import FoundationEssentials
import Glibc

/// UTC calendar arithmetic without Calendar/DateFormatter (slow, locale-dependent): day numbers since
/// 1970-01-01 and the civil-date conversions from Howard Hinnant's `chrono` algorithms.
enum UTCTime {
    /// Days since 1970-01-01 (negative before).
    static func dayNumber(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    static func civil(fromDay z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func day(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// "2026-11-22"
    static func dayString(_ dayNumber: Int) -> String {
        let c = civil(fromDay: dayNumber)
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2)
    }

    /// Parses "YYYY-MM-DD" strictly.
    static func dayNumber(fromDayString s: Substring) -> Int? {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        let n = day(fromCivil: y, m, d)
        return civil(fromDay: n) == (y, m, d) ? n : nil
    }

    /// "2026-11-22T02:03:04.567Z"
    static func iso8601(_ date: Date) -> String {
        var out: [UInt8] = []
        appendISO8601(date, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the ISO 8601 form with milliseconds, without building intermediate strings.
    static func appendISO8601(_ date: Date, to out: inout [UInt8]) {
        let totalMs = Int((date.timeIntervalSince1970 * 1000).rounded())  // nearest: 0.567 s is 566.9999… ms in binary
        let dayMs = 86_400_000
        let dayNo = totalMs >= 0 ? totalMs / dayMs : (totalMs - dayMs + 1) / dayMs
        var ms = totalMs - dayNo * dayMs
        let h = ms / 3_600_000; ms %= 3_600_000
        let m = ms / 60_000; ms %= 60_000
        let s = ms / 1000; ms %= 1000
        let c = civil(fromDay: dayNo)
        func digits(_ n: Int, _ width: Int) {
            var div = 1
            for _ in 1..<width { div *= 10 }
            var v = n
            if v >= div * 10 { out.append(contentsOf: String(v / div / 10).utf8); v %= div * 10 }
            while div > 0 { out.append(UInt8(0x30 + (v / div) % 10)); div /= 10 }
        }
        digits(c.year, 4); out.append(0x2D); digits(c.month, 2); out.append(0x2D); digits(c.day, 2)
        out.append(0x54); digits(h, 2); out.append(0x3A); digits(m, 2); out.append(0x3A); digits(s, 2)
        out.append(0x2E); digits(ms, 3); out.append(0x5A)
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
