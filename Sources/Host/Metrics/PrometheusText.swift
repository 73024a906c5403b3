/// Renders a registry in the Prometheus text exposition format 0.0.4
/// (`Content-Type: text/plain; version=0.0.4; charset=utf-8`).
public enum PrometheusText: Sendable {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ registry: MetricsRegistry) -> String {
        var out = ""
        out.reserveCapacity(4096)
        for family in registry.all {
            switch family {
            case .counter(let f):
                header(&out, f.name, f.help, "counter")
                for (values, c) in f.children() { sample(&out, f.name, f.labelNames, values, String(c.current)) }
            case .gauge(let f):
                header(&out, f.name, f.help, "gauge")
                for (values, g) in f.children() { sample(&out, f.name, f.labelNames, values, number(g.current)) }
            case .histogram(let f):
                header(&out, f.name, f.help, "histogram")
                for (values, h) in f.children() {
                    let (cumulative, sum) = h.snapshot()
                    for (i, n) in cumulative.enumerated() {
                        let le = i < h.bounds.count ? number(h.bounds[i]) : "+Inf"
                        sample(&out, f.name + "_bucket", f.labelNames + ["le"], values + [le], String(n))
                    }
                    sample(&out, f.name + "_sum", f.labelNames, values, number(sum))
                    sample(&out, f.name + "_count", f.labelNames, values, String(cumulative.last ?? 0))
                }
            }
        }
        return out
    }

    private static func header(_ out: inout String, _ name: String, _ help: String, _ type: String) {
        out += "# HELP \(name) \(escapeHelp(help))\n# TYPE \(name) \(type)\n"
    }

    private static func sample(
        _ out: inout String, _ name: String, _ labelNames: [String], _ values: [String], _ value: String
    ) {
        out += name
        if !labelNames.isEmpty {
            out += "{"
            for i in labelNames.indices {
                if i > 0 { out += "," }
                out += labelNames[i] + "=\"" + escapeLabel(values[i]) + "\""
            }
            out += "}"
        }
        out += " " + value + "\n"
    }

    /// HELP text escapes backslash and newline.
    static func escapeHelp(_ s: String) -> String { escape(s, quote: false) }

    /// Label values escape backslash, double quote and newline.
    static func escapeLabel(_ s: String) -> String { escape(s, quote: true) }

    private static func escape(_ s: String, quote: Bool) -> String {
        var r = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": r += "\\\\"
            case "\"" where quote: r += "\\\""
            case "\n": r += "\\n"
            default: r.unicodeScalars.append(ch)
            }
        }
        return r
    }

    /// Go-compatible float text: integers without a fraction, NaN and infinities spelled as Prometheus reads them.
    static func number(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "+Inf" : "-Inf" }
        if d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}
