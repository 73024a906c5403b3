// The language picker, filled from `language.list`: each language with its runtime, version and
// availability; unavailable ones are disabled (greyed) with their reason. Python is the first-load choice,
// after that the last one picked. Editor text is kept per language in localStorage.

const LANG_KEY = 'codebeaker.playground.language';
const codeKey = (lang) => `codebeaker.playground.code.${lang}`;

const SAMPLES = {
  python: 'import sys\n\nname = sys.stdin.readline().strip() or "world"\nprint(f"Hello, {name}!")\n',
  javascript: 'const nums = [1, 2, 3];\nconsole.log(nums.map((n) => n * n));\n',
  typescript: 'const greet = (name: string): string => `Hello, ${name}!`;\nconsole.log(greet("world"));\n',
};

export const sample = (lang) => SAMPLES[lang] ?? '';
export const storedCode = (lang) => localStorage.getItem(codeKey(lang));
export const storeCode = (lang, text) => { try { localStorage.setItem(codeKey(lang), text); } catch { /* full */ } };

/** The runtimes a language can run on (the server picks one per session), or all of them if none can. */
export function runtimesOf(lang) {
  const rts = lang.runtimes ?? [];
  const usable = rts.filter((r) => r.available);
  return [...new Set((usable.length ? usable : rts).map((r) => r.runtimeType).filter(Boolean))];
}

/** One line describing a language for the picker and the hint next to it. */
export function describe(lang) {
  const runtimes = runtimesOf(lang);
  const parts = [lang.name];
  if (runtimes.length) parts.push(runtimes.join('/'));
  if (lang.version) parts.push(lang.version);
  let text = parts.join(' · ');
  if (!lang.available) text += ` (unavailable: ${lang.unavailableReason ?? 'no runtime'})`;
  return text;
}

/** Fills `select` with `languages`; returns the chosen name. */
export function fillPicker(select, languages) {
  const options = languages.map((lang) => {
    const o = document.createElement('option');
    o.value = lang.name;
    o.textContent = describe(lang);
    o.disabled = !lang.available;
    if (!lang.available) o.title = lang.installHint ?? lang.unavailableReason ?? '';
    return o;
  });
  select.replaceChildren(...options);
  const usable = (name) => languages.some((l) => l.name === name && l.available);
  const wanted = [localStorage.getItem(LANG_KEY), 'python'].find(usable)
    ?? languages.find((l) => l.available)?.name ?? '';
  select.value = wanted;
  select.disabled = languages.length === 0;
  return wanted;
}

export const rememberLanguage = (name) => localStorage.setItem(LANG_KEY, name);
