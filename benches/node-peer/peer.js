// The Node peer of exthost's benchmark suite (host/benches/suite.rs): a small extension host on
// vscode-jsonrpc that speaks the same subset of exthost's protocol over stdio (initialize, initialized,
// workspace/executeCommand, text document sync, textDocument/hover, exthost/restartHost,
// exthost/extensionStateChanged) and loads the suite's generated extensions (`exthost.json` + `main`) in
// this one Node process, as VS Code's Node extension host does, with a `vscode` module of its own that has
// just what those extensions use; their console becomes `window/logMessage`.
//
// Usage: node peer.js --extensions-dir DIR
'use strict';

const fs = require('fs');
const path = require('path');
const Module = require('module');
const rpc = require('vscode-jsonrpc/node');

const extensionsDirs = [];
for (let index = 2; index < process.argv.length; index++) {
  if (process.argv[index] === '--extensions-dir') extensionsDirs.push(process.argv[++index]);
}

const connection = rpc.createMessageConnection(
  new rpc.StreamMessageReader(process.stdin),
  new rpc.StreamMessageWriter(process.stdout),
);

// An extension's console goes to the editor as `window/logMessage` (as exthost's does; stdout carries
// frames only). Nothing bounds it: vscode-jsonrpc queues every message until the pipe takes it.
const util = require('util');
for (const [method, type] of [['error', 1], ['warn', 2], ['info', 3], ['log', 3], ['debug', 4]]) {
  console[method] = (...args) => { connection.sendNotification('window/logMessage', { type, message: util.format(...args) }); };
}

// ------------------------------------------------------------------ the `vscode` module

class Disposable {
  constructor(dispose) { this._dispose = dispose; }
  dispose() { if (this._dispose) this._dispose(); this._dispose = null; }
}

class Position {
  constructor(line, character) { this.line = line; this.character = character; }
}

class Range {
  constructor(startLine, startCharacter, endLine, endCharacter) {
    this.start = new Position(startLine, startCharacter);
    this.end = new Position(endLine, endCharacter);
  }
}

class Hover {
  constructor(contents) { this.contents = Array.isArray(contents) ? contents : [contents]; }
}

// A document as lines (VS Code's extension host keeps a line array too); changes splice it.
class TextDocument {
  constructor(uri, languageId, version, text) {
    this.uri = uri;
    this.languageId = languageId;
    this.version = version;
    this._lines = text.split(/\r\n|\r|\n/);
    this._eol = text.includes('\r\n') ? '\r\n' : '\n';
  }
  get lineCount() { return this._lines.length; }
  lineAt(line) {
    const number = typeof line === 'number' ? line : line.line;
    return { lineNumber: number, text: this._lines[number] };
  }
  getText() { return this._lines.join(this._eol); }
  _apply(change) {
    if (!change.range) {
      this._lines = change.text.split(/\r\n|\r|\n/);
      return;
    }
    const { start, end } = change.range;
    const prefix = this._lines[start.line].slice(0, start.character);
    const suffix = this._lines[end.line].slice(end.character);
    const inserted = (prefix + change.text + suffix).split(/\r\n|\r|\n/);
    this._lines.splice(start.line, end.line - start.line + 1, ...inserted);
  }
}

const commands = new Map();
const hoverProviders = [];
const changeListeners = new Set();
const documents = new Map();

function listener(set, callback) {
  set.add(callback);
  return new Disposable(() => set.delete(callback));
}

const vscode = {
  Disposable,
  Position,
  Range,
  Hover,
  commands: {
    registerCommand(id, handler) {
      commands.set(id, handler);
      return new Disposable(() => commands.delete(id));
    },
    executeCommand(id, ...args) { return Promise.resolve(commands.get(id)(...args)); },
  },
  languages: {
    registerHoverProvider(selector, provider) {
      const entry = { selector, provider };
      hoverProviders.push(entry);
      return new Disposable(() => hoverProviders.splice(hoverProviders.indexOf(entry), 1));
    },
  },
  workspace: {
    onDidChangeTextDocument: (callback) => listener(changeListeners, callback),
    get textDocuments() { return Array.from(documents.values()); },
  },
  window: {
    showInformationMessage() { return Promise.resolve(undefined); },
  },
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolve(request, ...rest) {
  if (request === 'vscode') return 'vscode';
  return resolveFilename.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };

// ------------------------------------------------------------------ extensions

let discovered = [];
const running = new Map();

function discover() {
  discovered = [];
  for (const dir of extensionsDirs) {
    let entries = [];
    try { entries = fs.readdirSync(dir); } catch (error) { continue; }
    for (const name of entries) {
      const folder = path.join(dir, name);
      try {
        const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'exthost.json'), 'utf8'));
        discovered.push({ manifest, folder });
      } catch (error) {
        // Not an extension folder.
      }
    }
  }
}

function activate(extension) {
  const { manifest, folder } = extension;
  const context = { subscriptions: [], extensionPath: folder };
  const main = require(path.join(folder, manifest.main || 'extension.js'));
  return Promise.resolve(main.activate && main.activate(context)).then(() => {
    running.set(manifest.id, { main, context });
    connection.sendNotification('exthost/extensionStateChanged', { id: manifest.id, state: 'enabled' });
  });
}

function activateOn(event) {
  return Promise.all(discovered
    .filter((extension) => !running.has(extension.manifest.id) && (extension.manifest.activationEvents || []).includes(event))
    .map(activate));
}

async function stopAll() {
  for (const [id, extension] of running) {
    if (extension.main.deactivate) await extension.main.deactivate();
    for (const subscription of extension.context.subscriptions.reverse()) subscription.dispose();
    running.delete(id);
  }
  for (const key of Object.keys(require.cache)) {
    if (key !== 'vscode' && discovered.some((extension) => key.startsWith(extension.folder))) delete require.cache[key];
  }
}

// ------------------------------------------------------------------ protocol

connection.onRequest('initialize', () => {
  discover();
  return { capabilities: { textDocumentSync: { openClose: true, change: 2 }, hoverProvider: true }, serverInfo: { name: 'node-peer' } };
});

connection.onNotification('initialized', () => { activateOn('*'); });

connection.onRequest('workspace/executeCommand', async (params) => {
  const handler = commands.get(params.command);
  if (!handler) throw new rpc.ResponseError(-32803, 'no command ' + params.command);
  return handler(...(params.arguments || []));
});

connection.onNotification('textDocument/didOpen', (params) => {
  const item = params.textDocument;
  documents.set(item.uri, new TextDocument(item.uri, item.languageId, item.version, item.text));
  activateOn('onLanguage:' + item.languageId);
});

connection.onNotification('textDocument/didChange', (params) => {
  const document = documents.get(params.textDocument.uri);
  if (!document) return;
  for (const change of params.contentChanges) document._apply(change);
  document.version = params.textDocument.version;
  const event = { document, contentChanges: params.contentChanges };
  for (const callback of changeListeners) callback(event);
});

connection.onNotification('textDocument/didClose', (params) => { documents.delete(params.textDocument.uri); });

connection.onRequest('textDocument/hover', async (params) => {
  const document = documents.get(params.textDocument.uri);
  if (!document) return null;
  const position = new Position(params.position.line, params.position.character);
  const answers = await Promise.all(hoverProviders
    .filter((entry) => entry.selector === document.languageId || entry.selector === '*')
    .map((entry) => Promise.resolve(entry.provider.provideHover(document, position, {})).catch(() => undefined)));
  const parts = [];
  for (const hover of answers) {
    if (hover) for (const content of hover.contents) parts.push(typeof content === 'string' ? content : content.value);
  }
  return parts.length ? { contents: { kind: 'markdown', value: parts.join('\n\n---\n\n') } } : null;
});

connection.onRequest('exthost/restartHost', async () => {
  const enabled = new Set(running.keys());
  await stopAll();
  discover();
  await Promise.all(discovered.filter((extension) => enabled.has(extension.manifest.id)).map(activate));
  connection.sendNotification('exthost/hostRestarted', { reason: 'requested' });
  return { restarted: true };
});

connection.onRequest('shutdown', async () => { await stopAll(); return null; });
connection.onNotification('exit', () => process.exit(0));

connection.listen();
