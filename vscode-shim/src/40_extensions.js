// vscode.extensions and the Extension objects it hands out. Another extension's exports arrive as JSON;
// its functions become proxies that call it through the host (CallExport). The folder of an extension handed out becomes readable through `workspace.fs` (the
// engine learns it from the host's answer, see `workspace_fs.rs`). QuickJS reads this file on the first
// read of `vscode.extensions` (`LAZY_SHIM_GROUPS` in quickjs.rs); this extension's own entry, which every
// extension context holds, is in `39_own_extension.js`.

const { PromisePrototypeThen } = host.primordials;

const { ExtensionKind } = shim;
const ownExtension = shim.internal.ownExtension;

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
