// QuickJS: the transport of host operations — fire-and-forget (`hostNotify`), asynchronous (`hostCall`,
// answered later through `hostReply`) and blocking (`hostCallSync`) — over `core.native`.

const { JSONParse, JSONStringify, Promise, SafeMap, Error } = core.primordials;
const native = core.native;

const pendingHostCalls = new SafeMap();

function hostNotify(kind, payload) {
  native.hostNotify(kind, JSONStringify(payload === undefined ? null : payload));
}

function hostCall(kind, payload) {
  return new Promise((resolve, reject) => {
    const id = native.hostCall(kind, JSONStringify(payload === undefined ? null : payload));
    pendingHostCalls.set(id, { resolve, reject });
  });
}

// Blocks this extension's thread until the host answers (each extension has its own thread).
function hostCallSync(kind, payload) {
  return JSONParse(native.hostCallSync(kind, JSONStringify(payload === undefined ? null : payload)));
}

function hostReply(id, ok, text) {
  const pending = pendingHostCalls.get(id);
  if (!pending) return;
  pendingHostCalls.delete(id);
  if (ok) pending.resolve(JSONParse(text));
  else pending.reject(new Error(text));
}

core.hostNotify = hostNotify;
core.hostCall = hostCall;
core.hostCallSync = hostCallSync;
core.hostReply = hostReply;
