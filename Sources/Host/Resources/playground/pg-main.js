// The playground page: wires the editor, the language picker, runs, the session and its Files panel, the
// packages box and the server panel to one connection. Everything shown from the server is set as text.
import { Connection, savedToken, saveToken, serverUp, tokensRequired } from './pg-connection.js';
import { Editor } from './pg-editor.js';
import { FilesPanel } from './pg-files.js';
import { highlighterFor } from './pg-highlight.js';
import { describe, fillPicker, rememberLanguage, sample, storeCode, storedCode } from './pg-languages.js';
import { OutputView } from './pg-output.js';
import { NotFoundError } from './sdk/index.js';
import { install, showResult, startRun } from './pg-run.js';
import { showServer } from './pg-server.js';

const $ = (id) => document.getElementById(id);
const state = { client: null, init: null, languages: [], lang: '', session: null, execution: null, needToken: false };
const conn = new Connection({ onLost: () => lostConnection() });
const output = new OutputView($('output'), $('output-notice'));
const editor = new Editor({
  textarea: $('editor'), highlight: $('highlight'), gutter: $('gutter'), onRun: () => run(),
  onChange: (text) => { if (state.lang && text.length < 1 << 20) storeCode(state.lang, text); },
});
const files = new FilesPanel({
  body: $('files-body'), hint: $('files-hint'), list: $('file-list'), path: $('file-path'),
  content: $('file-content'), status: $('files-status'), refreshButton: $('files-refresh'),
  openButton: $('file-open'), saveButton: $('file-save'), deleteButton: $('file-delete'), upload: $('file-upload'),
}, { getSession: () => state.session });

const status = (text) => { $('conn-status').textContent = text; };

function setRunning(running) {
  $('run').disabled = running || !state.client;
  $('cancel').disabled = !running;
  $('install').disabled = running || !state.client;
}

// ---- connection ----

async function connect() {
  const token = savedToken();
  if (state.needToken && !token) { askToken(''); return; }
  status('Connecting…');
  try {
    state.client = await conn.open(token);
  } catch (e) {
    state.client = null;
    if (state.needToken && await serverUp()) {
      saveToken(null);
      askToken(`The server refused the token (${e.message}).`);
    } else {
      showBanner(`Cannot reach the server: ${e.message}`);
      status('Not connected');
    }
    return;
  }
  $('token-box').hidden = true;
  $('banner').hidden = true;
  $('app').hidden = false;
  try {
    state.init = await state.client.initialize();
    state.languages = await state.client.languages();
  } catch (e) {
    status(`Connected, but the server did not answer: ${e.message}`);
    return;
  }
  status('Connected');
  pickLanguage(fillPicker($('language'), state.languages));
  setRunning(false);
  await showServer($('server-info'), state.init);
}

function askToken(message) {
  status('Waiting for a token');
  $('token-box').hidden = false;
  $('token-error').textContent = message;
  $('token-input').focus();
}

function submitToken() {
  const token = $('token-input').value.trim();
  if (!token) { $('token-error').textContent = 'Enter a token.'; return; }
  saveToken(token);
  $('token-input').value = '';
  connect();
}

let retryTimer = null;
function showBanner(text) {
  $('banner-text').textContent = text;
  $('banner').hidden = false;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => { if (!state.client) connect(); }, 3000);
}

function lostConnection() {
  state.client = null;
  state.session = null;
  $('session-toggle').checked = false;
  files.setEnabled(false);
  $('session-info').textContent = '';
  setRunning(false);
  status('Disconnected');
  showBanner('The connection to the server was lost. Retrying every few seconds…');
}

// ---- language and session ----

function pickLanguage(name) {
  state.lang = name;
  rememberLanguage(name);
  const lang = state.languages.find((l) => l.name === name);
  $('lang-info').textContent = lang ? describe(lang) : '';
  editor.setLanguage(highlighterFor(name));
  editor.value = storedCode(name) ?? sample(highlighterFor(name));
}

async function openSession() {
  await closeSession();
  state.session = await state.client.createSession(state.lang, { stateful: true });
  $('session-toggle').checked = true;
  $('session-info').textContent = `session ${state.session.id} (${state.lang})`;
  files.setEnabled(true);
}

async function closeSession() {
  const s = state.session;
  state.session = null;
  files.setEnabled(false);
  if (s) await s.close().catch(() => {});
  $('session-info').textContent = '';
}

async function toggleSession() {
  try {
    if ($('session-toggle').checked) await openSession(); else await closeSession();
  } catch (e) {
    $('session-toggle').checked = false;
    $('run-status').textContent = `Cannot open a session: ${e.message}`;
  }
}

// ---- run, cancel, install ----

async function run() {
  if (!state.client || state.execution || !state.lang) return;
  output.clear();
  $('run-status').textContent = 'Running…';
  setRunning(true);
  let streamed = false;
  try {
    if ($('session-toggle').checked && !state.session) await openSession();
    state.execution = await startRun({
      client: state.client, session: state.session, language: state.lang, code: editor.value,
      stdin: $('stdin').value, timeout: Number($('timeout').value) || 0, onOutput: (e) => { streamed = true; output.append(e.stream, e.data); },
    });
    const r = await state.execution.result();
    if (!streamed) { output.append('stdout', r.stdout); output.append('stderr', r.stderr); }
    output.flush();
    showResult($('run-status'), r);
    if (state.session) files.refresh();
  } catch (e) {
    output.flush();
    $('run-status').textContent = `Failed: ${e.message}`;
    if (e instanceof NotFoundError && state.session) { // expired or closed on the server: start afresh
      await closeSession();
      $('run-status').textContent += ' (the session is gone; the next run opens a new one)';
    }
  } finally {
    state.execution = null;
    setRunning(false);
  }
}

async function cancel() {
  const ex = state.execution;
  if (ex) { $('run-status').textContent = 'Cancelling…'; await ex.cancel().catch(() => {}); }
}

async function installPackages() {
  const names = $('packages').value.split(/[\s,]+/).filter(Boolean);
  if (!names.length || !state.client) return;
  setRunning(true);
  try {
    if (!state.session) await openSession();
    await install(state.session, names, $('install-log'));
  } catch (e) {
    $('install-log').append(`Install failed: ${e.message}\n`);
  } finally { setRunning(false); }
}

// ---- events ----

$('run').addEventListener('click', run);
$('cancel').addEventListener('click', cancel);
$('install').addEventListener('click', installPackages);
$('session-toggle').addEventListener('change', toggleSession);
$('language').addEventListener('change', async (e) => {
  pickLanguage(e.target.value);
  if (state.session) await openSession().catch((err) => { $('run-status').textContent = err.message; });
});
$('token-ok').addEventListener('click', submitToken);
$('token-input').addEventListener('keydown', (e) => { if (e.key === 'Enter') submitToken(); });
$('reconnect').addEventListener('click', () => connect());
$('server-refresh').addEventListener('click', () => showServer($('server-info'), state.init));
document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) { e.preventDefault(); run(); }
});

state.needToken = await tokensRequired();
await connect();
