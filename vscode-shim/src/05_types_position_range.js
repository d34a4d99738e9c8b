// vscode.Position, Range, Selection and Location, with VS Code's validation and semantics. Positions
// count UTF-16 code units, as LSP (by default) and JS strings do.

function isNumber(value) {
  return typeof value === 'number' && !Number.isNaN(value);
}

class Position {
  static isPosition(other) {
    if (other instanceof Position) return true;
    return other !== null && typeof other === 'object' && isNumber(other.line) && isNumber(other.character)
      && typeof other.compareTo === 'function';
  }

  static Min(...positions) {
    if (positions.length === 0) throw new TypeError();
    return positions.reduce((result, position) => (position.isBefore(result) ? position : result));
  }

  static Max(...positions) {
    if (positions.length === 0) throw new TypeError();
    return positions.reduce((result, position) => (position.isAfter(result) ? position : result));
  }

  constructor(line, character) {
    if (!isNumber(line) || line < 0) throw shim.illegalArgument('line must be non-negative');
    if (!isNumber(character) || character < 0) throw shim.illegalArgument('character must be non-negative');
    this._line = line;
    this._character = character;
  }

  get line() { return this._line; }
  get character() { return this._character; }

  isBefore(other) {
    return this._line < other.line || (this._line === other.line && this._character < other.character);
  }

  isBeforeOrEqual(other) {
    return this._line < other.line || (this._line === other.line && this._character <= other.character);
  }

  isAfter(other) { return !this.isBeforeOrEqual(other); }
  isAfterOrEqual(other) { return !this.isBefore(other); }
  isEqual(other) { return this._line === other.line && this._character === other.character; }

  compareTo(other) {
    if (this._line < other.line) return -1;
    if (this._line > other.line) return 1;
    if (this._character < other.character) return -1;
    if (this._character > other.character) return 1;
    return 0;
  }

  translate(lineDeltaOrChange, characterDelta = 0) {
    if (lineDeltaOrChange === null || characterDelta === null) throw shim.illegalArgument();
    let lineDelta;
    if (lineDeltaOrChange === undefined) {
      lineDelta = 0;
    } else if (typeof lineDeltaOrChange === 'number') {
      lineDelta = lineDeltaOrChange;
    } else {
      lineDelta = typeof lineDeltaOrChange.lineDelta === 'number' ? lineDeltaOrChange.lineDelta : 0;
      characterDelta = typeof lineDeltaOrChange.characterDelta === 'number' ? lineDeltaOrChange.characterDelta : 0;
    }
    if (lineDelta === 0 && characterDelta === 0) return this;
    return new Position(this._line + lineDelta, this._character + characterDelta);
  }

  with(lineOrChange, character = this._character) {
    if (lineOrChange === null || character === null) throw shim.illegalArgument();
    let line;
    if (lineOrChange === undefined) {
      line = this._line;
    } else if (typeof lineOrChange === 'number') {
      line = lineOrChange;
    } else {
      line = typeof lineOrChange.line === 'number' ? lineOrChange.line : this._line;
      character = typeof lineOrChange.character === 'number' ? lineOrChange.character : this._character;
    }
    if (line === this._line && character === this._character) return this;
    return new Position(line, character);
  }

  toJSON() {
    return { line: this._line, character: this._character };
  }
}

class Range {
  static isRange(thing) {
    if (thing instanceof Range) return true;
    return thing !== null && typeof thing === 'object' && Position.isPosition(thing.start) && Position.isPosition(thing.end);
  }

  constructor(startLineOrStart, startCharacterOrEnd, endLine, endCharacter) {
    let start;
    let end;
    if (isNumber(startLineOrStart) && isNumber(startCharacterOrEnd) && isNumber(endLine) && isNumber(endCharacter)) {
      start = new Position(startLineOrStart, startCharacterOrEnd);
      end = new Position(endLine, endCharacter);
    } else if (Position.isPosition(startLineOrStart) && Position.isPosition(startCharacterOrEnd)) {
      start = toPosition(startLineOrStart);
      end = toPosition(startCharacterOrEnd);
    }
    if (!start || !end) throw new Error('Invalid arguments');
    if (start.isBefore(end)) {
      this._start = start;
      this._end = end;
    } else {
      this._start = end;
      this._end = start;
    }
  }

  get start() { return this._start; }
  get end() { return this._end; }
  get isEmpty() { return this._start.isEqual(this._end); }
  get isSingleLine() { return this._start.line === this._end.line; }

  contains(positionOrRange) {
    if (Range.isRange(positionOrRange)) {
      return this.contains(positionOrRange.start) && this.contains(positionOrRange.end);
    }
    if (Position.isPosition(positionOrRange)) {
      return !toPosition(positionOrRange).isBefore(this._start) && !this._end.isBefore(positionOrRange);
    }
    return false;
  }

  isEqual(other) {
    return this._start.isEqual(other.start) && this._end.isEqual(other.end);
  }

  intersection(other) {
    const start = Position.Max(other.start, this._start);
    const end = Position.Min(other.end, this._end);
    if (start.isAfter(end)) return undefined;
    return new Range(start, end);
  }

  union(other) {
    if (this.contains(other)) return this;
    if (other.contains && other.contains(this)) return other;
    const start = Position.Min(other.start, this._start);
    const end = Position.Max(other.end, this.end);
    return new Range(start, end);
  }

  with(startOrChange, end = this.end) {
    if (startOrChange === null || end === null) throw shim.illegalArgument();
    let start;
    if (!startOrChange) {
      start = this.start;
    } else if (Position.isPosition(startOrChange)) {
      start = startOrChange;
    } else {
      start = startOrChange.start || this.start;
      end = startOrChange.end || this.end;
    }
    if (start.isEqual(this._start) && end.isEqual(this.end)) return this;
    return new Range(start, end);
  }

  toJSON() {
    return [this.start, this.end];
  }
}

class Selection extends Range {
  static isSelection(thing) {
    if (thing instanceof Selection) return true;
    return Range.isRange(thing) && Position.isPosition(thing.anchor) && Position.isPosition(thing.active)
      && typeof thing.isReversed === 'boolean';
  }

  constructor(anchorLineOrAnchor, anchorCharacterOrActive, activeLine, activeCharacter) {
    let anchor;
    let active;
    if (isNumber(anchorLineOrAnchor) && isNumber(anchorCharacterOrActive) && isNumber(activeLine) && isNumber(activeCharacter)) {
      anchor = new Position(anchorLineOrAnchor, anchorCharacterOrActive);
      active = new Position(activeLine, activeCharacter);
    } else if (Position.isPosition(anchorLineOrAnchor) && Position.isPosition(anchorCharacterOrActive)) {
      anchor = toPosition(anchorLineOrAnchor);
      active = toPosition(anchorCharacterOrActive);
    }
    if (!anchor || !active) throw new Error('Invalid arguments');
    super(anchor, active);
    this._anchor = anchor;
    this._active = active;
  }

  get anchor() { return this._anchor; }
  get active() { return this._active; }
  get isReversed() { return this._anchor === this._end; }

  toJSON() {
    return { start: this.start, end: this.end, active: this.active, anchor: this.anchor };
  }
}

class Location {
  static isLocation(thing) {
    if (thing instanceof Location) return true;
    return thing !== null && typeof thing === 'object' && Range.isRange(thing.range) && shim.Uri.isUri(thing.uri);
  }

  constructor(uri, rangeOrPosition) {
    this.uri = uri;
    if (rangeOrPosition === undefined) {
      // kept undefined, as VS Code does
    } else if (Range.isRange(rangeOrPosition)) {
      this.range = toRange(rangeOrPosition);
    } else if (Position.isPosition(rangeOrPosition)) {
      this.range = new Range(rangeOrPosition, rangeOrPosition);
    } else {
      throw new Error('Illegal argument');
    }
  }

  toJSON() {
    return { uri: this.uri, range: this.range };
  }
}

// Plain {line, character} objects (from JSON) become Positions; Positions stay as they are.
function toPosition(value) {
  return value instanceof Position ? value : new Position(value.line, value.character);
}

function toRange(value) {
  return value instanceof Range ? value : new Range(toPosition(value.start), toPosition(value.end));
}

// A Position and a Range of numbers the shim has validated itself (start first): the objects the
// constructors make, without their checks (a change event makes a Range for each change).
function validPosition(line, character) {
  const position = host.primordials.ObjectCreate(Position.prototype);
  position._line = line;
  position._character = character;
  return position;
}

function validRange(startLine, startCharacter, endLine, endCharacter) {
  const range = host.primordials.ObjectCreate(Range.prototype);
  range._start = validPosition(startLine, startCharacter);
  range._end = validPosition(endLine, endCharacter);
  return range;
}

shim.internal.validRange = validRange;
shim.Position = Position;
shim.Range = Range;
shim.Selection = Selection;
shim.Location = Location;
shim.toPosition = toPosition;
shim.toRange = toRange;
