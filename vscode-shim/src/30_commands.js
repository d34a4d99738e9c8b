// vscode.commands: handlers registered here are announced to the host (RegisterCommand) and run locally
// when this extension executes them; other commands go through the host. A few workbench commands that
// have no meaning over LSP are answered here (see BUILTIN_COMMANDS).

// The dispatch of the host's ExecuteCommand uses builtins captured before extension code ran.
const { SafeMap, MapPrototypeForEach, ReflectApply, PromisePrototypeThen, PromiseResolve } = host.primordials;

const commandHandlers = new SafeMap();
const contextKeys = new Map();

function registerCommand(command, callback, thisArg) {
  if (typeof command !== 'string' || command === '') throw new TypeError('registerCommand: the command id must be a non-empty string');
  if (typeof callback !== 'function') throw new TypeError('registerCommand: the handler must be a function');
  if (commandHandlers.has(command)) throw new Error("command '" + command + "' already exists");
  // Synchronous, so the command is routable as soon as registerCommand returns (and a clash with another
  // extension's command throws here, as in VS Code).
  host.callSync('registerCommand', { command });
  const entry = { callback, thisArg };
  commandHandlers.set(command, entry);
  return new shim.Disposable(() => {
    if (commandHandlers.get(command) === entry) {
      commandHandlers.delete(command);
      host.notify('unregisterCommand', { command });
    }
  });
}

// The handler gets (activeTextEditor, edit, ...args); what it records on `edit` is applied when it returns.
// As in VS Code, the command's result is undefined (a promise the handler returns is not awaited).
function registerTextEditorCommand(command, callback, thisArg) {
  return registerCommand(command, (...args) => {
    const editor = shim.window.activeTextEditor;
    if (!editor) {
      host.log('warn', "Cannot execute '" + command + "' because the active editor is not a text editor.");
      return undefined;
    }
    return editor.edit((edit) => {
      callback.apply(thisArg, [editor, edit, ...args]);
    }).then((applied) => {
      if (!applied) host.log('warn', "exthost: the edits of '" + command + "' were not applied");
      return undefined;
    });
  });
}

// LSP locations (or location links) answered by the host, as vscode.Location objects.
function toLocations(result) {
  if (!result) return [];
  return (Array.isArray(result) ? result : [result]).map((item) => (item.targetUri
    ? new shim.Location(shim.Uri.parse(item.targetUri), shim.toRange(item.targetSelectionRange || item.targetRange))
    : new shim.Location(shim.Uri.parse(item.uri), shim.toRange(item.range))));
}

// `vscode.execute<Feature>Provider(uri, position)`: the host routes them to the providers of every
// extension; arguments go as [uri string, LSP Position] and the answer comes back as LSP JSON.
function providerCommand(convert) {
  return (command, args) => {
    const [uri, position] = args;
    const wire = [shim.documents.wireUri(shim.toUri(uri))];
    if (position) wire.push({ line: position.line, character: position.character });
    return host.call('executeCommand', { command, arguments: wire }).then(convert);
  };
}

const BUILTIN_COMMANDS = {
  setContext: (command, [key, value]) => {
    contextKeys.set(String(key), value);
    return Promise.resolve(undefined);
  },
  'vscode.executeReferenceProvider': providerCommand(toLocations),
  'vscode.executeDefinitionProvider': providerCommand(toLocations),
};

function builtin(command) {
  if (Object.prototype.hasOwnProperty.call(BUILTIN_COMMANDS, command)) return BUILTIN_COMMANDS[command];
  if (command.startsWith('workbench.view.') || command.startsWith('workbench.action.')) {
    return () => {
      host.log('debug', 'exthost: ' + command + ' has no effect outside VS Code');
      return Promise.resolve(undefined);
    };
  }
  return undefined;
}

function executeCommand(command, ...args) {
  const entry = commandHandlers.get(command);
  if (entry) return PromisePrototypeThen(PromiseResolve(), () => ReflectApply(entry.callback, entry.thisArg, args));
  const answer = builtin(String(command));
  if (answer) return answer(command, args);
  return host.call('executeCommand', { command, arguments: host.toWireValue(args, false) });
}

function getCommands(filterInternal) {
  return host.call('getCommands', null).then((commands) => {
    const list = Array.isArray(commands) ? commands : [];
    return filterInternal ? list.filter((command) => !String(command).startsWith('_')) : list;
  });
}

shim.commands = shim.guard({ registerCommand, registerTextEditorCommand, executeCommand, getCommands }, 'vscode.commands');

// Arguments arriving from the host are JSON: a marshalled Uri ({$mid: 1, …}) becomes a Uri again.
function reviveArgument(value) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && value.$mid === 1 && typeof value.scheme === 'string') {
    return shim.Uri.revive(value);
  }
  return value;
}

// Runs the handler registered for `command` with the host's arguments (an array of JSON values, which it
// revives in place) and answers what the handler returned; answers `missing` when no handler is
// registered. The host's `executeCommand` request (bootstrap `20_requests.js`) calls it for every command,
// so it makes no closure and no copy of the arguments.
shim.internal.runCommand = (command, args, missing) => {
  const entry = commandHandlers.get(command);
  if (entry === undefined) return missing;
  for (let index = 0; index < args.length; index++) args[index] = reviveArgument(args[index]);
  return ReflectApply(entry.callback, entry.thisArg, args);
};

shim.internal.unregisterAllCommands = () => {
  const commands = [];
  MapPrototypeForEach(commandHandlers, (_, command) => { commands[commands.length] = command; });
  commandHandlers.clear();
  for (let index = 0; index < commands.length; index++) host.notify('unregisterCommand', { command: commands[index] });
};

shim.internal.contextKeys = contextKeys;
