// The ExtensionContext given to activate(): subscriptions, paths, in-memory Mementos and secrets
// (kept while the runtime lives; persistence comes later), and a no-op environment variable collection.

const { ExtensionMode } = shim;

class Memento {
  constructor() {
    this._values = new Map();
  }

  get(key, defaultValue) {
    return this._values.has(key) ? this._values.get(key) : defaultValue;
  }

  update(key, value) {
    if (value === undefined) this._values.delete(key);
    else this._values.set(key, JSON.parse(JSON.stringify(value)));
    return Promise.resolve();
  }

  keys() {
    return Array.from(this._values.keys());
  }

  setKeysForSync() {}
}

class SecretStorage {
  constructor() {
    this._values = new Map();
    this._changed = new shim.EventEmitter();
    this.onDidChange = this._changed.event;
  }

  get(key) {
    return Promise.resolve(this._values.get(key));
  }

  store(key, value) {
    this._values.set(String(key), String(value));
    this._changed.fire({ key: String(key) });
    return Promise.resolve();
  }

  delete(key) {
    if (this._values.delete(key)) this._changed.fire({ key });
    return Promise.resolve();
  }

  keys() {
    return Promise.resolve(Array.from(this._values.keys()));
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

const globalState = new Memento();
const workspaceState = new Memento();
const secrets = new SecretStorage();
const environmentVariableCollection = new EnvironmentVariableCollection();

shim.internal.createContext = () => ({
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
  storageUri: undefined,
  globalStorageUri: undefined,
  logUri: undefined,
  storagePath: undefined,
  globalStoragePath: undefined,
  logPath: undefined,
});
