public import LinuxSystem

/// Monotonic seconds for supervision timing (`DriverClock.now()`); the state machines take these as `now` so
/// tests can inject time. The system layer's one clock under the name the supervision code reads it by.
public typealias DriverClock = MonotonicClock
