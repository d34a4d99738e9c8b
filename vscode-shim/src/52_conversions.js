// vscode values ↔ LSP 3.17 JSON (`shim.lsp`). Kinds and severities shift by one (VS Code counts from 0,
// LSP from 1); URIs go out in the editor's own spelling when the document is open.

const { Position, Range, Uri, MarkdownString, SnippetString } = shim;

function uri(value) {
  return shim.documents.wireUri(shim.toUri(value));
}

function position(value) {
  return { line: value.line, character: value.character };
}

function range(value) {
  return { start: position(value.start), end: position(value.end) };
}

function fromPosition(value) {
  return new Position(value.line, value.character);
}

function fromRange(value) {
  return new Range(value.start.line, value.start.character, value.end.line, value.end.character);
}

// MarkdownString | MarkedString ({language, value} or markdown text) → markdown text.
function markdown(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (MarkdownString.isMarkdownString(value)) return value.value;
  if (typeof value.language === 'string' && typeof value.value === 'string') return '```' + value.language + '\n' + value.value + '\n```';
  if (typeof value.value === 'string') return value.value;
  return String(value);
}

function markupContent(value) {
  return { kind: 'markdown', value: markdown(value) };
}

// Documentation: a plain string stays plain, anything else is markdown.
function documentation(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  return markupContent(value);
}

function wire(value) {
  return host.toWireValue(value, false);
}

function command(value) {
  if (!value) return undefined;
  const result = { title: value.title === undefined ? '' : String(value.title), command: String(value.command) };
  if (value.arguments !== undefined) result.arguments = wire(value.arguments);
  return result;
}

// The hover's contents as one markdown text: each part's, the empty ones left out, joined by a blank
// line, as `contents.map(markdown).filter((text) => text !== '').join('\n\n')` (holes skipped, a part
// that is not a string joined as `join` does), without the two arrays and closures.
function hoverText(contents) {
  const list = Array.isArray(contents) ? contents : [contents];
  const parts = [];
  for (let index = 0; index < list.length; index++) {
    if (!(index in list)) continue;
    const part = markdown(list[index]);
    if (part !== '') parts.push(part);
  }
  return parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : parts.join('\n\n');
}

function hover(value) {
  const result = { contents: { kind: 'markdown', value: hoverText(value.contents) } };
  if (value.range) result.range = range(value.range);
  return result;
}

function kindPlusOne(kind, highest) {
  if (typeof kind !== 'number') return undefined;
  const lsp = kind + 1;
  return lsp >= 1 && lsp <= highest ? lsp : 1;
}

function textEdit(edit) {
  return { range: range(edit.range), newText: edit.newText };
}

function completionItem(item, data) {
  const label = typeof item.label === 'string' ? item.label : item.label.label;
  const result = { label };
  if (typeof item.label === 'object' && (item.label.detail !== undefined || item.label.description !== undefined)) {
    result.labelDetails = {};
    if (item.label.detail !== undefined) result.labelDetails.detail = item.label.detail;
    if (item.label.description !== undefined) result.labelDetails.description = item.label.description;
  }
  const kind = kindPlusOne(item.kind, 25);
  if (kind !== undefined) result.kind = kind;
  if (Array.isArray(item.tags) && item.tags.length) result.tags = item.tags.slice();
  if (item.detail !== undefined) result.detail = item.detail;
  const docs = documentation(item.documentation);
  if (docs !== undefined) result.documentation = docs;
  if (item.preselect !== undefined) result.preselect = Boolean(item.preselect);
  if (item.sortText !== undefined) result.sortText = item.sortText;
  if (item.filterText !== undefined) result.filterText = item.filterText;
  let insertText = item.insertText;
  if (insertText instanceof SnippetString || (insertText && typeof insertText === 'object' && typeof insertText.value === 'string')) {
    result.insertTextFormat = 2;
    insertText = insertText.value;
  }
  if (item.keepWhitespace) result.insertTextMode = 2;
  if (item.range) {
    const newText = insertText !== undefined ? insertText : label;
    if (Range.isRange(item.range)) {
      result.textEdit = { range: range(item.range), newText };
    } else {
      result.textEdit = { newText, insert: range(item.range.inserting), replace: range(item.range.replacing) };
    }
  } else if (insertText !== undefined) {
    result.insertText = insertText;
  }
  if (Array.isArray(item.additionalTextEdits) && item.additionalTextEdits.length) result.additionalTextEdits = item.additionalTextEdits.map(textEdit);
  if (Array.isArray(item.commitCharacters) && item.commitCharacters.length) result.commitCharacters = item.commitCharacters.slice();
  const cmd = command(item.command);
  if (cmd) result.command = cmd;
  if (data !== undefined) result.data = data;
  return result;
}

function location(value) {
  return { uri: uri(value.uri), range: range(value.range) };
}

function locationLink(value) {
  const result = { targetUri: uri(value.targetUri), targetRange: range(value.targetRange), targetSelectionRange: range(value.targetSelectionRange || value.targetRange) };
  if (value.originSelectionRange) result.originSelectionRange = range(value.originSelectionRange);
  return result;
}

// Location | Location[] | LocationLink[] → Location[] or LocationLink[].
function definition(value) {
  if (!value) return null;
  const list = Array.isArray(value) ? value : [value];
  if (list.length && list[0] && list[0].targetUri) return list.map(locationLink);
  return list.filter(Boolean).map(location);
}

function diagnosticCode(value, result) {
  if (value === undefined || value === null) return;
  if (typeof value === 'string' || typeof value === 'number') {
    result.code = value;
  } else if (typeof value === 'object') {
    result.code = value.value;
    if (value.target) result.codeDescription = { href: value.target.toString() };
  }
}

function diagnostic(value) {
  const result = { range: range(value.range), message: markdown(value.message) };
  const severity = kindPlusOne(typeof value.severity === 'number' ? value.severity : 0, 4);
  result.severity = severity;
  diagnosticCode(value.code, result);
  if (value.source !== undefined) result.source = value.source;
  if (Array.isArray(value.tags) && value.tags.length) result.tags = value.tags.slice();
  if (Array.isArray(value.relatedInformation) && value.relatedInformation.length) {
    result.relatedInformation = value.relatedInformation.map((related) => ({ location: location(related.location), message: related.message }));
  }
  return result;
}

function fromDiagnostic(value) {
  const result = new shim.Diagnostic(fromRange(value.range), value.message || ' ', typeof value.severity === 'number' ? value.severity - 1 : shim.DiagnosticSeverity.Error);
  if (value.code !== undefined) result.code = value.codeDescription ? { value: value.code, target: Uri.parse(value.codeDescription.href) } : value.code;
  if (value.source !== undefined) result.source = value.source;
  if (Array.isArray(value.tags)) result.tags = value.tags.slice();
  if (Array.isArray(value.relatedInformation)) {
    result.relatedInformation = value.relatedInformation.map((related) => new shim.DiagnosticRelatedInformation(
      new shim.Location(Uri.parse(related.location.uri), fromRange(related.location.range)), related.message));
  }
  return result;
}

// WorkspaceEdit → {changes} (text edits only) or {documentChanges} (when files are created, renamed or deleted).
function workspaceEdit(value) {
  const entries = typeof value._allEntries === 'function' ? value._allEntries() : [];
  const hasFileOperations = entries.some((entry) => entry.kind !== 'text');
  if (!hasFileOperations) {
    const changes = {};
    for (const [target, edits] of value.entries()) {
      const key = uri(target);
      changes[key] = (changes[key] || []).concat(edits.map(textEdit));
    }
    return { changes };
  }
  const documentChanges = [];
  for (const entry of entries) {
    if (entry.kind === 'text') {
      const last = documentChanges[documentChanges.length - 1];
      const key = uri(entry.uri);
      if (last && last.textDocument && last.textDocument.uri === key) {
        last.edits.push(textEdit(entry.edit));
      } else {
        const document = shim.documents.get(entry.uri);
        documentChanges.push({ textDocument: { uri: key, version: document ? document.version : null }, edits: [textEdit(entry.edit)] });
      }
    } else if (entry.kind === 'create') {
      documentChanges.push({ kind: 'create', uri: uri(entry.to), options: fileOptions(entry.options) });
    } else if (entry.kind === 'delete') {
      documentChanges.push({ kind: 'delete', uri: uri(entry.from), options: fileOptions(entry.options) });
    } else {
      documentChanges.push({ kind: 'rename', oldUri: uri(entry.from), newUri: uri(entry.to), options: fileOptions(entry.options) });
    }
  }
  return { documentChanges };
}

function fileOptions(options) {
  if (!options) return undefined;
  const result = {};
  for (const key of ['overwrite', 'ignoreIfExists', 'ignoreIfNotExists', 'recursive']) {
    if (options[key] !== undefined) result[key] = Boolean(options[key]);
  }
  return result;
}

function codeAction(value) {
  if (typeof value.command === 'string') return command(value);
  const result = { title: value.title };
  if (value.kind) result.kind = value.kind.value;
  if (Array.isArray(value.diagnostics)) result.diagnostics = value.diagnostics.map(diagnostic);
  if (value.isPreferred !== undefined) result.isPreferred = Boolean(value.isPreferred);
  if (value.disabled) result.disabled = { reason: value.disabled.reason };
  if (value.edit) result.edit = workspaceEdit(value.edit);
  const cmd = command(value.command);
  if (cmd) result.command = cmd;
  return result;
}

function codeLens(value, data) {
  const result = { range: range(value.range) };
  const cmd = command(value.command);
  if (cmd) result.command = cmd;
  if (data !== undefined) result.data = data;
  return result;
}

function documentSymbol(value) {
  if (value.location) {
    const result = { name: value.name, kind: kindPlusOne(value.kind, 26), location: location(value.location) };
    if (Array.isArray(value.tags) && value.tags.length) result.tags = value.tags.slice();
    if (value.containerName) result.containerName = value.containerName;
    return result;
  }
  const result = { name: value.name, kind: kindPlusOne(value.kind, 26), range: range(value.range), selectionRange: range(value.selectionRange) };
  if (value.detail) result.detail = value.detail;
  if (Array.isArray(value.tags) && value.tags.length) result.tags = value.tags.slice();
  if (Array.isArray(value.children) && value.children.length) result.children = value.children.map(documentSymbol);
  return result;
}

function signatureHelp(value) {
  return {
    signatures: (value.signatures || []).map((signature) => {
      const result = { label: signature.label };
      const docs = documentation(signature.documentation);
      if (docs !== undefined) result.documentation = docs;
      result.parameters = (signature.parameters || []).map((parameter) => {
        const entry = { label: Array.isArray(parameter.label) ? parameter.label.slice() : parameter.label };
        const parameterDocs = documentation(parameter.documentation);
        if (parameterDocs !== undefined) entry.documentation = parameterDocs;
        return entry;
      });
      if (typeof signature.activeParameter === 'number') result.activeParameter = signature.activeParameter;
      return result;
    }),
    activeSignature: value.activeSignature || 0,
    activeParameter: value.activeParameter || 0,
  };
}

function fromSignatureHelp(value) {
  if (!value) return undefined;
  const help = new shim.SignatureHelp();
  help.activeSignature = value.activeSignature || 0;
  help.activeParameter = value.activeParameter || 0;
  help.signatures = (value.signatures || []).map((signature) => {
    const information = new shim.SignatureInformation(signature.label, typeof signature.documentation === 'object' && signature.documentation ? new MarkdownString(signature.documentation.value) : signature.documentation);
    information.parameters = (signature.parameters || []).map((parameter) => new shim.ParameterInformation(parameter.label, typeof parameter.documentation === 'object' && parameter.documentation ? new MarkdownString(parameter.documentation.value) : parameter.documentation));
    information.activeParameter = signature.activeParameter;
    return information;
  });
  return help;
}

function documentLink(value, data) {
  const result = { range: range(value.range) };
  if (value.target) result.target = uri(value.target);
  if (value.tooltip !== undefined) result.tooltip = value.tooltip;
  if (data !== undefined) result.data = data;
  return result;
}

function semanticTokens(value) {
  const result = { data: Array.from(value.data || []) };
  if (value.resultId !== undefined) result.resultId = value.resultId;
  return result;
}

function renameRange(value) {
  if (!value) return null;
  if (Range.isRange(value)) return range(value);
  return { range: range(value.range), placeholder: value.placeholder };
}

// The features VS Code has beyond the first LSP set: highlights, folding, selection ranges, inlay hints,
// colors, linked editing.
const FOLDING_KINDS = { 1: 'comment', 2: 'imports', 3: 'region' };

function documentHighlight(value) {
  const result = { range: range(value.range) };
  if (typeof value.kind === 'number') result.kind = value.kind + 1;
  return result;
}

function foldingRange(value) {
  const result = { startLine: value.start, endLine: value.end };
  if (FOLDING_KINDS[value.kind]) result.kind = FOLDING_KINDS[value.kind];
  return result;
}

function selectionRange(value) {
  const result = { range: range(value.range) };
  if (value.parent) result.parent = selectionRange(value.parent);
  return result;
}

function inlayHint(value) {
  const label = typeof value.label === 'string' ? value.label : (value.label || []).map((part) => {
    const converted = { value: String(part.value) };
    if (part.tooltip !== undefined) converted.tooltip = documentation(part.tooltip);
    if (part.location) converted.location = location(part.location);
    if (part.command) converted.command = command(part.command);
    return converted;
  });
  const result = { position: position(value.position), label };
  if (typeof value.kind === 'number') result.kind = value.kind;
  if (value.tooltip !== undefined) result.tooltip = documentation(value.tooltip);
  if (value.paddingLeft) result.paddingLeft = true;
  if (value.paddingRight) result.paddingRight = true;
  if (Array.isArray(value.textEdits)) result.textEdits = value.textEdits.map(textEdit);
  return result;
}

function color(value) {
  return { red: value.red, green: value.green, blue: value.blue, alpha: value.alpha };
}

function colorInformation(value) {
  return { range: range(value.range), color: color(value.color) };
}

function colorPresentation(value) {
  const result = { label: String(value.label) };
  if (value.textEdit) result.textEdit = textEdit(value.textEdit);
  if (Array.isArray(value.additionalTextEdits)) result.additionalTextEdits = value.additionalTextEdits.map(textEdit);
  return result;
}

function linkedEditingRanges(value) {
  const result = { ranges: value.ranges.map(range) };
  if (value.wordPattern) result.wordPattern = value.wordPattern.source;
  return result;
}

// A CallHierarchyItem or TypeHierarchyItem; `data` routes follow-up requests back to the original.
function hierarchyItem(value, data) {
  const result = { name: String(value.name), kind: kindPlusOne(value.kind, 26), uri: uri(value.uri), range: range(value.range), selectionRange: range(value.selectionRange) };
  if (value.detail) result.detail = String(value.detail);
  if (Array.isArray(value.tags) && value.tags.length) result.tags = value.tags.slice();
  if (data !== undefined) result.data = data;
  return result;
}

shim.lsp = {
  hierarchyItem,
  documentHighlight, foldingRange, selectionRange, inlayHint, color, colorInformation, colorPresentation,
  linkedEditingRanges,
  uri, position, range, fromPosition, fromRange, markdown, markupContent, documentation, command, hover,
  completionItem, textEdit, location, locationLink, definition, diagnostic, fromDiagnostic, workspaceEdit,
  codeAction, codeLens, documentSymbol, signatureHelp, fromSignatureHelp, documentLink, semanticTokens, renameRange,
};
