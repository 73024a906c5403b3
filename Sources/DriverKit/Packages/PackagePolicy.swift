import Glibc

/// What the driver lets installs do beyond index names. The host's security layer has its own (configurable)
/// rules and runs first; these are the driver's own limits, set by the operator through the driver's
/// environment because the protocol does not carry the host's config.
public struct PackagePolicy: Sendable, Equatable {
    /// `CODEBEAKER_PACKAGES_ALLOW_URLS=1`: URL / VCS specs (`git+https://...`, `pkg @ https://...`).
    public var allowURLs = false
    /// `CODEBEAKER_PACKAGES_ALLOW_SOURCE_BUILDS=1`: pip may build sdists and npm may run install scripts.
    /// Off by default because that is package code running while the installer has network.
    public var allowSourceBuilds = false

    public init(allowURLs: Bool = false, allowSourceBuilds: Bool = false) {
        self.allowURLs = allowURLs; self.allowSourceBuilds = allowSourceBuilds
    }

    public static var current: PackagePolicy {
        PackagePolicy(
            allowURLs: flag("CODEBEAKER_PACKAGES_ALLOW_URLS"),
            allowSourceBuilds: flag("CODEBEAKER_PACKAGES_ALLOW_SOURCE_BUILDS"))
    }

    static func flag(_ name: String) -> Bool {
        guard let v = getenv(name) else { return false }
        return ["1", "true", "yes"].contains(String(cString: v).lowercased())
    }
}
