// A running execution: its output as callbacks or an async iterator, cancel, and its final result.

export class Execution {
  constructor(client, requestId, sessionId, onOutput, onProgress) {
    this.client = client;
    this.requestId = requestId;
    this.sessionId = sessionId ?? null;
    this.done = false;
    this._onOutput = onOutput;
    this._onProgress = onProgress;
    this._events = [];
    this._waiters = [];
    this._ended = false;
    this._result = null;
  }

  _push(event) {
    if (this._ended) return;
    const cb = event.type === 'output' ? this._onOutput : this._onProgress;
    if (cb) cb(event);
    const w = this._waiters.shift();
    if (w) w({ value: event, done: false }); else this._events.push(event);
  }

  _end() {
    if (this._ended) return;
    this._ended = true;
    for (const w of this._waiters.splice(0)) w({ value: undefined, done: true });
  }

  /** Yields `{type:'output', stream, data, seq}` and `{type:'progress', message}` until the execution ends. */
  [Symbol.asyncIterator]() {
    return {
      next: () => {
        if (this._events.length) return Promise.resolve({ value: this._events.shift(), done: false });
        if (this._ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this._waiters.push(resolve));
      },
      [Symbol.asyncIterator]() { return this; },
    };
  }

  /** The final RunResult; rejects with a typed error if the request failed (ConnectionLostError, ...). */
  result() { return this._result; }

  /** Asks the server to stop it. Right after the start the server may not have registered it yet, so an
   * unsuccessful cancel is repeated until the execution ends or `waitMs` pass. True if the server stopped it. */
  async cancel(waitMs = 10000) {
    const deadline = Date.now() + waitMs;
    while (!this.done) {
      if (await this.client.cancel({ requestId: this.requestId, sessionId: this.sessionId ?? undefined })) return true;
      if (Date.now() > deadline) return false;
      await Promise.race([this._result.catch(() => {}), new Promise((r) => setTimeout(r, 50))]);
    }
    return false;
  }
}
