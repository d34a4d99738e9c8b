// Value types for text: TextEdit, WorkspaceEdit, SnippetString, MarkdownString, ThemeColor, ThemeIcon.

const { Position, Range } = shim;

class TextEdit {
  static isTextEdit(thing) {
    if (thing instanceof TextEdit) return true;
    return thing !== null && typeof thing === 'object' && Range.isRange(thing.range) && typeof thing.newText === 'string';
  }

  static replace(range, newText) { return new TextEdit(range, newText); }
  static insert(position, newText) { return TextEdit.replace(new Range(position, position), newText); }
  static delete(range) { return TextEdit.replace(range, ''); }

  static setEndOfLine(eol) {
    const edit = new TextEdit(new Range(new Position(0, 0), new Position(0, 0)), '');
    edit.newEol = eol;
    return edit;
  }

  constructor(range, newText) {
    this.range = range;
    this.newText = newText;
  }

  get range() { return this._range; }
  set range(value) {
    if (value && !Range.isRange(value)) throw shim.illegalArgument('range');
    this._range = value;
  }

  get newText() { return this._newText || ''; }
  set newText(value) {
    if (value && typeof value !== 'string') throw shim.illegalArgument('newText');
    this._newText = value;
  }

  get newEol() { return this._newEol; }
  set newEol(value) {
    if (value && typeof value !== 'number') throw shim.illegalArgument('newEol');
    this._newEol = value;
  }

  toJSON() {
    return { range: this.range, newText: this.newText, newEol: this._newEol };
  }
}

// Text edits per document plus file operations, in insertion order.
class WorkspaceEdit {
  constructor() {
    this._edits = [];
  }

  createFile(uri, options, metadata) {
    this._edits.push({ kind: 'create', to: uri, options, metadata });
  }

  deleteFile(uri, options, metadata) {
    this._edits.push({ kind: 'delete', from: uri, options, metadata });
  }

  renameFile(from, to, options, metadata) {
    this._edits.push({ kind: 'rename', from, to, options, metadata });
  }

  replace(uri, range, newText, metadata) {
    this._edits.push({ kind: 'text', uri, edit: new TextEdit(range, newText), metadata });
  }

  insert(uri, position, newText, metadata) {
    this.replace(uri, new Range(position, position), newText, metadata);
  }

  delete(uri, range, metadata) {
    this.replace(uri, range, '', metadata);
  }

  has(uri) {
    return this._edits.some((edit) => edit.kind === 'text' && edit.uri.toString() === uri.toString());
  }

  set(uri, edits) {
    this._edits = this._edits.filter((edit) => !(edit.kind === 'text' && edit.uri.toString() === uri.toString()));
    if (!edits) return;
    for (const candidate of edits) {
      if (!candidate) continue;
      const [edit, metadata] = Array.isArray(candidate) ? candidate : [candidate, undefined];
      if (edit && edit.snippet instanceof SnippetString) {
        this._edits.push({ kind: 'text', uri, edit: new TextEdit(edit.range, shim.snippetToText(edit.snippet.value)), metadata });
      } else {
        this._edits.push({ kind: 'text', uri, edit, metadata });
      }
    }
  }

  get(uri) {
    return this._edits.filter((edit) => edit.kind === 'text' && edit.uri.toString() === uri.toString()).map((edit) => edit.edit);
  }

  entries() {
    const byUri = new Map();
    for (const edit of this._edits) {
      if (edit.kind !== 'text') continue;
      const key = edit.uri.toString();
      if (!byUri.has(key)) byUri.set(key, [edit.uri, []]);
      byUri.get(key)[1].push(edit.edit);
    }
    return Array.from(byUri.values());
  }

  get size() {
    return this.entries().length;
  }

  // [{kind: 'text', uri, edit} | {kind: 'create'|'delete'|'rename', from?, to?, options?}] in order.
  _allEntries() {
    return this._edits.slice();
  }

  toJSON() {
    return this.entries();
  }
}

class SnippetString {
  static isSnippetString(thing) {
    if (thing instanceof SnippetString) return true;
    return thing !== null && typeof thing === 'object' && typeof thing.value === 'string';
  }

  static _escape(value) {
    return value.replace(/\$|}|\\/g, '\\$&');
  }

  constructor(value) {
    this._tabstop = 1;
    this.value = value || '';
  }

  appendText(string) {
    this.value += SnippetString._escape(string);
    return this;
  }

  appendTabstop(number = this._tabstop++) {
    this.value += '$' + number;
    return this;
  }

  appendPlaceholder(value, number = this._tabstop++) {
    if (typeof value === 'function') {
      const nested = new SnippetString();
      nested._tabstop = this._tabstop;
      value(nested);
      this._tabstop = nested._tabstop;
      value = nested.value;
    } else {
      value = SnippetString._escape(value);
    }
    this.value += '${' + number + ':' + value + '}';
    return this;
  }

  appendChoice(values, number = this._tabstop++) {
    const value = values.map((choice) => choice.replace(/\$|}|\\|,|\|/g, '\\$&')).join(',');
    this.value += '${' + number + '|' + value + '|}';
    return this;
  }

  appendVariable(name, defaultValue) {
    if (typeof defaultValue === 'function') {
      const nested = new SnippetString();
      nested._tabstop = this._tabstop;
      defaultValue(nested);
      this._tabstop = nested._tabstop;
      defaultValue = nested.value;
    } else if (typeof defaultValue === 'string') {
      defaultValue = defaultValue.replace(/\$|}/g, '\\$&');
    }
    this.value += '${' + name;
    if (defaultValue) this.value += ':' + defaultValue;
    this.value += '}';
    return this;
  }
}

// The text a snippet inserts when the editor cannot expand snippets: placeholders become their
// default text, choices their first option, tab stops and variables nothing.
shim.snippetToText = function snippetToText(snippet) {
  let result = '';
  let index = 0;
  function parse(stopAtBrace) {
    let text = '';
    while (index < snippet.length) {
      const character = snippet[index];
      if (character === '\\' && index + 1 < snippet.length) {
        text += snippet[index + 1];
        index += 2;
      } else if (stopAtBrace && character === '}') {
        return text;
      } else if (character === '$') {
        const simple = /^\$(\d+|[A-Za-z_][A-Za-z0-9_]*)/.exec(snippet.slice(index));
        if (simple) {
          index += simple[0].length;
          continue;
        }
        const open = /^\$\{(\d+|[A-Za-z_][A-Za-z0-9_]*)/.exec(snippet.slice(index));
        if (!open) {
          text += character;
          index++;
          continue;
        }
        index += open[0].length;
        if (snippet[index] === ':') {
          index++;
          text += parse(true);
          index++;
        } else if (snippet[index] === '|') {
          index++;
          let choice = '';
          let first = true;
          while (index < snippet.length && !(snippet[index] === '|' && snippet[index + 1] === '}')) {
            if (snippet[index] === '\\' && index + 1 < snippet.length) {
              if (first) choice += snippet[index + 1];
              index += 2;
            } else if (snippet[index] === ',') {
              first = false;
              index++;
            } else {
              if (first) choice += snippet[index];
              index++;
            }
          }
          text += choice;
          index += 2;
        } else {
          while (index < snippet.length && snippet[index] !== '}') index++;
          index++;
        }
      } else {
        text += character;
        index++;
      }
    }
    return text;
  }
  result = parse(false);
  return result;
};

const MARKDOWN_ESCAPE = /[\\`*_{}[\]()#+\-!~]/g;

class MarkdownString {
  static isMarkdownString(thing) {
    if (thing instanceof MarkdownString) return true;
    return thing !== null && typeof thing === 'object' && typeof thing.appendCodeblock === 'function'
      && typeof thing.appendMarkdown === 'function' && typeof thing.appendText === 'function' && typeof thing.value === 'string';
  }

  constructor(value = '', supportThemeIcons = false) {
    this.value = value;
    this.isTrusted = undefined;
    this.supportThemeIcons = supportThemeIcons;
    this.supportHtml = false;
    this.baseUri = undefined;
  }

  appendText(value) {
    let escaped = this.supportThemeIcons ? value.replace(/\$\(([A-Za-z0-9-]+(?:~[A-Za-z]+)?)\)/g, '\\$($1)') : value;
    escaped = escaped.replace(MARKDOWN_ESCAPE, '\\$&')
      .replace(/([ \t]+)/g, (_, spaces) => '&nbsp;'.repeat(spaces.length))
      .replace(/>/gm, '\\>')
      .replace(/\n/g, '\n\n');
    this.value += escaped;
    return this;
  }

  appendMarkdown(value) {
    this.value += value;
    return this;
  }

  appendCodeblock(code, language = '') {
    this.value += '\n```' + language + '\n' + code + '\n```\n';
    return this;
  }
}

class ThemeColor {
  constructor(id) {
    this.id = id;
  }
}

class ThemeIcon {
  constructor(id, color) {
    this.id = id;
    this.color = color;
  }
}
ThemeIcon.File = new ThemeIcon('file');
ThemeIcon.Folder = new ThemeIcon('folder');

shim.TextEdit = TextEdit;
shim.WorkspaceEdit = WorkspaceEdit;
shim.SnippetString = SnippetString;
shim.MarkdownString = MarkdownString;
shim.ThemeColor = ThemeColor;
shim.ThemeIcon = ThemeIcon;
