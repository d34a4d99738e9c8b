// The per-extension JS runtime around the `vscode` shim: console, timers, CommonJS `require`, the wire
// format (JSON with function markers), and the entry points the Rust event loop calls (`globalThis.__exthost`).
//
// Evaluated once per extension as a function expression and called with:
//   native    — Rust functions (log, settle, hostNotify, hostCall, hostCallSync, resolve, readFile, compile, now,
//               machineId, and the workspace file access: setWorkspaceRoots, fsStat, fsReadFile,
//               fsReadDirectory, findFiles)
//   specJson  — {id, extensionPath, packageJSON, development, vscodeVersion}
//   shimFiles — the files of vscode-shim/src, then the Node modules of quickjs/node/, in order, each compiled as `(function (shim, host) {…})` under
//               its name `exthost:vscode-shim/src/<file>` (see `bytecode.rs`)
(function (native, specJson, shimFiles) {
  'use strict';

  const spec = JSON.parse(specJson);
  const LOAD_FAILURE = Symbol('exthost.loadFailure');
  const UNKNOWN_COMMAND = Symbol('exthost.unknownCommand');
  const FUNCTION_MARKER = '$exthostFunction';

  // ---------------------------------------------------------------- formatting (console)

  function inspect(value, depth, seen) {
    depth = depth === undefined ? 2 : depth;
    seen = seen || [];
    switch (typeof value) {
      case 'string': return seen.length ? JSON.stringify(value) : value;
      case 'number': return Object.is(value, -0) ? '-0' : String(value);
      case 'bigint': return value + 'n';
      case 'undefined': case 'boolean': return String(value);
      case 'symbol': return value.toString();
      case 'function': return '[Function: ' + (value.name || '(anonymous)') + ']';
    }
    if (value === null) return 'null';
    if (value instanceof Error) return value.stack ? errorHeadline(value) + '\n' + stackFrames(value) : errorHeadline(value);
    if (seen.includes(value)) return '[Circular]';
    if (value instanceof Date) return isNaN(value) ? 'Invalid Date' : value.toISOString();
    if (value instanceof RegExp) return String(value);
    if (depth < 0) return Array.isArray(value) ? '[Array]' : '[Object]';
    seen.push(value);
    try {
      if (Array.isArray(value)) {
        return '[ ' + value.map((item) => inspect(item, depth - 1, seen)).join(', ') + ' ]';
      }
      if (value instanceof Map) {
        return 'Map(' + value.size + ') { ' + Array.from(value, ([k, v]) => inspect(k, depth - 1, seen) + ' => ' + inspect(v, depth - 1, seen)).join(', ') + ' }';
      }
      if (value instanceof Set) {
        return 'Set(' + value.size + ') { ' + Array.from(value, (v) => inspect(v, depth - 1, seen)).join(', ') + ' }';
      }
      const keys = Object.keys(value);
      const body = keys.map((key) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)) + ': ' + inspect(value[key], depth - 1, seen));
      const name = value.constructor && value.constructor !== Object && typeof value.constructor.name === 'string' ? value.constructor.name + ' ' : '';
      return keys.length ? name + '{ ' + body.join(', ') + ' }' : name + '{}';
    } catch (error) {
      return '[object]';
    } finally {
      seen.pop();
    }
  }

  function errorHeadline(error) {
    try {
      return String(error.name || 'Error') + (error.message ? ': ' + error.message : '');
    } catch (_) {
      return 'Error';
    }
  }

  // QuickJS's `stack` holds only the frames; keep it that way but tolerate engines that prefix the headline.
  function stackFrames(error) {
    const stack = typeof error.stack === 'string' ? error.stack : '';
    const headline = errorHeadline(error);
    return (stack.startsWith(headline) ? stack.slice(headline.length) : stack).replace(/^\n+|\n+$/g, '');
  }

  // Node's util.format, roughly: %s %d %i %f %j %o %O %%, then the rest joined by spaces.
  function format(args) {
    let first = args[0];
    let rest = 1;
    let text = '';
    if (typeof first === 'string' && args.length > 1) {
      text = first.replace(/%([sdifjoO%])/g, (match, type) => {
        if (type === '%') return '%';
        if (rest >= args.length) return match;
        const arg = args[rest++];
        switch (type) {
          case 's': return typeof arg === 'string' ? arg : inspect(arg, 1);
          case 'd': case 'i': {
            const number = Number(arg);
            return String(type === 'i' ? Math.trunc(number) : number);
          }
          case 'f': return String(parseFloat(arg));
          case 'j': try { return JSON.stringify(arg); } catch (_) { return '[Circular]'; }
          default: return inspect(arg, 4);
        }
      });
    } else {
      rest = 0;
    }
    const tail = args.slice(rest).map((arg) => inspect(arg));
    return rest ? [text].concat(tail).join(' ') : tail.join(' ');
  }

  function log(level, message) {
    native.log(level, message);
  }

  function reportUncaught(where, error) {
    log('error', 'Uncaught exception in ' + where + ': ' + inspect(error));
  }

  const counters = new Map();
  const clocks = new Map();
  const console = {
    log: (...args) => log('info', format(args)),
    info: (...args) => log('info', format(args)),
    warn: (...args) => log('warn', format(args)),
    error: (...args) => log('error', format(args)),
    debug: (...args) => log('debug', format(args)),
    trace: (...args) => log('debug', 'Trace' + (args.length ? ': ' + format(args) : '') + '\n' + stackFrames(new Error())),
    dir: (value) => log('info', inspect(value)),
    assert: (condition, ...args) => {
      if (!condition) log('error', 'Assertion failed' + (args.length ? ': ' + format(args) : ''));
    },
    count: (label = 'default') => {
      const count = (counters.get(label) || 0) + 1;
      counters.set(label, count);
      log('info', label + ': ' + count);
    },
    time: (label = 'default') => { clocks.set(label, native.now()); },
    timeEnd: (label = 'default') => {
      if (!clocks.has(label)) return;
      log('info', label + ': ' + (native.now() - clocks.get(label)).toFixed(3) + 'ms');
      clocks.delete(label);
    },
  };

  // ---------------------------------------------------------------- timers and microtasks

  const timers = new Map();
  let nextTimerId = 1;

  class Timeout {
    constructor(id) { this._id = id; }
    ref() { return this; }
    unref() { return this; }
    hasRef() { return true; }
    refresh() {
      const timer = timers.get(this._id);
      if (timer) timer.due = native.now() + timer.delay;
      return this;
    }
    [Symbol.toPrimitive]() { return this._id; }
  }

  function addTimer(callback, delay, args, repeat) {
    if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
    delay = Number(delay);
    if (!(delay >= 0) || delay > 2147483647) delay = 0;
    const id = nextTimerId++;
    timers.set(id, { callback, args, delay, due: native.now() + delay, repeat });
    return new Timeout(id);
  }

  function clearTimer(handle) {
    if (handle !== undefined && handle !== null) timers.delete(Number(handle));
  }

  // Runs the earliest due timer (ties in creation order); false when none is due.
  function runTimer() {
    const now = native.now();
    let chosenId = 0;
    let chosen = null;
    for (const [id, timer] of timers) {
      if (timer.due <= now && (chosen === null || timer.due < chosen.due)) {
        chosenId = id;
        chosen = timer;
      }
    }
    if (chosen === null) return false;
    if (chosen.repeat) chosen.due = now + Math.max(chosen.delay, 1);
    else timers.delete(chosenId);
    try {
      chosen.callback.apply(undefined, chosen.args);
    } catch (error) {
      reportUncaught('a timer callback', error);
    }
    return true;
  }

  function nextTimerDelay() {
    let earliest = Infinity;
    for (const timer of timers.values()) if (timer.due < earliest) earliest = timer.due;
    return earliest === Infinity ? -1 : Math.max(0, earliest - native.now());
  }

  const globals = {
    console,
    global: globalThis,
    setTimeout: (callback, delay, ...args) => addTimer(callback, delay, args, false),
    setInterval: (callback, delay, ...args) => addTimer(callback, delay, args, true),
    setImmediate: (callback, ...args) => addTimer(callback, 0, args, false),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    clearImmediate: clearTimer,
    queueMicrotask: (callback) => {
      if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
      Promise.resolve().then(() => {
        try {
          callback();
        } catch (error) {
          reportUncaught('a microtask', error);
        }
      });
    },
    performance: { now: () => native.now(), timeOrigin: Date.now() - native.now() },
  };
  for (const name of Object.keys(globals)) {
    Object.defineProperty(globalThis, name, { value: globals[name], writable: true, configurable: true, enumerable: false });
  }

  // ---------------------------------------------------------------- wire format

  // The enumerable own keys, plus methods found on the prototype chain when functions are marked (so an
  // exported class instance keeps its methods).
  function wireKeys(value, markFunctions) {
    const keys = Object.keys(value);
    if (!markFunctions) return keys;
    let prototype = Object.getPrototypeOf(value);
    while (prototype && prototype !== Object.prototype && prototype !== Array.prototype) {
      for (const key of Object.getOwnPropertyNames(prototype)) {
        if (key === 'constructor' || keys.includes(key)) continue;
        const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
        if (descriptor && typeof descriptor.value === 'function') keys.push(key);
      }
      prototype = Object.getPrototypeOf(prototype);
    }
    return keys;
  }

  // A JSON-able copy of `value`. With `markFunctions`, functions become {"$exthostFunction": path};
  // otherwise they are dropped as JSON.stringify drops them. Cycles are cut.
  function toWireValue(value, markFunctions) {
    const seen = [];
    function walk(current, path) {
      switch (typeof current) {
        case 'undefined': case 'symbol': return undefined;
        case 'function': return markFunctions ? { [FUNCTION_MARKER]: path.slice() } : undefined;
        case 'bigint': return String(current);
        case 'number': return Number.isFinite(current) ? current : null;
        case 'string': case 'boolean': return current;
      }
      if (current === null) return null;
      if (seen.includes(current)) return undefined;
      if (typeof current.toJSON === 'function') {
        const replaced = current.toJSON();
        if (replaced !== current) {
          seen.push(current);
          try { return walk(replaced, path); } finally { seen.pop(); }
        }
      }
      seen.push(current);
      try {
        if (Array.isArray(current)) {
          // A plain loop, not `map`: one JS frame per level of nesting, so deep values fit the stack.
          const result = new Array(current.length);
          for (let index = 0; index < current.length; index++) {
            const wired = walk(current[index], path.concat(String(index)));
            result[index] = wired === undefined ? null : wired;
          }
          return result;
        }
        const result = {};
        for (const key of wireKeys(current, markFunctions)) {
          const wired = walk(current[key], path.concat(key));
          if (wired !== undefined) result[key] = wired;
        }
        return result;
      } finally {
        seen.pop();
      }
    }
    const wired = walk(value, []);
    return wired === undefined ? null : wired;
  }

  function toWire(value, markFunctions) {
    return JSON.stringify(toWireValue(value, markFunctions));
  }

  // Turns function markers in a value received from extension `owner` back into functions that call it.
  function fromWire(value, owner) {
    if (Array.isArray(value)) return value.map((item) => fromWire(item, owner));
    if (value !== null && typeof value === 'object') {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === FUNCTION_MARKER && Array.isArray(value[FUNCTION_MARKER])) {
        return exportProxy(owner, value[FUNCTION_MARKER].map(String));
      }
      const result = {};
      for (const key of keys) result[key] = fromWire(value[key], owner);
      return result;
    }
    return value;
  }

  function exportProxy(owner, path) {
    const name = path.length ? path[path.length - 1] : 'exports';
    const proxy = {
      [name](...args) {
        return hostCall('callExport', { id: owner, path, arguments: toWireValue(args, false) })
          .then((result) => fromWire(result, owner));
      },
    }[name];
    return proxy;
  }

  // ---------------------------------------------------------------- host operations

  const pendingHostCalls = new Map();

  function hostNotify(kind, payload) {
    native.hostNotify(kind, JSON.stringify(payload === undefined ? null : payload));
  }

  function hostCall(kind, payload) {
    return new Promise((resolve, reject) => {
      const id = native.hostCall(kind, JSON.stringify(payload === undefined ? null : payload));
      pendingHostCalls.set(id, { resolve, reject });
    });
  }

  // Blocks this extension's thread until the host answers (each extension has its own thread).
  function hostCallSync(kind, payload) {
    return JSON.parse(native.hostCallSync(kind, JSON.stringify(payload === undefined ? null : payload)));
  }

  // `answer`: the JSON text of the value, or (when !ok) an Error whose `code` is the host-call error's
  // kind (`notFound`, `noPermissions`, `cancelled`, …), made by the host.
  function hostReply(id, ok, answer) {
    const pending = pendingHostCalls.get(id);
    if (!pending) return;
    pendingHostCalls.delete(id);
    if (ok) pending.resolve(JSON.parse(answer));
    else pending.reject(answer);
  }

  // ---------------------------------------------------------------- modules (CommonJS)

  function loadError(module, reason) {
    const error = new Error('cannot load ' + module + ': ' + reason);
    Object.defineProperty(error, LOAD_FAILURE, { value: { module, reason } });
    return error;
  }

  function isLoadError(value) {
    return value !== null && typeof value === 'object' && value[LOAD_FAILURE] !== undefined;
  }

  function syntaxReason(error) {
    const frame = stackFrames(error).split('\n')[0].trim();
    return errorHeadline(error) + (frame ? ' (' + frame + ')' : '');
  }

  const moduleCache = new Map();
  const builtinModules = new Map();

  function dirname(file) {
    const index = file.lastIndexOf('/');
    return index <= 0 ? '/' : file.slice(0, index);
  }

  function resolveModule(fromDir, specifier) {
    const resolved = JSON.parse(native.resolve(fromDir, String(specifier)));
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
      ownKeys: () => Array.from(moduleCache.keys()),
      getOwnPropertyDescriptor: (_, key) => moduleCache.has(key)
        ? { value: moduleCache.get(key), enumerable: true, configurable: true, writable: false }
        : undefined,
    });
    return require;
  }

  function builtin(name) {
    const module = builtinModules.get(name) || (shim.nodeModule ? shim.nodeModule(name) : undefined);
    if (!module) throw loadError(name, "exthost: module '" + name + "' is not available to extensions");
    return module;
  }

  function loadFile(filename) {
    const cached = moduleCache.get(filename);
    if (cached) return cached.exports;
    const module = { id: filename, filename, path: dirname(filename), exports: {}, loaded: false, children: [], paths: [] };
    if (filename.endsWith('.json')) {
      try {
        module.exports = JSON.parse(native.readFile(filename));
      } catch (error) {
        throw loadError(filename, errorHeadline(error));
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
      wrapper.call(module.exports, module.exports, makeRequire(module.path), module, filename, module.path);
    } catch (error) {
      moduleCache.delete(filename);
      throw error;
    }
    module.loaded = true;
    return module.exports;
  }

  // ---------------------------------------------------------------- path (POSIX)

  builtinModules.set('path', (() => {
    function assertPath(value) {
      if (typeof value !== 'string') throw new TypeError('The "path" argument must be of type string. Received ' + inspect(value));
    }
    function normalizeParts(parts, allowAboveRoot) {
      const result = [];
      for (const part of parts) {
        if (!part || part === '.') continue;
        if (part === '..') {
          if (result.length && result[result.length - 1] !== '..') result.pop();
          else if (allowAboveRoot) result.push('..');
        } else {
          result.push(part);
        }
      }
      return result;
    }
    function normalize(path) {
      assertPath(path);
      if (!path) return '.';
      const absolute = path.startsWith('/');
      const trailing = path.endsWith('/');
      let result = normalizeParts(path.split('/'), !absolute).join('/');
      if (!result && !absolute) result = '.';
      if (result && trailing) result += '/';
      return (absolute ? '/' : '') + result;
    }
    function join(...parts) {
      parts.forEach(assertPath);
      const joined = parts.filter((part) => part !== '').join('/');
      return joined ? normalize(joined) : '.';
    }
    function resolve(...parts) {
      let resolved = '';
      let absolute = false;
      for (let index = parts.length - 1; index >= -1 && !absolute; index--) {
        const part = index >= 0 ? parts[index] : '/';
        assertPath(part);
        if (!part) continue;
        resolved = part + '/' + resolved;
        absolute = part.startsWith('/');
      }
      const result = normalizeParts(resolved.split('/'), !absolute).join('/');
      return (absolute ? '/' : '') + result || '.';
    }
    function trimTrailing(path) {
      let end = path.length;
      while (end > 1 && path[end - 1] === '/') end--;
      return path.slice(0, end);
    }
    function dirnameOf(path) {
      assertPath(path);
      if (!path) return '.';
      const trimmed = trimTrailing(path);
      const index = trimmed.lastIndexOf('/');
      if (index < 0) return '.';
      if (index === 0) return '/';
      return trimTrailing(trimmed.slice(0, index));
    }
    function basename(path, extension) {
      assertPath(path);
      const trimmed = trimTrailing(path);
      let base = trimmed === '/' ? '' : trimmed.slice(trimmed.lastIndexOf('/') + 1);
      if (extension && base.endsWith(extension) && base !== extension) base = base.slice(0, base.length - extension.length);
      return base;
    }
    function extname(path) {
      const base = basename(path);
      const index = base.lastIndexOf('.');
      return index <= 0 ? '' : base.slice(index);
    }
    function relative(from, to) {
      const fromParts = resolve(from).split('/').filter(Boolean);
      const toParts = resolve(to).split('/').filter(Boolean);
      let common = 0;
      while (common < fromParts.length && common < toParts.length && fromParts[common] === toParts[common]) common++;
      return fromParts.slice(common).map(() => '..').concat(toParts.slice(common)).join('/');
    }
    function parse(path) {
      assertPath(path);
      const root = path.startsWith('/') ? '/' : '';
      const base = basename(path);
      const ext = extname(path);
      let dir = dirnameOf(path);
      if (dir === '.' && !path.includes('/')) dir = '';
      return { root, dir, base, ext, name: ext ? base.slice(0, base.length - ext.length) : base };
    }
    function formatPath(parts) {
      const dir = parts.dir || parts.root || '';
      const base = parts.base || (parts.name || '') + (parts.ext || '');
      return dir ? (dir === parts.root ? dir + base : dir + '/' + base) : base;
    }
    const path = {
      sep: '/', delimiter: ':', normalize, join, resolve, dirname: dirnameOf, basename, extname, relative,
      parse, format: formatPath,
      isAbsolute: (value) => { assertPath(value); return value.startsWith('/'); },
      toNamespacedPath: (value) => value,
    };
    path.posix = path;
    return path;
  })());

  // ---------------------------------------------------------------- the vscode shim

  const extensionState = { active: false, module: undefined, exports: undefined, context: undefined };

  const host = {
    id: spec.id,
    extensionPath: spec.extensionPath,
    packageJSON: spec.packageJSON,
    development: Boolean(spec.development),
    vscodeVersion: spec.vscodeVersion,
    state: extensionState,
    notify: hostNotify,
    call: hostCall,
    callSync: hostCallSync,
    fromWire,
    toWireValue,
    log,
    inspect,
    reportUncaught,
    path: builtinModules.get('path'),
    machineId: () => native.machineId(),
    // Node's light built-ins (`node/*.js`, see `node.rs`).
    node: native.node,
    // Read-only access to the workspace folders the host named (the native side enforces the bounds).
    fs: {
      setRoots: (paths) => native.setWorkspaceRoots(JSON.stringify(paths)),
      stat: (path) => JSON.parse(native.fsStat(path)),
      readFile: (path) => native.fsReadFile(path),
      readDirectory: (path) => JSON.parse(native.fsReadDirectory(path)),
      findFiles: (request) => JSON.parse(native.findFiles(JSON.stringify(request))),
    },
  };
  const shim = {};
  for (const file of shimFiles) file(shim, host);
  builtinModules.set('vscode', shim.vscode);

  // ---------------------------------------------------------------- requests from the host

  function unknownCommand(command) {
    const error = new Error('command not found: ' + command);
    error[UNKNOWN_COMMAND] = command;
    return error;
  }

  async function activate(payload) {
    if (extensionState.active) return extensionState.exports;
    const loaded = payload.esm ? await import(payload.entry) : loadFile(payload.entry);
    let activateFunction = loaded ? loaded.activate : undefined;
    if (payload.esm && typeof activateFunction !== 'function' && loaded.default) activateFunction = loaded.default.activate;
    extensionState.module = payload.esm && typeof loaded.activate !== 'function' && loaded.default ? loaded.default : loaded;
    shim.internal.ensureSession();
    const context = shim.internal.createContext();
    extensionState.context = context;
    const exports = typeof activateFunction === 'function'
      ? await activateFunction.call(extensionState.module, context)
      : undefined;
    extensionState.active = true;
    extensionState.exports = exports;
    return exports;
  }

  async function deactivate() {
    const module = extensionState.module;
    try {
      if (module && typeof module.deactivate === 'function') await module.deactivate();
    } catch (error) {
      log('error', 'deactivate() failed: ' + inspect(error));
    }
    const subscriptions = extensionState.context ? extensionState.context.subscriptions : [];
    for (let index = subscriptions.length - 1; index >= 0; index--) {
      try {
        const subscription = subscriptions[index];
        if (subscription && typeof subscription.dispose === 'function') subscription.dispose();
      } catch (error) {
        log('error', 'disposing a subscription failed: ' + inspect(error));
      }
    }
    subscriptions.length = 0;
    timers.clear();
    shim.internal.runDeactivateHooks();
    shim.internal.unregisterAllCommands();
    extensionState.active = false;
    extensionState.exports = undefined;
    return null;
  }

  async function executeCommand(payload) {
    const handler = shim.internal.commandHandler(payload.command);
    if (!handler) throw unknownCommand(payload.command);
    return await handler(...payload.arguments);
  }

  async function callExport(payload) {
    let target = extensionState.exports;
    let parent;
    for (const key of payload.path) {
      if (target === null || target === undefined) break;
      parent = target;
      target = target[key];
    }
    if (typeof target !== 'function') {
      throw new Error('exthost: ' + spec.id + ' exports no function at ' + (payload.path.join('.') || '(the exports)'));
    }
    return await target.apply(parent, payload.arguments);
  }

  async function invokeProvider(payload) {
    return await shim.internal.invokeProvider(payload);
  }

  // Answers at once: the model changes and the listeners run synchronously; promises they return are
  // not awaited.
  function event(payload) {
    return Promise.resolve(shim.internal.handleEvent(payload.name, payload.payload));
  }

  function cancel(payload) {
    return Promise.resolve(shim.internal.cancel(payload.token));
  }

  const requestHandlers = { activate, deactivate, executeCommand, callExport, invokeProvider, event, cancel };

  function failure(kind, error) {
    if (error !== null && typeof error === 'object') {
      if (error[UNKNOWN_COMMAND] !== undefined) return { kind: 'unknownCommand', command: error[UNKNOWN_COMMAND] };
      if (kind === 'activate' && error[LOAD_FAILURE]) return Object.assign({ kind: 'load' }, error[LOAD_FAILURE]);
    }
    let message;
    let stack = null;
    try {
      if (error instanceof Error || (error !== null && typeof error === 'object' && typeof error.message === 'string')) {
        message = String(error.message);
        if (typeof error.stack === 'string' && error.stack) stack = errorHeadline(error) + '\n' + stackFrames(error);
      } else {
        message = typeof error === 'string' ? error : inspect(error);
      }
    } catch (_) {
      message = 'exception';
    }
    return { kind: 'threw', message, stack };
  }

  // Starts one request; its answer goes to native.settle(id, ok, json) once the returned promise settles.
  function start(id, kind, payloadJson) {
    let promise;
    try {
      promise = requestHandlers[kind](JSON.parse(payloadJson));
    } catch (error) {
      promise = Promise.reject(error);
    }
    const markFunctions = kind === 'activate';
    promise.then(
      (value) => {
        let wire;
        try {
          wire = toWire(value, markFunctions);
        } catch (error) {
          native.settle(id, false, JSON.stringify(failure(kind, error)));
          return;
        }
        native.settle(id, true, wire);
      },
      (error) => native.settle(id, false, JSON.stringify(failure(kind, error))),
    );
  }

  function builtinExportNames(name) {
    const module = builtin(name);
    return Object.keys(module).filter((key) => key !== 'default' && /^[A-Za-z_$][\w$]*$/.test(key));
  }

  function requireForEsm(filename) {
    return loadFile(filename);
  }

  // Rejections nobody handled by the end of a turn of the event loop are logged.
  const unhandledRejections = new Map();

  function trackRejection(promise, reason, handled) {
    if (handled) unhandledRejections.delete(promise);
    else unhandledRejections.set(promise, reason);
  }

  function reportRejections() {
    for (const reason of unhandledRejections.values()) log('error', 'Unhandled promise rejection: ' + inspect(reason));
    unhandledRejections.clear();
  }

  const entryPoints = Object.freeze({
    start, runTimer, nextTimerDelay, hostReply, loadError, isLoadError, builtin, builtinExportNames, requireForEsm,
    trackRejection, reportRejections,
  });
  Object.defineProperty(globalThis, '__exthost', { value: entryPoints, writable: false, enumerable: false, configurable: false });
})
