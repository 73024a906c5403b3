import DriverProtocol
import LinuxSystem
import Synchronization

/// HTTP/1.1 on a connection: one request at a time (pipelined ones wait in `inbound`, so responses stay
/// in order), route handlers run in a Task and post their response back, and the upgrade to WebSocket.
extension Connection {
    func processHTTP() {
        while isOpen, ws == nil, !awaitingResponse, !isClosing {
            let result = inbound.withUnsafeBytes { parser.parse($0) }
            switch result {
            case .needMore:
                if parser.hasHead, !headSeen {
                    headSeen = true
                    timer.headComplete(now: MonotonicClock.now())
                    if parser.expectsContinue { write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
                }
                return
            case .failure(let status, let message):
                failHTTP(status: status, message: message)
                return
            case .request(let request, let consumed):
                inbound.removeFirst(consumed)
                headSeen = false
                timer.requestComplete()
                dispatch(request)
            }
        }
    }

    /// Answers with an error and closes. `headOnly` for HEAD requests: the head (with its Content-Length), no body.
    func failHTTP(status: Int, message: String, headers: [(String, String)] = [], headOnly: Bool = false) {
        loop.logger.debug("http error", ["status": "\(status)", "reason": message, "remote": remoteAddress])
        var bytes = HTTPResponseWriter.error(status: status, message: message, keepAlive: false, headers: headers)
        if headOnly, let end = bytes.withUnsafeBytes({ HTTPBytes.find(blankLine: $0, from: 0) }) {
            bytes.removeSubrange((end + 4)...)
        }
        write(bytes)
        closeAfterFlush()
    }

    private func dispatch(_ request: HTTPRequest) {
        loop.counters.httpRequests.add(1, ordering: .relaxed)
        let isUpgrade = request.headers.contains { $0.name == "upgrade" || $0.name.hasPrefix("sec-websocket-") }
        if request.path == loop.options.webSocketPath {
            // A plain request to the WebSocket endpoint: say what it takes (RFC 9110 §15.5.22).
            guard isUpgrade else {
                failHTTP(
                    status: 426,
                    message: "this endpoint only speaks WebSocket: send a WebSocket upgrade (Upgrade: websocket)",
                    headers: [("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")],
                    headOnly: request.method == "HEAD")
                return
            }
            upgrade(request)
        } else {
            route(request)
        }
    }

    /// The cross-site checks (`CrossSiteGuard`): every request that acts, and browsers' read-only ones.
    private func refusedCrossSite(_ request: HTTPRequest, acting: Bool) -> Bool {
        let guardian = loop.crossSite
        guard let refusal = acting ? guardian.checkActing(request.headers) : guardian.checkReadOnly(request.headers)
        else { return false }
        loop.logger.warning(
            "cross-site request refused",
            [
                "status": "\(refusal.status)", "reason": refusal.message, "remote": remoteAddress,
                "path": CrossSiteGuard.shown(request.path),
            ])
        loop.counters.crossSiteRefused.add(1, ordering: .relaxed)
        failHTTP(status: refusal.status, message: refusal.message)
        return true
    }

    private func route(_ request: HTTPRequest) {
        let readOnly = request.method == "GET" || request.method == "HEAD"
        if refusedCrossSite(request, acting: !readOnly) { return }
        awaitingResponse = true
        let routes = loop.routes, loop = self.loop, id = self.id, remote = remoteAddress
        let keepAlive = request.keepAlive && !loop.isShuttingDown
        let isHead = request.method == "HEAD"
        Task {
            let response = await routes.handle(
                request: HTTPRouteRequest(
                    method: request.method, path: request.path, query: request.query, headers: request.headers,
                    body: request.body, remoteAddress: remote))
            if let response, let stream = response.stream, !isHead {
                loop.post(.httpPart(id: id, bytes: HTTPResponseWriter.streamHead(response, keepAlive: keepAlive)))
                for await part in stream where !part.isEmpty {
                    loop.post(.httpPart(id: id, bytes: HTTPResponseWriter.chunk(part)))
                }
                loop.post(.httpResponse(id: id, bytes: HTTPResponseWriter.lastChunk, keepAlive: keepAlive))
                return
            }
            var bytes: [UInt8]
            if let response {
                bytes = HTTPResponseWriter.response(response, keepAlive: keepAlive)
                if isHead { bytes.removeLast(response.body.count) }
            } else {
                bytes = HTTPResponseWriter.error(status: 404, message: "not found", keepAlive: keepAlive)
            }
            loop.post(.httpResponse(id: id, bytes: bytes, keepAlive: keepAlive))
        }
    }

    /// Part of a streamed response: sent at once, the request stays in progress.
    func respondPart(_ bytes: [UInt8]) {
        guard awaitingResponse else { return }
        write(bytes)
    }

    func respond(_ bytes: [UInt8], keepAlive: Bool) {
        guard awaitingResponse else { return }
        awaitingResponse = false
        write(bytes)
        if !keepAlive || closeAfterResponse || loop.isShuttingDown {
            closeAfterFlush()
            return
        }
        let now = MonotonicClock.now()
        timer.responseSent(now: now)
        if !inbound.isEmpty { timer.bytesArrived(now: now) }
        processHTTP()
        if readShut, !awaitingResponse, ws == nil { closeAfterFlush() }  // the peer is done sending
        if inbound.isEmpty, inbound.capacity > 16 << 10 { inbound = [] }
        updateInterest()
    }

    private func upgrade(_ request: HTTPRequest) {
        let key: String
        switch WebSocketHandshake.validate(
            method: request.method, minorVersion: request.minorVersion, headers: request.headers)
        {
        case .failure(let rejection):
            let extra = rejection.headers.map { line -> (String, String) in
                let parts = line.split(separator: ":", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1].dropFirst()) : "")
            }
            failHTTP(status: rejection.status, message: rejection.message, headers: extra)
            return
        case .success(let k):
            key = k
        }
        if refusedCrossSite(request, acting: true) { return }
        let upgradeRequest = UpgradeRequest(
            path: request.path, query: request.query, headers: request.headers, remoteAddress: remoteAddress)
        switch loop.delegate.shouldUpgrade(upgradeRequest) {
        case .reject(let status, let message):
            failHTTP(status: status, message: message)
        case .accept(let principal, let subprotocol):
            write(WebSocketHandshake.response(key: key, subprotocol: subprotocol))
            var config = WebSocketStateMachine.Configuration()
            config.maxMessageBytes = loop.options.maxMessageBytes
            config.idlePingSeconds = loop.options.idlePingSeconds
            config.closeWaitSeconds = loop.options.closeWaitSeconds
            ws = WebSocketStateMachine(configuration: config, now: MonotonicClock.now())
            let socket = ServerWebSocket(
                id: id, principal: principal, remoteAddress: remoteAddress, loop: loop,
                maxSendBufferBytes: loop.options.maxSendBufferBytes)
            self.socket = socket
            loop.counters.webSocketsOpened.add(1, ordering: .relaxed)
            loop.counters.webSocketsOpen.add(1, ordering: .relaxed)
            var leftover = inbound
            inbound = []
            loop.delegate.didOpen(socket)
            if !leftover.isEmpty { leftover.withUnsafeMutableBytes { receiveWebSocket($0) } }
        }
    }
}
