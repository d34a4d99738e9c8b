// The Deno side of one extension's runtime (see `deno.rs`): a CommonJS file (`.cjs`, sloppy like the
// QuickJS prelude) that `deno run` starts. It speaks
// newline-delimited JSON with the host over the process's own stdin/stdout (never the editor's), gives
// extensions `require('vscode')` from the same shim source the QuickJS engine runs (the shim files are
// appended below this file as `SHIM_FILES.push(function (shim, host) {…})`), and offers the shim the
// same host operations as `quickjs/bootstrap.js`.
//
// Wire (every line this process writes for the host starts with MARK, so stray output of extension code
// on stdout is told apart and logged):
//   host → here (stdin):  {type:'init', spec, syncPipe, vscodeModule, forkArguments} first, then {type:'request', id, kind, payload}
//                         and {type:'reply', id, ok, value | error} (answers to `call`)
//   here → host (stdout): {type:'settle', id, ok, value}, {type:'notify', kind, payload},
//                         {type:'call', id, kind, payload}, {type:'callSync', kind, payload}, {type:'log', level, message}
//   host → here (the private pipe `syncPipe`): one line {ok, value | error} per `callSync`, read blocking
//                         (VS Code's `extensions.getExtension` and friends are synchronous).

const Module = require('node:module');
const { createRequire } = Module;
const nodePath = require('node:path');
const { pathToFileURL } = require('node:url');
const { format: nodeFormat, inspect: nodeInspect } = require('node:util');

const SHIM_FILES = [];
const MARK = '\u001eexthost:';
const FUNCTION_MARKER = '$exthostFunction';
const UNKNOWN_COMMAND = Symbol('exthost.unknownCommand');
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const realStdout = Deno.stdout;

// ---------------------------------------------------------------- the wire

function writeAll(file, bytes) {
  let offset = 0;
  while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
}

function send(message) {
  writeAll(realStdout, encoder.encode(MARK + JSON.stringify(message) + '\n'));
}

function log(level, message) {
  send({ type: 'log', level, message: String(message) });
}

function inspect(value) {
  try {
    return typeof value === 'string' ? value : nodeInspect(value, { depth: 4 });
  } catch (_) {
    return String(value);
  }
}

function reportUncaught(where, error) {
  log('error', 'Uncaught exception in ' + where + ': ' + inspect(error));
}

let syncPipe = null;
let syncPending = new Uint8Array(0);

function readSyncLine() {
  const chunk = new Uint8Array(64 * 1024);
  for (;;) {
    const newline = syncPending.indexOf(10);
    if (newline >= 0) {
      const line = decoder.decode(syncPending.subarray(0, newline));
      syncPending = syncPending.slice(newline + 1);
      return line;
    }
    const count = syncPipe.readSync(chunk);
    if (count === null) throw new Error('exthost: the host closed the synchronous channel');
    const joined = new Uint8Array(syncPending.length + count);
    joined.set(syncPending);
    joined.set(chunk.subarray(0, count), syncPending.length);
    syncPending = joined;
  }
}

function hostNotify(kind, payload) {
  send({ type: 'notify', kind, payload: payload === undefined ? null : payload });
}

const pendingHostCalls = new Map();
let nextHostCall = 1;

function hostCall(kind, payload) {
  return new Promise((resolve, reject) => {
    const id = nextHostCall++;
    pendingHostCalls.set(id, { resolve, reject });
    send({ type: 'call', id, kind, payload: payload === undefined ? null : payload });
  });
}

// Blocks this process until the host answers on the private pipe.
function hostCallSync(kind, payload) {
  send({ type: 'callSync', kind, payload: payload === undefined ? null : payload });
  const answer = JSON.parse(readSyncLine());
  if (!answer.ok) throw new Error(answer.error);
  return answer.value;
}

function hostReply(message) {
  const pending = pendingHostCalls.get(message.id);
  if (!pending) return;
  pendingHostCalls.delete(message.id);
  if (message.ok) pending.resolve(message.value);
  else pending.reject(new Error(message.error));
}

// ---------------------------------------------------------------- console and uncaught errors

const console = {};
for (const [name, level] of [['log', 'info'], ['info', 'info'], ['warn', 'warn'], ['error', 'error'], ['debug', 'debug']]) {
  console[name] = (...args) => log(level, nodeFormat(...args));
}
console.trace = (...args) => log('debug', 'Trace' + (args.length ? ': ' + nodeFormat(...args) : '') + '\n' + new Error().stack);
console.dir = (value) => log('info', inspect(value));
console.assert = (condition, ...args) => {
  if (!condition) log('error', 'Assertion failed' + (args.length ? ': ' + nodeFormat(...args) : ''));
};
const counters = new Map();
const clocks = new Map();
console.count = (label = 'default') => {
  const count = (counters.get(label) || 0) + 1;
  counters.set(label, count);
  log('info', label + ': ' + count);
};
console.time = (label = 'default') => { clocks.set(label, performance.now()); };
console.timeEnd = (label = 'default') => {
  if (!clocks.has(label)) return;
  log('info', label + ': ' + (performance.now() - clocks.get(label)).toFixed(3) + 'ms');
  clocks.delete(label);
};
Object.defineProperty(globalThis, 'console', { value: console, writable: true, configurable: true, enumerable: false });

globalThis.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  log('error', 'Unhandled promise rejection: ' + inspect(event.reason));
});
globalThis.addEventListener('error', (event) => {
  event.preventDefault();
  reportUncaught('a callback', event.error);
});

// ---------------------------------------------------------------- wire format (as quickjs/bootstrap.js)

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
        return current.map((item, index) => {
          const wired = walk(item, path.concat(String(index)));
          return wired === undefined ? null : wired;
        });
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
  return {
    [name](...args) {
      return hostCall('callExport', { id: owner, path, arguments: toWireValue(args, false) })
        .then((result) => fromWire(result, owner));
    },
  }[name];
}

// ---------------------------------------------------------------- the extension

const extensionState = { active: false, module: undefined, exports: undefined, context: undefined };
let shim = null;
let spec = null;
// Deno's arguments for a forked child: `run` and this process's permission flags (see `guardProcesses`).
let forkArguments = ['run', '--no-prompt'];

function base64Bytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function startShim() {
  const host = {
    id: spec.id,
    extensionPath: spec.extensionPath,
    packageJSON: spec.packageJSON,
    development: Boolean(spec.development),
    // `vscode.version`, as in QuickJS: vscode-languageclient refuses to start without it.
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
    path: nodePath.posix,
    machineId: () => hostCallSync('machineId', null),
    // Read-only access to the workspace folders, answered by the host (the same checks as QuickJS's).
    fs: {
      setRoots: (paths) => hostCallSync('fs.setRoots', { paths }),
      stat: (path) => hostCallSync('fs.stat', { path }),
      readFile: (path) => base64Bytes(hostCallSync('fs.readFile', { path })),
      readDirectory: (path) => hostCallSync('fs.readDirectory', { path }),
      findFiles: (request) => hostCallSync('fs.findFiles', request),
    },
  };
  shim = {};
  for (const file of SHIM_FILES) file(shim, host);
  const vscode = shim.vscode;
  globalThis[Symbol.for('exthost.vscode')] = vscode;
  const load = Module._load;
  Module._load = function exthostLoad(request, ...rest) {
    if (request === 'vscode') return vscode;
    return load.call(this, request, ...rest);
  };
}

// Node's synchronous child_process functions in Deno turn a missing run permission into "Command failed":
// check first, and throw the error the host gives for every denial (see `permissions.rs`).
function denialMessage(permission, what, detail) {
  const example = permission === 'fs' ? 'a list of paths' : 'true, or a list';
  return 'NoPermissions: ' + spec.id + ' ' + what + ' (' + detail + '); grant it with the setting permissions.' + spec.id +
    '.' + permission + ' (' + example + ') or `permissions` in its exthost.json';
}

function guardProcesses() {
  const childProcess = require('node:child_process');
  const check = (file) => {
    const command = String(file);
    let state = 'granted';
    try {
      state = Deno.permissions.querySync({ name: 'run', command }).state;
    } catch (_) {
      return;
    }
    if (state !== 'granted') {
      log('warn', 'permission denied: run access to "' + command + '"');
      const error = new Error(denialMessage('process', 'may not run processes', 'Requires run access to "' + command + '"'));
      error.name = 'NoPermissions';
      error.code = 'EACCES';
      throw error;
    }
  };
  for (const name of ['spawnSync', 'execFileSync']) {
    const original = childProcess[name];
    if (typeof original !== 'function') continue;
    childProcess[name] = function guarded(file, ...rest) {
      check(file);
      return original.call(this, file, ...rest);
    };
  }
  // Deno's `fork` starts `deno run -A` unless `execArgv` is already Deno's: the child gets this
  // process's own permission flags (`forkArguments`, from the host), never more, whatever the extension
  // passed. (ES modules' `import { fork }` reads this same object.)
  const fork = childProcess.fork;
  if (typeof fork === 'function') {
    childProcess.fork = function confinedFork(modulePath, args, options) {
      if (args !== undefined && args !== null && !Array.isArray(args)) {
        options = args;
        args = [];
      }
      const given = options && options.execArgv;
      if (Array.isArray(given) && given.length > 0) {
        log('warn', 'child_process.fork: execArgv ' + JSON.stringify(given) + ' ignored (the child runs with the extension\'s own permissions)');
      }
      const confined = Object.assign({}, options, { execArgv: forkArguments.slice() });
      return fork.call(this, modulePath, args || [], confined);
    };
  }
}

// The module the import map names for `import … from 'vscode'` in ES modules: the shim's members as
// named exports and the whole object as the default one.
function writeVscodeModule(path) {
  if (!path) return;
  const names = Object.keys(shim.vscode).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default');
  const source = "const vscode = globalThis[Symbol.for('exthost.vscode')];\nexport default vscode;\n" +
    names.map((name) => 'export const ' + name + ' = vscode.' + name + ';').join('\n') + '\n';
  Deno.writeTextFileSync(path, source);
}

function unknownCommand(command) {
  const error = new Error('command not found: ' + command);
  error[UNKNOWN_COMMAND] = command;
  return error;
}

const LOAD_CODES = new Set(['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND', 'ERR_REQUIRE_ESM', 'ERR_UNSUPPORTED_DIR_IMPORT']);

async function loadEntry(payload) {
  try {
    if (payload.esm) return await import(pathToFileURL(payload.entry).href);
    return createRequire(payload.entry)(payload.entry);
  } catch (error) {
    if (error instanceof SyntaxError || (error && LOAD_CODES.has(error.code))) {
      const loadFailure = new Error(String(error.message));
      loadFailure.exthostLoad = { module: payload.entry, reason: errorHeadline(error) };
      throw loadFailure;
    }
    throw error;
  }
}

async function activate(payload) {
  if (extensionState.active) return extensionState.exports;
  const loaded = await loadEntry(payload);
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

const requestHandlers = {
  activate,
  deactivate,
  executeCommand,
  callExport,
  invokeProvider: (payload) => shim.internal.invokeProvider(payload),
  event: (payload) => Promise.resolve(shim.internal.handleEvent(payload.name, payload.payload)),
  cancel: (payload) => Promise.resolve(shim.internal.cancel(payload.token)),
  ping: () => Promise.resolve(null),
};

function errorHeadline(error) {
  try {
    return String(error.name || 'Error') + (error.message ? ': ' + error.message : '');
  } catch (_) {
    return 'Error';
  }
}

function failure(kind, error) {
  if (error !== null && typeof error === 'object') {
    if (error[UNKNOWN_COMMAND] !== undefined) return { kind: 'unknownCommand', command: error[UNKNOWN_COMMAND] };
    if (kind === 'activate' && error.exthostLoad) return Object.assign({ kind: 'load' }, error.exthostLoad);
  }
  let message;
  let stack = null;
  try {
    if (error instanceof Error || (error !== null && typeof error === 'object' && typeof error.message === 'string')) {
      message = String(error.message);
      if (typeof error.stack === 'string' && error.stack) stack = error.stack;
    } else {
      message = typeof error === 'string' ? error : inspect(error);
    }
  } catch (_) {
    message = 'exception';
  }
  return { kind: 'threw', message, stack };
}

function start(message) {
  const { id, kind, payload } = message;
  let promise;
  try {
    const handler = requestHandlers[kind];
    if (!handler) throw new Error('exthost: unknown request ' + kind);
    promise = handler(payload);
  } catch (error) {
    promise = Promise.reject(error);
  }
  const markFunctions = kind === 'activate';
  Promise.resolve(promise).then(
    (value) => {
      let wire;
      try {
        wire = toWireValue(value, markFunctions);
      } catch (error) {
        send({ type: 'settle', id, ok: false, value: failure(kind, error) });
        return;
      }
      send({ type: 'settle', id, ok: true, value: wire });
    },
    (error) => send({ type: 'settle', id, ok: false, value: failure(kind, error) }),
  );
}

function dispatch(line) {
  if (!line.trim()) return;
  const message = JSON.parse(line);
  switch (message.type) {
    case 'init':
      spec = message.spec;
      if (Array.isArray(message.forkArguments)) forkArguments = message.forkArguments;
      syncPipe = Deno.openSync(message.syncPipe, { read: true });
      startShim();
      writeVscodeModule(message.vscodeModule);
      guardProcesses();
      send({ type: 'ready' });
      break;
    case 'request':
      start(message);
      break;
    case 'reply':
      hostReply(message);
      break;
    default:
      log('warn', 'exthost: unknown message from the host: ' + message.type);
  }
}

async function serve() {
  let pending = '';
  const textDecoder = new TextDecoder();
  for await (const chunk of Deno.stdin.readable) {
    pending += textDecoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        dispatch(line);
      } catch (error) {
        reportUncaught('the host channel', error);
        // Without the shim there is nothing to run: end, so the host reports it at once.
        if (shim === null) Deno.exit(70);
      }
    }
  }
  // The host closed the channel: this runtime is finished.
  Deno.exit(0);
}

// Started once the shim files (appended below) are in SHIM_FILES.
setTimeout(serve, 0);

// ---------------------------------------------------------------- the vscode shim (appended by deno.rs)
