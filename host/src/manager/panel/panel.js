// The exthost extension manager page: a JSON-RPC 2.0 client over the host's WebSocket (/rpc), a list of
// extensions kept current by the `exthost/subscribe` stream, and the actions of contract §4 and §10.
'use strict';

const token = new URLSearchParams(location.search).get('token') || '';

/** id → {info, details, log, expanded, busy} */
const extensions = new Map();
let socket = null;
let nextId = 1;
const pending = new Map();

const elements = {
  list: document.getElementById('extensions'),
  filter: document.getElementById('filter'),
  status: document.getElementById('status'),
  empty: document.getElementById('empty'),
  restart: document.getElementById('restart'),
  banner: document.getElementById('restart-banner'),
  bannerText: document.getElementById('restart-banner-text'),
  restartNow: document.getElementById('restart-now'),
  npmForm: document.getElementById('install-npm-form'),
  npmName: document.getElementById('install-npm'),
  fileForm: document.getElementById('install-file-form'),
  file: document.getElementById('install-file'),
  installStatus: document.getElementById('install-status'),
};

/** The largest package the host accepts as an upload (its MAX_UPLOAD_BYTES). */
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

function setStatus(text) {
  elements.status.textContent = text;
}

/** Sends a request and answers its result (or throws its error). */
function call(method, params) {
  return new Promise((resolve, reject) => {
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      reject(new Error('not connected to the host'));
      return;
    }
    const id = nextId++;
    pending.set(id, { resolve, reject });
    socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: params || {} }));
  });
}

/**
 * The per-extension actions: when each is offered and which method it calls. Adding one is one entry
 * here and one method on the host.
 */
const ACTIONS = [
  {
    name: 'enable',
    label: 'Enable',
    method: 'exthost/enable',
    primary: true,
    // On a failed extension, enable retries it.
    offered: (entry) => ['discovered', 'disabled', 'unloaded', 'failed'].includes(entry.info.state),
  },
  {
    name: 'disable',
    label: 'Disable',
    method: 'exthost/disable',
    // A failed extension offers it in its error box (error recovery).
    offered: (entry) => ['discovered', 'loaded', 'enabled'].includes(entry.info.state),
  },
  {
    name: 'reload',
    label: 'Reload',
    method: 'exthost/reload',
    offered: (entry) => entry.info.state === 'enabled' && entry.details && entry.details.supportsHotReload,
  },
  {
    name: 'upgrade',
    label: 'Upgrade',
    method: 'exthost/upgrade',
    // The newest version its recorded source offers (npm: within the recorded range).
    offered: (entry) => entry.info.source === 'user' && !entry.info.restartRequired,
  },
  {
    name: 'uninstall',
    label: 'Uninstall',
    method: 'exthost/uninstall',
    // Only what the user installed (contract §9: `$EXTHOST_HOME/extensions`, source `user`) can be
    // uninstalled; a running one keeps running until the host restarts.
    offered: (entry) => entry.info.source === 'user' && !entry.info.restartRequired,
  },
];

/**
 * What a failed (or quarantined) extension's error box offers: [action name, button text]. Uninstall
 * only for what the user installed.
 */
const RECOVERY = [['disable', 'Disable this extension'], ['uninstall', 'Uninstall this extension']];

async function runAction(id, action) {
  const entry = extensions.get(id);
  if (!entry) return;
  entry.busy = true;
  render();
  setStatus(`${action.label} ${id}…`);
  try {
    const result = await call(action.method, { id });
    const changed = result.changed || result.reloaded || result.uninstalled
      || (result.upgraded && result.upgraded.map((info) => `${info.id} ${info.version}`)) || [];
    setStatus(`${action.label} ${id}: done${changed.length ? ` (${changed.join(', ')})` : ' (nothing changed)'}.`);
  } catch (error) {
    setStatus(`${action.label} ${id} failed: ${error.message}`);
  } finally {
    entry.busy = false;
    await refreshList();
  }
}

function setInstallStatus(text, outcome) {
  elements.installStatus.textContent = text;
  elements.installStatus.dataset.outcome = outcome;
}

/** Installs `source` (asking for it first with `prepare`, e.g. an upload): "installing…", then the result or the reason of the refusal. */
async function install(label, prepare) {
  const buttons = [...document.querySelectorAll('#install button')];
  for (const button of buttons) button.disabled = true;
  setInstallStatus(`Installing ${label}…`, 'busy');
  try {
    const source = await prepare();
    const result = await call('exthost/install', { source });
    const info = result.installed;
    setInstallStatus(`Installed ${info.name || info.id} ${info.version} (${info.id})${info.restartRequired ? ': it takes effect when the host restarts' : ''}.`, 'done');
  } catch (error) {
    setInstallStatus(`Not installed: ${error.message}`, 'refused');
  } finally {
    for (const button of buttons) button.disabled = false;
    await refreshList();
  }
}

/** Sends the chosen package file to the host (`POST /upload`); answers its `upload:ID` source. */
async function uploadFile(file) {
  if (file.size > MAX_UPLOAD_BYTES) {
    throw new Error(`${file.name} is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB`);
  }
  const response = await fetch(`/upload?token=${encodeURIComponent(token)}&name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream' },
    body: file,
  });
  if (!response.ok) throw new Error((await response.text()).trim() || `the upload was refused (${response.status})`);
  return (await response.json()).source;
}

async function restartHost() {
  elements.restart.disabled = true;
  elements.restartNow.disabled = true;
  setStatus('Restarting the host…');
  try {
    await call('exthost/restartHost', {});
    setStatus('The host restarted.');
  } catch (error) {
    setStatus(`Restart failed: ${error.message}`);
  } finally {
    elements.restart.disabled = false;
    elements.restartNow.disabled = false;
    await refreshList();
  }
}

async function loadDetails(id) {
  const entry = extensions.get(id);
  if (!entry) return;
  try {
    entry.details = await call('exthost/extensionDetails', { id });
  } catch (error) {
    entry.details = null;
  }
  render();
}

async function loadLog(id) {
  const entry = extensions.get(id);
  if (!entry) return;
  try {
    const result = await call('exthost/extensionLog', { id });
    entry.log = result.lines;
  } catch (error) {
    entry.log = [];
  }
  render();
}

async function refreshList() {
  const result = await call('exthost/listExtensions', {});
  const seen = new Set();
  for (const info of result.extensions) {
    if (info.shadowedBy) continue;
    seen.add(info.id);
    const entry = extensions.get(info.id) || { info, details: null, log: [], expanded: false, busy: false };
    entry.info = info;
    extensions.set(info.id, entry);
  }
  for (const id of [...extensions.keys()]) {
    if (!seen.has(id)) extensions.delete(id);
  }
  render();
  await Promise.all([...extensions.keys()].map(loadDetails));
}

function onEvent(event) {
  if (event.kind === 'extensionStateChanged') {
    const entry = extensions.get(event.id);
    if (entry && event.state !== 'unloaded') {
      entry.info.state = event.state;
      if (event.error) entry.info.error = event.error; else delete entry.info.error;
      if (event.restartRequired) entry.info.restartRequired = true;
      render();
      loadDetails(event.id);
    } else {
      // Installed, uninstalled or changed elsewhere (the editor, the command line): read the list again.
      refreshList();
    }
  } else if (event.kind === 'hostRestarted') {
    setStatus(`The host restarted (${event.reason}).`);
    refreshList();
  } else if (event.kind === 'log') {
    const entry = extensions.get(event.extension);
    if (entry) {
      entry.log.push(event);
      if (entry.log.length > 500) entry.log.shift();
      if (entry.expanded) render();
    }
  }
}

// Rendering -------------------------------------------------------------------------------------------

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === undefined || value === null) continue;
    if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

function matchesFilter(entry, filter) {
  if (!filter) return true;
  const { info } = entry;
  return [info.name, info.id, info.state, info.source, info.version, info.engine || '']
    .some((field) => String(field).toLowerCase().includes(filter));
}

function list(items, empty) {
  if (!items.length) return element('p', { class: 'muted', text: empty });
  return element('ul', {}, ...items.map((item) => element('li', {}, item)));
}

function renderEntry(entry) {
  const { info, details } = entry;
  const label = info.name || info.id;
  const detailsId = `details-${info.id}`;
  const actions = ACTIONS.filter((action) => action.offered(entry)).map((action) => element('button', {
    type: 'button',
    class: action.primary ? 'primary' : null,
    'data-action': action.name,
    'aria-label': `${action.label} ${label}`,
    disabled: entry.busy,
    onclick: () => runAction(info.id, action),
  }, action.label));
  actions.push(element('button', {
    type: 'button',
    'data-action': 'details',
    'aria-expanded': String(entry.expanded),
    'aria-controls': detailsId,
    'aria-label': `Details of ${label}`,
    // Looked up when clicked: a patched row keeps this listener across renders.
    onclick: () => {
      const shown = extensions.get(info.id);
      if (!shown) return;
      shown.expanded = !shown.expanded;
      render();
      if (shown.expanded) loadLog(info.id);
    },
  }, entry.expanded ? 'Hide details' : 'Details'));

  const error = info.state === 'failed' && info.error ? element('div', { class: 'error', role: 'alert' },
    element('p', { class: 'error-message', text: details && details.error ? details.error.message : info.error.message.split('\n')[0] }),
    details && details.error && details.error.stack ? element('pre', { class: 'error-stack', text: details.error.stack }) : null,
    element('div', { class: 'actions' }, ...RECOVERY.filter(([name]) => name !== 'uninstall' || info.source === 'user').map(([name, text]) => {
      const action = ACTIONS.find((candidate) => candidate.name === name);
      return element('button', {
        type: 'button', class: 'danger', 'data-action': `recover-${name}`, 'aria-label': `${action.label} ${label} (it failed)`,
        disabled: entry.busy, onclick: () => runAction(info.id, action),
      }, text);
    }))) : null;

  const log = entry.log.map((line) => `${new Date(line.timeMs).toLocaleTimeString()} ${line.level} ${line.message}`).join('\n');
  const more = element('div', { class: 'details', id: detailsId, hidden: !entry.expanded },
    element('div', { class: 'muted', text: info.path }),
    element('h3', { text: 'Commands' }),
    list(details ? details.commands.map((c) => element('span', {}, element('code', { text: c.command }), ` — ${c.title}`)) : [], 'None.'),
    element('h3', { text: 'Activation events' }),
    list(info.activationEvents.map((event) => element('code', { text: event })), 'None.'),
    element('h3', { text: 'Dependencies' }),
    list(Object.entries(info.dependencies).map(([id, range]) => element('code', { text: `${id} ${range}` })), 'None.'),
    element('h3', { text: 'Log' }),
    element('pre', { class: 'log', 'aria-label': `Log of ${label}`, tabindex: '0', text: log || '(nothing logged yet)' }));

  return element('li', { class: 'extension', 'data-id': info.id, 'data-state': info.state, 'aria-label': label },
    element('div', { class: 'summary' },
      element('h2', { class: 'name', text: label }),
      element('span', { class: 'id', text: info.id }),
      element('span', { class: 'version', text: info.version }),
      element('span', { class: 'badge source', title: 'source', text: info.source }),
      element('span', { class: 'badge state', 'data-state': info.state, title: 'state', text: info.state }),
      info.engine ? element('span', { class: 'badge engine', title: 'engine', text: info.engine }) : null,
      info.restartRequired ? element('span', { class: 'badge restart-required', text: 'restart required' }) : null),
    element('div', { class: 'actions' }, ...actions),
    error,
    more);
}

/**
 * The key a node keeps across renders: an extension's row by its `data-id`, a control by its
 * `data-action` (its listener does what the action says); none for the rest, matched by position.
 */
function keyOf(node) {
  return node.nodeType === Node.ELEMENT_NODE ? node.dataset.id || node.dataset.action || null : null;
}

/**
 * Makes `parent`'s children equal to `wanted` (fresh nodes), patching the node already there for each
 * (same key, or same position when unkeyed, and the same kind of node): a node that stays keeps its
 * identity, its focus and its listeners, so a click, a screen reader or a WebDriver reference that spans
 * a re-render is not lost.
 */
function patchChildren(parent, wanted) {
  const keyed = new Map();
  for (const child of parent.childNodes) {
    const key = keyOf(child);
    if (key) keyed.set(key, child);
  }
  wanted.forEach((fresh, index) => {
    const key = keyOf(fresh);
    const at = parent.childNodes[index] || null;
    let current = key ? keyed.get(key) : at && !keyOf(at) ? at : null;
    if (current && current.nodeName !== fresh.nodeName) current = null;
    if (current) patchNode(current, fresh);
    const node = current || fresh;
    if (node !== at) parent.insertBefore(node, at);
  });
  while (parent.childNodes.length > wanted.length) parent.lastChild.remove();
}

/** Makes `current` equal to `fresh` of the same kind: its text, or its attributes and children. */
function patchNode(current, fresh) {
  if (current.nodeType !== Node.ELEMENT_NODE) {
    if (current.nodeValue !== fresh.nodeValue) current.nodeValue = fresh.nodeValue;
    return;
  }
  for (const { name } of [...current.attributes]) {
    if (!fresh.hasAttribute(name)) current.removeAttribute(name);
  }
  for (const { name, value } of fresh.attributes) {
    if (current.getAttribute(name) !== value) current.setAttribute(name, value);
  }
  patchChildren(current, [...fresh.childNodes]);
}

function render() {
  // Keep the keyboard focus on the same control across a re-render.
  const focused = document.activeElement;
  const focusKey = focused && focused.closest && focused.closest('.extension')
    ? [focused.closest('.extension').dataset.id, focused.dataset.action] : null;
  const filter = elements.filter.value.trim().toLowerCase();
  const entries = [...extensions.values()].sort((a, b) => a.info.id.localeCompare(b.info.id));
  const shown = entries.filter((entry) => matchesFilter(entry, filter));
  patchChildren(elements.list, shown.map(renderEntry));
  elements.empty.hidden = shown.length > 0 || entries.length === 0;
  const waiting = entries.filter((entry) => entry.info.restartRequired).map((entry) => entry.info.id);
  elements.banner.hidden = waiting.length === 0;
  elements.bannerText.textContent = waiting.length
    ? `${waiting.length === 1 ? 'One extension waits' : `${waiting.length} extensions wait`} for a host restart: ${waiting.join(', ')}.`
    : '';
  if (focusKey) {
    const item = [...elements.list.children].find((node) => node.dataset.id === focusKey[0]);
    const control = item && item.querySelector(`[data-action="${focusKey[1]}"]`);
    if (control) control.focus();
  }
}

// Connection ------------------------------------------------------------------------------------------

function connect() {
  socket = new WebSocket(`ws://${location.host}/rpc?token=${encodeURIComponent(token)}`);
  socket.addEventListener('open', async () => {
    setStatus('Connected.');
    try {
      await call('exthost/subscribe', {});
      await refreshList();
      document.body.dataset.ready = 'true';
    } catch (error) {
      setStatus(`Cannot read the extensions: ${error.message}`);
    }
  });
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(message.data);
    if (data.id !== undefined && pending.has(data.id)) {
      const { resolve, reject } = pending.get(data.id);
      pending.delete(data.id);
      if (data.error) reject(new Error(data.error.message)); else resolve(data.result);
    } else if (data.method === 'exthost/event' && data.params) {
      onEvent(data.params.result);
    }
  });
  socket.addEventListener('close', () => {
    for (const { reject } of pending.values()) reject(new Error('the connection closed'));
    pending.clear();
    document.body.dataset.ready = 'false';
    setStatus('Disconnected from the host (it stopped, or the token is wrong). Reload the page to retry.');
  });
}

elements.filter.addEventListener('input', render);
elements.npmForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const source = elements.npmName.value.trim();
  install(source, async () => source);
});
elements.fileForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const file = elements.file.files[0];
  if (!file) return;
  install(file.name, () => uploadFile(file));
});
elements.restart.addEventListener('click', restartHost);
elements.restartNow.addEventListener('click', restartHost);
connect();
