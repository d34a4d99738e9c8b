// This extension's own entry of `vscode.extensions` (`context.extension`): it reads the live state. The
// rest of the namespace is in `40_extensions.js`.

const ExtensionKind = Object.freeze({ UI: 1, Workspace: 2 });

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
shim.ExtensionKind = ExtensionKind;
shim.internal.ownExtension = ownExtension;
