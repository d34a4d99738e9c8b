// vscode.workspace, the document and file parts: workspace folders, openTextDocument, content and file
// system providers, `workspace.fs` (this extension's providers, or read-only `file:` access inside the
// workspace folders through the native side), findFiles and applyEdit. `vscode.workspace` itself is
// assembled in 46_configuration.js.

const { Uri, EventEmitter, Disposable, FileSystemError } = shim;

// ---------------------------------------------------------------- workspace folders

let folders = [];
const foldersChanged = new EventEmitter();

function makeFolder(data, index) {
  const uri = shim.toUri(data.uri);
  const name = typeof data.name === 'string' && data.name ? data.name : host.path.basename(uri.path) || uri.toString();
  return Object.freeze({ uri, name, index });
}

// What `workspace.fs` may read on `file:` (the workspace folders, this extension's folder and those of the
// extensions the host described) is kept by the engine in Rust from the host's own answers and events:
// nothing here sets or widens it.

let hostFolders = [];

shim.internal.onSnapshot((snapshot) => {
  const list = Array.isArray(snapshot.workspaceFolders) ? snapshot.workspaceFolders : [];
  folders = list.filter((data) => data && data.uri).map(makeFolder);
  hostFolders = folders.slice();
});

shim.internal.onEvent('workspaceFoldersChanged', (payload) => {
  const removedKeys = new Set(((payload && payload.removed) || []).map((data) => shim.toUri(data.uri).toString()));
  const removed = folders.filter((folder) => removedKeys.has(folder.uri.toString()));
  const kept = folders.filter((folder) => !removedKeys.has(folder.uri.toString()));
  const keptKeys = new Set(kept.map((folder) => folder.uri.toString()));
  const addedData = ((payload && payload.added) || []).filter((data) => data && data.uri && !keptKeys.has(shim.toUri(data.uri).toString()));
  const next = kept.concat(addedData.map((data) => ({ uri: data.uri, name: data.name })));
  folders = next.map((folder, index) => makeFolder({ uri: folder.uri, name: folder.name }, index));
  const addedKeys = new Set(addedData.map((data) => shim.toUri(data.uri).toString()));
  const hostRemoved = new Set(removedKeys);
  hostFolders = hostFolders.filter((folder) => !hostRemoved.has(folder.uri.toString()))
    .concat(folders.filter((folder) => addedKeys.has(folder.uri.toString())));
  if (removed.length || addedKeys.size) {
    foldersChanged.fire(Object.freeze({ added: folders.filter((folder) => addedKeys.has(folder.uri.toString())), removed }));
  }
});

function workspaceFolders() {
  shim.internal.ensureSession();
  return folders.length ? folders.slice() : undefined;
}

function isInside(folderUri, uri) {
  if (folderUri.scheme !== uri.scheme || folderUri.authority.toLowerCase() !== uri.authority.toLowerCase()) return false;
  const base = folderUri.path.endsWith('/') ? folderUri.path : folderUri.path + '/';
  return uri.path === folderUri.path || uri.path.startsWith(base);
}

function getWorkspaceFolder(uri) {
  shim.internal.ensureSession();
  let best;
  for (const folder of folders) {
    if (isInside(folder.uri, uri) && (!best || folder.uri.path.length > best.uri.path.length)) best = folder;
  }
  return best;
}

function asRelativePath(pathOrUri, includeWorkspaceFolder) {
  shim.internal.ensureSession();
  const uri = typeof pathOrUri === 'string' ? (pathOrUri.startsWith('/') ? Uri.file(pathOrUri) : undefined) : pathOrUri;
  if (!uri) return pathOrUri;
  const folder = getWorkspaceFolder(uri);
  if (!folder) return typeof pathOrUri === 'string' ? pathOrUri : uri.fsPath;
  let relative = host.path.relative(folder.uri.path, uri.path);
  if (includeWorkspaceFolder === undefined) includeWorkspaceFolder = folders.length > 1;
  if (includeWorkspaceFolder && relative) relative = folder.name + '/' + relative;
  return relative || (includeWorkspaceFolder ? folder.name : '');
}

// A local change (VS Code would restart the extension host for some); the event fires here.
function updateWorkspaceFolders(start, deleteCount, ...additions) {
  shim.internal.ensureSession();
  if (typeof start !== 'number' || start < 0 || start > folders.length) return false;
  deleteCount = typeof deleteCount === 'number' ? Math.max(0, deleteCount) : 0;
  const existing = new Set(folders.map((folder) => folder.uri.toString()));
  const adding = additions.filter((addition) => addition && addition.uri && !existing.has(addition.uri.toString()));
  if (deleteCount === 0 && adding.length === 0) return false;
  const next = folders.slice();
  const removed = next.splice(start, deleteCount, ...adding.map((addition) => ({ uri: addition.uri, name: addition.name })));
  folders = next.map((folder, index) => makeFolder(folder, index));
  const addedKeys = new Set(adding.map((addition) => addition.uri.toString()));
  Promise.resolve().then(() => foldersChanged.fire(Object.freeze({
    added: folders.filter((folder) => addedKeys.has(folder.uri.toString())),
    removed,
  })));
  return true;
}

// ---------------------------------------------------------------- providers of this extension

const contentProviders = new Map();
const fileSystemProviders = new Map();

function registerTextDocumentContentProvider(scheme, provider) {
  if (typeof scheme !== 'string' || !scheme) throw shim.illegalArgument('scheme');
  if (scheme === 'file' || scheme === 'untitled') throw new Error("scheme '" + scheme + "' is reserved");
  const entry = { provider };
  contentProviders.set(scheme, entry);
  let subscription;
  if (typeof provider.onDidChange === 'function') {
    subscription = provider.onDidChange((uri) => {
      const document = uri && shim.documents.get(uri);
      if (!document || document.isClosed) return;
      Promise.resolve(provider.provideTextDocumentContent(uri, new shim.CancellationTokenSource().token)).then((text) => {
        if (typeof text === 'string') shim.documents.change(document, undefined, text, null);
      }, (error) => host.reportUncaught('provideTextDocumentContent', error));
    });
  }
  return new Disposable(() => {
    if (subscription) subscription.dispose();
    if (contentProviders.get(scheme) === entry) contentProviders.delete(scheme);
  });
}

function registerFileSystemProvider(scheme, provider, options) {
  if (typeof scheme !== 'string' || !scheme) throw shim.illegalArgument('scheme');
  if (fileSystemProviders.has(scheme)) throw new Error("a provider for the scheme '" + scheme + "' is already registered");
  const entry = { provider, options: options || {} };
  fileSystemProviders.set(scheme, entry);
  return new Disposable(() => {
    if (fileSystemProviders.get(scheme) === entry) fileSystemProviders.delete(scheme);
  });
}

// ---------------------------------------------------------------- workspace.fs

const FS_ERROR = /^(FileNotFound|FileExists|FileNotADirectory|FileIsADirectory|NoPermissions|Unavailable): /;

function nativeCall(uri, call) {
  try {
    return call(uri.fsPath);
  } catch (error) {
    const match = FS_ERROR.exec(error && error.message);
    throw match ? FileSystemError[match[1]](uri) : error;
  }
}

function readOnly(uri) {
  return Promise.reject(FileSystemError.NoPermissions(uri));
}

function viaProvider(uri, method, ...args) {
  const entry = fileSystemProviders.get(uri.scheme);
  return Promise.resolve().then(() => entry.provider[method](uri, ...args));
}

function unavailable(uri) {
  return Promise.reject(FileSystemError.Unavailable(uri));
}

function route(uri, providerCall, fileCall) {
  uri = shim.toUri(uri);
  if (fileSystemProviders.has(uri.scheme)) return providerCall(uri);
  if (uri.scheme === 'file') {
    shim.internal.ensureSession();
    return fileCall(uri);
  }
  return unavailable(uri);
}

const fileSystem = {
  stat: (uri) => route(uri, (target) => viaProvider(target, 'stat'),
    (target) => Promise.resolve().then(() => nativeCall(target, host.fs.stat))),
  readDirectory: (uri) => route(uri, (target) => viaProvider(target, 'readDirectory'),
    (target) => Promise.resolve().then(() => nativeCall(target, host.fs.readDirectory))),
  readFile: (uri) => route(uri, (target) => viaProvider(target, 'readFile'),
    (target) => Promise.resolve().then(() => nativeCall(target, host.fs.readFile))),
  createDirectory: (uri) => route(uri, (target) => viaProvider(target, 'createDirectory'), readOnly),
  writeFile: (uri, content) => route(uri, (target) => viaProvider(target, 'writeFile', content, { create: true, overwrite: true }), readOnly),
  delete: (uri, options) => route(uri, (target) => viaProvider(target, 'delete', { recursive: Boolean(options && options.recursive) }), readOnly),
  rename: (source, target, options) => route(source, (from) => viaProvider(from, 'rename', shim.toUri(target), { overwrite: Boolean(options && options.overwrite) }), readOnly),
  copy: (source, target, options) => route(source, (from) => {
    const entry = fileSystemProviders.get(from.scheme);
    if (typeof entry.provider.copy === 'function') return viaProvider(from, 'copy', shim.toUri(target), { overwrite: Boolean(options && options.overwrite) });
    return viaProvider(from, 'readFile').then((content) => fileSystem.writeFile(target, content));
  }, readOnly),
  isWritableFileSystem(scheme) {
    const entry = fileSystemProviders.get(scheme);
    if (entry) return !entry.options.isReadonly;
    return scheme === 'file' ? false : undefined;
  },
};

// ---------------------------------------------------------------- documents

const LANGUAGE_BY_EXTENSION = {
  '.bat': 'bat', '.c': 'c', '.cc': 'cpp', '.cpp': 'cpp', '.cs': 'csharp', '.css': 'css', '.go': 'go', '.h': 'c',
  '.hpp': 'cpp', '.html': 'html', '.ini': 'ini', '.java': 'java', '.js': 'javascript', '.cjs': 'javascript',
  '.mjs': 'javascript', '.json': 'json', '.jsx': 'javascriptreact', '.less': 'less', '.lua': 'lua',
  '.md': 'markdown', '.php': 'php', '.py': 'python', '.rb': 'ruby', '.rs': 'rust', '.scss': 'scss',
  '.sh': 'shellscript', '.sql': 'sql', '.swift': 'swift', '.toml': 'toml', '.ts': 'typescript',
  '.tsx': 'typescriptreact', '.txt': 'plaintext', '.xml': 'xml', '.yaml': 'yaml', '.yml': 'yaml',
};

function languageFor(uri) {
  const extension = host.path.extname(uri.path).toLowerCase();
  const contributes = host.packageJSON && host.packageJSON.contributes;
  for (const language of (contributes && Array.isArray(contributes.languages) ? contributes.languages : [])) {
    if (language && Array.isArray(language.extensions) && language.extensions.includes(extension)) return language.id;
  }
  return LANGUAGE_BY_EXTENSION[extension] || 'plaintext';
}

let nextUntitled = 1;

function addLocalDocument(uri, languageId, text) {
  const { document, isNew } = shim.documents.add({ uri: uri.toString(), languageId, version: 1, text });
  if (isNew) shim.documents.onDidOpen.fire(document);
  return document;
}

async function openTextDocument(uriOrFileNameOrOptions) {
  let uri;
  if (typeof uriOrFileNameOrOptions === 'string') {
    uri = Uri.file(uriOrFileNameOrOptions);
  } else if (Uri.isUri(uriOrFileNameOrOptions)) {
    uri = shim.toUri(uriOrFileNameOrOptions);
  } else {
    const options = uriOrFileNameOrOptions || {};
    const untitled = Uri.from({ scheme: 'untitled', path: 'Untitled-' + nextUntitled++ });
    return addLocalDocument(untitled, options.language || 'plaintext', typeof options.content === 'string' ? options.content : '');
  }
  const existing = shim.documents.get(uri);
  if (existing) return existing;
  if (uri.scheme === 'untitled') return addLocalDocument(uri, 'plaintext', '');
  const content = contentProviders.get(uri.scheme);
  if (content) {
    const source = new shim.CancellationTokenSource();
    const text = await content.provider.provideTextDocumentContent(uri, source.token);
    if (typeof text !== 'string') throw new Error('cannot open ' + uri.toString() + ': the content provider returned no text');
    return shim.documents.get(uri) || addLocalDocument(uri, languageFor(uri), text);
  }
  if (fileSystemProviders.has(uri.scheme) || uri.scheme === 'file') {
    let bytes;
    try {
      bytes = await fileSystem.readFile(uri);
    } catch (error) {
      throw new Error('cannot open ' + uri.toString() + '. Detail: ' + (error && error.message));
    }
    return shim.documents.get(uri) || addLocalDocument(uri, languageFor(uri), shim.decodeUtf8(bytes));
  }
  throw new Error('cannot open ' + uri.toString() + ': no provider for the scheme ' + uri.scheme);
}

// ---------------------------------------------------------------- findFiles, applyEdit, watchers

function patternJson(pattern) {
  if (pattern === undefined || pattern === null) return pattern;
  if (typeof pattern === 'string') return { pattern };
  if (typeof pattern.pattern === 'string' && pattern.baseUri) return { base: pattern.baseUri.fsPath, pattern: pattern.pattern };
  if (typeof pattern.pattern === 'string' && typeof pattern.base === 'string') return { base: pattern.base, pattern: pattern.pattern };
  throw shim.illegalArgument('pattern');
}

async function findFiles(include, exclude, maxResults, token) {
  shim.internal.ensureSession();
  const includeJson = patternJson(include);
  const bases = includeJson.base !== undefined ? [includeJson.base] : hostFolders.filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
  if (bases.length === 0) return [];
  const request = {
    include: bases.map((base) => ({ base, pattern: includeJson.pattern })),
    exclude: exclude === undefined ? 'default' : patternJson(exclude),
    maxResults: typeof maxResults === 'number' ? maxResults : null,
  };
  const paths = host.fs.findFiles(request);
  if (token && token.isCancellationRequested) return [];
  return paths.map((path) => Uri.file(path));
}

async function applyEdit(edit) {
  const lsp = shim.lsp.workspaceEdit(edit);
  const result = await shim.internal.editorRequest('workspace/applyEdit', { edit: lsp });
  const applied = Boolean(result && result.applied);
  if (applied) {
    for (const [uri, edits] of edit.entries()) {
      const document = shim.documents.get(uri);
      if (!document) continue;
      const changes = edits.slice().sort((left, right) => right.range.start.compareTo(left.range.start))
        .map((textEdit) => ({ range: shim.lsp.range(textEdit.range), text: textEdit.newText }));
      shim.documents.change(document, undefined, undefined, changes);
    }
  }
  return applied;
}

function createFileSystemWatcher(globPattern, ignoreCreateEvents, ignoreChangeEvents, ignoreDeleteEvents) {
  const created = new EventEmitter();
  const changed = new EventEmitter();
  const deleted = new EventEmitter();
  return {
    ignoreCreateEvents: Boolean(ignoreCreateEvents),
    ignoreChangeEvents: Boolean(ignoreChangeEvents),
    ignoreDeleteEvents: Boolean(ignoreDeleteEvents),
    onDidCreate: created.event,
    onDidChange: changed.event,
    onDidDelete: deleted.event,
    dispose() {
      created.dispose();
      changed.dispose();
      deleted.dispose();
    },
  };
}

const never = () => new EventEmitter().event;

shim.internal.workspaceMembers = {
  get workspaceFolders() { return workspaceFolders(); },
  get name() {
    const list = workspaceFolders();
    return list ? list[0].name : undefined;
  },
  get rootPath() {
    const list = workspaceFolders();
    return list ? list[0].uri.fsPath : undefined;
  },
  get workspaceFile() { return undefined; },
  get isTrusted() { return true; },
  get textDocuments() { return shim.documents.all(); },
  getWorkspaceFolder,
  asRelativePath,
  updateWorkspaceFolders,
  onDidChangeWorkspaceFolders: foldersChanged.event,
  openTextDocument,
  onDidOpenTextDocument: shim.documents.onDidOpen.event,
  onDidChangeTextDocument: shim.documents.onDidChange.event,
  onDidCloseTextDocument: shim.documents.onDidClose.event,
  onDidSaveTextDocument: shim.documents.onDidSave.event,
  onWillSaveTextDocument: shim.documents.onWillSave.event,
  onDidCreateFiles: never(),
  onDidDeleteFiles: never(),
  onDidRenameFiles: never(),
  onWillCreateFiles: never(),
  onWillDeleteFiles: never(),
  onWillRenameFiles: never(),
  onDidGrantWorkspaceTrust: never(),
  get notebookDocuments() { return []; },
  onDidChangeNotebookDocument: never(),
  onDidCloseNotebookDocument: never(),
  onDidOpenNotebookDocument: never(),
  onDidSaveNotebookDocument: never(),
  onWillSaveNotebookDocument: never(),
  registerTaskProvider: (type, provider) => shim.internal.registerTaskProvider(type, provider),
  registerTextDocumentContentProvider,
  registerFileSystemProvider,
  fs: shim.guard(fileSystem, 'vscode.workspace.fs'),
  findFiles,
  applyEdit,
  createFileSystemWatcher,
  saveAll: () => {
    shim.warnOnce('exthost: workspace.saveAll() is not supported over LSP; it resolves false');
    return Promise.resolve(false);
  },
  decode: (content) => Promise.resolve(shim.decodeUtf8(content)),
  encode: (text) => Promise.resolve(shim.encodeUtf8(text)),
};

shim.internal.workspaceNotImplemented = ['openNotebookDocument', 'registerNotebookSerializer', 'save', 'saveAs'];
