public import Transport

/// The transport logs through the host's logger.
extension Logger: ServerLogging {}
