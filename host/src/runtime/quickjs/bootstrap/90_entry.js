// QuickJS: the shim over this engine's host object, the rejections nobody handled, and the entry points
// the Rust event loop calls (`globalThis.__exthost`: start, event, documentChange, runTimer, nextTimerDelay, hostReply,
// the module hooks of `modules.rs`, trackRejection, reportRejections).

const { JSONParse, JSONStringify, ObjectFreeze, ObjectDefineProperty, ObjectKeys, ArrayPrototypeFilter,
  RegExpPrototypeTest, SafeMap, SafeMapValues } = core.primordials;
const native = core.native;

core.spec = JSONParse(core.specJson);

const shim = core.startShim(core.shimFiles, {
  path: core.builtinModules.get('path'),
  machineId: () => native.machineId(),
  // Node's light built-ins (`node/*.js`, see `node.rs`).
  node: native.node,
  // Read-only access to the folders the host named (kept and enforced by the native side, from the
  // host's own answers).
  fs: {
    stat: (path) => JSONParse(native.fsStat(path)),
    readFile: (path) => native.fsReadFile(path),
    readDirectory: (path) => JSONParse(native.fsReadDirectory(path)),
    findFiles: (request) => JSONParse(native.findFiles(JSONStringify(request))),
  },
});
core.builtinModules.set('vscode', shim.vscode);

// The entry module: an ES module through QuickJS's loader (`modules.rs`), else CommonJS.
core.loadEntry = (payload) => (payload.esm ? import(payload.entry) : core.loadFile(payload.entry));

function settle(id, ok, value) {
  native.settle(id, ok, JSONStringify(value));
}

// Starts one request; its answer goes to native.settle(id, ok, json) once the promise it starts settles.
function start(id, kind, payloadJson) {
  let payload;
  try {
    payload = JSONParse(payloadJson);
  } catch (error) {
    payload = null;
  }
  core.start(id, kind, payload, settle);
}

// A session event (RuntimeRequest::Event), applied to the model and its listeners fired synchronously:
// nobody waits for its answer, so no promise is made for it (a listener that throws is reported by its
// emitter; what throws here is the host's own fault and is answered as an exception).
function event(name, payloadJson) {
  core.shim.internal.handleEvent(name, JSONParse(payloadJson));
}

// A documentChanged event of one ranged change, taken apart by the host (see `OneChange` in
// `quickjs.rs`): the shim applies it without a payload object.
function documentChange(uri, version, startLine, startCharacter, endLine, endCharacter, text) {
  core.shim.internal.documentChange(uri, version, startLine, startCharacter, endLine, endCharacter, text);
}

function builtinExportNames(name) {
  const module = core.builtin(name);
  return ArrayPrototypeFilter(ObjectKeys(module), (key) => key !== 'default' && RegExpPrototypeTest(/^[A-Za-z_$][\w$]*$/, key));
}

function requireForEsm(filename) {
  return core.loadFile(filename);
}

// Rejections nobody handled by the end of a turn of the event loop are logged.
const unhandledRejections = new SafeMap();

function trackRejection(promise, reason, handled) {
  if (handled) unhandledRejections.delete(promise);
  else unhandledRejections.set(promise, reason);
}

function reportRejections() {
  const reasons = SafeMapValues(unhandledRejections);
  unhandledRejections.clear();
  for (let index = 0; index < reasons.length; index++) core.log('error', 'Unhandled promise rejection: ' + core.inspect(reasons[index]));
}

const entryPoints = ObjectFreeze({
  start,
  event,
  documentChange,
  runTimer: core.runTimer,
  nextTimerDelay: core.nextTimerDelay,
  hostReply: core.hostReply,
  loadError: core.loadError,
  isLoadError: core.isLoadError,
  builtin: core.builtin,
  builtinExportNames,
  requireForEsm,
  trackRejection,
  reportRejections,
});
ObjectDefineProperty(globalThis, '__exthost', { value: entryPoints, writable: false, enumerable: false, configurable: false });
