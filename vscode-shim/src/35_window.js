// vscode.window, the parts that are not text editors: messages, progress, output channels, the status
// bar, quick picks and input boxes. Each maps to an LSP message or an exthost/* one (docs/vscode-api.md).

const { Disposable, EventEmitter } = shim;

// An LSP notification to the editor.
function editorNotify(method, params) {
  host.notify('editorNotify', { method, params });
}

// An LSP request to the editor. When the editor does not answer it (unsupported method, error), the
// promise resolves `undefined`, VS Code's answer for a dismissed dialog, and the failure is logged once.
function editorRequest(method, params) {
  return host.call('editorRequest', { method, params }).then(
    (result) => (result === null ? undefined : result),
    (error) => {
      shim.warnOnce('exthost: the editor did not answer ' + method + ' (' + (error && error.message) + '); resolving undefined');
      return undefined;
    },
  );
}

shim.internal.editorNotify = editorNotify;
shim.internal.editorRequest = editorRequest;

// ---------------------------------------------------------------- messages

const MessageType = { Error: 1, Warning: 2, Info: 3, Log: 4 };

function showMessage(type, message, rest) {
  let options;
  let items = rest;
  const first = rest[0];
  if (first !== undefined && first !== null && typeof first === 'object' && typeof first.title !== 'string') {
    options = first;
    items = rest.slice(1);
  }
  items = items.filter((item) => item !== undefined && item !== null);
  let text = String(message);
  if (options && typeof options.detail === 'string' && options.detail) text += '\n\n' + options.detail;
  if (items.length === 0) {
    editorNotify('window/showMessage', { type, message: text });
    return Promise.resolve(undefined);
  }
  const actions = items.map((item) => ({ title: typeof item === 'string' ? item : String(item.title) }));
  return editorRequest('window/showMessageRequest', { type, message: text, actions }).then((chosen) => {
    if (!chosen || typeof chosen.title !== 'string') return undefined;
    const index = actions.findIndex((action) => action.title === chosen.title);
    return index < 0 ? undefined : items[index];
  });
}

// ---------------------------------------------------------------- progress

// Progress tokens count from 2^32 so they never collide with the host's provider-call tokens
// (RuntimeRequest::Cancel carries either); on the wire the token is "<extension id>/<number>".
let nextProgress = 4294967296;

async function withProgress(options, task) {
  const number = nextProgress++;
  const token = host.id + '/' + number;
  const source = shim.internal.cancellationSource(number);
  const created = await host.call('editorRequest', { method: 'window/workDoneProgress/create', params: { token } }).then(
    () => true,
    (error) => {
      shim.warnOnce('exthost: the editor refused window/workDoneProgress/create (' + (error && error.message) + '); progress is not shown');
      return false;
    },
  );
  const send = (value) => {
    if (created) editorNotify('$/progress', { token, value });
  };
  const begin = { kind: 'begin', title: options && options.title ? String(options.title) : '' };
  begin.cancellable = Boolean(options && options.cancellable);
  send(begin);
  let percentage = 0;
  const progress = {
    report(value) {
      if (!value) return;
      const report = { kind: 'report' };
      if (typeof value.message === 'string') report.message = value.message;
      if (typeof value.increment === 'number') {
        percentage = Math.max(0, Math.min(100, percentage + value.increment));
        report.percentage = Math.round(percentage);
      }
      send(report);
    },
  };
  try {
    return await task(progress, source.token);
  } finally {
    send({ kind: 'end' });
    shim.internal.releaseCancellation(number);
  }
}

// ---------------------------------------------------------------- output channels

const LOG_LEVEL_NAMES = ['off', 'trace', 'debug', 'info', 'warning', 'error'];

class OutputChannel {
  constructor(name, log) {
    this.name = name;
    this._pending = '';
    this._disposed = false;
    if (log) {
      this._levelEmitter = new EventEmitter();
      this.onDidChangeLogLevel = this._levelEmitter.event;
    }
  }

  _line(type, text) {
    if (this._disposed) return;
    editorNotify('window/logMessage', { type, message: '[' + this.name + '] ' + text });
  }

  append(value) {
    const lines = (this._pending + String(value)).split(/\r?\n/);
    this._pending = lines.pop();
    for (const line of lines) this._line(MessageType.Log, line);
  }

  appendLine(value) {
    this.append(String(value) + '\n');
  }

  replace(value) {
    this.clear();
    this.append(value);
  }

  clear() {
    this._pending = '';
  }

  show() {}
  hide() {}

  dispose() {
    if (this._pending) this._line(MessageType.Log, this._pending);
    this._pending = '';
    this._disposed = true;
  }
}

class LogOutputChannel extends OutputChannel {
  constructor(name) {
    super(name, true);
  }

  get logLevel() { return shim.LogLevel.Info; }

  _format(message, args) {
    const rest = args.map((arg) => (arg instanceof Error ? arg.stack || arg.message : typeof arg === 'string' ? arg : host.inspect(arg)));
    return [String(message instanceof Error ? message.stack || message.message : message)].concat(rest).join(' ');
  }

  trace(message, ...args) { this._line(MessageType.Log, '[trace] ' + this._format(message, args)); }
  debug(message, ...args) { this._line(MessageType.Log, '[debug] ' + this._format(message, args)); }
  info(message, ...args) { this._line(MessageType.Info, this._format(message, args)); }
  warn(message, ...args) { this._line(MessageType.Warning, this._format(message, args)); }
  error(error, ...args) { this._line(MessageType.Error, this._format(error, args)); }
}

function createOutputChannel(name, options) {
  const log = options === true || (options && typeof options === 'object' && options.log === true);
  return log ? new LogOutputChannel(String(name)) : new OutputChannel(String(name), false);
}

// ---------------------------------------------------------------- status bar

let nextStatusItem = 1;
const statusItems = new Set();

function plainText(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value.value === 'string') return value.value;
  return String(value);
}

function colorText(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value.id === 'string') return value.id;
  return undefined;
}

function commandJson(command) {
  if (command === undefined || command === null) return undefined;
  if (typeof command === 'string') return command;
  return shim.lsp.command(command);
}

// Changes are sent once per turn of the event loop, with the item's whole state.
class StatusBarItem {
  constructor(id, alignment, priority) {
    this._id = host.id + '/' + nextStatusItem++;
    this._entryId = id;
    this._alignment = alignment === shim.StatusBarAlignment.Right ? shim.StatusBarAlignment.Right : shim.StatusBarAlignment.Left;
    this._priority = typeof priority === 'number' ? priority : undefined;
    this._state = { text: '', tooltip: undefined, color: undefined, backgroundColor: undefined, command: undefined, name: undefined, accessibilityInformation: undefined };
    this._visible = false;
    this._sentVisible = false;
    this._scheduled = false;
    this._disposed = false;
    statusItems.add(this);
  }

  get id() { return this._entryId || this._id; }
  get alignment() { return this._alignment; }
  get priority() { return this._priority; }
  get text() { return this._state.text; }
  set text(value) { this._set('text', value === undefined || value === null ? '' : String(value)); }
  get tooltip() { return this._state.tooltip; }
  set tooltip(value) { this._set('tooltip', value); }
  get color() { return this._state.color; }
  set color(value) { this._set('color', value); }
  get backgroundColor() { return this._state.backgroundColor; }
  set backgroundColor(value) { this._set('backgroundColor', value); }
  get command() { return this._state.command; }
  set command(value) { this._set('command', value); }
  get name() { return this._state.name; }
  set name(value) { this._set('name', value); }
  get accessibilityInformation() { return this._state.accessibilityInformation; }
  set accessibilityInformation(value) { this._set('accessibilityInformation', value); }

  _set(key, value) {
    if (this._state[key] === value) return;
    this._state[key] = value;
    this._schedule();
  }

  show() {
    this._visible = true;
    this._schedule();
  }

  hide() {
    this._visible = false;
    this._schedule();
  }

  _schedule() {
    if (this._disposed || this._scheduled) return;
    this._scheduled = true;
    Promise.resolve().then(() => {
      this._scheduled = false;
      this._send();
    });
  }

  _send() {
    if (this._disposed) return;
    if (!this._visible && !this._sentVisible) return;
    this._sentVisible = this._visible;
    editorNotify('exthost/statusBarItem', {
      id: this._id,
      text: this._state.text,
      tooltip: plainText(this._state.tooltip),
      color: colorText(this._state.color),
      backgroundColor: colorText(this._state.backgroundColor),
      command: commandJson(this._state.command),
      name: this._state.name,
      alignment: this._alignment === shim.StatusBarAlignment.Right ? 'right' : 'left',
      priority: this._priority,
      visible: this._visible,
    });
  }

  dispose() {
    if (this._disposed) return;
    this._disposed = true;
    statusItems.delete(this);
    if (this._sentVisible || this._visible) editorNotify('exthost/statusBarItem', { id: this._id, disposed: true });
  }
}

function createStatusBarItem(alignmentOrId, priorityOrAlignment, priority) {
  if (typeof alignmentOrId === 'string') return new StatusBarItem(alignmentOrId, priorityOrAlignment, priority);
  return new StatusBarItem(undefined, alignmentOrId, priorityOrAlignment);
}

let statusMessage = 0;

function setStatusBarMessage(text, hideAfterTimeoutOrThenable) {
  const mine = ++statusMessage;
  editorNotify('exthost/statusBarMessage', { text: String(text) });
  let cleared = false;
  const clear = () => {
    if (cleared) return;
    cleared = true;
    if (statusMessage === mine) editorNotify('exthost/statusBarMessage', { text: '' });
  };
  let timer;
  if (typeof hideAfterTimeoutOrThenable === 'number') {
    timer = setTimeout(clear, hideAfterTimeoutOrThenable);
  } else if (hideAfterTimeoutOrThenable && typeof hideAfterTimeoutOrThenable.then === 'function') {
    hideAfterTimeoutOrThenable.then(clear, clear);
  }
  return new Disposable(() => {
    if (timer !== undefined) clearTimeout(timer);
    clear();
  });
}

// ---------------------------------------------------------------- quick input

async function showQuickPick(itemsOrPromise, options, token) {
  const items = await itemsOrPromise;
  if (!Array.isArray(items) || items.length === 0 || (token && token.isCancellationRequested)) return undefined;
  const params = {
    items: items.map((item) => {
      if (typeof item === 'string') return { label: item };
      const entry = { label: String(item.label) };
      if (item.description !== undefined) entry.description = String(item.description);
      if (item.detail !== undefined) entry.detail = String(item.detail);
      if (item.picked !== undefined) entry.picked = Boolean(item.picked);
      return entry;
    }),
  };
  if (options && options.placeHolder !== undefined) params.placeHolder = String(options.placeHolder);
  if (options && options.canPickMany) params.canPickMany = true;
  if (options && options.title !== undefined) params.title = String(options.title);
  const result = await editorRequest('exthost/showQuickPick', params);
  if (token && token.isCancellationRequested) return undefined;
  if (!result || !Array.isArray(result.selected)) return undefined;
  const chosen = result.selected.filter((index) => Number.isInteger(index) && index >= 0 && index < items.length).map((index) => items[index]);
  if (options && options.canPickMany) return chosen;
  if (chosen.length && options && typeof options.onDidSelectItem === 'function') {
    try {
      options.onDidSelectItem(chosen[0]);
    } catch (error) {
      host.reportUncaught('onDidSelectItem', error);
    }
  }
  return chosen[0];
}

async function showInputBox(options, token) {
  const params = {};
  if (options) {
    if (options.prompt !== undefined) params.prompt = String(options.prompt);
    if (options.placeHolder !== undefined) params.placeHolder = String(options.placeHolder);
    if (options.value !== undefined) params.value = String(options.value);
    if (options.password) params.password = true;
    if (options.title !== undefined) params.title = String(options.title);
  }
  const result = await editorRequest('exthost/showInputBox', params);
  if (token && token.isCancellationRequested) return undefined;
  if (!result || typeof result.value !== 'string') return undefined;
  if (options && typeof options.validateInput === 'function') {
    const problem = await options.validateInput(result.value);
    if (problem) {
      host.log('warn', 'exthost: the input was rejected by validateInput: ' + (typeof problem === 'string' ? problem : problem.message));
      return undefined;
    }
  }
  return result.value;
}

async function showWorkspaceFolderPick(options) {
  const folders = shim.workspace.workspaceFolders;
  if (!folders || folders.length === 0) return undefined;
  const picked = await showQuickPick(folders.map((folder) => ({ label: folder.name, description: folder.uri.fsPath, folder })), {
    placeHolder: options && options.placeHolder,
  });
  return picked ? picked.folder : undefined;
}

shim.internal.onDeactivate(() => {
  for (const item of Array.from(statusItems)) item.dispose();
});

const windowState = Object.freeze({ focused: true, active: true });

shim.internal.windowMembers = {
  showInformationMessage: (message, ...rest) => showMessage(MessageType.Info, message, rest),
  showWarningMessage: (message, ...rest) => showMessage(MessageType.Warning, message, rest),
  showErrorMessage: (message, ...rest) => showMessage(MessageType.Error, message, rest),
  withProgress,
  withScmProgress: (task) => withProgress({ location: shim.ProgressLocation.SourceControl }, (progress, token) => task(progress, token)),
  createOutputChannel,
  createStatusBarItem,
  setStatusBarMessage,
  showQuickPick,
  showInputBox,
  showWorkspaceFolderPick,
  get state() { return windowState; },
  onDidChangeWindowState: new EventEmitter().event,
  get activeColorTheme() { return { kind: shim.ColorThemeKind.Dark }; },
  onDidChangeActiveColorTheme: new EventEmitter().event,
};
