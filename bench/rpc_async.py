"""An asyncio JSON-RPC client over one WebSocket (python `websockets`), for benches that keep many calls in flight."""
import asyncio
import itertools
import json


class RPC:
    """One WebSocket connection: requests matched to responses by id (notifications are dropped)."""

    def __init__(self, ws):
        self.ws, self.ids, self.waiting = ws, itertools.count(1), {}
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, url, token=None):
        from websockets.asyncio.client import connect
        headers = {"Authorization": f"Bearer {token}"} if token else None
        return cls(await connect(url, max_size=2**26, open_timeout=60, ping_interval=None, close_timeout=2,
                                 additional_headers=headers))

    async def _read(self):
        try:
            async for raw in self.ws:
                m = json.loads(raw)
                f = self.waiting.pop(m.get("id"), None) if isinstance(m, dict) else None
                if f and not f.done():
                    f.set_result(m)
        except Exception:  # noqa: BLE001 - the connection ended; pending calls fail below
            pass
        for f in self.waiting.values():
            if not f.done():
                f.set_exception(ConnectionError("connection closed"))
                f.add_done_callback(lambda f: f.exception())  # runs abandoned on a disconnect: nobody awaits them

    async def send(self, method, params):
        rid = next(self.ids)
        fut = asyncio.get_running_loop().create_future()
        self.waiting[rid] = fut
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}))
        return rid, fut

    async def call(self, method, params, timeout=600):
        _, fut = await self.send(method, params)
        m = await asyncio.wait_for(fut, timeout)
        if "error" in m:
            raise RuntimeError(m["error"].get("message", str(m["error"])))
        return m["result"]

    async def close(self):
        await self.ws.close()
        self.reader.cancel()
