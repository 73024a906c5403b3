// The page's connection to its own server: `/ws/jsonrpc` on the page's host through the JavaScript SDK. A
// token, when the server wants one, travels only as the `codebeaker.bearer.<token>` subprotocol (the SDK's
// default) and is kept in sessionStorage, never in the URL. A dropped socket calls onLost (the page shows the
// reconnect banner).
import { CodeBeakerClient } from './sdk/index.js';

const TOKEN_KEY = 'codebeaker.playground.token';

export function socketUrl(loc = window.location) {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws/jsonrpc`;
}

export const savedToken = () => sessionStorage.getItem(TOKEN_KEY);
export const saveToken = (t) => (t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY));

/** Asks the page's server whether its WebSocket needs a token. */
export async function tokensRequired() {
  try {
    const r = await fetch('/playground/config.json', { cache: 'no-store' });
    return Boolean((await r.json()).tokensRequired);
  } catch { return false; }
}

/** Whether the server answers plain HTTP: a refused WebSocket then means a refused token, not a server gone. */
export async function serverUp() {
  try { return (await fetch('/health/live', { cache: 'no-store' })).ok; } catch { return false; }
}

export class Connection {
  constructor({ onLost }) {
    this.onLost = onLost;
    this.client = null;
  }

  /** Connects with `token` (or none); throws the SDK's ConnectError when refused or unreachable. */
  async open(token) {
    this.close();
    const self = this;
    // The SDK takes any WebSocket constructor: this one also tells the page when an open socket closes.
    class WatchedSocket extends WebSocket {
      constructor(url, protocols) {
        super(url, protocols);
        this.addEventListener('open', () => { self.socket = this; });
        this.addEventListener('close', () => { if (self.socket === this) self.lost(); });
      }
    }
    const client = new CodeBeakerClient(socketUrl(), {
      token: token || null, reconnect: false, connectTimeoutMs: 5000, WebSocket: WatchedSocket,
    });
    this.client = client;
    try { await client.connect(); } catch (e) { this.close(); throw e; }
    return client;
  }

  lost() {
    this.close();
    this.onLost?.();
  }

  close() {
    const c = this.client;
    this.client = null;
    this.socket = null;
    c?.close();
  }
}
