import Testing

@testable import Host

/// Issue 12 (#3): 18 distinct 4 MB languages made /metrics too large to send. Client-influenced labels fold.
@Suite struct MetricLabelTests {
    @Test func languages_FoldToCanonicalOrOther() {
        #expect(MetricLabel.language("python") == "python")
        #expect(MetricLabel.language("PY") == "python")
        #expect(MetricLabel.language("shell") == "shell")
        #expect(MetricLabel.language("ruby") == "other")
        #expect(MetricLabel.language(String(repeating: "x", count: 64 << 10)) == "other")
    }

    @Test func distinctHugeLanguages_KeepMetricsSmall() {
        let metrics = CodeBeakerMetrics()
        for i in 0..<18 {
            metrics.recordExecution(
                language: String(repeating: Character(UnicodeScalar(UInt8(97 + i))), count: 64 << 10),
                runtime: "python", outcome: "failure", seconds: 0.1)
        }
        let text = metrics.render()
        #expect(text.utf8.count < 16 << 10)  // 18 × 64 KiB = 1.1 MiB of labels before
        #expect(
            text.contains("codebeaker_executions_total{language=\"other\",runtime=\"python\",outcome=\"failure\"} 18"))
    }

    @Test func anyFamily_ReplacesOverlongValues() {
        let registry = MetricsRegistry()
        let f = registry.counter("t_total", help: "t", labels: ["v"])
        f.labels(String(repeating: "v", count: 1000)).increment()
        #expect(PrometheusText.render(registry).contains("t_total{v=\"_too_long\"} 1"))
    }
}
