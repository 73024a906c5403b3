import Synchronization

/// A tiny metrics registry: families register once at startup; updates touch only atomics
/// (and a short lock to find a labelled child, which hot paths can cache).
public final class MetricsRegistry: Sendable {
    public enum Family: Sendable {
        case counter(CounterFamily)
        case gauge(GaugeFamily)
        case histogram(HistogramFamily)

        var name: String {
            switch self {
            case .counter(let f): return f.name
            case .gauge(let f): return f.name
            case .histogram(let f): return f.name
            }
        }
    }

    private let families = Mutex<[Family]>([])
    public init() {}

    public func counter(_ name: String, help: String, labels: [String] = [], maxChildren: Int = 500) -> CounterFamily {
        let f = CounterFamily(name: name, help: help, labelNames: labels, maxChildren: maxChildren) { Counter() }
        register(.counter(f))
        return f
    }

    public func gauge(_ name: String, help: String, labels: [String] = [], maxChildren: Int = 500) -> GaugeFamily {
        let f = GaugeFamily(name: name, help: help, labelNames: labels, maxChildren: maxChildren) { Gauge() }
        register(.gauge(f))
        return f
    }

    public func histogram(
        _ name: String, help: String, labels: [String] = [], buckets: [Double], maxChildren: Int = 500
    ) -> HistogramFamily {
        precondition(
            !buckets.isEmpty && zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 }, "buckets must ascend")
        let f = HistogramFamily(name: name, help: help, labelNames: labels, maxChildren: maxChildren) {
            Histogram(bounds: buckets)
        }
        register(.histogram(f))
        return f
    }

    public var all: [Family] { families.withLock { $0 } }

    /// Unlabelled families get their single child at once, so they render as 0 before first use.
    private func register(_ f: Family) {
        switch f {
        case .counter(let c) where c.labelNames.isEmpty: _ = c.labels([])
        case .gauge(let g) where g.labelNames.isEmpty: _ = g.labels([])
        case .histogram(let h) where h.labelNames.isEmpty: _ = h.labels([])
        default: break
        }
        families.withLock { list in
            precondition(!list.contains { $0.name == f.name }, "metric \(f.name) registered twice")
            list.append(f)
        }
    }
}
