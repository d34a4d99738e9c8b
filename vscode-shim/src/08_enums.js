// The enums of the API that are not tied to one feature file, with VS Code's numbers, and
// vscode.FileSystemError. The workbench parts' enums and classes are in `09_workbench.js`.

Object.assign(shim, {
  StatusBarAlignment: Object.freeze({ Left: 1, Right: 2 }),
  ProgressLocation: Object.freeze({ SourceControl: 1, Window: 10, Notification: 15 }),
  ConfigurationTarget: Object.freeze({ Global: 1, Workspace: 2, WorkspaceFolder: 3 }),
  ViewColumn: Object.freeze({ Active: -1, Beside: -2, One: 1, Two: 2, Three: 3, Four: 4, Five: 5, Six: 6, Seven: 7, Eight: 8, Nine: 9 }),
  TextEditorCursorStyle: Object.freeze({ Line: 1, Block: 2, Underline: 3, LineThin: 4, BlockOutline: 5, UnderlineThin: 6 }),
  TextEditorLineNumbersStyle: Object.freeze({ Off: 0, On: 1, Relative: 2, Interval: 3 }),
  TextEditorRevealType: Object.freeze({ Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 }),
  TextEditorSelectionChangeKind: Object.freeze({ Keyboard: 1, Mouse: 2, Command: 3 }),
  OverviewRulerLane: Object.freeze({ Left: 1, Center: 2, Right: 4, Full: 7 }),
  DecorationRangeBehavior: Object.freeze({ OpenOpen: 0, ClosedClosed: 1, OpenClosed: 2, ClosedOpen: 3 }),
  EndOfLine: Object.freeze({ LF: 1, CRLF: 2 }),
  TextDocumentSaveReason: Object.freeze({ Manual: 1, AfterDelay: 2, FocusOut: 3 }),
  TextDocumentChangeReason: Object.freeze({ Undo: 1, Redo: 2 }),
  IndentAction: Object.freeze({ None: 0, Indent: 1, IndentOutdent: 2, Outdent: 3 }),
  UIKind: Object.freeze({ Desktop: 1, Web: 2 }),
  ColorThemeKind: Object.freeze({ Light: 1, Dark: 2, HighContrast: 3, HighContrastLight: 4 }),
  LogLevel: Object.freeze({ Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 }),
  FileType: Object.freeze({ Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 }),
  FileChangeType: Object.freeze({ Changed: 1, Created: 2, Deleted: 3 }),
  FilePermission: Object.freeze({ Readonly: 1 }),
  QuickPickItemKind: Object.freeze({ Separator: -1, Default: 0 }),
  EnvironmentVariableMutatorType: Object.freeze({ Replace: 1, Append: 2, Prepend: 3 }),
  ExtensionMode: Object.freeze({ Production: 1, Development: 2, Test: 3 }),
});

// vscode.FileSystemError: `code` names the failure (`FileNotFound`, …) as in VS Code.
class FileSystemError extends Error {
  static FileExists(messageOrUri) { return new FileSystemError(messageOrUri, 'FileExists'); }
  static FileNotFound(messageOrUri) { return new FileSystemError(messageOrUri, 'FileNotFound'); }
  static FileNotADirectory(messageOrUri) { return new FileSystemError(messageOrUri, 'FileNotADirectory'); }
  static FileIsADirectory(messageOrUri) { return new FileSystemError(messageOrUri, 'FileIsADirectory'); }
  static NoPermissions(messageOrUri) { return new FileSystemError(messageOrUri, 'NoPermissions'); }
  static Unavailable(messageOrUri) { return new FileSystemError(messageOrUri, 'Unavailable'); }

  constructor(uriOrMessage, code = 'Unknown') {
    super(shim.Uri.isUri(uriOrMessage) ? uriOrMessage.toString(true) : uriOrMessage === undefined ? '' : String(uriOrMessage));
    this.code = code;
    this.name = code ? code + ' (FileSystemError)' : 'FileSystemError';
  }
}

shim.FileSystemError = FileSystemError;
