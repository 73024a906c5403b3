import Glibc

/// Where a network session must not reach: ranges that are never the public internet (private, shared,
/// link-local with the cloud metadata services, multicast, reserved) and every address and subnet of the
/// host itself (its own services, the containers and machines next to it).
public enum BlockedDestinations: Sendable {
    public static let fixed: [CIDR] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
    ].compactMap { CIDR($0) }

    /// `fixed`, then each IPv4 address of the host's interfaces (/32) and its subnet.
    public static func all() -> [CIDR] {
        var out = fixed
        for c in hostAddresses() where !out.contains(c) { out.append(c) }
        return out
    }

    /// The host's IPv4 addresses and subnets, from getifaddrs (the driver runs in the host's namespace).
    public static func hostAddresses() -> [CIDR] {
        var list: UnsafeMutablePointer<ifaddrs>? = nil
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var out: [CIDR] = []
        var p = list
        while let i = p {
            defer { p = i.pointee.ifa_next }
            guard let a = i.pointee.ifa_addr, a.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            let addr = a.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) }
            }
            if addr[0] == 127 { continue }  // the session's own loopback is its own
            var prefix = 32
            if let m = i.pointee.ifa_netmask {
                let mask = m.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    UInt32(bigEndian: $0.pointee.sin_addr.s_addr)
                }
                prefix = mask.nonzeroBitCount
            }
            out.append(CIDR(family: AF_INET, address: addr, prefix: 32))
            if prefix < 32 { out.append(CIDR(family: AF_INET, address: addr, prefix: prefix)) }
        }
        return out
    }

    /// True for addresses no egress connection may go to whatever name led there: loopback, link-local
    /// (metadata), unspecified, multicast. (The index allowlist is by name; this stops a name that
    /// resolves to the host itself.)
    public static func isNeverReachable(family: Int32, _ bytes: [UInt8]) -> Bool {
        let never4 = ["127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4"].compactMap {
            CIDR($0)
        }
        let never6 = ["::1/128", "::/128", "fe80::/10", "ff00::/8"].compactMap { CIDR($0) }
        if family == AF_INET6, bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF,
            bytes[11] == 0xFF
        {
            return isNeverReachable(family: AF_INET, Array(bytes[12...]))  // IPv4-mapped
        }
        return (family == AF_INET ? never4 : never6).contains { $0.contains(bytes) }
    }
}
