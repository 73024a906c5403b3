import Synchronization

/// One metric name with its help text, type and label names; children are created per label-value tuple.
/// Children are kept forever (Prometheus expects that), so a family caps how many it creates: label
/// values past `maxChildren` are folded into one child whose values are all `_overflow`, and a value
/// longer than `maxLabelBytes` becomes `_too_long` (a last line of defence; callers fold client input first).
public final class MetricFamily<Child: AnyObject & Sendable>: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    public let maxChildren: Int
    private let make: @Sendable () -> Child
    private let state = Mutex<(order: [[String]], children: [[String]: Child])>(([], [:]))

    init(name: String, help: String, labelNames: [String], maxChildren: Int, make: @escaping @Sendable () -> Child) {
        precondition(MetricFamily.isValidName(name), "invalid metric name \(name)")
        for l in labelNames {
            precondition(MetricFamily.isValidName(l) && !l.hasPrefix("__") && l != "le", "invalid label \(l)")
        }
        self.name = name; self.help = help; self.labelNames = labelNames; self.maxChildren = maxChildren;
        self.make = make
    }

    /// The child for these label values (one per label name, in order). Cache it on hot paths.
    public func labels(_ values: String...) -> Child { labels(values) }

    public static var maxLabelBytes: Int { 128 }

    public func labels(_ given: [String]) -> Child {
        precondition(given.count == labelNames.count, "\(name) takes \(labelNames.count) label values")
        let values =
            given.allSatisfy({ $0.utf8.count <= Self.maxLabelBytes })
            ? given
            : given.map { $0.utf8.count <= Self.maxLabelBytes ? $0 : "_too_long" }
        return state.withLock { s in
            if let c = s.children[values] { return c }
            let key = s.children.count >= maxChildren ? Array(repeating: "_overflow", count: values.count) : values
            if let c = s.children[key] { return c }
            let c = make()
            s.children[key] = c
            s.order.append(key)
            return c
        }
    }

    /// Children in creation order, for rendering.
    public func children() -> [(labels: [String], child: Child)] {
        state.withLock { s in s.order.map { ($0, s.children[$0]!) } }
    }

    static func isValidName(_ s: String) -> Bool {
        guard let first = s.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
        return s.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x3A
        }
    }
}

public typealias CounterFamily = MetricFamily<Counter>
public typealias GaugeFamily = MetricFamily<Gauge>
public typealias HistogramFamily = MetricFamily<Histogram>
