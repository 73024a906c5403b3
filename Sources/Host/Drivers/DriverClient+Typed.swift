import DriverProtocol

extension DriverClient {
    /// Sends one typed request of the driver wire and decodes its reply (DriverProtocol holds both shapes, so
    /// the host never writes a key of the wire by hand). A reply the host cannot read fails like a driver
    /// error (-32603), naming the method and the field.
    func call<P: DriverCallParams>(_ params: P, onEvent: SessionEventSink? = nil) async throws(DriverCallError)
        -> P.Reply
    {
        let json = try await call(P.method, params: params.json, onEvent: onEvent)
        do throws(WireError) {
            return try P.Reply(json: json)
        } catch {
            throw DriverCallError(
                .remote(code: DriverWire.ErrorCode.internalError),
                "invalid \(P.method) reply from the \(name) driver: \(error.message)")
        }
    }
}
