import Glibc

/// The network an installer gets: a namespace of its own with only loopback, where an `EgressProxy`
/// listens; the installer is pointed at it with the usual proxy variables. Nothing else is reachable
/// from that namespace, so an installer steered anywhere but the package index reaches nothing.
public final class InstallEgress: Sendable {
    public let namespace: NetworkNamespace
    public let proxy: EgressProxy
    public let port: Int

    public static func start(allowed: Set<EgressProxy.Target>) throws(DriverError) -> InstallEgress {
        try start(in: try NetworkNamespace.create(), allowed: allowed)
    }

    /// The same in a namespace that already exists and has only loopback (a `NetworkMode: none` container).
    public static func start(in ns: NetworkNamespace, allowed: Set<EgressProxy.Target>) throws(DriverError)
        -> InstallEgress
    {
        do throws(DriverError) {
            let (fd, port) = try ns.listenOnLoopback()
            let proxy: EgressProxy
            do throws(DriverError) { proxy = try EgressProxy(listener: fd, allowed: allowed) } catch {
                FD.close(fd)
                throw error
            }
            return InstallEgress(namespace: ns, proxy: proxy, port: port)
        } catch {
            ns.close()
            throw error
        }
    }

    init(namespace: NetworkNamespace, proxy: EgressProxy, port: Int) {
        self.namespace = namespace; self.proxy = proxy; self.port = port
    }

    /// Proxy settings for pip (requests), npm and bun.
    public var env: [String: String] {
        let url = "http://127.0.0.1:\(port)"
        return [
            "HTTPS_PROXY": url, "HTTP_PROXY": url, "https_proxy": url, "http_proxy": url, "NO_PROXY": "",
            "no_proxy": "",
            "npm_config_proxy": url, "npm_config_https_proxy": url, "npm_config_noproxy": "",
        ]
    }

    public func stop() {
        proxy.stop()
        namespace.close()
    }
}
