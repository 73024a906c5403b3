/// Why input was refused: a stable rule name (also the `kind` label of the violations metric and the
/// `rule` in the JSON-RPC error data) and a message for the client that names the rule.
public struct Violation: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Looks like an attack or a policy breach: audited as SecurityViolation.
        case security
        /// Malformed or over a size limit: audited as InputValidationFailure.
        case validation
    }

    public var rule: String
    public var message: String
    public var kind: Kind

    public init(_ rule: String, _ kind: Kind, _ detail: String) {
        self.rule = rule
        self.kind = kind
        self.message = "rejected by rule \(rule): \(detail)"
    }

    public var description: String { message }
}

extension Violation {
    /// The rule names, for documentation and for tests.
    public enum Rule: Sendable {
        public static let codeLength = "codeLength"
        public static let blockedPattern = "blockedPattern"
        public static let forkBomb = "forkBomb"
        public static let pathEmpty = "path.empty"
        public static let pathNul = "path.nul"
        public static let pathTooLong = "path.tooLong"
        public static let pathTraversal = "path.traversal"
        public static let pathExtension = "path.extension"
        public static let shellEmpty = "shell.empty"
        public static let shellNul = "shell.nul"
        public static let shellTooLong = "shell.tooLong"
        public static let packageEmpty = "package.empty"
        public static let packageTooLong = "package.tooLong"
        public static let packageMetacharacter = "package.metacharacter"
        public static let packageOption = "package.option"
        public static let packageURL = "package.url"
        public static let packageLocalPath = "package.localPath"
        public static let packageInvalidName = "package.invalidName"
        public static let packageFlag = "package.flag"
        public static let packageCount = "package.count"
    }
}
