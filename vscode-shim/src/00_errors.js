// Errors of the shim, and `shim.guard`: namespaces as VS Code has them (plain objects: an unknown member
// reads `undefined` and an assignment sticks), where a member VS Code has and exthost lacks is a function
// that fails loudly when called ("exthost does not implement vscode.window.createTerminal").
//
// Every file of vscode-shim/src is the body of `function (shim, host) { … }`, run in numbered order:
// `shim` collects what the files build, `host` is the runtime's side (see bootstrap.js).

// Each guarded object lists, under this symbol, the VS Code members it knows it does not implement
// (docs/vscode-api.md lists the same; a test keeps the two equal).
const NOT_IMPLEMENTED = Symbol.for('exthost.notImplemented');

shim.NOT_IMPLEMENTED = NOT_IMPLEMENTED;

// A stand-in for a missing member carries its VS Code path under this symbol.
const MISSING = Symbol.for('exthost.missing');

shim.notImplemented = function notImplemented(path) {
  return new Error('exthost does not implement ' + path);
};

// A stand-in for the VS Code function `path` that exthost lacks: reading it is harmless (feature checks,
// bundlers copying namespaces), calling it throws the naming error.
shim.missingFunction = function missingFunction(path) {
  const name = path.slice(path.lastIndexOf('.') + 1);
  const stand = { [name]() { throw shim.notImplemented(path); } }[name];
  Object.defineProperty(stand, MISSING, { value: path, enumerable: false });
  return stand;
};

// `target` with the VS Code members listed in `notImplemented` present as non-enumerable functions that
// throw the naming error when called (a missing namespace, given as `[name, [members…]]`, becomes an
// object of such functions). Everything else is the plain object: unknown reads are `undefined`,
// assignments stick.
shim.guard = function guard(target, path, notImplemented) {
  const names = [];
  for (const entry of notImplemented || []) {
    const [name, members] = Array.isArray(entry) ? entry : [entry, undefined];
    if (Object.prototype.hasOwnProperty.call(target, name)) throw new Error('exthost shim: ' + path + '.' + name + ' is both implemented and not');
    names.push(name);
    let value;
    if (members) {
      value = {};
      for (const member of members) value[member] = shim.missingFunction(path + '.' + name + '.' + member);
      Object.defineProperty(value, MISSING, { value: path + '.' + name, enumerable: false });
    } else {
      value = shim.missingFunction(path + '.' + name);
    }
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  }
  Object.defineProperty(target, NOT_IMPLEMENTED, { value: Object.freeze(names.sort()), enumerable: false });
  return target;
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
