// Errors of the shim, and `shim.guard`: the Proxy that makes a missing API member fail loudly
// ("exthost does not implement vscode.window.createTerminal") instead of quietly being `undefined`.
//
// Every file of vscode-shim/src is the body of `function (shim, host) { … }`, run in numbered order:
// `shim` collects what the files build, `host` is the runtime's side (see bootstrap.js).

// Keys that generic code probes on any object (Promise resolution, JSON, module interop, inspection):
// they read as `undefined` instead of throwing.
const PROBED_KEYS = new Set(['then', 'toJSON', '__esModule', 'default', 'inspect', 'asymmetricMatch', '$$typeof', 'nodeType']);

// Each guarded object lists, under this symbol, the VS Code members it knows it does not implement
// (docs/vscode-api.md lists the same; a test keeps the two equal).
const NOT_IMPLEMENTED = Symbol.for('exthost.notImplemented');

shim.NOT_IMPLEMENTED = NOT_IMPLEMENTED;

shim.notImplemented = function notImplemented(path) {
  return new Error('exthost does not implement ' + path);
};

// `target` with every unknown member throwing. `notImplemented` names the VS Code members deliberately
// left out (they throw like any unknown member; the list documents them).
shim.guard = function guard(target, path, notImplemented) {
  const missing = Object.freeze((notImplemented || []).slice().sort());
  for (const name of missing) {
    if (Object.prototype.hasOwnProperty.call(target, name)) throw new Error('exthost shim: ' + path + '.' + name + ' is both implemented and not');
  }
  Object.defineProperty(target, NOT_IMPLEMENTED, { value: missing, enumerable: false });
  return new Proxy(target, {
    get(object, key, receiver) {
      if (typeof key === 'symbol' || key in object) return Reflect.get(object, key, receiver);
      if (PROBED_KEYS.has(key)) return undefined;
      throw shim.notImplemented(path + '.' + key);
    },
  });
};

// Writes are reported once per message, not thrown (an editor may lack a feature the API promises).
const warned = new Set();
shim.warnOnce = function warnOnce(message) {
  if (warned.has(message)) return;
  warned.add(message);
  host.log('warn', message);
};

shim.illegalArgument = function illegalArgument(name) {
  const error = new Error(name ? 'Illegal argument: ' + name : 'Illegal argument');
  error.name = 'Error';
  return error;
};

shim.internal = {};

// Cleanups run when the extension is deactivated (providers, status bar items, diagnostics go away).
const deactivateHooks = [];
shim.internal.onDeactivate = (hook) => deactivateHooks.push(hook);
shim.internal.runDeactivateHooks = () => {
  for (const hook of deactivateHooks) {
    try {
      hook();
    } catch (error) {
      host.reportUncaught('a cleanup at deactivation', error);
    }
  }
};
