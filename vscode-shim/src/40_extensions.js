// vscode.extensions and the Extension objects it hands out. Another extension's exports arrive as JSON;
// its functions become proxies that call it through the host (CallExport). This extension's own entry
// reads the live state. The folder of an extension handed out becomes readable through `workspace.fs` (the
// engine learns it from the host's answer, see `workspace_fs.rs`).

const { PromisePrototypeThen } = host.primordials;

const ExtensionKind = Object.freeze({ UI: 1, Workspace: 2 });

class Extension {
  constructor(description) {
    this.id = description.id;
    this.extensionPath = description.extensionPath;
    this.extensionUri = shim.Uri.file(description.extensionPath);
    this.packageJSON = description.packageJSON;
    this.extensionKind = ExtensionKind.Workspace;
    this._isActive = Boolean(description.isActive);
    this._exports = this._isActive ? host.fromWire(description.exports, description.id) : undefined;
  }

  get isActive() {
    return this._isActive;
  }

  get exports() {
    return this._exports;
  }

  activate() {
    return PromisePrototypeThen(host.call('activateExtension', { id: this.id }), (exports) => {
      this._isActive = true;
      this._exports = host.fromWire(exports, this.id);
      return this._exports;
    });
  }
}

class OwnExtension {
  constructor() {
    this.id = host.id;
    this.extensionPath = host.extensionPath;
    this.extensionUri = shim.Uri.file(host.extensionPath);
    this.packageJSON = host.packageJSON;
    this.extensionKind = ExtensionKind.Workspace;
  }

  get isActive() {
    return host.state.active;
  }

  get exports() {
    return host.state.exports;
  }

  activate() {
    return Promise.resolve(host.state.exports);
  }
}

const ownExtension = new OwnExtension();
const extensionChanges = new shim.EventEmitter();

function describe(description) {
  if (description.id === host.id) return ownExtension;
  return new Extension(description);
}

function getExtension(id) {
  if (id === host.id) return ownExtension;
  const description = host.callSync('getExtension', { id });
  return description ? describe(description) : undefined;
}

shim.extensions = shim.guard({
  getExtension,
  get all() {
    const descriptions = host.callSync('allExtensions', null);
    return Array.isArray(descriptions) ? descriptions.map(describe) : [];
  },
  onDidChange: extensionChanges.event,
}, 'vscode.extensions');
shim.ExtensionKind = ExtensionKind;
shim.internal.ownExtension = ownExtension;
