// QuickJS: the shim over this engine's host object, the rejections nobody handled, and the entry points
// the Rust event loop calls (`globalThis.__exthost`: start, event, documentChange, runTimer, nextTimerDelay, hostReply,
// the module hooks of `modules.rs`, trackRejection, reportRejections).

const { JSONParse, JSONStringify, ObjectFreeze, ObjectDefineProperty, ObjectGetOwnPropertyDescriptor, ObjectKeys,
  ObjectCreate, ObjectSetPrototypeOf, ArrayPrototypeFilter, ReflectApply, ReflectGet, RegExpPrototypeTest, SafeMap,
  SafeMapValues, Proxy } = core.primordials;
const native = core.native;

core.spec = JSONParse(core.specJson);

// Shim files read on first use (`LAZY_SHIM_GROUPS` in quickjs.rs): `shim` and `shim.internal` each get a
// prototype (a `Proxy`, invisible to extensions, which see only the `vscode` module object) that, on a
// read of a group's member neither object has yet, reads and runs the group's files
// (`core.shimFile(index)`); those define the members on the object itself, so later reads never reach
// the prototype. No function is made per member. A group runs once; it runs over the builtins as the
// extension left them, which can only change what that extension itself gets. `shim.lazyMembers` names
// the members of `shim` that wait, so that `90_vscode.js` gives the module object accessors for them.
const lazyShim = JSONParse(core.lazyShimJson);
let shimHost;
let pendingShim;
const groupLoaders = [];

function runShimFiles(shimObject, indexes) {
  for (let index = 0; index < indexes.length; index++) {
    ReflectApply(core.shimFile(indexes[index]), undefined, [shimObject, shimHost]);
  }
}

function lazyGroup(group) {
  let loaded = false;
  return () => {
    if (loaded) return;
    loaded = true;
    runShimFiles(pendingShim, group.files);
  };
}

// A prototype that loads the group of a member `loaders` names on its first read.
function lazyPrototype(loaders) {
  const fallback = {};
  return new Proxy(fallback, {
    get(_, name, receiver) {
      const load = typeof name === 'string' ? loaders[name] : undefined;
      if (load === undefined) return ReflectGet(fallback, name, receiver);
      load();
      // The group did not define it: it is undefined, as a member no file defines.
      return ObjectGetOwnPropertyDescriptor(receiver, name) ? receiver[name] : undefined;
    },
  });
}

// Member name → its group's loader, for `part` (`shim` or `internal`) of every group.
function memberLoaders(part) {
  const loaders = ObjectCreate(null);
  for (let index = 0; index < lazyShim.groups.length; index++) {
    const members = lazyShim.groups[index][part];
    for (let member = 0; member < members.length; member++) loaders[members[member]] = groupLoaders[index];
  }
  return loaders;
}

// Whether promise jobs are queued (`start` in `20_requests.js` answers a synchronous result at once when
// none are; the shim converts a provider's synchronous answer at once, `invokeProvider`).
core.jobsPending = native.jobsPending;

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
}, (shimObject, host) => {
  pendingShim = shimObject;
  shimHost = host;
  for (let index = 0; index < lazyShim.groups.length; index++) groupLoaders[index] = lazyGroup(lazyShim.groups[index]);
  const loaders = memberLoaders('shim');
  ObjectSetPrototypeOf(shimObject, lazyPrototype(loaders));
  shimObject.lazyMembers = ObjectFreeze(ObjectKeys(loaders));
});
// `shim.internal` comes from the first file: its lazy members wait from the end of the eager files on.
ObjectSetPrototypeOf(shim.internal, lazyPrototype(memberLoaders('internal')));
// A group's globals (`TextEncoder`, `URL`, …) wait as accessors of the global object: the first read
// puts them all back as they were (absent) and reads the group, whose files install them as values; a
// write before that makes the name a plain value and leaves the group's install of it out.
for (let index = 0; index < lazyShim.groups.length; index++) {
  const names = lazyShim.groups[index].globals;
  const load = groupLoaders[index];
  const forgetAll = () => {
    for (let name = 0; name < names.length; name++) {
      const now = ObjectGetOwnPropertyDescriptor(globalThis, names[name]);
      if (now && now.get) delete globalThis[names[name]];
    }
  };
  for (let name = 0; name < names.length; name++) {
    const global = names[name];
    if (global in globalThis) continue;
    ObjectDefineProperty(globalThis, global, {
      configurable: true,
      enumerable: false,
      get() {
        forgetAll();
        load();
        return globalThis[global];
      },
      set(value) {
        delete globalThis[global];
        ObjectDefineProperty(globalThis, global, { value, writable: true, configurable: true, enumerable: false });
      },
    });
  }
}
// Node's light built-ins but their registry: read on the first module asked of the registry.
const registryModule = shim.nodeModule;
let nodeLoaded = false;
shim.nodeModule = (name) => {
  if (!nodeLoaded) {
    nodeLoaded = true;
    runShimFiles(shim, lazyShim.node);
  }
  return registryModule(name);
};
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
