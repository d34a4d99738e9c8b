// The TextDocument model: one object per open document (the same object for its whole life, so
// `event.document === editor.document` holds), fed by the snapshot and by the documentOpened /
// documentChanged / documentClosed / documentSaved events. Positions are UTF-16, as in LSP and JS.

const { Position, Range, Uri, EventEmitter } = shim;

// VS Code's DEFAULT_WORD_REGEXP.
const DEFAULT_WORD_PATTERN = /(-?\d*\.\d\w*)|([^`~!@#$%^&*()\-=+[{\]}\\|;:'",.<>/?\s]+)/g;

class TextLine {
  constructor(lineNumber, text, isLastLine) {
    this._lineNumber = lineNumber;
    this._text = text;
    this._isLastLine = isLastLine;
  }

  get lineNumber() { return this._lineNumber; }
  get text() { return this._text; }
  get range() { return new Range(this._lineNumber, 0, this._lineNumber, this._text.length); }

  get rangeIncludingLineBreak() {
    if (this._isLastLine) return this.range;
    return new Range(this._lineNumber, 0, this._lineNumber + 1, 0);
  }

  get firstNonWhitespaceCharacterIndex() {
    return /^(\s*)/.exec(this._text)[1].length;
  }

  get isEmptyOrWhitespace() {
    return this.firstNonWhitespaceCharacterIndex === this._text.length;
  }
}

class TextDocument {
  constructor(uri, languageId, version, text, wireUri) {
    this._uri = uri;
    this._wireUri = wireUri || uri.toString();
    this._languageId = languageId || 'plaintext';
    this._version = version || 0;
    this._isDirty = false;
    this._isClosed = false;
    this._setText(text || '');
  }

  _setText(text) {
    this._text = text;
    this._lines = [];
    this._lineStarts = [];
    const pattern = /\r\n|\r|\n/g;
    let start = 0;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      this._lines.push(text.slice(start, match.index));
      this._lineStarts.push(start);
      start = match.index + match[0].length;
    }
    this._lines.push(text.slice(start));
    this._lineStarts.push(start);
    this._eol = /\r\n/.test(text) ? 2 : 1;
  }

  get uri() { return this._uri; }
  get fileName() { return this._uri.fsPath; }
  get isUntitled() { return this._uri.scheme === 'untitled'; }
  get languageId() { return this._languageId; }
  get version() { return this._version; }
  get isDirty() { return this._isDirty; }
  get isClosed() { return this._isClosed; }
  get eol() { return this._eol; }
  get lineCount() { return this._lines.length; }
  get encoding() { return 'utf8'; }

  save() {
    shim.warnOnce('exthost: TextDocument.save() is not supported over LSP; it resolves false');
    return Promise.resolve(false);
  }

  getText(range) {
    if (!range) return this._text;
    const valid = this.validateRange(range);
    return this._text.slice(this.offsetAt(valid.start), this.offsetAt(valid.end));
  }

  lineAt(lineOrPosition) {
    const line = Position.isPosition(lineOrPosition) ? lineOrPosition.line : lineOrPosition;
    if (typeof line !== 'number' || line < 0 || line >= this._lines.length || Math.floor(line) !== line) {
      throw new Error('Illegal value for `line`');
    }
    return new TextLine(line, this._lines[line], line === this._lines.length - 1);
  }

  offsetAt(position) {
    const valid = this.validatePosition(position);
    return this._lineStarts[valid.line] + valid.character;
  }

  positionAt(offset) {
    offset = Math.floor(offset);
    offset = Math.max(0, Math.min(offset, this._text.length));
    let low = 0;
    let high = this._lineStarts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (this._lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    const character = Math.min(offset - this._lineStarts[low], this._lines[low].length);
    return new Position(low, character);
  }

  validateRange(range) {
    if (!Range.isRange(range)) throw new Error('Invalid argument');
    const start = this.validatePosition(range.start);
    const end = this.validatePosition(range.end);
    if (start === range.start && end === range.end) return range;
    return new Range(start.line, start.character, end.line, end.character);
  }

  validatePosition(position) {
    if (!Position.isPosition(position)) throw new Error('Invalid argument');
    let { line, character } = position;
    let changed = false;
    if (line < 0) {
      line = 0;
      character = 0;
      changed = true;
    } else if (line >= this._lines.length) {
      line = this._lines.length - 1;
      character = this._lines[line].length;
      changed = true;
    } else {
      const length = this._lines[line].length;
      if (character < 0) {
        character = 0;
        changed = true;
      } else if (character > length) {
        character = length;
        changed = true;
      }
    }
    if (!changed) return position instanceof Position ? position : new Position(line, character);
    return new Position(line, character);
  }

  getWordRangeAtPosition(position, regex) {
    const valid = this.validatePosition(position);
    let pattern = DEFAULT_WORD_PATTERN;
    if (regex) {
      if (regex.test('')) throw new Error('[getWordRangeAtPosition]: ignoring custom regexp \'' + regex.source + '\' because it matches the empty string.');
      pattern = regex;
    }
    const flags = pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g';
    const global = new RegExp(pattern.source, flags);
    const text = this._lines[valid.line];
    let match;
    while ((match = global.exec(text)) !== null) {
      const start = match.index;
      const end = start + match[0].length;
      if (match[0].length === 0) {
        global.lastIndex++;
        continue;
      }
      if (start <= valid.character && valid.character <= end) return new Range(valid.line, start, valid.line, end);
      if (start > valid.character) break;
    }
    return undefined;
  }
}

const documents = new Map();
const opened = new EventEmitter();
const changed = new EventEmitter();
const closed = new EventEmitter();
const saved = new EventEmitter();
const willSave = new EventEmitter();

// The key of a URI in the model: its canonical string (the editor may spell it differently).
function keyOf(uri) {
  return (typeof uri === 'string' ? Uri.parse(uri) : uri).toString();
}

function getDocument(uri) {
  shim.internal.ensureSession();
  return documents.get(keyOf(uri));
}

// A document entering the model (from the snapshot, an event, or openTextDocument).
function addDocument(data) {
  const uri = Uri.parse(data.uri);
  const key = uri.toString();
  const existing = documents.get(key);
  if (existing) {
    existing._languageId = data.languageId || existing._languageId;
    existing._version = typeof data.version === 'number' ? data.version : existing._version;
    if (typeof data.text === 'string') existing._setText(data.text);
    existing._isClosed = false;
    return { document: existing, isNew: false };
  }
  const document = new TextDocument(uri, data.languageId, data.version, data.text, data.uri);
  documents.set(key, document);
  return { document, isNew: true };
}

function removeDocument(uri) {
  const key = keyOf(uri);
  const document = documents.get(key);
  if (!document) return undefined;
  documents.delete(key);
  document._isClosed = true;
  return document;
}

// Applies LSP content changes to `text`, returning VS Code change events ({range, rangeOffset,
// rangeLength, text}) measured against the text as it was before each change.
function contentChanges(document, changes) {
  const events = [];
  let scratch = new TextDocument(document.uri, document.languageId, 0, document.getText());
  for (const change of changes || []) {
    let range;
    if (change.range) {
      range = scratch.validateRange(shim.toRange(change.range));
    } else {
      range = new Range(new Position(0, 0), scratch.positionAt(scratch.getText().length));
    }
    const rangeOffset = scratch.offsetAt(range.start);
    const rangeLength = scratch.offsetAt(range.end) - rangeOffset;
    events.push({ range, rangeOffset, rangeLength, text: change.text });
    const old = scratch.getText();
    scratch = new TextDocument(document.uri, document.languageId, 0, old.slice(0, rangeOffset) + change.text + old.slice(rangeOffset + rangeLength));
  }
  return { events, text: scratch.getText() };
}

// A change made here (an applied edit) or reported by the editor: update and fire once per real change.
function changeDocument(document, version, newText, changes) {
  const computed = contentChanges(document, changes);
  const text = typeof newText === 'string' ? newText : computed.text;
  if (typeof version === 'number') document._version = Math.max(document._version, version);
  if (text === document.getText()) return;
  if (typeof version !== 'number') document._version++;
  const events = changes && changes.length ? computed.events : contentChanges(document, [{ text }]).events;
  document._setText(text);
  document._isDirty = true;
  changed.fire(Object.freeze({ document, contentChanges: Object.freeze(events), reason: undefined }));
}

shim.internal.onSnapshot((snapshot) => {
  for (const data of Array.isArray(snapshot.documents) ? snapshot.documents : []) {
    if (data && typeof data.uri === 'string') addDocument(data);
  }
});

shim.internal.onEvent('documentOpened', (payload, fresh) => {
  if (!payload || typeof payload.uri !== 'string') return;
  const { document, isNew } = addDocument(payload);
  if (isNew || fresh) opened.fire(document);
  shim.internal.documentOpened(document);
});

shim.internal.onEvent('documentChanged', (payload) => {
  if (!payload || typeof payload.uri !== 'string') return;
  const document = documents.get(keyOf(payload.uri));
  if (!document) {
    const { document: added } = addDocument(payload);
    opened.fire(added);
    return;
  }
  changeDocument(document, payload.version, payload.text, payload.changes);
});

shim.internal.onEvent('documentClosed', (payload) => {
  if (!payload || typeof payload.uri !== 'string') return;
  const document = removeDocument(payload.uri);
  if (!document) return;
  closed.fire(document);
  shim.internal.documentClosed(document);
});

shim.internal.onEvent('documentSaved', (payload) => {
  if (!payload || typeof payload.uri !== 'string') return;
  const document = documents.get(keyOf(payload.uri));
  if (!document) return;
  document._isDirty = false;
  saved.fire(document);
});

// Set by 36_editors.js.
shim.internal.documentOpened = () => {};
shim.internal.documentClosed = () => {};

shim.TextDocument = TextDocument;
shim.TextLine = TextLine;
shim.documents = {
  get: getDocument,
  all: () => {
    shim.internal.ensureSession();
    return Array.from(documents.values());
  },
  add: addDocument,
  remove: removeDocument,
  change: changeDocument,
  keyOf,
  onDidOpen: opened,
  onDidChange: changed,
  onDidClose: closed,
  onDidSave: saved,
  onWillSave: willSave,
  // The URI string the editor uses for `uri` (its own spelling when the document is open).
  wireUri(uri) {
    const document = documents.get(keyOf(uri));
    return document ? document._wireUri : (typeof uri === 'string' ? uri : uri.toString());
  },
};
