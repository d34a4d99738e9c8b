// The Deno side of one extension's runtime (see `deno.rs`): the transport glue of a CommonJS file (`.cjs`,
// sloppy like the QuickJS prelude) that `deno run` starts. Before it, `deno.rs` puts the bootstrap core
// both engines run (`runtime/bootstrap/*.js`: primordials, the wire format, the host's requests, the
// shim's start), each called with `exthostCore`; after it, the shim files as
// `SHIM_FILES.push(function (shim, host) {…})` (`exthostCore` and `SHIM_FILES` are declared by `deno.rs`;
// this file runs in a function of its own). This file speaks newline-delimited JSON with the host
// over the process's own stdin/stdout (never the editor's), gives extensions `require('vscode')` from the
// same shim source the QuickJS engine runs, and offers the shim the same host operations as QuickJS.
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

const core = exthostCore;
const {
  JSONParse, JSONStringify, ObjectKeys, ObjectDefineProperty, ArrayPrototypeFilter, ArrayPrototypeMap,
  ArrayPrototypeJoin, RegExpPrototypeTest, Promise, SafeMap, String, Error, ReflectApply, SetPrototypeHas,
  Uint8Array, ArrayIsArray, ArrayPrototypeSlice, ObjectAssign,
} = core.primordials;
const MARK = '\u001eexthost:';
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const realStdout = Deno.stdout;

// ---------------------------------------------------------------- the wire

function writeAll(file, bytes) {
  let offset = 0;
  while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
}

function send(message) {
  writeAll(realStdout, encoder.encode(MARK + JSONStringify(message) + '\n'));
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

const pendingHostCalls = new SafeMap();
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
  const answer = JSONParse(readSyncLine());
  if (!answer.ok) throw hostError(answer);
  return answer.value;
}

// A failed host operation: an Error whose `code` is the host-call error's kind (`notFound`,
// `noPermissions`, `cancelled`, …); a cancellation is named `Canceled`, as VS Code's CancellationError.
function hostError(answer) {
  const error = new Error(answer.error);
  if (answer.code) {
    error.code = answer.code;
    if (answer.code === 'cancelled') error.name = 'Canceled';
  }
  return error;
}

function hostReply(message) {
  const pending = pendingHostCalls.get(message.id);
  if (!pending) return;
  pendingHostCalls.delete(message.id);
  if (message.ok) pending.resolve(message.value);
  else pending.reject(hostError(message));
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
ObjectDefineProperty(globalThis, 'console', { value: console, writable: true, configurable: true, enumerable: false });

globalThis.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  log('error', 'Unhandled promise rejection: ' + inspect(event.reason));
});
globalThis.addEventListener('error', (event) => {
  event.preventDefault();
  reportUncaught('a callback', event.error);
});

// ---------------------------------------------------------------- the extension

let shim = null;
let spec = null;
core.hostNotify = hostNotify;
core.hostCall = hostCall;
core.hostCallSync = hostCallSync;
core.log = log;
core.inspect = inspect;
core.reportUncaught = reportUncaught;
// V8's `stack` starts with the headline.
core.stackOf = (error) => error.stack;

// Deno's arguments for a forked child: `run` and this process's permission flags (see `guardProcesses`).
let forkArguments = ['run', '--no-prompt'];

function base64Bytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function startShim() {
  core.spec = spec;
  shim = core.startShim(SHIM_FILES, {
    path: nodePath.posix,
    machineId: () => hostCallSync('machineId', null),
    // Read-only access to the folders the host named (kept and enforced by the host, from its own
    // answers: the same checks as QuickJS's).
    fs: {
      stat: (path) => hostCallSync('fs.stat', { path }),
      readFile: (path) => base64Bytes(hostCallSync('fs.readFile', { path })),
      readDirectory: (path) => hostCallSync('fs.readDirectory', { path }),
      findFiles: (request) => hostCallSync('fs.findFiles', request),
    },
  });
  const vscode = shim.vscode;
  globalThis[Symbol.for('exthost.vscode')] = vscode;
  const load = Module._load;
  Module._load = function exthostLoad(request, ...rest) {
    if (request === 'vscode') return vscode;
    return ReflectApply(load, this, [request, ...rest]);
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
      return ReflectApply(original, this, [file, ...rest]);
    };
  }
  // Deno's `fork` starts `deno run -A` unless `execArgv` is already Deno's: the child gets this
  // process's own permission flags (`forkArguments`, from the host), never more, whatever the extension
  // passed. (ES modules' `import { fork }` reads this same object.)
  const fork = childProcess.fork;
  if (typeof fork === 'function') {
    // Primordials only: an extension's overwritten builtins must not choose the child's flags.
    childProcess.fork = function confinedFork(modulePath, args, options) {
      if (args !== undefined && args !== null && !ArrayIsArray(args)) {
        options = args;
        args = [];
      }
      const given = options && options.execArgv;
      if (ArrayIsArray(given) && given.length > 0) {
        log('warn', 'child_process.fork: execArgv ' + JSONStringify(given) + ' ignored (the child runs with the extension\'s own permissions)');
      }
      const confined = ObjectAssign({}, options, { execArgv: ArrayPrototypeSlice(forkArguments) });
      return ReflectApply(fork, this, [modulePath, args || [], confined]);
    };
  }
}

// The module the import map names for `import … from 'vscode'` in ES modules: the shim's members as
// named exports and the whole object as the default one.
function writeVscodeModule(path) {
  if (!path) return;
  const names = ArrayPrototypeFilter(ObjectKeys(shim.vscode), (name) => RegExpPrototypeTest(/^[A-Za-z_$][\w$]*$/, name) && name !== 'default');
  const source = "const vscode = globalThis[Symbol.for('exthost.vscode')];\nexport default vscode;\n" +
    ArrayPrototypeJoin(ArrayPrototypeMap(names, (name) => 'export const ' + name + ' = vscode.' + name + ';'), '\n') + '\n';
  Deno.writeTextFileSync(path, source);
}

const LOAD_CODES = new Set(['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND', 'ERR_REQUIRE_ESM', 'ERR_UNSUPPORTED_DIR_IMPORT']);

// A CommonJS entry synchronously (so `activate` runs within its request), an ES module as a promise.
function loadEntry(payload) {
  if (payload.esm) return importEntry(payload);
  try {
    return createRequire(payload.entry)(payload.entry);
  } catch (error) {
    throw asLoadError(payload, error);
  }
}

async function importEntry(payload) {
  try {
    return await import(pathToFileURL(payload.entry).href);
  } catch (error) {
    throw asLoadError(payload, error);
  }
}

// A missing module or a syntax error is a load failure of the entry; anything else stays what it was.
function asLoadError(payload, error) {
  if (error instanceof SyntaxError || (error && SetPrototypeHas(LOAD_CODES, error.code))) {
    return core.loadError(payload.entry, core.errorHeadline(error), String(error.message));
  }
  return error;
}

core.loadEntry = loadEntry;

function settle(id, ok, value) {
  send({ type: 'settle', id, ok, value });
}

function dispatch(line) {
  if (!line.trim()) return;
  const message = JSONParse(line);
  switch (message.type) {
    case 'init':
      spec = message.spec;
      if (ArrayIsArray(message.forkArguments)) forkArguments = message.forkArguments;
      syncPipe = Deno.openSync(message.syncPipe, { read: true });
      startShim();
      writeVscodeModule(message.vscodeModule);
      guardProcesses();
      send({ type: 'ready' });
      break;
    case 'request':
      core.start(message.id, message.kind, message.payload, settle);
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
