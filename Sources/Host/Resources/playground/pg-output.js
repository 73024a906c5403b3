// The output view. Program output is text: it goes into text nodes, never into HTML. The view holds at most
// `limit` characters; past that it only counts and shows a notice, so 50 MB of output or one endless line
// keeps the page responsive. Chunks are batched and written once per animation frame.

export const VIEW_LIMIT = 200000;

export class OutputView {
  constructor(pre, notice, limit = VIEW_LIMIT) {
    Object.assign(this, { pre, notice, limit });
    this.clear();
  }

  clear() {
    this.pre.replaceChildren();
    this.notice.hidden = true;
    this.notice.textContent = '';
    this.shown = 0;
    this.dropped = 0;
    this.pending = [];
    this.lastStream = null;
    this.lastNode = null;
    this.frame = null;
  }

  /** Queues `text` from `stream` ('stdout', 'stderr' or 'info'). */
  append(stream, text) {
    if (!text) return;
    const room = this.limit - this.shown;
    if (room <= 0) { this.dropped += text.length; this.scheduleFlush(); return; }
    if (text.length > room) {
      this.dropped += text.length - room;
      text = text.slice(0, room);
    }
    this.shown += text.length;
    this.pending.push([stream, text]);
    this.scheduleFlush();
  }

  scheduleFlush() {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => this.flush());
  }

  /** Writes queued text now (also called when a run ends, so the result follows its output). */
  flush() {
    if (this.frame !== null) { cancelAnimationFrame(this.frame); this.frame = null; }
    const atBottom = this.pre.scrollHeight - this.pre.scrollTop - this.pre.clientHeight < 40;
    for (const [stream, text] of this.pending.splice(0)) {
      if (stream === this.lastStream && this.lastNode) { this.lastNode.firstChild.appendData(text); continue; }
      const span = document.createElement('span');
      span.className = `out-${stream}`;
      span.textContent = text;
      this.pre.append(span);
      this.lastStream = stream;
      this.lastNode = span;
    }
    if (this.dropped > 0) {
      this.notice.hidden = false;
      this.notice.textContent = `Output truncated in this view: showing the first ${this.shown.toLocaleString()} `
        + `characters, ${this.dropped.toLocaleString()} more not shown.`;
    }
    if (atBottom) this.pre.scrollTop = this.pre.scrollHeight;
  }

  get text() { return this.pre.textContent; }
}
