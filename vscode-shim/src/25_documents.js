// The TextDocument model: one object per open document (the same object for its whole life, so
// `event.document === editor.document` holds), fed by the snapshot and by the documentOpened /
// documentChanged / documentClosed / documentSaved events. Positions are UTF-16, as in LSP and JS.
// A change event carries the editor's changes (ranges and text, not the whole text), applied to a line
// index (LineIndex) at a cost that does not grow with the document's size.

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

// A document's text as lines held in blocks of at most BLOCK_SIZE lines: each block keeps its lines'
// text (without the line break), their line breaks ('\n', '\r\n', '\r', or '' for the document's last
// line), where each line starts and its UTF-16 length. An edit rebuilds only the blocks it touches (a change
// inside one line updates its block in place), so its cost does not grow with the document; the full text
// is joined only when asked for (`text()`), then kept until the next edit.
// Lookups start from the block of the previous lookup, so walking the lines in order costs O(1) each.
const BLOCK_SIZE = 256;
const LINE_BREAK = /\r\n|\r|\n/g;

// Splits `text` into lines and their breaks (the last line's break is ''). Splitting at '\n' natively
// first keeps the common case (no lone '\r') fast.
function splitLines(text) {
  const lines = text.split('\n');
  if (text.indexOf('\r') === -1) {
    // Only '\n' breaks: nothing to look at line by line.
    const breaks = new Array(lines.length).fill('\n');
    breaks[lines.length - 1] = '';
    return { lines, breaks };
  }
  const breaks = new Array(lines.length);
  let loneReturn = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const last = index === lines.length - 1;
    if (!last && line.charCodeAt(line.length - 1) === 13) {
      lines[index] = line.slice(0, -1);
      breaks[index] = '\r\n';
    } else {
      breaks[index] = last ? '' : '\n';
    }
    if (!loneReturn && lines[index].indexOf('\r') !== -1) loneReturn = true;
  }
  if (!loneReturn) return { lines, breaks };
  const allLines = [];
  const allBreaks = [];
  LINE_BREAK.lastIndex = 0;
  let start = 0;
  let match;
  while ((match = LINE_BREAK.exec(text)) !== null) {
    allLines.push(text.slice(start, match.index));
    allBreaks.push(match[0]);
    start = match.index + match[0].length;
  }
  allLines.push(text.slice(start));
  allBreaks.push('');
  return { lines: allLines, breaks: allBreaks };
}

// A block: its lines, their breaks, where each line starts (UTF-16 offset from the block's start), its
// length and how many of its breaks are '\r\n'.
function makeBlock(lines, breaks) {
  const starts = new Array(lines.length);
  let length = 0;
  let crlf = 0;
  for (let index = 0; index < lines.length; index++) {
    starts[index] = length;
    length += lines[index].length + breaks[index].length;
    if (breaks[index] === '\r\n') crlf++;
  }
  // starts[index] holds for index < valid (a change inside one line moves the starts after it: they are
  // worked out again when next asked for, so typing on one line costs O(1)).
  return { lines, breaks, starts, valid: lines.length, length, crlf };
}

// Where line `local` of `block` starts, from the block's start.
function startOf(block, local) {
  if (local >= block.valid) {
    const { starts, lines, breaks } = block;
    for (let index = Math.max(block.valid, 1); index <= local; index++) {
      starts[index] = starts[index - 1] + lines[index - 1].length + breaks[index - 1].length;
    }
    block.valid = local + 1;
  }
  return block.starts[local];
}

function makeBlocks(lines, breaks) {
  const blocks = [];
  for (let index = 0; index < lines.length; index += BLOCK_SIZE) {
    blocks.push(makeBlock(lines.slice(index, index + BLOCK_SIZE), breaks.slice(index, index + BLOCK_SIZE)));
  }
  return blocks;
}

class LineIndex {
  constructor(text) {
    this.setText(text);
  }

  setText(text) {
    const { lines, breaks } = splitLines(text);
    this._blocks = makeBlocks(lines, breaks);
    this._lineCount = lines.length;
    this._length = text.length;
    this._text = text;
    this._resetCursor();
  }

  _resetCursor() {
    // The block of the last lookup, its first line and the offset of its first character.
    this._cursorBlock = 0;
    this._cursorLine = 0;
    this._cursorOffset = 0;
  }

  get lineCount() { return this._lineCount; }
  get length() { return this._length; }

  // Whether a line ends in '\r\n'.
  get hasCrlf() {
    for (const block of this._blocks) if (block.crlf > 0) return true;
    return false;
  }

  // Moves the cursor to the block holding `line` (0 <= line < lineCount); answers the block.
  _seekLine(line) {
    const blocks = this._blocks;
    while (line < this._cursorLine) {
      this._cursorBlock--;
      const block = blocks[this._cursorBlock];
      this._cursorLine -= block.lines.length;
      this._cursorOffset -= block.length;
    }
    while (line >= this._cursorLine + blocks[this._cursorBlock].lines.length && this._cursorBlock < blocks.length - 1) {
      const block = blocks[this._cursorBlock];
      this._cursorLine += block.lines.length;
      this._cursorOffset += block.length;
      this._cursorBlock++;
    }
    return blocks[this._cursorBlock];
  }

  // Moves the cursor to the block holding `offset` (0 <= offset <= length); answers the block.
  _seekOffset(offset) {
    const blocks = this._blocks;
    while (offset < this._cursorOffset) {
      this._cursorBlock--;
      const block = blocks[this._cursorBlock];
      this._cursorLine -= block.lines.length;
      this._cursorOffset -= block.length;
    }
    while (offset >= this._cursorOffset + blocks[this._cursorBlock].length && this._cursorBlock < blocks.length - 1) {
      const block = blocks[this._cursorBlock];
      this._cursorLine += block.lines.length;
      this._cursorOffset += block.length;
      this._cursorBlock++;
    }
    return blocks[this._cursorBlock];
  }

  // The text of `line` without its line break.
  line(line) {
    const block = this._seekLine(line);
    return block.lines[line - this._cursorLine];
  }

  // The line break ending `line` ('' for the last line).
  lineBreak(line) {
    const block = this._seekLine(line);
    return block.breaks[line - this._cursorLine];
  }

  // The UTF-16 offset of (line, character), both already valid.
  offsetAt(line, character) {
    const block = this._seekLine(line);
    return this._cursorOffset + startOf(block, line - this._cursorLine) + character;
  }

  // The position {line, character} of a UTF-16 offset, clamped to the text; an offset inside a line
  // break answers the end of that line.
  positionAt(offset) {
    offset = Math.max(0, Math.min(offset, this._length));
    const block = this._seekOffset(offset);
    const local = offset - this._cursorOffset;
    startOf(block, block.lines.length - 1);
    // The last line of the block starting at or before `local`.
    let low = 0;
    let high = block.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (block.starts[middle] <= local) low = middle;
      else high = middle - 1;
    }
    return { line: this._cursorLine + low, character: Math.min(local - block.starts[low], block.lines[low].length) };
  }

  // The text between two valid positions.
  slice(startLine, startCharacter, endLine, endCharacter) {
    if (startLine === endLine) return this.line(startLine).slice(startCharacter, endCharacter);
    if (startLine === 0 && startCharacter === 0 && endLine === this._lineCount - 1 && endCharacter === this.line(endLine).length) return this.text();
    const parts = [this.line(startLine).slice(startCharacter), this.lineBreak(startLine)];
    for (let line = startLine + 1; line < endLine; line++) parts.push(this.line(line), this.lineBreak(line));
    parts.push(this.line(endLine).slice(0, endCharacter));
    return parts.join('');
  }

  // The whole text (joined once after each edit).
  text() {
    if (this._text === null) {
      const parts = [];
      for (const block of this._blocks) {
        for (let index = 0; index < block.lines.length; index++) parts.push(block.lines[index], block.breaks[index]);
      }
      this._text = parts.join('');
    }
    return this._text;
  }

  // Replaces the text between two valid positions with `text`.
  replace(startLine, startCharacter, endLine, endCharacter, text) {
    if (startLine === endLine && text.indexOf('\n') === -1 && text.indexOf('\r') === -1) {
      // Inside one line, no line break in or out (typing): the line changes in place.
      const line = this.line(startLine);
      const block = this._blocks[this._cursorBlock];
      const local = startLine - this._cursorLine;
      const delta = text.length - (endCharacter - startCharacter);
      block.lines[local] = line.slice(0, startCharacter) + text + line.slice(endCharacter);
      block.length += delta;
      if (block.valid > local + 1) block.valid = local + 1;
      this._length += delta;
      this._text = null;
      return;
    }
    const removed = this.offsetAt(endLine, endCharacter) - this.offsetAt(startLine, startCharacter);
    let prefix = this.line(startLine).slice(0, startCharacter);
    const joined = text + this.line(endLine).slice(endCharacter) + this.lineBreak(endLine);
    // A '\r' ending the line before and a '\n' starting the new text become one '\r\n' break.
    if (startCharacter === 0 && startLine > 0 && (prefix + joined).startsWith('\n') && this.lineBreak(startLine - 1) === '\r') {
      startLine--;
      prefix = this.line(startLine) + '\r';
    }
    const { lines, breaks } = splitLines(prefix + joined);
    if (this.lineBreak(endLine) !== '') {
      // The text ended with the end line's break: its last, empty piece is the start of the next line.
      lines.pop();
      breaks.pop();
    }
    this._replaceLines(startLine, endLine - startLine + 1, lines, breaks);
    this._length += text.length - removed;
    this._text = null;
  }

  // Replaces `count` lines from `first` with `lines` (and their `breaks`).
  _replaceLines(first, count, lines, breaks) {
    const block = this._seekLine(first);
    const blocks = this._blocks;
    const firstBlock = this._cursorBlock;
    const local = first - this._cursorLine;
    if (count === 1 && lines.length === 1) {
      // One line for one (typing): the block changes in place.
      const delta = lines[0].length + breaks[0].length - block.lines[local].length - block.breaks[local].length;
      if (block.breaks[local] === '\r\n') block.crlf--;
      if (breaks[0] === '\r\n') block.crlf++;
      block.lines[local] = lines[0];
      block.breaks[local] = breaks[0];
      block.length += delta;
      block.valid = Math.min(block.valid, local + 1);
      return;
    }
    // Find the block and index just past the removed lines.
    let lastBlock = firstBlock;
    let index = local + count;
    while (index > blocks[lastBlock].lines.length && lastBlock < blocks.length - 1) {
      index -= blocks[lastBlock].lines.length;
      lastBlock++;
    }
    let mergedLines = blocks[firstBlock].lines.slice(0, local).concat(lines, blocks[lastBlock].lines.slice(index));
    let mergedBreaks = blocks[firstBlock].breaks.slice(0, local).concat(breaks, blocks[lastBlock].breaks.slice(index));
    // Small pieces take in the next block, so blocks stay about BLOCK_SIZE / 2 lines or more.
    if (mergedLines.length < BLOCK_SIZE / 2 && lastBlock < blocks.length - 1) {
      lastBlock++;
      mergedLines = mergedLines.concat(blocks[lastBlock].lines);
      mergedBreaks = mergedBreaks.concat(blocks[lastBlock].breaks);
    }
    const replacement = makeBlocks(mergedLines, mergedBreaks);
    this._blocks = blocks.slice(0, firstBlock).concat(replacement, blocks.slice(lastBlock + 1));
    this._lineCount += lines.length - count;
    // The blocks before `firstBlock` did not change: the cursor (at its start) still holds.
  }
}

class TextDocument {
  constructor(uri, languageId, version, text, wireUri) {
    this._uri = uri;
    this._wireUri = wireUri || uri.toString();
    this._languageId = languageId || 'plaintext';
    this._version = version || 0;
    // The editor's version this model last took (a change event at or below it is already applied).
    this._editorVersion = this._version;
    this._isDirty = false;
    this._isClosed = false;
    this._setText(text || '');
  }

  _setText(text) {
    this._index = new LineIndex(text);
  }

  get uri() { return this._uri; }
  get fileName() { return this._uri.fsPath; }
  get isUntitled() { return this._uri.scheme === 'untitled'; }
  get languageId() { return this._languageId; }
  get version() { return this._version; }
  get isDirty() { return this._isDirty; }
  get isClosed() { return this._isClosed; }
  get eol() { return this._index.hasCrlf ? 2 : 1; }
  get lineCount() { return this._index.lineCount; }
  get encoding() { return 'utf8'; }

  save() {
    shim.warnOnce('exthost: TextDocument.save() is not supported over LSP; it resolves false');
    return Promise.resolve(false);
  }

  getText(range) {
    if (!range) return this._index.text();
    const valid = this.validateRange(range);
    if (valid.end.isBefore(valid.start)) return '';
    return this._index.slice(valid.start.line, valid.start.character, valid.end.line, valid.end.character);
  }

  lineAt(lineOrPosition) {
    const line = Position.isPosition(lineOrPosition) ? lineOrPosition.line : lineOrPosition;
    if (typeof line !== 'number' || line < 0 || line >= this._index.lineCount || Math.floor(line) !== line) {
      throw new Error('Illegal value for `line`');
    }
    return new TextLine(line, this._index.line(line), line === this._index.lineCount - 1);
  }

  offsetAt(position) {
    const valid = this.validatePosition(position);
    return this._index.offsetAt(valid.line, valid.character);
  }

  positionAt(offset) {
    offset = Math.floor(offset);
    if (Number.isNaN(offset)) offset = 0;
    const { line, character } = this._index.positionAt(offset);
    return new Position(line, character);
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
    } else if (line >= this._index.lineCount) {
      line = this._index.lineCount - 1;
      character = this._index.line(line).length;
      changed = true;
    } else {
      const length = this._index.line(line).length;
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
    const text = this._index.line(valid.line);
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

// The model the host's requests are answered from is kept in maps no extension can reach into
// (`Map.prototype.get = …` does not change them).
const documents = new host.primordials.SafeMap();
const opened = new EventEmitter();
const changed = new EventEmitter();
// The host holds document changes back from an extension that does not listen to them, and delivers
// them before anything else it sends (see `runtime/document_changes.rs`): one call per transition. The
// first listener waits for the host to know, so every change after it comes as its own event.
changed._onListening = (listening) => {
  if (listening) host.callSync('documentChangeListeners', { listening });
  else host.notify('documentChangeListeners', { listening });
};
const closed = new EventEmitter();
const saved = new EventEmitter();
const willSave = new EventEmitter();

// The key of a URI in the model: its canonical string (the editor may spell it differently).
// Canonical keys of the URI strings seen (every change event names its document by one).
const keys = new host.primordials.SafeMap();

function keyOf(uri) {
  if (typeof uri !== 'string') return uri.toString();
  let key = keys.get(uri);
  if (key === undefined) {
    if (keys.size >= 1000) keys.clear();
    key = Uri.parse(uri).toString();
    keys.set(uri, key);
  }
  return key;
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
    if (typeof data.text === 'string') {
      // The same text (an open event for a document the snapshot already had) keeps its index.
      if (data.text !== existing._index.text()) existing._setText(data.text);
      existing._pending = null;
    }
    existing._editorVersion = existing._version;
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

// Where an LSP change's position lands once `validatePosition` has clamped it (past the end of a line:
// its end; past the last line: the end of the text), for its line and character; the line is clamped
// first, and the character of a position past the last line is that line's length.
function clampedLine(index, line) {
  return line >= index.lineCount ? index.lineCount - 1 : line;
}

function clampedCharacter(index, line, character) {
  if (line >= index.lineCount) return index.line(index.lineCount - 1).length;
  const length = index.line(line).length;
  return character > length ? length : character;
}

function isCount(value) {
  return typeof value === 'number' && value >= 0;
}

// One of a change event's `contentChanges`: {range, rangeOffset, rangeLength, text}, frozen, its range
// made from numbers already clamped (no checks again).
function contentChange(startLine, startCharacter, endLine, endCharacter, rangeOffset, rangeLength, text) {
  const range = shim.internal.validRange(startLine, startCharacter, endLine, endCharacter);
  return Object.freeze({ range, rangeOffset, rangeLength, text });
}

// Applies one ranged change given as non-negative numbers (clamped and ordered as a vscode.Range
// would be) to `index`; answers its content change, or null when it leaves the text as it was.
function applyRanged(index, startLine, startCharacter, endLine, endCharacter, text) {
  let fromCharacter = clampedCharacter(index, startLine, startCharacter);
  let toCharacter = clampedCharacter(index, endLine, endCharacter);
  let from = clampedLine(index, startLine);
  let to = clampedLine(index, endLine);
  if (startLine > endLine || (startLine === endLine && startCharacter > endCharacter)) {
    // A Range puts its start first (before clamping, as `validateRange(new Range(…))` does).
    [from, fromCharacter, to, toCharacter] = [to, toCharacter, from, fromCharacter];
  }
  const rangeOffset = index.offsetAt(from, fromCharacter);
  const rangeLength = index.offsetAt(to, toCharacter) - rangeOffset;
  if (rangeLength === text.length && index.slice(from, fromCharacter, to, toCharacter) === text) return null;
  const change = contentChange(from, fromCharacter, to, toCharacter, rangeOffset, rangeLength, text);
  index.replace(from, fromCharacter, to, toCharacter, text);
  return change;
}

// Applies LSP content changes ({range?, text}; no range: the whole text) to the document's model in
// order, and answers VS Code's change events ({range, rangeOffset, rangeLength, text}), each measured
// against the text as it was before that change. A change that leaves the text as it was gives no event.
function applyChanges(document, changes) {
  const index = document._index;
  const events = [];
  const count = changes ? changes.length : 0;
  for (let position = 0; position < count; position++) {
    const change = changes[position];
    if (!change) continue;
    const text = typeof change.text === 'string' ? change.text : '';
    const wire = change.range;
    const start = wire && wire.start;
    const end = wire && wire.end;
    if (start && end && isCount(start.line) && isCount(start.character) && isCount(end.line) && isCount(end.character)) {
      // The editor's numbers, clamped and ordered as numbers: one Range is made, without checks.
      const event = applyRanged(index, start.line, start.character, end.line, end.character, text);
      if (event) events.push(event);
      continue;
    }
    let range;
    if (wire) {
      // Not numbers: the general way, which throws as VS Code's Range would.
      range = document.validateRange(shim.toRange(wire));
      if (document.getText(range) === text) continue;
    } else {
      if (text === index.text()) continue;
      range = new Range(new Position(0, 0), document.positionAt(index.length));
    }
    const rangeOffset = document.offsetAt(range.start);
    const rangeLength = document.offsetAt(range.end) - rangeOffset;
    events.push(Object.freeze({ range, rangeOffset, rangeLength, text }));
    if (wire) index.replace(range.start.line, range.start.character, range.end.line, range.end.character, text);
    else index.setText(text);
  }
  return events;
}

// A change reported by the editor (`version` a number) or made here (an applied edit, a content
// provider's new text): applies it and fires once when the text changed.
//
// An edit made here is applied at once, and the editor's didChange for it follows later (the same edit,
// or merged with others). Until then `_pending` keeps the text as the editor last described it (`base`)
// and how many edits here await their echo; an editor change is applied to `base`, and when `base` then
// equals this model's text the echo has come and nothing fires. When every edit has had a change back and
// the texts still differ, the editor's text wins (one whole-text change event).
function changeDocument(document, version, newText, changes) {
  const lspChanges = changes && changes.length ? changes : (typeof newText === 'string' ? [{ text: newText }] : []);
  if (typeof version === 'number') {
    // Already part of this model (the snapshot was taken after the change).
    if (version <= document._editorVersion) return;
    document._editorVersion = version;
    document._version = Math.max(document._version, version);
    const pending = document._pending;
    if (pending) {
      const scratch = new TextDocument(document.uri, document.languageId, 0, pending.base);
      applyChanges(scratch, lspChanges);
      pending.base = scratch.getText();
      pending.edits--;
      if (pending.base === document.getText()) {
        document._pending = null;
        return;
      }
      if (pending.edits > 0) return;
      document._pending = null;
      fireChanged(document, applyChanges(document, [{ text: pending.base }]));
      return;
    }
    fireChanged(document, applyChanges(document, lspChanges));
    return;
  }
  const base = document._pending ? null : document.getText();
  const events = applyChanges(document, lspChanges);
  if (!events.length) return;
  if (base !== null) document._pending = { base, edits: 0 };
  document._pending.edits++;
  document._version++;
  fireChanged(document, events);
}

function fireChanged(document, events) {
  if (!events.length) return;
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
  // As in VS Code, the editor's tab exists before the document's open event fires.
  shim.internal.tabOpened(document);
  if (isNew || fresh) opened.fire(document);
  shim.internal.documentOpened(document);
});

function changeFromEditor(payload) {
  if (!payload || typeof payload.uri !== 'string') return;
  const document = documents.get(keyOf(payload.uri));
  if (!document) {
    // Not known here: only a change carrying the whole text can make it known.
    const whole = (Array.isArray(payload.changes) ? payload.changes : []).filter((change) => change && !change.range).pop();
    const text = typeof payload.text === 'string' ? payload.text : whole && whole.text;
    if (typeof text !== 'string') {
      host.log('warn', 'exthost: a change to ' + payload.uri + ', a document not open here');
      return;
    }
    const { document: added } = addDocument(Object.assign({}, payload, { text }));
    opened.fire(added);
    return;
  }
  changeDocument(document, payload.version, payload.text, payload.changes);
}

shim.internal.onEvent('documentChanged', changeFromEditor);

// A documentChanged event of one ranged change, handed over as numbers (see `quickjs.rs`): the same as
// the event, without making its payload's objects first.
shim.internal.documentChange = function documentChange(uri, version, startLine, startCharacter, endLine, endCharacter, text) {
  shim.internal.ensureSession();
  const document = documents.get(keyOf(uri));
  if (!document || document._pending || version <= document._editorVersion) {
    changeFromEditor({ uri, version, changes: [{ range: { start: { line: startLine, character: startCharacter }, end: { line: endLine, character: endCharacter } }, text }] });
    return;
  }
  document._editorVersion = version;
  if (version > document._version) document._version = version;
  const event = applyRanged(document._index, startLine, startCharacter, endLine, endCharacter, text);
  if (event) fireChanged(document, [event]);
};

shim.internal.onEvent('documentClosed', (payload) => {
  if (!payload || typeof payload.uri !== 'string') return;
  const document = removeDocument(payload.uri);
  if (!document) return;
  closed.fire(document);
  shim.internal.documentClosed(document);
  shim.internal.tabClosed(document);
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
shim.internal.tabOpened = () => {};
shim.internal.tabClosed = () => {};

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
