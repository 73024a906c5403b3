// The server panel: drivers with their state and restart count (GET /health, same origin) and the limits
// `initialize` reports.

function cell(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text == null ? '' : String(text);
  return el;
}

function driversTable(drivers) {
  const table = document.createElement('table');
  table.className = 'drivers';
  table.append(cell('caption', 'Drivers'));
  const head = document.createElement('tr');
  for (const h of ['Driver', 'State', 'Restarts']) head.append(cell('th', h));
  table.append(head);
  for (const d of drivers) {
    const tr = document.createElement('tr');
    const state = d.state ?? (d.ready ? 'ready' : 'not ready');
    tr.append(cell('td', d.name), cell('td', d.reason ? `${state}: ${d.reason}` : state),
      cell('td', d.restarts ?? d.restartCount ?? 0));
    table.append(tr);
  }
  return table;
}

function limitsList(limits) {
  const dl = document.createElement('dl');
  dl.className = 'limits';
  for (const [k, v] of Object.entries(limits ?? {})) dl.append(cell('dt', k), cell('dd', v ?? '—'));
  return dl;
}

/** Shows /health's drivers and `init`'s limits in `target`. */
export async function showServer(target, init) {
  const parts = [];
  const name = init?.serverInfo ? `${init.serverInfo.name} ${init.serverInfo.version}` : '';
  try {
    const r = await fetch('/health', { cache: 'no-store' });
    const health = await r.json();
    parts.push(cell('p', `${name} — ${health.status}`));
    parts.push(driversTable(health.drivers ?? []));
  } catch (e) {
    parts.push(cell('p', `${name} — /health did not answer (${e.message})`));
  }
  if (init?.limits) parts.push(cell('h3', 'Limits'), limitsList(init.limits));
  target.replaceChildren(...parts);
}
