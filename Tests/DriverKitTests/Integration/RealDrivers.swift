import Testing

/// Suites that start the real driver executables and sandboxes run one test at a time: they share the
/// machine's two cores and cgroups, and their timeouts are real.
@Suite(.serialized) enum RealDrivers {}
