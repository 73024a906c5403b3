// Unit tests for the playground's pure logic (node --test): the highlighter's tokens, the result line, and the
// output view's cap. The browser behaviour is tested in Tests/e2e/test_playground*.py.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { highlighterFor, tokenize } from '../../Sources/Host/Resources/playground/pg-highlight.js';
import { OutputView } from '../../Sources/Host/Resources/playground/pg-output.js';
import { resultParts } from '../../Sources/Host/Resources/playground/pg-run.js';

const joined = (tokens) => tokens.map(([, t]) => t).join('');
const classes = (tokens) => tokens.filter(([c]) => c).map(([c, t]) => `${c}:${t}`);

test('tokens cover the code exactly, whatever the language', () => {
  const code = 'def f(x):\n    return "a\\"b" + 0x1F  # done\n\'\'\'unclosed';
  for (const lang of ['python', 'javascript', 'typescript', null]) assert.equal(joined(tokenize(code, lang)), code);
});

test('python: keywords, strings, numbers, comments, decorators, builtins', () => {
  const t = classes(tokenize('@cache\ndef f():\n    print("hi", 42)  # c\n', 'python'));
  assert.deepEqual(t, ['decorator:@cache', 'keyword:def', 'builtin:print', 'string:"hi"', 'number:42', 'comment:# c']);
  assert.deepEqual(classes(tokenize("s = '''a\n#b'''", 'python')), ["string:'''a\n#b'''"]);
});

test('javascript and typescript: template strings, block comments, TS-only keywords', () => {
  assert.deepEqual(classes(tokenize('const s = `x${1}`; /* c */', 'javascript')), ['keyword:const', 'string:`x${1}`', 'comment:/* c */']);
  assert.deepEqual(classes(tokenize('interface A { n: number }', 'typescript')), ['keyword:interface', 'keyword:number']);
  assert.deepEqual(classes(tokenize('interface A {}', 'javascript')), []);
});

test('server language names map to highlighters', () => {
  assert.equal(highlighterFor('python'), 'python');
  assert.equal(highlighterFor('javascript'), 'javascript');
  assert.equal(highlighterFor('typescript'), 'typescript');
  assert.equal(highlighterFor('ruby'), null);
});

test('the result line flags timeouts, cancels, truncation and non-zero exits', () => {
  const base = { exitCode: 0, durationMs: 12.4, signal: null, timedOut: false, cancelled: false, truncated: false };
  assert.deepEqual(resultParts(base), [['exit 0', false], ['12 ms', false]]);
  const bad = { ...base, exitCode: 137, timedOut: true, stdoutTruncated: true, truncated: true };
  assert.deepEqual(resultParts(bad), [['exit 137', true], ['12 ms', false], ['timed out', true],
    ['output truncated by the server (stdout)', true]]);
  assert.deepEqual(resultParts({ ...base, exitCode: null, cancelled: true }), [['12 ms', false], ['cancelled', true]]);
});

test('the output view holds at most its limit and counts the rest', () => {
  const nodes = [];
  globalThis.requestAnimationFrame = () => 1;
  globalThis.cancelAnimationFrame = () => {};
  globalThis.document = {
    createElement: () => {
      const text = { data: '', appendData(s) { this.data += s; } };
      const span = { className: '', firstChild: text, set textContent(s) { text.data = s; } };
      nodes.push(span);
      return span;
    },
  };
  const pre = { replaceChildren() {}, append() {}, scrollHeight: 0, scrollTop: 0, clientHeight: 0 };
  const notice = { hidden: true, textContent: '' };
  const view = new OutputView(pre, notice, 10);
  view.append('stdout', 'abcdef');
  view.append('stdout', 'ghijkl');
  view.append('stderr', 'mnop');
  view.flush();
  assert.deepEqual(nodes.map((n) => [n.className, n.firstChild.data]), [['out-stdout', 'abcdefghij']]);
  assert.equal(view.dropped, 6);
  assert.equal(notice.hidden, false);
  assert.match(notice.textContent, /truncated/);
});
