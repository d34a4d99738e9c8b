// The `vscode` module object: what `require('vscode')` and `import … from 'vscode'` give. A member not
// listed here throws "exthost does not implement vscode.<member>".

shim.vscode = shim.guard({
  version: '1.100.0',
  Disposable: shim.Disposable,
  EventEmitter: shim.EventEmitter,
  ExtensionKind: shim.ExtensionKind,
  ExtensionMode: shim.ExtensionMode,
  commands: shim.commands,
  extensions: shim.extensions,
}, 'vscode');
