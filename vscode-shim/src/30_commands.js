// vscode.commands: handlers registered here are announced to the host (RegisterCommand) and run locally
// when this extension executes them; other commands go through the host.

const commandHandlers = new Map();

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

function executeCommand(command, ...args) {
  const entry = commandHandlers.get(command);
  if (entry) return Promise.resolve().then(() => entry.callback.apply(entry.thisArg, args));
  return host.call('executeCommand', { command, arguments: host.toWireValue(args, false) });
}

function getCommands(filterInternal) {
  return host.call('getCommands', null).then((commands) => {
    const list = Array.isArray(commands) ? commands : [];
    return filterInternal ? list.filter((command) => !String(command).startsWith('_')) : list;
  });
}

shim.commands = shim.guard({ registerCommand, executeCommand, getCommands }, 'vscode.commands');

shim.internal.commandHandler = (command) => {
  const entry = commandHandlers.get(command);
  return entry ? (...args) => entry.callback.apply(entry.thisArg, args) : undefined;
};

shim.internal.unregisterAllCommands = () => {
  for (const command of commandHandlers.keys()) host.notify('unregisterCommand', { command });
  commandHandlers.clear();
};
