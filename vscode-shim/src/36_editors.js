// Text editors: window.activeTextEditor and its events, driven by the activeEditorChanged and
// selectionChanged events; TextEditor.edit and friends send workspace/applyEdit; decorations and
// reveals are exthost/* notifications. Also assembles `vscode.window`.

const { Position, Range, Selection, EventEmitter } = shim;

const editors = new Map();
let activeEditor;
let pendingActive;
const activeChanged = new EventEmitter();
const visibleChanged = new EventEmitter();
const selectionChanged = new EventEmitter();
const optionsChanged = new EventEmitter();
const viewColumnChanged = new EventEmitter();
const visibleRangesChanged = new EventEmitter();

function fromLspSelection(range) {
  return new Selection(range.start.line, range.start.character, range.end.line, range.end.character);
}

function sameSelections(left, right) {
  return left.length === right.length && left.every((selection, index) => selection.anchor.isEqual(right[index].anchor) && selection.active.isEqual(right[index].active));
}

// Records the edits of one TextEditor.edit callback.
class TextEditorEdit {
  constructor(document) {
    this._document = document;
    this._edits = [];
    this._eol = undefined;
    this._finished = false;
  }

  _add(range, text) {
    if (this._finished) throw new Error('Edit is only valid while callback runs');
    this._edits.push({ range: this._document.validateRange(range), text: text === undefined || text === null ? '' : String(text) });
  }

  replace(location, value) {
    if (Position.isPosition(location)) this._add(new Range(location, location), value);
    else if (Range.isRange(location)) this._add(location, value);
    else throw new Error('Unrecognized location');
  }

  insert(location, value) {
    this._add(new Range(location, location), value);
  }

  delete(location) {
    if (!Range.isRange(location)) throw new Error('Unrecognized location');
    this._add(location, '');
  }

  setEndOfLine(endOfLine) {
    if (endOfLine !== shim.EndOfLine.LF && endOfLine !== shim.EndOfLine.CRLF) throw shim.illegalArgument('endOfLine');
    this._eol = endOfLine;
  }
}

// Sends text edits of one document to the editor (workspace/applyEdit) and, once applied, applies them to
// the model too (the editor's didChange that follows carries the same text and changes nothing more).
function applyTextEdits(document, edits, label) {
  const sorted = edits.slice().sort((left, right) => left.range.start.compareTo(right.range.start));
  for (let index = 1; index < sorted.length; index++) {
    if (sorted[index].range.start.isBefore(sorted[index - 1].range.end)) return Promise.reject(new Error('Overlapping ranges are not allowed!'));
  }
  const lspEdits = sorted.map((edit) => ({ range: shim.lsp.range(edit.range), newText: edit.text }));
  const params = { edit: { changes: { [document._wireUri]: lspEdits } } };
  if (label) params.label = label;
  return shim.internal.editorRequest('workspace/applyEdit', params).then((result) => {
    const applied = Boolean(result && result.applied);
    if (applied && !document.isClosed) {
      const changes = lspEdits.slice().reverse().map((edit) => ({ range: edit.range, text: edit.newText }));
      shim.documents.change(document, undefined, undefined, changes);
    }
    return applied;
  });
}

shim.internal.applyTextEdits = applyTextEdits;

function hoverText(message) {
  if (message === undefined || message === null) return undefined;
  const parts = Array.isArray(message) ? message : [message];
  return parts.map((part) => shim.lsp.markdown(part)).join('\n\n');
}

class TextEditor {
  constructor(document, selections) {
    this._document = document;
    this._selections = selections && selections.length ? selections : [new Selection(0, 0, 0, 0)];
    this._options = { tabSize: 4, indentSize: 4, insertSpaces: true, cursorStyle: shim.TextEditorCursorStyle.Line, lineNumbers: shim.TextEditorLineNumbersStyle.On };
  }

  get document() { return this._document; }

  get selection() { return this._selections[0]; }
  set selection(value) {
    if (!(value instanceof Selection)) throw shim.illegalArgument('selection');
    this._selections = [value];
  }

  get selections() { return this._selections; }
  set selections(value) {
    if (!Array.isArray(value) || value.length === 0 || value.some((selection) => !(selection instanceof Selection))) throw shim.illegalArgument('selections');
    this._selections = value.slice();
  }

  get options() { return this._options; }
  set options(value) {
    const next = Object.assign({}, this._options);
    for (const key of Object.keys(value || {})) if (value[key] !== undefined) next[key] = value[key];
    if (JSON.stringify(next) === JSON.stringify(this._options)) return;
    this._options = next;
    optionsChanged.fire(Object.freeze({ textEditor: this, options: next }));
  }

  get visibleRanges() {
    const lastLine = this._document.lineCount - 1;
    return [new Range(0, 0, lastLine, this._document.lineAt(lastLine).text.length)];
  }

  get viewColumn() { return shim.ViewColumn.One; }

  edit(callback, options) {
    const builder = new TextEditorEdit(this._document);
    callback(builder);
    builder._finished = true;
    const edits = builder._edits.slice();
    if (builder._eol !== undefined) {
      const text = this._document.getText();
      const converted = text.replace(/\r\n|\r|\n/g, builder._eol === shim.EndOfLine.CRLF ? '\r\n' : '\n');
      if (converted !== text && edits.length === 0) {
        edits.push({ range: this._document.validateRange(new Range(0, 0, this._document.lineCount, 0)), text: converted });
      }
    }
    if (edits.length === 0) return Promise.resolve(true);
    return applyTextEdits(this._document, edits, options && options.label);
  }

  insertSnippet(snippet, location, options) {
    const text = shim.snippetToText(typeof snippet === 'string' ? snippet : snippet.value);
    let ranges;
    if (location === undefined) ranges = this._selections;
    else if (Array.isArray(location)) ranges = location.map((item) => (Position.isPosition(item) ? new Range(item, item) : item));
    else ranges = [Position.isPosition(location) ? new Range(location, location) : location];
    return this.edit((edit) => ranges.forEach((range) => edit.replace(range, text)), options);
  }

  setDecorations(decorationType, rangesOrOptions) {
    const ranges = (rangesOrOptions || []).map((item) => {
      if (Range.isRange(item)) return { range: shim.lsp.range(item) };
      const entry = { range: shim.lsp.range(item.range) };
      const hover = hoverText(item.hoverMessage);
      if (hover !== undefined) entry.hoverMessage = hover;
      return entry;
    });
    shim.internal.editorNotify('exthost/decorations', { uri: this._document._wireUri, type: decorationType.key, ranges });
  }

  revealRange(range) {
    shim.internal.editorNotify('exthost/revealRange', { uri: this._document._wireUri, range: shim.lsp.range(range) });
  }

  show(column) {
    showTextDocument(this._document, column);
  }

  hide() {}
}

function editorFor(document, selections) {
  const key = shim.documents.keyOf(document.uri);
  let editor = editors.get(key);
  if (!editor || editor._document !== document) {
    editor = new TextEditor(document, selections);
    editors.set(key, editor);
  } else if (selections && selections.length) {
    editor._selections = selections;
  }
  return editor;
}

function setActive(editor) {
  if (activeEditor === editor) return;
  activeEditor = editor;
  visibleChanged.fire(activeEditor ? [activeEditor] : []);
  activeChanged.fire(activeEditor);
}

function applyActive(payload, quiet) {
  if (!payload || typeof payload.uri !== 'string') {
    pendingActive = undefined;
    if (quiet) activeEditor = undefined;
    else setActive(undefined);
    return;
  }
  const document = shim.documents.get(payload.uri);
  if (!document) {
    pendingActive = payload;
    return;
  }
  pendingActive = undefined;
  const selections = Array.isArray(payload.selections) && payload.selections.length ? payload.selections.map(fromLspSelection) : undefined;
  const editor = editorFor(document);
  const before = editor._selections;
  if (selections) editor._selections = selections;
  if (quiet) {
    activeEditor = editor;
    return;
  }
  if (activeEditor !== editor) {
    setActive(editor);
  } else if (selections && !sameSelections(before, selections)) {
    selectionChanged.fire(Object.freeze({ textEditor: editor, selections: editor._selections, kind: undefined }));
  }
}

shim.internal.onSnapshot((snapshot) => applyActive(snapshot.activeEditor, true));

shim.internal.onEvent('activeEditorChanged', (payload) => applyActive(payload, false));

shim.internal.onEvent('selectionChanged', (payload) => {
  if (!payload || typeof payload.uri !== 'string' || !Array.isArray(payload.selections)) return;
  const document = shim.documents.get(payload.uri);
  if (!document) return;
  const editor = editorFor(document);
  const selections = payload.selections.length ? payload.selections.map(fromLspSelection) : [new Selection(0, 0, 0, 0)];
  if (sameSelections(editor._selections, selections)) return;
  editor._selections = selections;
  selectionChanged.fire(Object.freeze({ textEditor: editor, selections, kind: undefined }));
});

shim.internal.documentOpened = (document) => {
  if (pendingActive && shim.documents.keyOf(pendingActive.uri) === shim.documents.keyOf(document.uri)) applyActive(pendingActive, false);
};

shim.internal.documentClosed = (document) => {
  const key = shim.documents.keyOf(document.uri);
  const editor = editors.get(key);
  editors.delete(key);
  if (editor && editor === activeEditor) setActive(undefined);
};

async function showTextDocument(documentOrUri, columnOrOptions, preserveFocus) {
  const document = shim.Uri.isUri(documentOrUri) ? await shim.workspace.openTextDocument(documentOrUri) : documentOrUri;
  if (!document || !(document instanceof shim.TextDocument)) throw shim.illegalArgument('document');
  let selection;
  if (columnOrOptions && typeof columnOrOptions === 'object') {
    preserveFocus = columnOrOptions.preserveFocus;
    selection = columnOrOptions.selection;
  }
  const params = { uri: document._wireUri, takeFocus: !preserveFocus };
  if (selection) params.selection = shim.lsp.range(selection);
  await shim.internal.editorRequest('window/showDocument', params);
  const editor = editorFor(document, selection ? [new Selection(selection.start, selection.end)] : undefined);
  setActive(editor);
  return editor;
}

let nextDecoration = 1;
const decorationTypes = new Set();

function createTextEditorDecorationType(options) {
  const key = host.id + '/decoration/' + nextDecoration++;
  shim.internal.editorNotify('exthost/decorationType', { key, options: host.toWireValue(options || {}, false) });
  let disposed = false;
  const type = {
    key,
    dispose() {
      if (disposed) return;
      disposed = true;
      decorationTypes.delete(type);
      shim.internal.editorNotify('exthost/decorationType', { key, disposed: true });
    },
  };
  decorationTypes.add(type);
  return type;
}

shim.internal.onDeactivate(() => {
  for (const type of Array.from(decorationTypes)) type.dispose();
});

const editorMembers = {
  get activeTextEditor() {
    shim.internal.ensureSession();
    return activeEditor;
  },
  get visibleTextEditors() {
    shim.internal.ensureSession();
    return activeEditor ? [activeEditor] : [];
  },
  onDidChangeActiveTextEditor: activeChanged.event,
  onDidChangeVisibleTextEditors: visibleChanged.event,
  onDidChangeTextEditorSelection: selectionChanged.event,
  onDidChangeTextEditorOptions: optionsChanged.event,
  onDidChangeTextEditorViewColumn: viewColumnChanged.event,
  onDidChangeTextEditorVisibleRanges: visibleRangesChanged.event,
  showTextDocument,
  createTextEditorDecorationType,
};

const windowObject = {};
Object.defineProperties(windowObject, Object.getOwnPropertyDescriptors(shim.internal.windowMembers));
Object.defineProperties(windowObject, Object.getOwnPropertyDescriptors(editorMembers));

// Tabs: one tab group (view column 1) holding a text tab for each document the editor has open (the
// snapshot's documents and each `documentOpened`; a document an extension opens itself has no tab), as
// VS Code shows an editor's open files. vscode-languageclient pulls diagnostics only for documents in a tab.
const tabs = new Map();
const tabsChanged = new EventEmitter();
const tabGroupsChanged = new EventEmitter();
const tabGroup = {
  isActive: true,
  viewColumn: 1,
  get activeTab() {
    const key = activeEditor && shim.documents.keyOf(activeEditor.document.uri);
    return key === undefined ? undefined : tabs.get(key);
  },
  get tabs() {
    shim.internal.ensureSession();
    return Object.freeze(Array.from(tabs.values()));
  },
};

function tabFor(document) {
  const tab = {
    label: document.uri.path.split('/').pop(),
    group: tabGroup,
    input: new shim.TabInputText(document.uri),
    get isActive() { return tabGroup.activeTab === tab; },
    get isDirty() { return document.isDirty; },
    isPinned: false,
    isPreview: false,
  };
  return Object.freeze(tab);
}

function openTab(document) {
  const key = shim.documents.keyOf(document.uri);
  if (tabs.has(key)) return;
  const tab = tabFor(document);
  tabs.set(key, tab);
  tabsChanged.fire(Object.freeze({ opened: Object.freeze([tab]), closed: Object.freeze([]), changed: Object.freeze([]) }));
}

shim.internal.tabOpened = openTab;

shim.internal.tabClosed = (document) => {
  const key = shim.documents.keyOf(document.uri);
  const tab = tabs.get(key);
  if (!tab) return;
  tabs.delete(key);
  tabsChanged.fire(Object.freeze({ opened: Object.freeze([]), closed: Object.freeze([tab]), changed: Object.freeze([]) }));
};

shim.internal.onSnapshot((snapshot) => {
  for (const data of Array.isArray(snapshot.documents) ? snapshot.documents : []) {
    const document = data && typeof data.uri === 'string' ? shim.documents.get(data.uri) : undefined;
    if (document) openTab(document);
  }
});

// Terminals and notebooks never exist here: their lists are empty and their events never fire; creating
// one throws by name.
const never = () => new shim.EventEmitter().event;
Object.defineProperties(windowObject, Object.getOwnPropertyDescriptors({
  get activeNotebookEditor() { return undefined; },
  get activeTerminal() { return undefined; },
  get terminals() { return []; },
  get visibleNotebookEditors() { return []; },
  tabGroups: Object.freeze({
    get all() {
      shim.internal.ensureSession();
      return Object.freeze([tabGroup]);
    },
    get activeTabGroup() {
      shim.internal.ensureSession();
      return tabGroup;
    },
    onDidChangeTabGroups: tabGroupsChanged.event,
    onDidChangeTabs: tabsChanged.event,
    close: () => Promise.resolve(false),
  }),
  onDidChangeActiveNotebookEditor: never(),
  onDidChangeActiveTerminal: never(),
  onDidChangeNotebookEditorSelection: never(),
  onDidChangeNotebookEditorVisibleRanges: never(),
  onDidChangeTerminalShellIntegration: never(),
  onDidChangeTerminalState: never(),
  onDidChangeVisibleNotebookEditors: never(),
  onDidCloseTerminal: never(),
  onDidEndTerminalShellExecution: never(),
  onDidOpenTerminal: never(),
  onDidStartTerminalShellExecution: never(),
}));

// Views, webviews, custom editors, URI handlers, file decorations and terminal links have no place in
// an LSP editor. Registering one succeeds, as in VS Code (extensions register them in `activate`), and the
// editor never asks it; a warning says so once. A tree view exists but is never visible.
function unshown(name, what) {
  return (...args) => {
    if (!args.some((argument) => argument && (typeof argument === 'object' || typeof argument === 'function'))) throw shim.illegalArgument(name);
    shim.warnOnce('exthost: window.' + name + ' is accepted, but an LSP editor shows no ' + what);
    return new shim.Disposable(() => {});
  };
}

function createTreeView(viewId, options) {
  if (typeof viewId !== 'string' || !options || !options.treeDataProvider) throw shim.illegalArgument('createTreeView(viewId, {treeDataProvider})');
  shim.warnOnce('exthost: window.createTreeView is accepted, but an LSP editor shows no tree views');
  const view = {
    selection: [],
    visible: false,
    message: undefined,
    title: undefined,
    description: undefined,
    badge: undefined,
    onDidExpandElement: never(),
    onDidCollapseElement: never(),
    onDidChangeSelection: never(),
    onDidChangeVisibility: never(),
    onDidChangeCheckboxState: never(),
    reveal: () => Promise.resolve(),
    dispose() {},
  };
  return view;
}

Object.defineProperties(windowObject, Object.getOwnPropertyDescriptors({
  createTreeView,
  registerTreeDataProvider: unshown('registerTreeDataProvider', 'tree views'),
  registerWebviewViewProvider: unshown('registerWebviewViewProvider', 'webview views'),
  registerWebviewPanelSerializer: unshown('registerWebviewPanelSerializer', 'webview panels'),
  registerCustomEditorProvider: unshown('registerCustomEditorProvider', 'custom editors'),
  registerUriHandler: unshown('registerUriHandler', 'URI routes to extensions'),
  registerFileDecorationProvider: unshown('registerFileDecorationProvider', 'file explorer decorations'),
  registerTerminalLinkProvider: unshown('registerTerminalLinkProvider', 'terminals'),
  registerTerminalProfileProvider: unshown('registerTerminalProfileProvider', 'terminals'),
}));

shim.window = shim.guard(windowObject, 'vscode.window', [
  'createInputBox', 'createQuickPick', 'createTerminal', 'createWebviewPanel', 'showNotebookDocument', 'showOpenDialog',
  'showSaveDialog',
]);
