// Node's light built-in modules for QuickJS extensions (see `node.rs`): each file registers factories
// with `define(name, factory)`; `shim.nodeModule(name)` builds a module on first use and caches it. The
// `process` and `Buffer` globals are made on first use too.

const factories = new Map();
const built = new Map();

shim.nodeDefine = (names, factory) => {
  for (const name of [].concat(names)) factories.set(name, factory);
};

shim.nodeModule = (name) => {
  if (built.has(name)) return built.get(name);
  const factory = factories.get(name);
  if (!factory) return undefined;
  const module = factory(shim.nodeModule);
  built.set(name, module);
  return module;
};

function lazyGlobal(name, make) {
  Object.defineProperty(globalThis, name, {
    configurable: true,
    enumerable: false,
    get() {
      const value = make();
      Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
      return value;
    },
    set(value) {
      Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
    },
  });
}

lazyGlobal('process', () => shim.nodeModule('process'));
lazyGlobal('Buffer', () => shim.nodeModule('buffer').Buffer);

// An error with Node's `code`, from a native message `CODE: text`.
shim.nodeError = (error) => {
  const message = String(error && error.message !== undefined ? error.message : error);
  const match = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(message);
  if (!match) return error;
  const failure = new Error(match[1] === 'EACCES' ? match[2] : message);
  failure.code = match[1];
  failure.errno = -1;
  return failure;
};
