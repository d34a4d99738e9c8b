// The ExtensionContext given to activate(): subscriptions, paths, and in-memory Mementos (globalState and
// workspaceState keep their values while the runtime lives; persistence comes later).

const ExtensionMode = Object.freeze({ Production: 1, Development: 2, Test: 3 });

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

const globalState = new Memento();
const workspaceState = new Memento();

shim.internal.createContext = () => ({
  subscriptions: [],
  extensionPath: host.extensionPath,
  extensionUri: shim.fileUri(host.extensionPath),
  extension: shim.internal.ownExtension,
  extensionMode: host.development ? ExtensionMode.Development : ExtensionMode.Production,
  globalState,
  workspaceState,
  asAbsolutePath: (relativePath) => host.path.resolve(host.extensionPath, relativePath),
  storageUri: undefined,
  globalStorageUri: undefined,
  logUri: undefined,
  storagePath: undefined,
  globalStoragePath: undefined,
  logPath: undefined,
});
shim.ExtensionMode = ExtensionMode;
