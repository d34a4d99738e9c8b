// The `vscode` module object: what `require('vscode')` and `import … from 'vscode'` give. It is a plain
// object, as in VS Code. The lists follow @types/vscode at the version the host claims (`host.vscodeVersion`,
// from `VSCODE_API_VERSION` in host/src/config.rs): every class and enum is built; a namespace exthost
// does not implement is an object of functions that throw "exthost does not implement vscode.<path>" when
// called (docs/vscode-api.md lists everything, checked by a test).

const CLASSES = [
  'BranchCoverage', 'Breakpoint', 'CallHierarchyIncomingCall', 'CallHierarchyItem', 'CallHierarchyOutgoingCall',
  'CancellationError', 'CancellationTokenSource', 'ChatRequestTurn', 'ChatResponseAnchorPart',
  'ChatResponseCommandButtonPart', 'ChatResponseFileTreePart', 'ChatResponseMarkdownPart',
  'ChatResponseProgressPart', 'ChatResponseReferencePart', 'ChatResponseTurn', 'CodeAction', 'CodeActionKind',
  'CodeLens', 'Color', 'ColorInformation', 'ColorPresentation', 'CompletionItem', 'CompletionList',
  'CustomExecution', 'DataTransfer', 'DataTransferItem', 'DebugAdapterExecutable',
  'DebugAdapterInlineImplementation', 'DebugAdapterNamedPipeServer', 'DebugAdapterServer', 'DebugStackFrame',
  'DebugThread', 'DeclarationCoverage', 'Diagnostic', 'DiagnosticRelatedInformation', 'Disposable',
  'DocumentDropEdit', 'DocumentDropOrPasteEditKind', 'DocumentHighlight', 'DocumentLink', 'DocumentPasteEdit',
  'DocumentSymbol', 'EvaluatableExpression', 'EventEmitter', 'FileCoverage', 'FileDecoration', 'FileSystemError',
  'FoldingRange', 'FunctionBreakpoint', 'Hover', 'InlayHint', 'InlayHintLabelPart', 'InlineCompletionItem',
  'InlineCompletionList', 'InlineValueEvaluatableExpression', 'InlineValueText', 'InlineValueVariableLookup',
  'LanguageModelChatMessage', 'LanguageModelDataPart', 'LanguageModelError', 'LanguageModelPromptTsxPart',
  'LanguageModelTextPart', 'LanguageModelToolCallPart', 'LanguageModelToolResult', 'LanguageModelToolResultPart',
  'LinkedEditingRanges', 'Location', 'MarkdownString', 'McpHttpServerDefinition', 'McpStdioServerDefinition',
  'NotebookCellData', 'NotebookCellOutput', 'NotebookCellOutputItem', 'NotebookCellStatusBarItem', 'NotebookData',
  'NotebookEdit', 'NotebookRange', 'ParameterInformation', 'Position', 'ProcessExecution', 'QuickInputButtons',
  'Range', 'RelativePattern', 'Selection', 'SelectionRange', 'SemanticTokens', 'SemanticTokensBuilder',
  'SemanticTokensEdit', 'SemanticTokensEdits', 'SemanticTokensLegend', 'ShellExecution', 'SignatureHelp',
  'SignatureInformation', 'SnippetString', 'SnippetTextEdit', 'SourceBreakpoint', 'StatementCoverage',
  'SymbolInformation', 'TabInputCustom', 'TabInputNotebook', 'TabInputNotebookDiff', 'TabInputTerminal',
  'TabInputText', 'TabInputTextDiff', 'TabInputWebview', 'Task', 'TaskGroup', 'TelemetryTrustedValue',
  'TerminalLink', 'TerminalProfile', 'TestCoverageCount', 'TestMessage', 'TestMessageStackFrame', 'TestRunRequest',
  'TestTag', 'TextEdit', 'ThemeColor', 'ThemeIcon', 'TreeItem', 'TypeHierarchyItem', 'Uri', 'WorkspaceEdit',
];

const ENUMS = [
  'ChatResultFeedbackKind', 'CodeActionTriggerKind', 'ColorThemeKind', 'CommentMode',
  'CommentThreadCollapsibleState', 'CommentThreadState', 'CompletionItemKind', 'CompletionItemTag',
  'CompletionTriggerKind', 'ConfigurationTarget', 'DebugConfigurationProviderTriggerKind', 'DebugConsoleMode',
  'DecorationRangeBehavior', 'DiagnosticSeverity', 'DiagnosticTag', 'DocumentHighlightKind',
  'DocumentPasteTriggerKind', 'EndOfLine', 'EnvironmentVariableMutatorType', 'ExtensionKind', 'ExtensionMode',
  'FileChangeType', 'FilePermission', 'FileType', 'FoldingRangeKind', 'IndentAction', 'InlayHintKind',
  'InlineCompletionTriggerKind', 'InputBoxValidationSeverity', 'LanguageModelChatMessageRole',
  'LanguageModelChatToolMode', 'LanguageStatusSeverity', 'LogLevel', 'NotebookCellKind',
  'NotebookCellStatusBarAlignment', 'NotebookControllerAffinity', 'NotebookEditorRevealType', 'OverviewRulerLane',
  'ProgressLocation', 'QuickInputButtonLocation', 'QuickPickItemKind', 'ShellQuoting', 'SignatureHelpTriggerKind',
  'StatusBarAlignment', 'SymbolKind', 'SymbolTag', 'SyntaxTokenType', 'TaskPanelKind', 'TaskRevealKind', 'TaskScope',
  'TerminalExitReason', 'TerminalLocation', 'TerminalShellExecutionCommandLineConfidence', 'TestRunProfileKind',
  'TextDocumentChangeReason', 'TextDocumentSaveReason', 'TextEditorCursorStyle', 'TextEditorLineNumbersStyle',
  'TextEditorRevealType', 'TextEditorSelectionChangeKind', 'TreeItemCheckboxState', 'TreeItemCollapsibleState',
  'UIKind', 'ViewColumn',
];

const NAMESPACES = ['commands', 'debug', 'env', 'extensions', 'l10n', 'languages', 'tasks', 'window', 'workspace'];

// Namespaces VS Code has and exthost does not, with their callable members (properties are left out: they
// read `undefined`).
const NOT_IMPLEMENTED = [
  ['authentication', ['getSession', 'getAccounts', 'onDidChangeSessions', 'registerAuthenticationProvider']],
  ['chat', ['createChatParticipant']],
  ['comments', ['createCommentController']],
  ['lm', ['onDidChangeChatModels', 'selectChatModels', 'registerTool', 'invokeTool',
    'registerMcpServerDefinitionProvider', 'registerLanguageModelChatProvider']],
  ['notebooks', ['createNotebookController', 'registerNotebookCellStatusBarItemProvider', 'createRendererMessaging']],
  ['scm', ['createSourceControl']],
  ['tests', ['createTestController']],
];

const moduleObject = { version: host.vscodeVersion };
// Members an engine builds on first use (QuickJS reads some files lazily and names them in
// `shim.lazyMembers`) are not read here: `waiting` holds them, and the module object is a proxy over the
// plain object that moves a member in on its first read, description, `in`, or listing of the keys (which
// moves all of them), so that extensions see a plain object's behaviour. No function is made per member.
const lazy = new Set(shim.lazyMembers || []);
const waiting = Object.create(null);
let waitingCount = 0;
for (const name of NAMESPACES.concat(CLASSES, ENUMS)) {
  if (lazy.has(name)) {
    waiting[name] = true;
    waitingCount++;
    continue;
  }
  if (shim[name] === undefined) throw new Error('exthost shim: vscode.' + name + ' is listed but not built');
  moduleObject[name] = shim[name];
}

shim.vscode = shim.guard(moduleObject, 'vscode', NOT_IMPLEMENTED);

if (waitingCount > 0) {
  const forget = (name) => {
    if (typeof name === 'string' && waiting[name] === true) delete waiting[name];
  };
  const moveIn = (name) => {
    if (typeof name !== 'string' || waiting[name] !== true) return;
    delete waiting[name];
    Object.defineProperty(moduleObject, name, { value: shim[name], writable: true, enumerable: true, configurable: true });
  };
  shim.vscode = new Proxy(moduleObject, {
    get(target, name, receiver) {
      moveIn(name);
      return Reflect.get(target, name, receiver);
    },
    has(target, name) {
      return (typeof name === 'string' && waiting[name] === true) || Reflect.has(target, name);
    },
    getOwnPropertyDescriptor(target, name) {
      moveIn(name);
      return Reflect.getOwnPropertyDescriptor(target, name);
    },
    ownKeys(target) {
      for (const name of Object.keys(waiting)) moveIn(name);
      return Reflect.ownKeys(target);
    },
    set(target, name, value, receiver) {
      forget(name);
      return Reflect.set(target, name, value, receiver === shim.vscode ? target : receiver);
    },
    defineProperty(target, name, descriptor) {
      forget(name);
      return Reflect.defineProperty(target, name, descriptor);
    },
    deleteProperty(target, name) {
      forget(name);
      return Reflect.deleteProperty(target, name);
    },
  });
}
