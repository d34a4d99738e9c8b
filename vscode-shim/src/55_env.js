// vscode.env: a fixed description of the "application" (exthost), openExternal through
// window/showDocument {external: true}, and a clipboard that holds nothing (LSP offers none). The small
// namespaces `l10n`, `tasks` and `debug` are in `56_tasks_debug.js`. QuickJS reads this file on the
// first read of `vscode.env` (`LAZY_SHIM_GROUPS` in quickjs.rs).

function randomHex(length) {
  let text = '';
  while (text.length < length) text += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return text.slice(0, length);
}

const sessionId = randomHex(8) + '-' + randomHex(4) + '-4' + randomHex(3) + '-' + randomHex(4) + '-' + randomHex(12) + Date.now();
const never = () => new shim.EventEmitter().event;

function openExternal(target) {
  const uri = typeof target === 'string' ? target : shim.toUri(target).toString(true);
  return shim.internal.editorRequest('window/showDocument', { uri, external: true }).then((result) => Boolean(result && result.success));
}

const clipboard = shim.guard({
  readText: () => {
    shim.warnOnce('exthost: env.clipboard.readText() has no clipboard over LSP; it resolves ""');
    return Promise.resolve('');
  },
  writeText: () => {
    shim.warnOnce('exthost: env.clipboard.writeText() has no clipboard over LSP; the text is dropped');
    return Promise.resolve();
  },
}, 'vscode.env.clipboard');

shim.env = shim.guard({
  appName: 'exthost',
  appRoot: '',
  appHost: 'desktop',
  language: 'en',
  get machineId() {
    shim.internal.ensureSession();
    return shim.session.machineId || host.machineId();
  },
  sessionId,
  uriScheme: 'exthost',
  get uiKind() { return shim.UIKind.Desktop; },
  shell: '',
  remoteName: undefined,
  isNewAppInstall: false,
  isAppPortable: false,
  isTelemetryEnabled: false,
  onDidChangeTelemetryEnabled: never(),
  onDidChangeShell: never(),
  get logLevel() { return shim.LogLevel.Info; },
  onDidChangeLogLevel: never(),
  clipboard,
  openExternal,
  asExternalUri: (uri) => Promise.resolve(uri),
}, 'vscode.env', ['createTelemetryLogger']);
