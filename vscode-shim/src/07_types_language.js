// Value types of language features: Hover, completions, code actions, code lenses, diagnostics, symbols,
// semantic tokens, document links, signature help.

const { Range, Position } = shim;

class Hover {
  constructor(contents, range) {
    if (!contents) throw shim.illegalArgument('contents must be defined');
    this.contents = Array.isArray(contents) ? contents : [contents];
    this.range = range;
  }
}

const CompletionItemKind = Object.freeze({
  Text: 0, Method: 1, Function: 2, Constructor: 3, Field: 4, Variable: 5, Class: 6, Interface: 7, Module: 8,
  Property: 9, Unit: 10, Value: 11, Enum: 12, Keyword: 13, Snippet: 14, Color: 15, File: 16, Reference: 17,
  Folder: 18, EnumMember: 19, Constant: 20, Struct: 21, Event: 22, Operator: 23, TypeParameter: 24, User: 25,
  Issue: 26,
});

const CompletionItemTag = Object.freeze({ Deprecated: 1 });
const CompletionTriggerKind = Object.freeze({ Invoke: 0, TriggerCharacter: 1, TriggerForIncompleteCompletions: 2 });

class CompletionItem {
  constructor(label, kind) {
    this.label = label;
    this.kind = kind;
  }
}

class CompletionList {
  constructor(items = [], isIncomplete = false) {
    this.items = items;
    this.isIncomplete = isIncomplete;
  }
}

class CodeActionKind {
  constructor(value) {
    this.value = value;
  }

  append(parts) {
    return new CodeActionKind(this.value ? this.value + CodeActionKind.sep + parts : parts);
  }

  intersects(other) {
    return this.contains(other) || other.contains(this);
  }

  contains(other) {
    return this.value === '' || this.value === other.value || other.value.startsWith(this.value + CodeActionKind.sep);
  }
}
CodeActionKind.sep = '.';
CodeActionKind.Empty = new CodeActionKind('');
CodeActionKind.QuickFix = CodeActionKind.Empty.append('quickfix');
CodeActionKind.Refactor = CodeActionKind.Empty.append('refactor');
CodeActionKind.RefactorExtract = CodeActionKind.Refactor.append('extract');
CodeActionKind.RefactorInline = CodeActionKind.Refactor.append('inline');
CodeActionKind.RefactorMove = CodeActionKind.Refactor.append('move');
CodeActionKind.RefactorRewrite = CodeActionKind.Refactor.append('rewrite');
CodeActionKind.Source = CodeActionKind.Empty.append('source');
CodeActionKind.SourceOrganizeImports = CodeActionKind.Source.append('organizeImports');
CodeActionKind.SourceFixAll = CodeActionKind.Source.append('fixAll');
CodeActionKind.Notebook = CodeActionKind.Empty.append('notebook');

const CodeActionTriggerKind = Object.freeze({ Invoke: 1, Automatic: 2 });

class CodeAction {
  constructor(title, kind) {
    this.title = title;
    this.kind = kind;
  }
}

class CodeLens {
  constructor(range, command) {
    this.range = range;
    this.command = command;
  }

  get isResolved() {
    return Boolean(this.command);
  }
}

const DiagnosticSeverity = Object.freeze({ Error: 0, Warning: 1, Information: 2, Hint: 3 });
const DiagnosticTag = Object.freeze({ Unnecessary: 1, Deprecated: 2 });

class DiagnosticRelatedInformation {
  constructor(location, message) {
    this.location = location;
    this.message = message;
  }
}

class Diagnostic {
  constructor(range, message, severity = DiagnosticSeverity.Error) {
    if (!Range.isRange(range)) throw new TypeError('range must be set');
    if (!message) throw new TypeError('message must be set');
    this.range = range;
    this.message = message;
    this.severity = severity;
    this.source = undefined;
    this.code = undefined;
    this.relatedInformation = undefined;
    this.tags = undefined;
  }

  toJSON() {
    return {
      severity: ['Error', 'Warning', 'Information', 'Hint'][this.severity],
      message: this.message,
      range: this.range,
      source: this.source,
      code: this.code,
    };
  }
}

const SymbolKind = Object.freeze({
  File: 0, Module: 1, Namespace: 2, Package: 3, Class: 4, Method: 5, Property: 6, Field: 7, Constructor: 8,
  Enum: 9, Interface: 10, Function: 11, Variable: 12, Constant: 13, String: 14, Number: 15, Boolean: 16,
  Array: 17, Object: 18, Key: 19, Null: 20, EnumMember: 21, Struct: 22, Event: 23, Operator: 24, TypeParameter: 25,
});

const SymbolTag = Object.freeze({ Deprecated: 1 });

class DocumentSymbol {
  constructor(name, detail, kind, range, selectionRange) {
    if (!name || !name.trim()) throw new Error('name must not be falsy');
    if (!range.contains(selectionRange)) throw new Error('selectionRange must be contained in fullRange');
    this.name = name;
    this.detail = detail;
    this.kind = kind;
    this.range = range;
    this.selectionRange = selectionRange;
    this.children = [];
  }
}

class SymbolInformation {
  constructor(name, kind, rangeOrContainer, locationOrUri, containerName) {
    this.name = name;
    this.kind = kind;
    this.containerName = containerName;
    if (typeof rangeOrContainer === 'string') this.containerName = rangeOrContainer;
    if (locationOrUri instanceof shim.Location) {
      this.location = locationOrUri;
    } else if (rangeOrContainer instanceof Range) {
      this.location = new shim.Location(locationOrUri, rangeOrContainer);
    }
  }
}

class SemanticTokensLegend {
  constructor(tokenTypes, tokenModifiers = []) {
    this.tokenTypes = tokenTypes;
    this.tokenModifiers = tokenModifiers;
  }
}

class SemanticTokens {
  constructor(data, resultId) {
    this.resultId = resultId;
    this.data = data;
  }
}

class SemanticTokensEdit {
  constructor(start, deleteCount, data) {
    this.start = start;
    this.deleteCount = deleteCount;
    this.data = data;
  }
}

class SemanticTokensEdits {
  constructor(edits, resultId) {
    this.resultId = resultId;
    this.edits = edits;
  }
}

// Collects tokens in any order and encodes them relative to each other (LSP's five-integer format).
class SemanticTokensBuilder {
  constructor(legend) {
    this._tokens = [];
    this._sorted = true;
    this._typeIndex = new Map();
    this._modifierIndex = new Map();
    if (legend) {
      legend.tokenTypes.forEach((type, index) => this._typeIndex.set(type, index));
      legend.tokenModifiers.forEach((modifier, index) => this._modifierIndex.set(modifier, index));
    }
    this._legend = legend;
  }

  push(lineOrRange, characterOrType, lengthOrModifiers, tokenType, tokenModifiers) {
    if (typeof lineOrRange === 'number') {
      if (typeof tokenModifiers === 'undefined') tokenModifiers = 0;
      this._push(lineOrRange, characterOrType, lengthOrModifiers, tokenType, tokenModifiers);
      return;
    }
    if (!this._legend) throw new Error('Legend must be provided in constructor');
    const range = lineOrRange;
    if (!range.isSingleLine) throw new Error('`range` cannot span multiple lines');
    const type = this._typeIndex.get(characterOrType);
    if (type === undefined) throw new Error('`tokenType` is not in the provided legend');
    let modifiers = 0;
    for (const modifier of lengthOrModifiers || []) {
      const index = this._modifierIndex.get(modifier);
      if (index === undefined) throw new Error('`tokenModifier` is not in the provided legend');
      modifiers |= (1 << index) >>> 0;
    }
    this._push(range.start.line, range.start.character, range.end.character - range.start.character, type, modifiers);
  }

  _push(line, character, length, type, modifiers) {
    const last = this._tokens[this._tokens.length - 1];
    if (last && (line < last[0] || (line === last[0] && character < last[1]))) this._sorted = false;
    this._tokens.push([line, character, length, type, modifiers]);
  }

  build(resultId) {
    const tokens = this._sorted ? this._tokens : this._tokens.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const data = new Uint32Array(tokens.length * 5);
    let previousLine = 0;
    let previousCharacter = 0;
    tokens.forEach(([line, character, length, type, modifiers], index) => {
      data[index * 5] = line - previousLine;
      data[index * 5 + 1] = line === previousLine ? character - previousCharacter : character;
      data[index * 5 + 2] = length;
      data[index * 5 + 3] = type;
      data[index * 5 + 4] = modifiers;
      previousLine = line;
      previousCharacter = character;
    });
    this._tokens = [];
    this._sorted = true;
    return new SemanticTokens(data, resultId);
  }
}

class DocumentLink {
  constructor(range, target) {
    if (target && !shim.Uri.isUri(target)) throw shim.illegalArgument('target');
    if (!Range.isRange(range) || range.isEmpty) throw shim.illegalArgument('range');
    this.range = range;
    this.target = target;
  }
}

const SignatureHelpTriggerKind = Object.freeze({ Invoke: 1, TriggerCharacter: 2, ContentChange: 3 });

class ParameterInformation {
  constructor(label, documentation) {
    this.label = label;
    this.documentation = documentation;
  }
}

class SignatureInformation {
  constructor(label, documentation) {
    this.label = label;
    this.documentation = documentation;
    this.parameters = [];
  }
}

class SignatureHelp {
  constructor() {
    this.activeSignature = 0;
    this.activeParameter = 0;
    this.signatures = [];
  }
}

const DocumentHighlightKind = Object.freeze({ Text: 0, Read: 1, Write: 2 });

// Used by `languages.match` and provider selectors: {language?, scheme?, pattern?} filters.
class RelativePattern {
  constructor(base, pattern) {
    if (typeof base === 'string') {
      this.baseUri = shim.Uri.file(base);
    } else if (base && base.uri && shim.Uri.isUri(base.uri)) {
      this.baseUri = base.uri;
    } else if (shim.Uri.isUri(base)) {
      this.baseUri = base;
    } else {
      throw shim.illegalArgument('base');
    }
    if (typeof pattern !== 'string') throw shim.illegalArgument('pattern');
    this.pattern = pattern;
  }

  get base() {
    return this.baseUri.fsPath;
  }
}

Object.assign(shim, {
  Hover, CompletionItemKind, CompletionItemTag, CompletionTriggerKind, CompletionItem, CompletionList,
  CodeActionKind, CodeActionTriggerKind, CodeAction, CodeLens, DiagnosticSeverity, DiagnosticTag,
  DiagnosticRelatedInformation, Diagnostic, SymbolKind, SymbolTag, DocumentSymbol, SymbolInformation,
  SemanticTokensLegend, SemanticTokens, SemanticTokensEdit, SemanticTokensEdits, SemanticTokensBuilder,
  DocumentLink, SignatureHelpTriggerKind, ParameterInformation, SignatureInformation, SignatureHelp,
  DocumentHighlightKind, RelativePattern,
});

// The other value classes of language features VS Code exports. Each is a real class (libraries such as
// vscode-languageclient extend them at load time); a plain one stores its constructor's arguments under
// VS Code's property names.
function dataClass(name, fields) {
  const made = { [name]: class {
    constructor(...values) {
      fields.forEach((field, index) => { this[field] = values[index]; });
    }
  } }[name];
  return made;
}

const EvaluatableExpression = dataClass('EvaluatableExpression', ['range', 'expression']);
const InlineValueText = dataClass('InlineValueText', ['range', 'text']);
const InlineValueVariableLookup = dataClass('InlineValueVariableLookup', ['range', 'variableName', 'caseSensitiveLookup']);
const InlineValueEvaluatableExpression = dataClass('InlineValueEvaluatableExpression', ['range', 'expression']);
const InlineCompletionList = dataClass('InlineCompletionList', ['items']);
const InlineCompletionItem = dataClass('InlineCompletionItem', ['insertText', 'range', 'command']);
const ColorInformation = dataClass('ColorInformation', ['range', 'color']);
const ColorPresentation = dataClass('ColorPresentation', ['label']);
const InlayHintLabelPart = dataClass('InlayHintLabelPart', ['value']);
const InlayHint = dataClass('InlayHint', ['position', 'label', 'kind']);
const SelectionRange = dataClass('SelectionRange', ['range', 'parent']);
const CallHierarchyItem = dataClass('CallHierarchyItem', ['kind', 'name', 'detail', 'uri', 'range', 'selectionRange']);
const CallHierarchyIncomingCall = dataClass('CallHierarchyIncomingCall', ['from', 'fromRanges']);
const CallHierarchyOutgoingCall = dataClass('CallHierarchyOutgoingCall', ['to', 'fromRanges']);
const TypeHierarchyItem = dataClass('TypeHierarchyItem', ['kind', 'name', 'detail', 'uri', 'range', 'selectionRange']);
const LinkedEditingRanges = dataClass('LinkedEditingRanges', ['ranges', 'wordPattern']);
const DocumentDropEdit = dataClass('DocumentDropEdit', ['insertText', 'title', 'kind']);
const DocumentPasteEdit = dataClass('DocumentPasteEdit', ['insertText', 'title', 'kind']);

class DocumentHighlight {
  constructor(range, kind = DocumentHighlightKind.Text) {
    this.range = range;
    this.kind = kind;
  }
}

class Color {
  constructor(red, green, blue, alpha) {
    this.red = red;
    this.green = green;
    this.blue = blue;
    this.alpha = alpha;
  }
}

class FoldingRange {
  constructor(start, end, kind) {
    this.start = start;
    this.end = end;
    this.kind = kind;
  }
}

class SnippetTextEdit {
  static replace(range, snippet) { return new SnippetTextEdit(range, snippet); }
  static insert(position, snippet) { return new SnippetTextEdit(new Range(position, position), snippet); }

  constructor(range, snippet) {
    this.range = range;
    this.snippet = snippet;
  }
}

class DocumentDropOrPasteEditKind {
  constructor(value) {
    this.value = value;
  }

  append(...parts) {
    return new DocumentDropOrPasteEditKind((this.value ? [this.value, ...parts] : parts).join('.'));
  }

  intersects(other) {
    return this.contains(other) || other.contains(this);
  }

  contains(other) {
    return this.value === other.value || other.value.startsWith(this.value + '.');
  }
}
DocumentDropOrPasteEditKind.Empty = new DocumentDropOrPasteEditKind('');
DocumentDropOrPasteEditKind.Text = new DocumentDropOrPasteEditKind('text');
DocumentDropOrPasteEditKind.TextUpdateImports = DocumentDropOrPasteEditKind.Text.append('updateImports');

Object.assign(shim, {
  EvaluatableExpression, InlineValueText, InlineValueVariableLookup, InlineValueEvaluatableExpression,
  InlineCompletionList, InlineCompletionItem, ColorInformation, ColorPresentation, InlayHintLabelPart, InlayHint,
  SelectionRange, CallHierarchyItem, CallHierarchyIncomingCall, CallHierarchyOutgoingCall, TypeHierarchyItem,
  LinkedEditingRanges, DocumentDropEdit, DocumentPasteEdit, DocumentHighlight, Color, FoldingRange, SnippetTextEdit,
  DocumentDropOrPasteEditKind,
  InlineCompletionTriggerKind: Object.freeze({ Invoke: 0, Automatic: 1 }),
  InlayHintKind: Object.freeze({ Type: 1, Parameter: 2 }),
  FoldingRangeKind: Object.freeze({ Comment: 1, Imports: 2, Region: 3 }),
  DocumentPasteTriggerKind: Object.freeze({ Automatic: 0, PasteAs: 1 }),
  SyntaxTokenType: Object.freeze({ Other: 0, Comment: 1, String: 2, RegEx: 3 }),
  LanguageStatusSeverity: Object.freeze({ Information: 0, Warning: 1, Error: 2 }),
});
shim.internal.dataClass = dataClass;
