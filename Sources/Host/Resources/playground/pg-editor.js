// The code editor: a textarea over a highlighted copy of its text, with a line-number gutter. Tab indents
// (Shift-Tab dedents); Escape then Tab leaves the editor, so keyboard-only users are never trapped.
// Ctrl/Cmd-Enter calls onRun. Highlighting is skipped for very large text to keep typing fast.
import { render } from './pg-highlight.js';

const INDENT = '    ';
const HIGHLIGHT_LIMIT = 100000;

export class Editor {
  constructor({ textarea, highlight, gutter, onRun, onChange }) {
    Object.assign(this, { textarea, highlight, gutter, onRun, onChange });
    this.lang = null;
    this.tabLeaves = false;
    this.lines = 0;
    textarea.addEventListener('input', () => { this.refresh(); this.onChange?.(this.value); });
    textarea.addEventListener('scroll', () => this.syncScroll());
    textarea.addEventListener('keydown', (e) => this.onKey(e));
    textarea.addEventListener('blur', () => { this.tabLeaves = false; });
  }

  get value() { return this.textarea.value; }

  set value(text) { this.textarea.value = text; this.refresh(); }

  setLanguage(lang) { this.lang = lang; this.refresh(); }

  refresh() {
    const code = this.textarea.value;
    // A trailing newline needs a character after it, or the highlighted copy is a line short.
    if (code.length <= HIGHLIGHT_LIMIT) render(this.highlight, `${code}\n`, this.lang);
    else this.highlight.textContent = `${code}\n`;
    const n = code.split('\n').length;
    if (n !== this.lines) {
      this.lines = n;
      this.gutter.textContent = Array.from({ length: n }, (_, i) => i + 1).join('\n');
    }
    this.syncScroll();
  }

  syncScroll() {
    this.highlight.scrollTop = this.textarea.scrollTop;
    this.highlight.scrollLeft = this.textarea.scrollLeft;
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  onKey(e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.onRun?.(); return; }
    if (e.key === 'Escape') { this.tabLeaves = true; return; }
    if (e.key !== 'Tab' || e.ctrlKey || e.altKey || e.metaKey || this.tabLeaves) return;
    e.preventDefault();
    if (e.shiftKey) this.dedent(); else this.indent();
  }

  /** Inserts spaces at the caret, or indents every selected line. */
  indent() {
    const t = this.textarea, { selectionStart: s, selectionEnd: end, value } = t;
    if (!value.slice(s, end).includes('\n')) {
      t.setRangeText(INDENT, s, end, 'end');
    } else {
      const start = value.lastIndexOf('\n', s - 1) + 1;
      const block = value.slice(start, end).replace(/^/gm, INDENT);
      t.setRangeText(block, start, end, 'select');
    }
    t.dispatchEvent(new Event('input'));
  }

  dedent() {
    const t = this.textarea, { selectionStart: s, selectionEnd: end, value } = t;
    const start = value.lastIndexOf('\n', s - 1) + 1;
    const block = value.slice(start, end).replace(/^( {1,4}|\t)/gm, '');
    t.setRangeText(block, start, end, s === end ? 'end' : 'select');
    t.dispatchEvent(new Event('input'));
  }
}
