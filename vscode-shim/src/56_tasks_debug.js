// The small namespaces `vscode.l10n` (messages formatted, no translation bundle: the language is `en`),
// `vscode.tasks` (providers registered and asked by `fetchTasks`; running a task is refused by name) and
// `vscode.debug` (no debugger: no session ever starts, registrations are kept and never asked). QuickJS
// reads this file on first use (`LAZY_SHIM_GROUPS` in quickjs.rs).

const never = () => new shim.EventEmitter().event;

// VS Code's `l10n.t` without a bundle: `{0}` / `{name}` replaced from the arguments.
function translate(...params) {
  let message;
  let args;
  if (typeof params[0] === 'string') {
    message = params[0];
    const record = params.length === 2 && params[1] !== null && typeof params[1] === 'object' && !Array.isArray(params[1]);
    args = record ? params[1] : params.slice(1);
  } else {
    const options = params[0] || {};
    message = String(options.message);
    args = options.args || [];
  }
  return message.replace(/{([^}]+)}/g, (match, key) => (Object.prototype.hasOwnProperty.call(args, key) ? String(args[key]) : match));
}

shim.l10n = shim.guard({ t: translate, bundle: undefined, uri: undefined }, 'vscode.l10n');

const taskProviders = new Map();
let nextTaskProvider = 1;

function registerTaskProvider(type, provider) {
  if (typeof type !== 'string' || !provider) throw shim.illegalArgument('registerTaskProvider(type, provider)');
  const key = nextTaskProvider++;
  taskProviders.set(key, { type, provider });
  return new shim.Disposable(() => taskProviders.delete(key));
}

async function fetchTasks(filter) {
  const type = filter && filter.type;
  const tasks = [];
  const token = new shim.CancellationTokenSource().token;
  for (const { type: providedType, provider } of taskProviders.values()) {
    if (type !== undefined && type !== providedType) continue;
    const provided = await provider.provideTasks(token);
    if (Array.isArray(provided)) tasks.push(...provided);
  }
  return tasks;
}

shim.internal.registerTaskProvider = registerTaskProvider;

shim.tasks = shim.guard({
  registerTaskProvider,
  fetchTasks,
  executeTask: (task) => Promise.reject(new Error('exthost cannot run tasks (' + (task && task.name) + '): an LSP editor has no terminal to run them in (vscode.tasks.executeTask)')),
  taskExecutions: Object.freeze([]),
  onDidStartTask: never(),
  onDidEndTask: never(),
  onDidStartTaskProcess: never(),
  onDidEndTaskProcess: never(),
}, 'vscode.tasks');

// No debugger over LSP: no session starts, so the events never fire; providers and factories are kept.
const debugRegistration = (name) => (...args) => {
  if (!args.some((argument) => argument && typeof argument === 'object')) throw shim.illegalArgument(name);
  shim.warnOnce('exthost: debug.' + name + ' is accepted, but an LSP editor runs no debug sessions');
  return new shim.Disposable(() => {});
};

shim.debug = shim.guard({
  activeDebugSession: undefined,
  activeDebugConsole: Object.freeze({ append() {}, appendLine() {} }),
  breakpoints: Object.freeze([]),
  activeStackItem: undefined,
  onDidChangeActiveDebugSession: never(),
  onDidStartDebugSession: never(),
  onDidReceiveDebugSessionCustomEvent: never(),
  onDidTerminateDebugSession: never(),
  onDidChangeBreakpoints: never(),
  onDidChangeActiveStackItem: never(),
  registerDebugConfigurationProvider: debugRegistration('registerDebugConfigurationProvider'),
  registerDebugAdapterDescriptorFactory: debugRegistration('registerDebugAdapterDescriptorFactory'),
  registerDebugAdapterTrackerFactory: debugRegistration('registerDebugAdapterTrackerFactory'),
  startDebugging: () => {
    shim.warnOnce('exthost: debug.startDebugging resolves false: an LSP editor runs no debug sessions');
    return Promise.resolve(false);
  },
  stopDebugging: () => Promise.resolve(),
  addBreakpoints: () => {},
  removeBreakpoints: () => {},
  asDebugSourceUri: (source) => shim.Uri.parse('debug:' + encodeURIComponent(String(source && (source.path || source.name) || ''))),
}, 'vscode.debug');
