// The enums and value classes of workbench parts exthost has no editor counterpart for (terminals, tasks,
// trees, notebooks, debugging, comments, tests, chat), with VS Code's numbers: real classes, constructible
// and extensible as in VS Code. QuickJS reads this file on first use (`LAZY_SHIM_GROUPS` in
// host/src/runtime/quickjs.rs lists what it defines).

// Enums of workbench parts (terminals, tasks, trees, notebooks, debugging, comments, tests, chat), with
// VS Code's numbers.
Object.assign(shim, {
  InputBoxValidationSeverity: Object.freeze({ Info: 1, Warning: 2, Error: 3 }),
  TerminalLocation: Object.freeze({ Panel: 1, Editor: 2 }),
  TerminalShellExecutionCommandLineConfidence: Object.freeze({ Low: 0, Medium: 1, High: 2 }),
  TerminalExitReason: Object.freeze({ Unknown: 0, Shutdown: 1, Process: 2, User: 3, Extension: 4 }),
  TaskRevealKind: Object.freeze({ Always: 1, Silent: 2, Never: 3 }),
  TaskPanelKind: Object.freeze({ Shared: 1, Dedicated: 2, New: 3 }),
  ShellQuoting: Object.freeze({ Escape: 1, Strong: 2, Weak: 3 }),
  TaskScope: Object.freeze({ Global: 1, Workspace: 2 }),
  TreeItemCollapsibleState: Object.freeze({ None: 0, Collapsed: 1, Expanded: 2 }),
  TreeItemCheckboxState: Object.freeze({ Unchecked: 0, Checked: 1 }),
  QuickInputButtonLocation: Object.freeze({ Title: 1, Inline: 2, Input: 3 }),
  NotebookEditorRevealType: Object.freeze({ Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 }),
  NotebookCellKind: Object.freeze({ Markup: 1, Code: 2 }),
  NotebookControllerAffinity: Object.freeze({ Default: 1, Preferred: 2 }),
  NotebookCellStatusBarAlignment: Object.freeze({ Left: 1, Right: 2 }),
  DebugConsoleMode: Object.freeze({ Separate: 0, MergeWithParent: 1 }),
  DebugConfigurationProviderTriggerKind: Object.freeze({ Initial: 1, Dynamic: 2 }),
  CommentThreadCollapsibleState: Object.freeze({ Collapsed: 0, Expanded: 1 }),
  CommentMode: Object.freeze({ Editing: 0, Preview: 1 }),
  CommentThreadState: Object.freeze({ Unresolved: 0, Resolved: 1 }),
  TestRunProfileKind: Object.freeze({ Run: 1, Debug: 2, Coverage: 3 }),
  ChatResultFeedbackKind: Object.freeze({ Unhelpful: 0, Helpful: 1 }),
  LanguageModelChatMessageRole: Object.freeze({ User: 1, Assistant: 2 }),
  LanguageModelChatToolMode: Object.freeze({ Auto: 1, Required: 2 }),
});

const dataClass = shim.internal.dataClass;

class TaskGroup {
  constructor(id, label) {
    this.id = id;
    this.label = label;
    this.isDefault = undefined;
    this.isTransient = undefined;
  }
}
TaskGroup.Clean = new TaskGroup('clean', 'Clean');
TaskGroup.Build = new TaskGroup('build', 'Build');
TaskGroup.Rebuild = new TaskGroup('rebuild', 'Rebuild');
TaskGroup.Test = new TaskGroup('test', 'Test');

class ProcessExecution {
  constructor(process, argsOrOptions, options) {
    if (typeof process !== 'string') throw shim.illegalArgument('process');
    this.process = process;
    this.args = Array.isArray(argsOrOptions) ? argsOrOptions : [];
    this.options = Array.isArray(argsOrOptions) ? options : argsOrOptions;
  }
}

class ShellExecution {
  constructor(commandOrLine, argsOrOptions, options) {
    if (Array.isArray(argsOrOptions)) {
      this.command = commandOrLine;
      this.args = argsOrOptions;
      this.options = options;
    } else {
      this.commandLine = commandOrLine;
      this.options = argsOrOptions;
    }
  }
}

class CustomExecution {
  constructor(callback) {
    this.callback = callback;
  }
}

class Task {
  // `new Task(definition, scope, name, source, execution?, problemMatchers?)`, or the deprecated
  // `new Task(definition, name, source, execution?, problemMatchers?)`.
  constructor(definition, ...rest) {
    const deprecated = typeof rest[0] === 'string';
    const [scope, name, source, execution, problemMatchers] = deprecated ? [undefined, ...rest] : rest;
    this.definition = definition;
    this.scope = scope;
    this.name = name;
    this.source = source;
    this.execution = execution;
    this.problemMatchers = problemMatchers === undefined ? [] : Array.isArray(problemMatchers) ? problemMatchers : [problemMatchers];
    this.isBackground = false;
    this.presentationOptions = {};
    this.runOptions = {};
    this.group = undefined;
    this.detail = undefined;
  }
}

class DataTransferItem {
  constructor(value) {
    this.value = value;
  }

  asString() {
    return Promise.resolve(typeof this.value === 'string' ? this.value : JSON.stringify(this.value));
  }

  asFile() {
    return undefined;
  }
}

class DataTransfer {
  constructor(init) {
    this._items = new Map();
    for (const [mimeType, item] of init || []) this.set(mimeType, item);
  }

  get(mimeType) { return this._items.get(String(mimeType).toLowerCase()); }
  set(mimeType, value) { this._items.set(String(mimeType).toLowerCase(), value); }
  forEach(callback, thisArg) { this._items.forEach((item, mimeType) => callback.call(thisArg, item, mimeType, this)); }
  [Symbol.iterator]() { return this._items[Symbol.iterator](); }
}

class TreeItem {
  constructor(labelOrUri, collapsibleState = shim.TreeItemCollapsibleState.None) {
    if (shim.Uri.isUri(labelOrUri)) this.resourceUri = labelOrUri;
    else this.label = labelOrUri;
    this.collapsibleState = collapsibleState;
  }
}

class QuickInputButtons {}
QuickInputButtons.Back = Object.freeze({ iconPath: new shim.ThemeIcon('arrow-left') });

class NotebookRange {
  constructor(start, end) {
    if (start < 0 || end < 0) throw shim.illegalArgument('start and end must be positive');
    this.start = Math.min(start, end);
    this.end = Math.max(start, end);
  }

  get isEmpty() { return this.start === this.end; }

  with(change) {
    const start = change.start === undefined ? this.start : change.start;
    const end = change.end === undefined ? this.end : change.end;
    return start === this.start && end === this.end ? this : new NotebookRange(start, end);
  }
}

class NotebookCellOutputItem {
  static text(value, mime = 'text/plain') { return new NotebookCellOutputItem(new TextEncoder().encode(String(value)), mime); }
  static json(value, mime = 'text/x-json') { return NotebookCellOutputItem.text(JSON.stringify(value, undefined, '\t'), mime); }
  static stdout(value) { return NotebookCellOutputItem.text(value, 'application/vnd.code.notebook.stdout'); }
  static stderr(value) { return NotebookCellOutputItem.text(value, 'application/vnd.code.notebook.stderr'); }
  static error(value) {
    return NotebookCellOutputItem.json({ name: value.name, message: value.message, stack: value.stack }, 'application/vnd.code.notebook.error');
  }

  constructor(data, mime) {
    this.data = data;
    this.mime = mime;
  }
}

class NotebookCellOutput {
  constructor(items, idOrMetadata, metadata) {
    this.items = items;
    if (typeof idOrMetadata === 'string') {
      this.id = idOrMetadata;
      this.metadata = metadata;
    } else {
      this.metadata = idOrMetadata;
    }
  }
}

class NotebookEdit {
  static replaceCells(range, newCells) { return new NotebookEdit(range, newCells); }
  static insertCells(index, newCells) { return new NotebookEdit(new NotebookRange(index, index), newCells); }
  static deleteCells(range) { return new NotebookEdit(range, []); }
  static updateCellMetadata(index, newCellMetadata) {
    const edit = new NotebookEdit(new NotebookRange(index, index), []);
    edit.newCellMetadata = newCellMetadata;
    return edit;
  }
  static updateNotebookMetadata(newNotebookMetadata) {
    const edit = new NotebookEdit(new NotebookRange(0, 0), []);
    edit.newNotebookMetadata = newNotebookMetadata;
    return edit;
  }

  constructor(range, newCells) {
    this.range = range;
    this.newCells = newCells;
  }
}

class Breakpoint {
  constructor(enabled, condition, hitCondition, logMessage) {
    this.id = 'exthost-breakpoint-' + Math.random().toString(36).slice(2);
    this.enabled = typeof enabled === 'boolean' ? enabled : true;
    this.condition = condition;
    this.hitCondition = hitCondition;
    this.logMessage = logMessage;
  }
}

class SourceBreakpoint extends Breakpoint {
  constructor(location, enabled, condition, hitCondition, logMessage) {
    super(enabled, condition, hitCondition, logMessage);
    this.location = location;
  }
}

class FunctionBreakpoint extends Breakpoint {
  constructor(functionName, enabled, condition, hitCondition, logMessage) {
    super(enabled, condition, hitCondition, logMessage);
    this.functionName = functionName;
  }
}

class TestMessage {
  static diff(message, expected, actual) {
    const made = new TestMessage(message);
    made.expectedOutput = expected;
    made.actualOutput = actual;
    return made;
  }

  constructor(message) {
    this.message = message;
  }
}

const TestCoverageCount = dataClass('TestCoverageCount', ['covered', 'total']);

class FileCoverage {
  static fromDetails(uri, details) {
    const count = (predicate) => {
      const chosen = details.filter(predicate);
      return new TestCoverageCount(chosen.filter((detail) => Boolean(detail.executed)).length, chosen.length);
    };
    const statements = count((detail) => !('name' in detail));
    const declarations = details.some((detail) => 'name' in detail) ? count((detail) => 'name' in detail) : undefined;
    return new FileCoverage(uri, statements, undefined, declarations);
  }

  constructor(uri, statementCoverage, branchCoverage, declarationCoverage, includesTests) {
    this.uri = uri;
    this.statementCoverage = statementCoverage;
    this.branchCoverage = branchCoverage;
    this.declarationCoverage = declarationCoverage;
    this.includesTests = includesTests;
  }
}

class LanguageModelChatMessage {
  static User(content, name) { return new LanguageModelChatMessage(shim.LanguageModelChatMessageRole.User, content, name); }
  static Assistant(content, name) { return new LanguageModelChatMessage(shim.LanguageModelChatMessageRole.Assistant, content, name); }

  constructor(role, content, name) {
    this.role = role;
    this.content = typeof content === 'string' ? [new shim.LanguageModelTextPart(content)] : content;
    this.name = name;
  }
}

class LanguageModelError extends Error {
  static NotFound(message) { return new LanguageModelError(message, 'NotFound'); }
  static NoPermissions(message) { return new LanguageModelError(message, 'NoPermissions'); }
  static Blocked(message) { return new LanguageModelError(message, 'Blocked'); }

  constructor(message, code = 'Unknown') {
    super(message);
    this.name = 'LanguageModelError';
    this.code = code;
  }
}

class LanguageModelDataPart {
  static image(data, mime) { return new LanguageModelDataPart(data, mime); }
  static json(value, mime = 'text/x-json') { return new LanguageModelDataPart(new TextEncoder().encode(JSON.stringify(value, undefined, '\t')), mime); }
  static text(value, mime = 'text/plain') { return new LanguageModelDataPart(new TextEncoder().encode(String(value)), mime); }

  constructor(data, mimeType) {
    this.data = data;
    this.mimeType = mimeType;
  }
}

Object.assign(shim, {
  TaskGroup, ProcessExecution, ShellExecution, CustomExecution, Task, DataTransferItem, DataTransfer, TreeItem,
  QuickInputButtons, NotebookRange, NotebookCellOutputItem, NotebookCellOutput, NotebookEdit, Breakpoint,
  SourceBreakpoint, FunctionBreakpoint, TestMessage, TestCoverageCount, FileCoverage, LanguageModelChatMessage,
  LanguageModelError, LanguageModelDataPart,
});

// Value classes that only hold their constructor's arguments (VS Code's property names).
for (const [name, fields] of [
  ['TerminalLink', ['startIndex', 'length', 'tooltip']],
  ['TerminalProfile', ['options']],
  ['FileDecoration', ['badge', 'tooltip', 'color']],
  ['NotebookCellData', ['kind', 'value', 'languageId']],
  ['NotebookData', ['cells']],
  ['NotebookCellStatusBarItem', ['text', 'alignment']],
  ['DebugAdapterExecutable', ['command', 'args', 'options']],
  ['DebugAdapterServer', ['port', 'host']],
  ['DebugAdapterNamedPipeServer', ['path']],
  ['DebugAdapterInlineImplementation', ['implementation']],
  ['DebugThread', ['session', 'threadId']],
  ['DebugStackFrame', ['session', 'threadId', 'frameId']],
  ['TestTag', ['id']],
  ['TestRunRequest', ['include', 'exclude', 'profile', 'continuous', 'preserveFocus']],
  ['TestMessageStackFrame', ['label', 'uri', 'position']],
  ['StatementCoverage', ['executed', 'location', 'branches']],
  ['BranchCoverage', ['executed', 'location', 'label']],
  ['DeclarationCoverage', ['name', 'executed', 'location']],
  ['TabInputText', ['uri']],
  ['TabInputTextDiff', ['original', 'modified']],
  ['TabInputCustom', ['uri', 'viewType']],
  ['TabInputWebview', ['viewType']],
  ['TabInputNotebook', ['uri', 'notebookType']],
  ['TabInputNotebookDiff', ['original', 'modified', 'notebookType']],
  ['TabInputTerminal', []],
  ['TelemetryTrustedValue', ['value']],
  ['ChatRequestTurn', ['prompt', 'command', 'references', 'participant', 'toolReferences']],
  ['ChatResponseTurn', ['response', 'result', 'participant', 'command']],
  ['ChatResponseMarkdownPart', ['value']],
  ['ChatResponseFileTreePart', ['value', 'baseUri']],
  ['ChatResponseAnchorPart', ['value', 'title']],
  ['ChatResponseProgressPart', ['value']],
  ['ChatResponseReferencePart', ['value', 'iconPath']],
  ['ChatResponseCommandButtonPart', ['value']],
  ['McpStdioServerDefinition', ['label', 'command', 'args', 'env', 'version']],
  ['McpHttpServerDefinition', ['label', 'uri', 'headers', 'version']],
  ['LanguageModelToolCallPart', ['callId', 'name', 'input']],
  ['LanguageModelToolResultPart', ['callId', 'content']],
  ['LanguageModelTextPart', ['value']],
  ['LanguageModelPromptTsxPart', ['value']],
  ['LanguageModelToolResult', ['content']],
]) {
  shim[name] = dataClass(name, fields);
}
