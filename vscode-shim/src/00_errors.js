// Errors of the shim, and `shim.guard`: the Proxy that makes a missing API member fail loudly
// ("exthost does not implement vscode.window") instead of quietly being `undefined`.
//
// Every file of vscode-shim/src is the body of `function (shim, host) { … }`, run in numbered order:
// `shim` collects what the files build, `host` is the runtime's side (see bootstrap.js).

// Keys that generic code probes on any object (Promise resolution, JSON, module interop, inspection):
// they read as `undefined` instead of throwing.
const PROBED_KEYS = new Set(['then', 'toJSON', '__esModule', 'default', 'inspect', 'asymmetricMatch', '$$typeof', 'nodeType']);

shim.notImplemented = function notImplemented(path) {
  return new Error('exthost does not implement ' + path);
};

shim.guard = function guard(target, path) {
  return new Proxy(target, {
    get(object, key, receiver) {
      if (typeof key === 'symbol' || key in object) return Reflect.get(object, key, receiver);
      if (PROBED_KEYS.has(key)) return undefined;
      throw shim.notImplemented(path + '.' + key);
    },
  });
};

shim.internal = {};
