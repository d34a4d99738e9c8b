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
for (const name of NAMESPACES.concat(CLASSES, ENUMS)) {
  const own = Object.getOwnPropertyDescriptor(shim, name);
  if (own && own.get) {
    // A member an engine builds on first use (QuickJS reads some files lazily) stays so here: the first
    // read takes shim's value, and from then on it is a plain property.
    const settle = (value) => {
      Object.defineProperty(moduleObject, name, { value, writable: true, enumerable: true, configurable: true });
      return value;
    };
    Object.defineProperty(moduleObject, name, {
      get: () => settle(shim[name]), set: settle, enumerable: true, configurable: true,
    });
    continue;
  }
  if (shim[name] === undefined) throw new Error('exthost shim: vscode.' + name + ' is listed but not built');
  moduleObject[name] = shim[name];
}

shim.vscode = shim.guard(moduleObject, 'vscode', NOT_IMPLEMENTED);
