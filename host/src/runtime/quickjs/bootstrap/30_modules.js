// QuickJS: CommonJS modules — `require` (resolved by `core.native.resolve`, confined to the extension's
// folder), its cache, JSON files, the built-in modules (`path`, `vscode`, Node's light ones), and the
// wrapper that compiles each file under its own name.

const { JSONParse, SafeMap, ArrayFrom, ReflectApply, String } = core.primordials;
const native = core.native;
const loadError = core.loadError;

function syntaxReason(error) {
  const frame = core.stackFrames(error).split('\n')[0].trim();
  return core.errorHeadline(error) + (frame ? ' (' + frame + ')' : '');
}

const moduleCache = new SafeMap();
const builtinModules = new SafeMap();

function dirname(file) {
  const index = file.lastIndexOf('/');
  return index <= 0 ? '/' : file.slice(0, index);
}

function resolveModule(fromDir, specifier) {
  const resolved = JSONParse(native.resolve(fromDir, String(specifier)));
  if (resolved.error !== undefined) throw loadError(resolved.module, resolved.error);
  return resolved;
}

function makeRequire(fromDir) {
  function require(specifier) {
    const resolved = resolveModule(fromDir, specifier);
    if (resolved.builtin !== undefined) return builtin(resolved.builtin);
    return loadFile(resolved.file);
  }
  require.resolve = (specifier) => {
    const resolved = resolveModule(fromDir, specifier);
    return resolved.builtin !== undefined ? resolved.builtin : resolved.file;
  };
  require.cache = new Proxy({}, {
    get: (_, key) => moduleCache.get(key),
    deleteProperty: (_, key) => moduleCache.delete(key),
    has: (_, key) => moduleCache.has(key),
    ownKeys: () => ArrayFrom(moduleCache.keys()),
    getOwnPropertyDescriptor: (_, key) => moduleCache.has(key)
      ? { value: moduleCache.get(key), enumerable: true, configurable: true, writable: false }
      : undefined,
  });
  return require;
}

function builtin(name) {
  const module = builtinModules.get(name) || (core.shim && core.shim.nodeModule ? core.shim.nodeModule(name) : undefined);
  if (!module) throw loadError(name, "exthost: module '" + name + "' is not available to extensions");
  return module;
}

function loadFile(filename) {
  const cached = moduleCache.get(filename);
  if (cached) return cached.exports;
  const module = { id: filename, filename, path: dirname(filename), exports: {}, loaded: false, children: [], paths: [] };
  if (filename.endsWith('.json')) {
    try {
      module.exports = JSONParse(native.readFile(filename));
    } catch (error) {
      throw loadError(filename, core.errorHeadline(error));
    }
    module.loaded = true;
    moduleCache.set(filename, module);
    return module.exports;
  }
  if (filename.endsWith('.mjs')) {
    throw loadError(filename, 'an ES module cannot be loaded with require(); use import');
  }
  let source;
  try {
    source = native.readFile(filename);
  } catch (error) {
    throw loadError(filename, error.message);
  }
  if (source.startsWith('#!')) source = '//' + source.slice(2);
  let wrapper;
  try {
    wrapper = native.compile('(function (exports, require, module, __filename, __dirname) {' + source + '\n})', filename);
  } catch (error) {
    throw loadError(filename, syntaxReason(error));
  }
  moduleCache.set(filename, module);
  try {
    ReflectApply(wrapper, module.exports, [module.exports, makeRequire(module.path), module, filename, module.path]);
  } catch (error) {
    moduleCache.delete(filename);
    throw error;
  }
  module.loaded = true;
  return module.exports;
}

core.builtinModules = builtinModules;
core.builtin = builtin;
core.loadFile = loadFile;
