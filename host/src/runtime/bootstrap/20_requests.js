// The host's requests to an extension, in both engines: activate, deactivate, executeCommand, callExport,
// invokeProvider, event and cancel, each answered through `settle(id, ok, value)` (the engine's transport)
// with the wire value or a failure `{kind: 'threw' | 'load' | 'unknownCommand', …}`.
//
// The engine sets, before the first request: `core.loadEntry(payload)` (the entry module: the CommonJS
// module itself, synchronously, or a promise of the ES module),
// `core.stackOf(error)` (its stack as the host shows it), `core.inspect`, `core.log`, and may set
// `core.afterDeactivate()`.

const {
  ObjectDefineProperty, ObjectAssign, ObjectCreate, PromisePrototypeThen, PromiseResolve, PromiseReject,
  ReflectApply, ArrayPrototypeJoin, String, Error, Symbol,
} = core.primordials;

const LOAD_FAILURE = Symbol('exthost.loadFailure');
const UNKNOWN_COMMAND = Symbol('exthost.unknownCommand');

function errorHeadline(error) {
  try {
    return String(error.name || 'Error') + (error.message ? ': ' + error.message : '');
  } catch (_) {
    return 'Error';
  }
}

// An error that `activate` reports as a load failure of `module` (RuntimeError::Load on the host).
function loadError(module, reason, message) {
  const error = new Error(message === undefined ? 'cannot load ' + module + ': ' + reason : message);
  ObjectDefineProperty(error, LOAD_FAILURE, { value: { module, reason } });
  return error;
}

function isLoadError(value) {
  return value !== null && typeof value === 'object' && value[LOAD_FAILURE] !== undefined;
}

function unknownCommand(command) {
  const error = new Error('command not found: ' + command);
  ObjectDefineProperty(error, UNKNOWN_COMMAND, { value: command });
  return error;
}

const extensionState = { active: false, module: undefined, exports: undefined, context: undefined };

async function activate(payload) {
  if (extensionState.active) return extensionState.exports;
  // A CommonJS entry loads synchronously, so `activate` runs within the request itself, under the activate
  // limit, not in a promise callback (under a call's); an ES module is awaited.
  let loaded = core.loadEntry(payload);
  if (payload.esm) loaded = await loaded;
  let activateFunction = loaded ? loaded.activate : undefined;
  if (payload.esm && typeof activateFunction !== 'function' && loaded.default) activateFunction = loaded.default.activate;
  extensionState.module = payload.esm && typeof loaded.activate !== 'function' && loaded.default ? loaded.default : loaded;
  core.shim.internal.ensureSession();
  const context = core.shim.internal.createContext();
  extensionState.context = context;
  const exports = typeof activateFunction === 'function'
    ? await ReflectApply(activateFunction, extensionState.module, [context])
    : undefined;
  extensionState.active = true;
  extensionState.exports = exports;
  return exports;
}

async function deactivate() {
  const module = extensionState.module;
  try {
    if (module && typeof module.deactivate === 'function') await ReflectApply(module.deactivate, module, []);
  } catch (error) {
    core.log('error', 'deactivate() failed: ' + core.inspect(error));
  }
  const subscriptions = extensionState.context ? extensionState.context.subscriptions : [];
  for (let index = subscriptions.length - 1; index >= 0; index--) {
    try {
      const subscription = subscriptions[index];
      if (subscription && typeof subscription.dispose === 'function') ReflectApply(subscription.dispose, subscription, []);
    } catch (error) {
      core.log('error', 'disposing a subscription failed: ' + core.inspect(error));
    }
  }
  subscriptions.length = 0;
  if (core.afterDeactivate) core.afterDeactivate();
  core.shim.internal.runDeactivateHooks();
  core.shim.internal.unregisterAllCommands();
  extensionState.active = false;
  extensionState.exports = undefined;
  return null;
}

// Not `async`: a handler's synchronous result (or throw) reaches `start` as it is, which answers it
// without a promise (see `start`); a thenable it returns is adopted there.
function executeCommand(payload) {
  const result = core.shim.internal.runCommand(payload.command, payload.arguments, UNKNOWN_COMMAND);
  if (result === UNKNOWN_COMMAND) throw unknownCommand(payload.command);
  return result;
}

async function callExport(payload) {
  let target = extensionState.exports;
  let parent;
  const path = payload.path;
  for (let index = 0; index < path.length; index++) {
    if (target === null || target === undefined) break;
    parent = target;
    target = target[path[index]];
  }
  if (typeof target !== 'function') {
    const where = path.length ? ArrayPrototypeJoin(path, '.') : '(the exports)';
    throw new Error('exthost: ' + core.spec.id + ' exports no function at ' + where);
  }
  return await ReflectApply(target, parent, payload.arguments);
}

// A null-prototype table: `Object.prototype.<kind> = …` adds no request.
const requestHandlers = ObjectAssign(ObjectCreate(null), {
  activate,
  deactivate,
  executeCommand,
  callExport,
  // Not `async` either: a provider's synchronous answer, converted at once, is answered like a command's
  // (see `invokeProvider` in the shim's `50_languages.js`).
  invokeProvider: (payload) => core.shim.internal.invokeProvider(payload),
  // Answers at once: the model changes and the listeners run synchronously; promises they return are
  // not awaited.
  event: (payload) => PromiseResolve(core.shim.internal.handleEvent(payload.name, payload.payload)),
  cancel: (payload) => PromiseResolve(core.shim.internal.cancel(payload.token)),
  ping: () => PromiseResolve(null),
});

function failure(kind, error) {
  if (error !== null && typeof error === 'object') {
    if (error[UNKNOWN_COMMAND] !== undefined) return { kind: 'unknownCommand', command: error[UNKNOWN_COMMAND] };
    if (kind === 'activate' && error[LOAD_FAILURE]) return ObjectAssign({ kind: 'load' }, error[LOAD_FAILURE]);
  }
  let message;
  let stack = null;
  try {
    if (error instanceof Error || (error !== null && typeof error === 'object' && typeof error.message === 'string')) {
      message = String(error.message);
      if (typeof error.stack === 'string' && error.stack) stack = core.stackOf(error);
    } else {
      message = typeof error === 'string' ? error : core.inspect(error);
    }
  } catch (_) {
    message = 'exception';
  }
  return { kind: 'threw', message, stack };
}

// Whether settling `value` needs the promise machinery: a thenable is adopted as `await` would. (Its
// `then` is read here and again by `PromiseResolve`; a `then` getter that throws takes the promise path,
// which rejects with what it threw.)
function isThenable(value) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof value.then === 'function';
  } catch (_) {
    return true;
  }
}

// The answer of a request whose handler gave `value`: the wire value, or the failure of making it.
function answer(id, kind, value, settle) {
  let wire;
  try {
    wire = core.toWireValue(value, kind === 'activate');
  } catch (error) {
    settle(id, false, failure(kind, error));
    return;
  }
  settle(id, true, wire);
}

// Starts one request; `settle(id, ok, value)` gets its answer once the promise it starts settles: the
// wire value (functions marked for `activate`, whose exports other extensions call) or the failure.
//
// A handler that returns a value that is not a thenable, or throws, and queued no promise job is answered
// at once, before `start` returns, without a promise: what the promise would have settled with is already
// known and nothing could run before its reaction. The engine tells whether jobs are queued with
// `core.jobsPending()`; without it (Deno) every request takes the promise path. When the handler queued a
// job (its own `then`, `queueMicrotask`), the answer waits for it as an `await` would.
function start(id, kind, payload, settle) {
  let value;
  let threw = false;
  try {
    const handler = requestHandlers[kind];
    if (!handler) throw new Error('exthost: unknown request ' + kind);
    value = handler(payload);
  } catch (error) {
    threw = true;
    value = error;
  }
  const jobsPending = core.jobsPending;
  if (jobsPending !== undefined && (threw || !isThenable(value)) && !jobsPending()) {
    if (threw) settle(id, false, failure(kind, value));
    else answer(id, kind, value, settle);
    return;
  }
  PromisePrototypeThen(
    threw ? PromiseReject(value) : PromiseResolve(value),
    (settled) => answer(id, kind, settled, settle),
    (error) => settle(id, false, failure(kind, error)),
  );
}

core.errorHeadline = errorHeadline;
core.UNKNOWN_COMMAND = UNKNOWN_COMMAND;
core.loadError = loadError;
core.isLoadError = isLoadError;
core.extensionState = extensionState;
core.start = start;
core.isThenable = isThenable;
