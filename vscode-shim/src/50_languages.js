// vscode.languages: providers are registered with the host (RegisterProvider, one LSP method each) and
// invoked by RuntimeRequest::InvokeProvider with the LSP params; `shim.lsp` converts both ways.
// Resolve requests (codeLens/resolve, completionItem/resolve, documentLink/resolve, codeAction/resolve)
// find the original vscode objects through `data: {handle, cache, index}`. Also diagnostics, `match`.

const { Disposable, EventEmitter, Uri } = shim;
// The host's InvokeProvider is dispatched with builtins captured before extension code ran.
const { SafeMap, ObjectPrototypeHasOwnProperty, PromisePrototypeThen, PromiseResolve } = host.primordials;

let nextHandle = 1;
const providers = new SafeMap();
const RESOLVE_CACHES_PER_PROVIDER = 16;

function selectorJson(selector) {
  if (Array.isArray(selector)) return selector.map(selectorJson);
  if (typeof selector === 'string') return selector;
  if (!selector || typeof selector !== 'object') throw shim.illegalArgument('selector');
  const filter = {};
  if (selector.language !== undefined) filter.language = selector.language;
  if (selector.scheme !== undefined) filter.scheme = selector.scheme;
  if (selector.notebookType !== undefined) filter.notebookType = selector.notebookType;
  if (typeof selector.pattern === 'string') filter.pattern = selector.pattern;
  else if (selector.pattern && typeof selector.pattern.pattern === 'string') {
    filter.pattern = { baseUri: selector.pattern.baseUri ? selector.pattern.baseUri.toString() : Uri.file(selector.pattern.base).toString(), pattern: selector.pattern.pattern };
  }
  return filter;
}

function register(method, selector, provider, options, extra) {
  if (!provider || typeof provider !== 'object' && typeof provider !== 'function') throw shim.illegalArgument('provider');
  const handle = nextHandle++;
  const json = selector === null ? null : selectorJson(selector);
  host.callSync('registerProvider', { handle, method, selector: json, options: options || {} });
  const entry = Object.assign({ method, provider, selector, caches: new Map(), nextCache: 1, subscriptions: [] }, extra);
  providers.set(handle, entry);
  return new Disposable(() => {
    if (!providers.delete(handle)) return;
    entry.subscriptions.forEach((subscription) => subscription.dispose());
    host.notify('unregisterProvider', { handle });
  });
}

// Asks the editor to re-query a feature when a provider says its results changed.
function refreshOn(entryEvent, method) {
  if (typeof entryEvent !== 'function') return [];
  return [entryEvent(() => {
    shim.internal.editorRequest(method, null);
  })];
}

function remember(entry, handle, items) {
  const id = entry.nextCache++;
  entry.caches.set(id, items);
  if (entry.caches.size > RESOLVE_CACHES_PER_PROVIDER) entry.caches.delete(entry.caches.keys().next().value);
  return (index) => ({ handle, cache: id, index });
}

function recall(entry, data) {
  if (!data || typeof data !== 'object') return undefined;
  const items = entry.caches.get(data.cache);
  return items ? items[data.index] : undefined;
}

function documentOf(params) {
  const uri = params && params.textDocument && params.textDocument.uri;
  const document = typeof uri === 'string' ? shim.documents.get(uri) : undefined;
  if (!document) throw new Error('exthost: the document ' + uri + ' is not open');
  return document;
}

const lsp = () => shim.lsp;

function completionContext(context) {
  if (!context) return { triggerKind: shim.CompletionTriggerKind.Invoke, triggerCharacter: undefined };
  return { triggerKind: Math.max(0, (context.triggerKind || 1) - 1), triggerCharacter: context.triggerCharacter };
}

function asArray(value) {
  if (value === undefined || value === null) return null;
  return Array.isArray(value) ? value : [value];
}

function formattingOptions(options) {
  return Object.assign({ tabSize: 4, insertSpaces: true }, options || {});
}

// Call and type hierarchy items are remembered like resolvable items: the editor sends them back to ask
// for their calls, supertypes or subtypes.
function hierarchyItems(entry, handle, result) {
  const items = asArray(result);
  if (!items) return null;
  const data = remember(entry, handle, items);
  return items.map((item, index) => lsp().hierarchyItem(item, data(index)));
}

function hierarchyCalls(entry, handle, result, side) {
  const calls = asArray(result);
  if (!calls) return null;
  const data = remember(entry, handle, calls.map((call) => call[side]));
  return calls.map((call, index) => ({ [side]: lsp().hierarchyItem(call[side], data(index)), fromRanges: (call.fromRanges || []).map(lsp().range) }));
}

// LSP method → how to call the provider and convert its answer. Each gets (entry, params, token, handle).
const METHODS = {
  // `{ ask, convert }`: the provider's answer is converted as `convert(await ask(…))` would, but at once
  // when that changes nothing (see `invokeProvider`).
  'textDocument/hover': {
    ask: (entry, params, token) => entry.provider.provideHover(documentOf(params), lsp().fromPosition(params.position), token),
    convert: (hover) => (hover ? lsp().hover(hover) : null),
  },
  'textDocument/completion': async (entry, params, token, handle) => {
    const result = await entry.provider.provideCompletionItems(documentOf(params), lsp().fromPosition(params.position), token, completionContext(params.context));
    if (!result) return null;
    const items = Array.isArray(result) ? result : result.items || [];
    const data = entry.resolves ? remember(entry, handle, items) : () => undefined;
    const converted = items.map((item, index) => lsp().completionItem(item, data(index)));
    return Array.isArray(result) ? converted : { isIncomplete: Boolean(result.isIncomplete), items: converted };
  },
  'completionItem/resolve': async (entry, params, token) => {
    const original = recall(entry, params.data);
    if (!original || typeof entry.provider.resolveCompletionItem !== 'function') return params;
    const resolved = (await entry.provider.resolveCompletionItem(original, token)) || original;
    return lsp().completionItem(resolved, params.data);
  },
  'textDocument/definition': async (entry, params, token) => lsp().definition(await entry.provider.provideDefinition(documentOf(params), lsp().fromPosition(params.position), token)),
  'textDocument/declaration': async (entry, params, token) => lsp().definition(await entry.provider.provideDeclaration(documentOf(params), lsp().fromPosition(params.position), token)),
  'textDocument/typeDefinition': async (entry, params, token) => lsp().definition(await entry.provider.provideTypeDefinition(documentOf(params), lsp().fromPosition(params.position), token)),
  'textDocument/implementation': async (entry, params, token) => lsp().definition(await entry.provider.provideImplementation(documentOf(params), lsp().fromPosition(params.position), token)),
  'textDocument/references': async (entry, params, token) => {
    const context = { includeDeclaration: Boolean(params.context && params.context.includeDeclaration) };
    const locations = asArray(await entry.provider.provideReferences(documentOf(params), lsp().fromPosition(params.position), context, token));
    return locations ? locations.map(lsp().location) : null;
  },
  'textDocument/codeAction': async (entry, params, token, handle) => {
    const context = params.context || {};
    const vscodeContext = {
      diagnostics: (context.diagnostics || []).map(lsp().fromDiagnostic),
      only: Array.isArray(context.only) && context.only.length ? new shim.CodeActionKind(context.only[0]) : undefined,
      triggerKind: context.triggerKind === 2 ? shim.CodeActionTriggerKind.Automatic : shim.CodeActionTriggerKind.Invoke,
    };
    const actions = asArray(await entry.provider.provideCodeActions(documentOf(params), lsp().fromRange(params.range), vscodeContext, token));
    if (!actions) return null;
    const data = entry.resolves ? remember(entry, handle, actions) : () => undefined;
    return actions.filter(Boolean).map((action, index) => {
      const converted = lsp().codeAction(action);
      const key = data(index);
      if (key !== undefined && typeof action.command !== 'string') converted.data = key;
      return converted;
    });
  },
  'codeAction/resolve': async (entry, params, token) => {
    const original = recall(entry, params.data);
    if (!original || typeof entry.provider.resolveCodeAction !== 'function') return params;
    const resolved = (await entry.provider.resolveCodeAction(original, token)) || original;
    return Object.assign(lsp().codeAction(resolved), { data: params.data });
  },
  'textDocument/codeLens': async (entry, params, token, handle) => {
    const lenses = asArray(await entry.provider.provideCodeLenses(documentOf(params), token));
    if (!lenses) return null;
    const data = entry.resolves ? remember(entry, handle, lenses) : () => undefined;
    return lenses.map((lens, index) => lsp().codeLens(lens, lens.command ? undefined : data(index)));
  },
  'codeLens/resolve': async (entry, params, token) => {
    const original = recall(entry, params.data);
    if (!original || typeof entry.provider.resolveCodeLens !== 'function') return params;
    const resolved = (await entry.provider.resolveCodeLens(original, token)) || original;
    return lsp().codeLens(resolved, params.data);
  },
  'textDocument/documentSymbol': async (entry, params, token) => {
    const symbols = asArray(await entry.provider.provideDocumentSymbols(documentOf(params), token));
    return symbols ? symbols.map(lsp().documentSymbol) : null;
  },
  'workspace/symbol': async (entry, params, token) => {
    const symbols = asArray(await entry.provider.provideWorkspaceSymbols(String(params.query || ''), token));
    return symbols ? symbols.map(lsp().documentSymbol) : null;
  },
  'textDocument/formatting': async (entry, params, token) => {
    const edits = asArray(await entry.provider.provideDocumentFormattingEdits(documentOf(params), formattingOptions(params.options), token));
    return edits ? edits.map(lsp().textEdit) : null;
  },
  'textDocument/rangeFormatting': async (entry, params, token) => {
    const edits = asArray(await entry.provider.provideDocumentRangeFormattingEdits(documentOf(params), lsp().fromRange(params.range), formattingOptions(params.options), token));
    return edits ? edits.map(lsp().textEdit) : null;
  },
  'textDocument/onTypeFormatting': async (entry, params, token) => {
    const edits = asArray(await entry.provider.provideOnTypeFormattingEdits(documentOf(params), lsp().fromPosition(params.position), String(params.ch), formattingOptions(params.options), token));
    return edits ? edits.map(lsp().textEdit) : null;
  },
  'textDocument/signatureHelp': async (entry, params, token) => {
    const context = params.context || {};
    const vscodeContext = {
      triggerKind: context.triggerKind || shim.SignatureHelpTriggerKind.Invoke,
      triggerCharacter: context.triggerCharacter,
      isRetrigger: Boolean(context.isRetrigger),
      activeSignatureHelp: lsp().fromSignatureHelp(context.activeSignatureHelp),
    };
    const help = await entry.provider.provideSignatureHelp(documentOf(params), lsp().fromPosition(params.position), token, vscodeContext);
    return help ? lsp().signatureHelp(help) : null;
  },
  'textDocument/rename': async (entry, params, token) => {
    const edit = await entry.provider.provideRenameEdits(documentOf(params), lsp().fromPosition(params.position), String(params.newName), token);
    return edit ? lsp().workspaceEdit(edit) : null;
  },
  'textDocument/prepareRename': async (entry, params, token) => {
    if (typeof entry.provider.prepareRename !== 'function') return null;
    return lsp().renameRange(await entry.provider.prepareRename(documentOf(params), lsp().fromPosition(params.position), token));
  },
  'textDocument/documentLink': async (entry, params, token, handle) => {
    const links = asArray(await entry.provider.provideDocumentLinks(documentOf(params), token));
    if (!links) return null;
    const data = entry.resolves ? remember(entry, handle, links) : () => undefined;
    return links.map((link, index) => lsp().documentLink(link, link.target ? undefined : data(index)));
  },
  'documentLink/resolve': async (entry, params, token) => {
    const original = recall(entry, params.data);
    if (!original || typeof entry.provider.resolveDocumentLink !== 'function') return params;
    const resolved = (await entry.provider.resolveDocumentLink(original, token)) || original;
    return lsp().documentLink(resolved, params.data);
  },
  'textDocument/prepareCallHierarchy': async (entry, params, token, handle) => hierarchyItems(entry, handle,
    await entry.provider.prepareCallHierarchy(documentOf(params), lsp().fromPosition(params.position), token)),
  'callHierarchy/incomingCalls': async (entry, params, token, handle) => {
    const item = recall(entry, params.item && params.item.data);
    if (!item) return null;
    return hierarchyCalls(entry, handle, await entry.provider.provideCallHierarchyIncomingCalls(item, token), 'from');
  },
  'callHierarchy/outgoingCalls': async (entry, params, token, handle) => {
    const item = recall(entry, params.item && params.item.data);
    if (!item) return null;
    return hierarchyCalls(entry, handle, await entry.provider.provideCallHierarchyOutgoingCalls(item, token), 'to');
  },
  'textDocument/prepareTypeHierarchy': async (entry, params, token, handle) => hierarchyItems(entry, handle,
    await entry.provider.prepareTypeHierarchy(documentOf(params), lsp().fromPosition(params.position), token)),
  'typeHierarchy/supertypes': async (entry, params, token, handle) => {
    const item = recall(entry, params.item && params.item.data);
    return item ? hierarchyItems(entry, handle, await entry.provider.provideTypeHierarchySupertypes(item, token)) : null;
  },
  'typeHierarchy/subtypes': async (entry, params, token, handle) => {
    const item = recall(entry, params.item && params.item.data);
    return item ? hierarchyItems(entry, handle, await entry.provider.provideTypeHierarchySubtypes(item, token)) : null;
  },
  'textDocument/documentHighlight': async (entry, params, token) => {
    const highlights = asArray(await entry.provider.provideDocumentHighlights(documentOf(params), lsp().fromPosition(params.position), token));
    return highlights ? highlights.map(lsp().documentHighlight) : null;
  },
  'textDocument/foldingRange': async (entry, params, token) => {
    const ranges = asArray(await entry.provider.provideFoldingRanges(documentOf(params), {}, token));
    return ranges ? ranges.map(lsp().foldingRange) : null;
  },
  'textDocument/selectionRange': async (entry, params, token) => {
    const positions = (params.positions || []).map(lsp().fromPosition);
    const ranges = asArray(await entry.provider.provideSelectionRanges(documentOf(params), positions, token));
    return ranges ? ranges.map(lsp().selectionRange) : null;
  },
  'textDocument/inlayHint': async (entry, params, token) => {
    const hints = asArray(await entry.provider.provideInlayHints(documentOf(params), lsp().fromRange(params.range), token));
    return hints ? hints.map(lsp().inlayHint) : null;
  },
  'textDocument/documentColor': async (entry, params, token) => {
    const colors = asArray(await entry.provider.provideDocumentColors(documentOf(params), token));
    return colors ? colors.map(lsp().colorInformation) : null;
  },
  'textDocument/colorPresentation': async (entry, params, token) => {
    const value = params.color || {};
    const color = new shim.Color(value.red, value.green, value.blue, value.alpha);
    const context = { document: documentOf(params), range: lsp().fromRange(params.range) };
    const presentations = asArray(await entry.provider.provideColorPresentations(color, context, token));
    return presentations ? presentations.map(lsp().colorPresentation) : null;
  },
  'textDocument/linkedEditingRange': async (entry, params, token) => {
    const ranges = await entry.provider.provideLinkedEditingRanges(documentOf(params), lsp().fromPosition(params.position), token);
    return ranges ? lsp().linkedEditingRanges(ranges) : null;
  },
  'textDocument/semanticTokens/full': async (entry, params, token) => {
    const tokens = await entry.provider.provideDocumentSemanticTokens(documentOf(params), token);
    return tokens ? lsp().semanticTokens(tokens) : null;
  },
};

// Answers one InvokeProvider: the converted answer, or a promise of it (a failure throws or rejects).
//
// A method given as `{ ask, convert }` converts the provider's answer at once, without a promise, when
// the answer is not a thenable and the provider queued no promise job: `await` would only have resumed
// once the queue was empty, with nothing run in between, so the conversion sees the same answer (and the
// host gets it in this very call, as a command's synchronous result). Otherwise the answer is awaited
// as before (a thenable adopted, queued jobs run first). Without `host.jobsPending` (Deno) it is always
// awaited.
shim.internal.invokeProvider = function invokeProvider(payload) {
  const handle = Number(payload.handle);
  const entry = providers.get(handle);
  if (!entry) throw new Error('exthost: ' + host.id + ' has no provider with handle ' + payload.handle);
  const run = ObjectPrototypeHasOwnProperty(METHODS, payload.method) ? METHODS[payload.method] : undefined;
  if (!run) throw new Error('exthost: cannot answer ' + payload.method + ' with a provider');
  shim.internal.ensureSession();
  const id = payload.token;
  const source = shim.internal.cancellationSource(id);
  const params = payload.params || {};
  const release = () => shim.internal.releaseCancellation(id);
  let answer;
  try {
    answer = typeof run === 'function' ? run(entry, params, source.token, handle) : run.ask(entry, params, source.token, handle);
  } catch (error) {
    release();
    throw error;
  }
  const finish = (value) => {
    try {
      const result = typeof run === 'function' ? value : run.convert(value, entry, handle);
      return result === undefined ? null : result;
    } finally {
      release();
    }
  };
  const jobsPending = host.jobsPending;
  if (typeof run !== 'function' && jobsPending !== undefined && !host.isThenable(answer) && !jobsPending()) {
    return finish(answer);
  }
  return PromisePrototypeThen(PromiseResolve(answer), finish, (error) => {
    release();
    throw error;
  });
};

shim.internal.onDeactivate(() => {
  for (const handle of Array.from(providers.keys())) host.notify('unregisterProvider', { handle });
  providers.clear();
});

// ---------------------------------------------------------------- registration functions

const has = (provider, name) => typeof provider[name] === 'function';

const registrations = {
  registerHoverProvider: (selector, provider) => register('textDocument/hover', selector, provider, {}),
  registerCompletionItemProvider: (selector, provider, ...triggerCharacters) => {
    const resolves = has(provider, 'resolveCompletionItem');
    return register('textDocument/completion', selector, provider, { triggerCharacters, resolveProvider: resolves }, { resolves });
  },
  registerDefinitionProvider: (selector, provider) => register('textDocument/definition', selector, provider, {}),
  registerDeclarationProvider: (selector, provider) => register('textDocument/declaration', selector, provider, {}),
  registerTypeDefinitionProvider: (selector, provider) => register('textDocument/typeDefinition', selector, provider, {}),
  registerImplementationProvider: (selector, provider) => register('textDocument/implementation', selector, provider, {}),
  registerReferenceProvider: (selector, provider) => register('textDocument/references', selector, provider, {}),
  registerCodeActionsProvider: (selector, provider, metadata) => {
    const resolves = has(provider, 'resolveCodeAction');
    const options = { resolveProvider: resolves };
    if (metadata && Array.isArray(metadata.providedCodeActionKinds)) options.codeActionKinds = metadata.providedCodeActionKinds.map((kind) => kind.value);
    return register('textDocument/codeAction', selector, provider, options, { resolves });
  },
  registerCodeLensProvider: (selector, provider) => {
    const resolves = has(provider, 'resolveCodeLens');
    const disposable = register('textDocument/codeLens', selector, provider, { resolveProvider: resolves }, { resolves });
    const entry = providers.get(nextHandle - 1);
    entry.subscriptions.push(...refreshOn(provider.onDidChangeCodeLenses, 'workspace/codeLens/refresh'));
    return disposable;
  },
  registerDocumentSymbolProvider: (selector, provider, metadata) => register('textDocument/documentSymbol', selector, provider, metadata && metadata.label ? { label: metadata.label } : {}),
  registerWorkspaceSymbolProvider: (provider) => register('workspace/symbol', null, provider, { resolveProvider: false }),
  registerDocumentFormattingEditProvider: (selector, provider) => register('textDocument/formatting', selector, provider, {}),
  registerDocumentRangeFormattingEditProvider: (selector, provider) => register('textDocument/rangeFormatting', selector, provider, {}),
  registerOnTypeFormattingEditProvider: (selector, provider, firstTriggerCharacter, ...moreTriggerCharacter) => register('textDocument/onTypeFormatting', selector, provider, { firstTriggerCharacter, moreTriggerCharacter }),
  registerSignatureHelpProvider: (selector, provider, firstItem, ...rest) => {
    let options;
    if (firstItem && typeof firstItem === 'object') {
      options = { triggerCharacters: (firstItem.triggerCharacters || []).slice(), retriggerCharacters: (firstItem.retriggerCharacters || []).slice() };
    } else {
      options = { triggerCharacters: (firstItem === undefined ? [] : [firstItem]).concat(rest), retriggerCharacters: [] };
    }
    return register('textDocument/signatureHelp', selector, provider, options);
  },
  registerRenameProvider: (selector, provider) => register('textDocument/rename', selector, provider, { prepareProvider: has(provider, 'prepareRename') }),
  registerDocumentLinkProvider: (selector, provider) => {
    const resolves = has(provider, 'resolveDocumentLink');
    return register('textDocument/documentLink', selector, provider, { resolveProvider: resolves }, { resolves });
  },
  registerDocumentHighlightProvider: (selector, provider) => register('textDocument/documentHighlight', selector, provider, {}),
  registerFoldingRangeProvider: (selector, provider) => register('textDocument/foldingRange', selector, provider, {}),
  registerSelectionRangeProvider: (selector, provider) => register('textDocument/selectionRange', selector, provider, {}),
  registerInlayHintsProvider: (selector, provider) => register('textDocument/inlayHint', selector, provider, { resolveProvider: false }),
  registerCallHierarchyProvider: (selector, provider) => register('textDocument/prepareCallHierarchy', selector, provider, {}),
  registerTypeHierarchyProvider: (selector, provider) => register('textDocument/prepareTypeHierarchy', selector, provider, {}),
  registerColorProvider: (selector, provider) => register('textDocument/documentColor', selector, provider, {}),
  registerLinkedEditingRangeProvider: (selector, provider) => register('textDocument/linkedEditingRange', selector, provider, {}),
  registerDocumentSemanticTokensProvider: (selector, provider, legend) => {
    const options = { legend: { tokenTypes: legend.tokenTypes.slice(), tokenModifiers: legend.tokenModifiers.slice() }, full: true };
    const disposable = register('textDocument/semanticTokens/full', selector, provider, options);
    const entry = providers.get(nextHandle - 1);
    entry.subscriptions.push(...refreshOn(provider.onDidChangeSemanticTokens, 'workspace/semanticTokens/refresh'));
    return disposable;
  },
};

// ---------------------------------------------------------------- document selectors

// A glob as a RegExp (`**`, `*`, `?`, `{a,b}`, `[…]`), matched against the whole path.
function globToRegExp(glob) {
  let source = '';
  let inGroup = 0;
  for (let index = 0; index < glob.length; index++) {
    const character = glob[index];
    if (character === '*') {
      if (glob[index + 1] === '*') {
        index++;
        if (glob[index + 1] === '/') {
          index++;
          source += '(?:.*/)?';
        } else {
          source += '.*';
        }
      } else {
        source += '[^/]*';
      }
    } else if (character === '?') {
      source += '[^/]';
    } else if (character === '{') {
      inGroup++;
      source += '(?:';
    } else if (character === '}' && inGroup) {
      inGroup--;
      source += ')';
    } else if (character === ',' && inGroup) {
      source += '|';
    } else if (character === '[') {
      const end = glob.indexOf(']', index + 1);
      if (end < 0) {
        source += '\\[';
      } else {
        source += '[' + glob.slice(index + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        index = end;
      }
    } else {
      source += character.replace(/[.+^$()|\\\]]/g, '\\$&');
    }
  }
  return new RegExp('^' + source + '$');
}

function matchesPattern(pattern, uri) {
  if (typeof pattern === 'string') {
    const path = uri.fsPath;
    const regex = globToRegExp(pattern);
    return regex.test(path) || (!pattern.startsWith('/') && !pattern.startsWith('**') && globToRegExp('**/' + pattern).test(path));
  }
  const base = pattern.baseUri ? shim.toUri(pattern.baseUri).fsPath : pattern.base;
  const path = uri.fsPath;
  if (!path.startsWith(base.endsWith('/') ? base : base + '/')) return false;
  return globToRegExp(pattern.pattern).test(path.slice(base.length).replace(/^\//, ''));
}

shim.internal.globToRegExp = globToRegExp;

// VS Code's score: 10 for an exact match, 5 for a '*' match, 0 for none.
function score(selector, document) {
  if (Array.isArray(selector)) {
    let best = 0;
    for (const item of selector) {
      const value = score(item, document);
      if (value === 10) return 10;
      if (value > best) best = value;
    }
    return best;
  }
  if (typeof selector === 'string') {
    if (selector === '*') return 5;
    return selector === document.languageId ? 10 : 0;
  }
  if (!selector || typeof selector !== 'object') return 0;
  let result = 0;
  if (selector.scheme) {
    if (selector.scheme === document.uri.scheme) result = 10;
    else if (selector.scheme === '*') result = 5;
    else return 0;
  }
  if (selector.language) {
    if (selector.language === document.languageId) result = 10;
    else if (selector.language === '*') result = Math.max(result, 5);
    else return 0;
  }
  if (selector.notebookType) return 0;
  if (selector.pattern) {
    if (matchesPattern(selector.pattern, document.uri)) result = 10;
    else return 0;
  }
  return result;
}

// ---------------------------------------------------------------- diagnostics

const collections = new Set();
const usedNames = new Set();
let nextCollection = 1;
const diagnosticsChanged = new EventEmitter();

class DiagnosticCollection {
  constructor(name) {
    this._name = name;
    let wireName = name;
    while (usedNames.has(wireName)) wireName = name + '#' + nextCollection++;
    usedNames.add(wireName);
    this._wireName = wireName;
    this._entries = new Map();
    this._disposed = false;
    collections.add(this);
  }

  get name() { return this._name; }

  _check() {
    if (this._disposed) throw new Error('DiagnosticCollection has been disposed');
  }

  _publish(uri, diagnostics) {
    host.notify('setDiagnostics', { collection: this._wireName, uri: shim.documents.wireUri(uri), diagnostics: diagnostics.map(lsp().diagnostic) });
  }

  set(uriOrEntries, diagnostics) {
    this._check();
    const touched = [];
    if (Array.isArray(uriOrEntries)) {
      const merged = new Map();
      for (const [uri, list] of uriOrEntries) {
        const key = uri.toString();
        if (!list) {
          merged.set(key, [uri, []]);
        } else {
          if (!merged.has(key)) merged.set(key, [uri, []]);
          merged.get(key)[1].push(...list);
        }
      }
      for (const [key, [uri, list]] of merged) {
        this._store(key, uri, list);
        touched.push(uri);
      }
    } else {
      const uri = uriOrEntries;
      this._store(uri.toString(), uri, diagnostics || []);
      touched.push(uri);
    }
    diagnosticsChanged.fire(Object.freeze({ uris: touched }));
  }

  _store(key, uri, list) {
    const frozen = Object.freeze(list.filter(Boolean).slice());
    if (frozen.length) this._entries.set(key, [uri, frozen]);
    else this._entries.delete(key);
    this._publish(uri, frozen);
  }

  delete(uri) {
    this._check();
    const key = uri.toString();
    if (!this._entries.has(key)) return;
    this._entries.delete(key);
    this._publish(uri, []);
    diagnosticsChanged.fire(Object.freeze({ uris: [uri] }));
  }

  clear() {
    this._check();
    const uris = Array.from(this._entries.values()).map(([uri]) => uri);
    this._entries.clear();
    for (const uri of uris) this._publish(uri, []);
    if (uris.length) diagnosticsChanged.fire(Object.freeze({ uris }));
  }

  forEach(callback, thisArg) {
    this._check();
    for (const [uri, list] of this._entries.values()) callback.call(thisArg, uri, list, this);
  }

  get(uri) {
    this._check();
    const entry = this._entries.get(uri.toString());
    return entry ? entry[1] : [];
  }

  has(uri) {
    this._check();
    return this._entries.has(uri.toString());
  }

  [Symbol.iterator]() {
    return Array.from(this._entries.values()).map(([uri, list]) => [uri, list])[Symbol.iterator]();
  }

  dispose() {
    if (this._disposed) return;
    this.clear();
    this._disposed = true;
    collections.delete(this);
    usedNames.delete(this._wireName);
  }
}

shim.internal.onDeactivate(() => {
  for (const collection of Array.from(collections)) collection.dispose();
});

function createDiagnosticCollection(name) {
  return new DiagnosticCollection(typeof name === 'string' && name ? name : '_generated_diagnostic_collection_name_#' + nextCollection++);
}

function getDiagnostics(uri) {
  if (uri) {
    const list = [];
    for (const collection of collections) list.push(...collection.get(uri));
    return list;
  }
  const byUri = new Map();
  for (const collection of collections) {
    for (const [entryUri, list] of collection._entries.values()) {
      const key = entryUri.toString();
      if (!byUri.has(key)) byUri.set(key, [entryUri, []]);
      byUri.get(key)[1].push(...list);
    }
  }
  return Array.from(byUri.values());
}

// ---------------------------------------------------------------- languages

// Every language id any extension contributes (exthost's own definitions are the built-in extension
// `exthost.languages`), and those of the open documents.
function getLanguages() {
  const languages = new Set(['plaintext']);
  for (const document of shim.documents.all()) languages.add(document.languageId);
  for (const extension of shim.extensions.all) {
    const contributes = extension.packageJSON && extension.packageJSON.contributes;
    for (const language of (contributes && Array.isArray(contributes.languages) ? contributes.languages : [])) {
      if (language && typeof language.id === 'string') languages.add(language.id);
    }
  }
  return Promise.resolve(Array.from(languages).sort());
}

function setTextDocumentLanguage(document, languageId) {
  if (!(document instanceof shim.TextDocument) || document.isClosed) return Promise.reject(new Error('document is closed'));
  if (document.languageId !== languageId) {
    shim.documents.onDidClose.fire(document);
    document._languageId = String(languageId);
    shim.documents.onDidOpen.fire(document);
  }
  return Promise.resolve(document);
}

// Providers of features an LSP editor never asks for (inline completions and values, evaluatable
// expressions, drop and paste edits, range semantic tokens): registering succeeds, as in VS Code, and the
// provider is kept until disposed; a warning says the editor will not ask it.
function unasked(name, feature) {
  return (selector, provider) => {
    if (!provider || typeof provider !== 'object' && typeof provider !== 'function') throw shim.illegalArgument('provider');
    shim.warnOnce('exthost: languages.' + name + ' is accepted, but an LSP editor does not ask for ' + feature);
    return new Disposable(() => {});
  };
}

const unaskedRegistrations = {
  registerInlineCompletionItemProvider: unasked('registerInlineCompletionItemProvider', 'inline completions'),
  registerInlineValuesProvider: unasked('registerInlineValuesProvider', 'inline values (a debugger feature)'),
  registerEvaluatableExpressionProvider: unasked('registerEvaluatableExpressionProvider', 'evaluatable expressions (a debugger feature)'),
  registerDocumentDropEditProvider: unasked('registerDocumentDropEditProvider', 'drop edits'),
  registerDocumentPasteEditProvider: unasked('registerDocumentPasteEditProvider', 'paste edits'),
  registerDocumentRangeSemanticTokensProvider: unasked('registerDocumentRangeSemanticTokensProvider', 'range semantic tokens (whole-document tokens are asked of registerDocumentSemanticTokensProvider)'),
};

// A language status item is kept with its properties; LSP has no place to show it.
function createLanguageStatusItem(id, selector) {
  if (typeof id !== 'string') throw shim.illegalArgument('id');
  shim.warnOnce('exthost: language status items are not shown (LSP has no language status)');
  return {
    id,
    selector,
    name: undefined,
    text: '',
    detail: undefined,
    severity: shim.LanguageStatusSeverity.Information,
    command: undefined,
    busy: false,
    accessibilityInformation: undefined,
    dispose() {},
  };
}

shim.languages = shim.guard(Object.assign({
  match: (selector, document) => score(selector, document),
  createLanguageStatusItem,
  createDiagnosticCollection,
  getDiagnostics,
  onDidChangeDiagnostics: diagnosticsChanged.event,
  getLanguages,
  setTextDocumentLanguage,
  setLanguageConfiguration: () => {
    shim.warnOnce('exthost: languages.setLanguageConfiguration has no effect (the editor owns language configuration)');
    return new Disposable(() => {});
  },
}, registrations, unaskedRegistrations), 'vscode.languages');
