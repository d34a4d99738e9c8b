// The `vscode` module object: what `require('vscode')` and `import … from 'vscode'` give. A member not
// listed here throws "exthost does not implement vscode.<member>"; NOT_IMPLEMENTED names the VS Code
// members known to be missing (docs/vscode-api.md lists both, checked by a test).

const CLASSES = [
  'CancellationError', 'CancellationTokenSource', 'CodeAction', 'CodeActionKind', 'CodeLens', 'CompletionItem',
  'CompletionList', 'Diagnostic', 'DiagnosticRelatedInformation', 'Disposable', 'DocumentLink', 'DocumentSymbol',
  'EventEmitter', 'FileSystemError', 'Hover', 'Location', 'MarkdownString', 'ParameterInformation', 'Position',
  'Range', 'RelativePattern', 'Selection', 'SemanticTokens', 'SemanticTokensBuilder', 'SemanticTokensEdit',
  'SemanticTokensEdits', 'SemanticTokensLegend', 'SignatureHelp', 'SignatureInformation', 'SnippetString',
  'SymbolInformation', 'TextEdit', 'ThemeColor', 'ThemeIcon', 'Uri', 'WorkspaceEdit',
];

const ENUMS = [
  'CodeActionTriggerKind', 'ColorThemeKind', 'CompletionItemKind', 'CompletionItemTag', 'CompletionTriggerKind',
  'ConfigurationTarget', 'DecorationRangeBehavior', 'DiagnosticSeverity', 'DiagnosticTag', 'DocumentHighlightKind',
  'EndOfLine', 'EnvironmentVariableMutatorType', 'ExtensionKind', 'ExtensionMode', 'FileChangeType', 'FilePermission',
  'FileType', 'IndentAction', 'LogLevel', 'OverviewRulerLane', 'ProgressLocation', 'QuickPickItemKind',
  'SignatureHelpTriggerKind', 'StatusBarAlignment', 'SymbolKind', 'SymbolTag', 'TextDocumentChangeReason',
  'TextDocumentSaveReason', 'TextEditorCursorStyle', 'TextEditorLineNumbersStyle', 'TextEditorRevealType',
  'TextEditorSelectionChangeKind', 'UIKind', 'ViewColumn',
];

const NAMESPACES = ['commands', 'env', 'extensions', 'languages', 'window', 'workspace'];

const NOT_IMPLEMENTED = [
  'authentication', 'chat', 'comments', 'debug', 'l10n', 'lm', 'notebooks', 'scm', 'tasks', 'tests',
  'CallHierarchyIncomingCall', 'CallHierarchyItem', 'CallHierarchyOutgoingCall', 'Color', 'ColorInformation',
  'ColorPresentation', 'CommentMode', 'CommentThreadCollapsibleState', 'DataTransfer', 'DataTransferItem',
  'DocumentDropEdit', 'DocumentDropOrPasteEditKind', 'DocumentHighlight', 'DocumentPasteEdit', 'FoldingRange',
  'FoldingRangeKind', 'InlayHint', 'InlayHintKind', 'InlineCompletionItem', 'InlineCompletionList',
  'LanguageStatusSeverity', 'NotebookCellData', 'NotebookCellKind', 'NotebookCellOutput', 'NotebookCellOutputItem',
  'NotebookData', 'NotebookEdit', 'NotebookRange', 'SelectionRange', 'SnippetTextEdit', 'TabInputText',
  'TaskGroup', 'TerminalLocation', 'TestMessage', 'TestRunProfileKind', 'TestRunRequest', 'TreeItem',
  'TreeItemCollapsibleState', 'TypeHierarchyItem', 'ViewBadge', 'WebviewPanel',
];

const moduleObject = { version: '1.100.0' };
for (const name of NAMESPACES.concat(CLASSES, ENUMS)) {
  if (shim[name] === undefined) throw new Error('exthost shim: vscode.' + name + ' is listed but not built');
  moduleObject[name] = shim[name];
}

shim.vscode = shim.guard(moduleObject, 'vscode', NOT_IMPLEMENTED);
