// The editor session as this extension sees it: taken from HostRequest::Snapshot on first use
// (`{initializeParams, workspaceFolders, documents, settings, defaults, activeEditor, clientCapabilities}`),
// then kept current by the host's RuntimeRequest::Event (see runtime.rs `SessionEvent`).
//
// Every event carries enough to be applied twice without harm (full text, whole settings, …), so an
// event that arrives just before the snapshot it is already part of does no damage.

// The host's snapshot and events are dispatched with builtins captured before extension code ran.
const { SafeMap } = host.primordials;
const loaders = [];
const eventHandlers = new SafeMap();
let loaded = false;

shim.session = {
  initializeParams: null,
  clientCapabilities: null,
  machineId: undefined,
};

// Files register what they take from the snapshot, in load order (documents before editors).
shim.internal.onSnapshot = (loader) => loaders.push(loader);

shim.internal.onEvent = (name, handler) => eventHandlers.set(name, handler);

// Loads the snapshot once; true when this call loaded it.
shim.internal.ensureSession = function ensureSession() {
  if (loaded) return false;
  loaded = true;
  let snapshot = null;
  try {
    snapshot = host.callSync('snapshot', null);
  } catch (error) {
    host.log('warn', 'exthost: no session snapshot from the host: ' + (error && error.message));
  }
  if (snapshot === null || typeof snapshot !== 'object') snapshot = {};
  shim.session.initializeParams = snapshot.initializeParams || null;
  shim.session.clientCapabilities = snapshot.clientCapabilities || (snapshot.initializeParams && snapshot.initializeParams.capabilities) || null;
  shim.session.machineId = typeof snapshot.machineId === 'string' ? snapshot.machineId : undefined;
  for (let index = 0; index < loaders.length; index++) {
    const loader = loaders[index];
    try {
      loader(snapshot);
    } catch (error) {
      host.reportUncaught('loading the session snapshot', error);
    }
  }
  return true;
};

// RuntimeRequest::Event: apply it to the model and fire the listeners (not awaited).
shim.internal.handleEvent = function handleEvent(name, payload) {
  const fresh = shim.internal.ensureSession();
  const handler = eventHandlers.get(name);
  if (!handler) {
    host.log('debug', 'exthost: ignoring unknown session event ' + name);
    return null;
  }
  handler(payload, fresh);
  return null;
};
