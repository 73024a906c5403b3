// The Files panel: a session's workspace, listed, opened into an editable box, saved, uploaded and deleted
// through the SDK's file commands. Only shown while a session is open.

const MAX_LISTED = 500;

export class FilesPanel {
  constructor(els, { getSession }) {
    Object.assign(this, els);
    this.getSession = getSession;
    this.refreshButton.addEventListener('click', () => this.refresh());
    this.openButton.addEventListener('click', () => this.open(this.path.value));
    this.saveButton.addEventListener('click', () => this.save());
    this.deleteButton.addEventListener('click', () => this.remove());
    this.upload.addEventListener('change', () => this.uploadChosen());
  }

  /** Shows or hides the panel's body as a session opens or closes. */
  setEnabled(on) {
    this.body.hidden = !on;
    this.hint.hidden = on;
    if (on) this.refresh(); else this.list.replaceChildren();
  }

  say(text) { this.status.textContent = text; }

  async guarded(what, fn) {
    const s = this.getSession();
    if (!s) { this.say('Open a session first.'); return; }
    try { await fn(s); } catch (e) { this.say(`${what} failed: ${e.message}`); }
  }

  refresh() {
    return this.guarded('Listing', async (s) => {
      const entries = await s.listFiles('/workspace', { recursive: true });
      const shown = entries.map((e) => ({ ...e, path: e.path.replace(/^\/workspace\//, '') }))
        .filter((e) => !e.path.split('/').some((p) => p.startsWith('.')));
      const items = shown.slice(0, MAX_LISTED).map((e) => {
        const li = document.createElement('li');
        if (e.type === 'directory') {
          li.className = 'dir';
          li.textContent = `${e.path}/`;
          return li;
        }
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = e.path;
        b.setAttribute('aria-label', `Open ${e.path} (${e.size} bytes)`);
        b.addEventListener('click', () => this.open(e.path));
        li.append(b);
        return li;
      });
      this.list.replaceChildren(...items);
    });
  }

  open(path) {
    return this.guarded('Opening', async (s) => {
      this.content.value = await s.readFile(path);
      this.path.value = path;
      this.say(`Opened ${path}.`);
    });
  }

  save() {
    const path = this.path.value.trim();
    return this.guarded('Saving', async (s) => {
      await s.writeFile(path, this.content.value);
      this.say(`Saved ${path}.`);
      await this.refresh();
    });
  }

  remove() {
    const path = this.path.value.trim();
    return this.guarded('Deleting', async (s) => {
      await s.deleteFile(path);
      this.content.value = '';
      this.say(`Deleted ${path}.`);
      await this.refresh();
    });
  }

  uploadChosen() {
    const file = this.upload.files?.[0];
    if (!file) return Promise.resolve();
    return this.guarded('Uploading', async (s) => {
      await s.writeFile(file.name, new Uint8Array(await file.arrayBuffer()));
      this.upload.value = '';
      this.say(`Uploaded ${file.name} (${file.size} bytes).`);
      await this.refresh();
    });
  }
}
