// Runs the `vscode` shim's files (`(function (shim, host) {…})` each, in order) over the host object both
// engines give it; `extra` adds what differs by engine (`path`, `machineId`, `fs`, `node`). `prepare`, when
// given, sees `shim` and `host` before the files run (QuickJS installs there the members whose files it
// reads on first use).

const { ObjectAssign, ReflectApply, Boolean } = core.primordials;

core.startShim = function startShim(files, extra, prepare) {
  const spec = core.spec;
  const host = ObjectAssign({
    id: spec.id,
    extensionPath: spec.extensionPath,
    packageJSON: spec.packageJSON,
    development: Boolean(spec.development),
    // `vscode.version`: vscode-languageclient refuses to start without it.
    vscodeVersion: spec.vscodeVersion,
    state: core.extensionState,
    notify: core.hostNotify,
    call: core.hostCall,
    callSync: core.hostCallSync,
    fromWire: core.fromWire,
    toWireValue: core.toWireValue,
    // Whether a value is a thenable, and (QuickJS only, else undefined) whether promise jobs are queued:
    // together they tell when a provider's answer can be converted at once (`invokeProvider`).
    isThenable: core.isThenable,
    jobsPending: core.jobsPending,
    log: core.log,
    inspect: core.inspect,
    reportUncaught: core.reportUncaught,
    // The builtins as they were before extension code ran (see `00_primordials.js`).
    primordials: core.primordials,
  }, extra);
  const shim = {};
  if (prepare) prepare(shim, host);
  for (let index = 0; index < files.length; index++) ReflectApply(files[index], undefined, [shim, host]);
  core.shim = shim;
  return shim;
};
