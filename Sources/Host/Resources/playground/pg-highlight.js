// A small syntax highlighter for Python, JavaScript and TypeScript: one regular expression per language that
// finds comments, strings, numbers and keywords. It builds DOM nodes (textContent), never HTML strings.

// `(?![\s\S])` is the end of the text (with the m flag, `$` would be any line end).
const words = (s) => s.split(' ').map((w) => `\\b${w}\\b`).join('|');

const PY_KEYWORDS = 'False None True and as assert async await break class continue def del elif else except '
  + 'finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case';
const PY_BUILTINS = 'print len range int str float list dict set tuple open input enumerate zip map filter sum min max '
  + 'abs sorted isinstance type super object Exception self';
const JS_KEYWORDS = 'break case catch class const continue debugger default delete do else export extends finally '
  + 'for function if import in instanceof let new of return super switch this throw try typeof var void while with '
  + 'yield async await static get set null undefined true false from';
const JS_BUILTINS = 'console Math JSON Object Array String Number Boolean Promise Map Set Date Error RegExp Symbol '
  + 'require process globalThis';
const TS_KEYWORDS = 'type interface enum implements declare namespace abstract readonly private protected public '
  + 'keyof infer is as satisfies string number boolean any unknown never void object bigint';

function language(parts) {
  return new RegExp(parts.map(([cls, re]) => `(?<${cls}>${re})`).join('|'), 'gm');
}

const NUMBER = ['number', '\\b(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\\d[\\d_]*(?:\\.[\\d_]*)?(?:[eE][+-]?\\d+)?j?n?)\\b'];
const JS_COMMON = [
  ['comment', '\\/\\/[^\\n]*|\\/\\*[\\s\\S]*?(?:\\*\\/|(?![\\s\\S]))'],
  ['string', "'(?:\\\\.|[^'\\\\\\n])*'?|\"(?:\\\\.|[^\"\\\\\\n])*\"?|`(?:\\\\.|[^`\\\\])*`?"],
  NUMBER,
];

const LANGUAGES = {
  python: language([
    ['comment', '#[^\\n]*'],
    ['string', "[rRbBuUfF]{0,2}(?:'''[\\s\\S]*?(?:'''|(?![\\s\\S]))|\"\"\"[\\s\\S]*?(?:\"\"\"|(?![\\s\\S]))|'(?:\\\\.|[^'\\\\\\n])*'?|\"(?:\\\\.|[^\"\\\\\\n])*\"?)"],
    ['decorator', '^[ \\t]*@[\\w.]+'],
    NUMBER,
    ['keyword', words(PY_KEYWORDS)],
    ['builtin', words(PY_BUILTINS)],
  ]),
  javascript: language([...JS_COMMON, ['keyword', words(JS_KEYWORDS)], ['builtin', words(JS_BUILTINS)]]),
  typescript: language([
    ...JS_COMMON, ['keyword', `${words(JS_KEYWORDS)}|${words(TS_KEYWORDS)}`], ['builtin', words(JS_BUILTINS)],
  ]),
};

/** The highlighter's language for a server language name ('python', 'node', 'typescript', ...), or null. */
export function highlighterFor(name) {
  const n = String(name || '').toLowerCase();
  if (n.startsWith('python') || n === 'py') return 'python';
  if (n.startsWith('typescript') || n === 'ts' || n === 'deno') return 'typescript';
  if (n.startsWith('javascript') || n === 'js' || n === 'node' || n === 'bun') return 'javascript';
  return null;
}

/** Tokens `[class or null, text]` covering `code` exactly (a plain-text pass when the language is unknown). */
export function tokenize(code, lang) {
  const re = LANGUAGES[lang];
  if (!re) return [[null, code]];
  const out = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    if (m[0] === '') { re.lastIndex++; continue; }
    if (m.index > last) out.push([null, code.slice(last, m.index)]);
    const cls = Object.keys(m.groups).find((k) => m.groups[k] !== undefined);
    out.push([cls, m[0]]);
    last = m.index + m[0].length;
  }
  if (last < code.length) out.push([null, code.slice(last)]);
  return out;
}

/** Replaces `target`'s children with the highlighted code. */
export function render(target, code, lang) {
  const frag = document.createDocumentFragment();
  for (const [cls, text] of tokenize(code, lang)) {
    if (!cls) { frag.append(text); continue; }
    const span = document.createElement('span');
    span.className = `tok-${cls}`;
    span.textContent = text;
    frag.append(span);
  }
  target.replaceChildren(frag);
}
