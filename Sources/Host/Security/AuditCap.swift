import DriverProtocol

/// Bounds one audit line whatever the client sent, so no event is ever dropped for its size (the queue
/// refuses lines past its byte cap): strings at 1 KiB, keys at 128 bytes, arrays and objects at 50 entries,
/// nesting at 6 levels, and about 16 KiB for all details together. A cut string ends with `…`; what is
/// left out is replaced by `"…(truncated)"` markers. Runs after redaction, so a cut never exposes part of a secret.
enum AuditCap {
    static let maxString = 1024
    static let maxKey = 128
    static let maxItems = 50
    static let maxDepth = 6
    static let maxTotal = 16 << 10
    static let marker = JSONValue.string("…(truncated)")

    static func string(_ s: String, limit: Int = maxString) -> String {
        let (t, cut) = OutputSanitizer.sanitize(s, limit: limit)
        return cut ? t + "…" : t
    }

    static func details(_ v: JSONValue) -> JSONValue {
        var budget = maxTotal
        return value(v, depth: 0, budget: &budget)
    }

    static func value(_ v: JSONValue, depth: Int, budget: inout Int) -> JSONValue {
        if budget <= 0 { return marker }
        switch v {
        case .string(let s):
            let t = string(s, limit: min(maxString, max(16, budget)))
            budget -= t.utf8.count + 2
            return .string(t)
        case .array(let items):
            if depth >= maxDepth { return marker }
            var out: [JSONValue] = []
            for item in items.prefix(maxItems) {
                if budget <= 0 { out.append(marker); break }
                out.append(value(item, depth: depth + 1, budget: &budget))
            }
            if items.count > maxItems, out.last != marker { out.append(marker) }
            return .array(out)
        case .object(let o):
            if depth >= maxDepth { return marker }
            var out = JSONObject()
            for (i, (k, item)) in o.enumerated() {
                if i == maxItems || budget <= 0 { out["…"] = marker; break }
                let key = string(k, limit: maxKey)
                budget -= key.utf8.count + 4
                out[key] = value(item, depth: depth + 1, budget: &budget)
            }
            return .object(out)
        case .bigInt(let s):
            budget -= s.utf8.count
            return s.utf8.count <= 64 ? v : marker
        default:
            budget -= 8
            return v
        }
    }
}
