// The ExtensionContext given to activate(): subscriptions, paths, the persisted Mementos (`globalState`,
// `workspaceState`) and secrets, the storage folders, and a no-op environment variable collection.
//
// The Mementos start from what is on disk under $EXTHOST_HOME (host operation `extensionState`, asked
// synchronously when the context is created), so `get` is synchronous; `update` changes the value at once and answers a promise that resolves once the
// host has written it to disk (host operation `stateUpdate`). Secrets are read from the host each time.

const { ExtensionMode } = shim;

// `{globalState, workspaceState, globalStoragePath, storagePath, logPath}` from the host (null when
// the host keeps no state: then the Mementos live in memory only).
let extensionState = null;

class Memento {
  constructor(scope) {
    this._scope = scope;
    this._values = new Map();
    this._syncKeys = [];
  }

  _load(values) {
    if (values === null || typeof values !== 'object') return;
    this._values = new Map(Object.entries(values));
  }

  get(key, defaultValue) {
    return this._values.has(key) ? this._values.get(key) : defaultValue;
  }

  update(key, value) {
    key = String(key);
    const text = value === undefined ? undefined : JSON.stringify(value);
    if (text === undefined) this._values.delete(key);
    else this._values.set(key, JSON.parse(text));
    if (extensionState === null) return Promise.resolve();
    const removed = text === undefined;
    return host.call('stateUpdate', { scope: this._scope, key, value: removed ? null : JSON.parse(text), delete: removed })
      .then(() => undefined);
  }

  keys() {
    return Array.from(this._values.keys());
  }

  // Accepted (there is no settings sync here); kept for whoever asks.
  setKeysForSync(keys) {
    this._syncKeys = Array.isArray(keys) ? keys.map(String) : [];
  }
}

// A file readable by the user only ($EXTHOST_HOME/state/secrets/<id>.json, 0600), not a keychain.
class SecretStorage {
  constructor() {
    this._memory = new Map();
    this._changed = new shim.EventEmitter();
    this.onDidChange = this._changed.event;
  }

  get(key) {
    ensureState();
    key = String(key);
    if (extensionState === null) return Promise.resolve(this._memory.get(key));
    return host.call('secretGet', { key }).then((value) => (typeof value === 'string' ? value : undefined));
  }

  store(key, value) {
    ensureState();
    key = String(key);
    value = String(value);
    if (extensionState === null) {
      this._memory.set(key, value);
      this._changed.fire({ key });
      return Promise.resolve();
    }
    return host.call('stateUpdate', { scope: 'secrets', key, value, delete: false }).then(() => {
      this._changed.fire({ key });
    });
  }

  delete(key) {
    ensureState();
    key = String(key);
    if (extensionState === null) {
      if (this._memory.delete(key)) this._changed.fire({ key });
      return Promise.resolve();
    }
    return host.call('stateUpdate', { scope: 'secrets', key, value: null, delete: true }).then(() => {
      this._changed.fire({ key });
    });
  }

  keys() {
    ensureState();
    if (extensionState === null) return Promise.resolve(Array.from(this._memory.keys()));
    return host.call('secretKeys', {}).then((keys) => (Array.isArray(keys) ? keys : []));
  }
}

// Records mutators and applies them to nothing (no terminals over LSP).
class EnvironmentVariableCollection {
  constructor() {
    this.persistent = true;
    this.description = undefined;
    this._mutators = new Map();
  }

  replace(variable, value, options) { this._mutators.set(variable, { value, type: shim.EnvironmentVariableMutatorType.Replace, options: options || {} }); }
  append(variable, value, options) { this._mutators.set(variable, { value, type: shim.EnvironmentVariableMutatorType.Append, options: options || {} }); }
  prepend(variable, value, options) { this._mutators.set(variable, { value, type: shim.EnvironmentVariableMutatorType.Prepend, options: options || {} }); }
  get(variable) { return this._mutators.get(variable); }
  forEach(callback, thisArg) { this._mutators.forEach((mutator, variable) => callback.call(thisArg, variable, mutator, this)); }
  delete(variable) { this._mutators.delete(variable); }
  clear() { this._mutators.clear(); }
  getScoped() { return this; }
  [Symbol.iterator]() { return this._mutators.entries(); }
}

const globalState = new Memento('global');
const workspaceState = new Memento('workspace');
const secrets = new SecretStorage();
// Another host's writes (a second editor window on the same home): the host compares and names the keys.
shim.internal.onEvent('secretsChanged', (payload) => {
  const keys = payload && Array.isArray(payload.keys) ? payload.keys : [];
  for (const key of keys) secrets._changed.fire({ key: String(key) });
});
const environmentVariableCollection = new EnvironmentVariableCollection();

// Asked once, when the context is created (host operation `extensionState`, synchronous and small: the
// session snapshot, which may hold large documents, is not loaded for it).
let stateLoaded = false;
function ensureState() {
  if (stateLoaded) return;
  stateLoaded = true;
  let state = null;
  try {
    state = host.callSync('extensionState', null);
  } catch (error) {
    host.log('warn', 'exthost: no persisted state from the host: ' + (error && error.message));
  }
  if (state === null || typeof state !== 'object') return;
  extensionState = state;
  globalState._load(state.globalState);
  workspaceState._load(state.workspaceState);
}

const folderUri = (path) => (typeof path === 'string' ? shim.Uri.file(path) : undefined);
const folderPath = (path) => (typeof path === 'string' ? path : undefined);

shim.internal.createContext = () => {
  ensureState();
  const state = extensionState || {};
  return {
    subscriptions: [],
    extensionPath: host.extensionPath,
    extensionUri: shim.Uri.file(host.extensionPath),
    extension: shim.internal.ownExtension,
    extensionMode: host.development ? ExtensionMode.Development : ExtensionMode.Production,
    globalState,
    workspaceState,
    secrets,
    environmentVariableCollection,
    asAbsolutePath: (relativePath) => host.path.resolve(host.extensionPath, relativePath),
    storageUri: folderUri(state.storagePath),
    globalStorageUri: folderUri(state.globalStoragePath),
    logUri: folderUri(state.logPath),
    storagePath: folderPath(state.storagePath),
    globalStoragePath: folderPath(state.globalStoragePath),
    logPath: folderPath(state.logPath),
  };
};
