// The part of VS Code's `vscode` API that exthost implements (vscode-shim/src). Names and signatures follow
// @types/vscode 1.140 (`VSCODE_API_VERSION` in host/src/config.rs; an end-to-end test checks the shim has
// every member of that release). A member VS Code has and this file does not declare is present as a
// function that throws "exthost does not implement vscode.<member>" when called; the namespaces are plain
// objects, as in VS Code. docs/vscode-api.md says, member by member, what is
// partial and how each call reaches the editor.

declare module 'vscode' {
  /** The VS Code API version the shim follows. */
  export const version: string;

  export type ProviderResult<T> = T | undefined | null | Thenable<T | undefined | null>;
  export interface Thenable<T> extends PromiseLike<T> {}

  // ------------------------------------------------------------------ basics

  export class Disposable {
    static from(...disposableLikes: { dispose: () => any }[]): Disposable;
    constructor(callOnDispose: () => any);
    dispose(): any;
  }

  export interface Event<T> {
    (listener: (e: T) => any, thisArgs?: any, disposables?: Disposable[]): Disposable;
  }

  export class EventEmitter<T> {
    event: Event<T>;
    fire(data: T): void;
    dispose(): void;
  }

  export interface CancellationToken {
    isCancellationRequested: boolean;
    onCancellationRequested: Event<any>;
  }

  export class CancellationTokenSource {
    constructor(parent?: CancellationToken);
    token: CancellationToken;
    cancel(): void;
    dispose(): void;
  }

  export class CancellationError extends Error {
    constructor();
  }

  // ------------------------------------------------------------------ value types

  export class Uri {
    static parse(value: string, strict?: boolean): Uri;
    static file(path: string): Uri;
    static joinPath(base: Uri, ...pathSegments: string[]): Uri;
    static from(components: { readonly scheme: string; readonly authority?: string; readonly path?: string; readonly query?: string; readonly fragment?: string }): Uri;
    protected constructor(scheme: string, authority: string, path: string, query: string, fragment: string);
    readonly scheme: string;
    readonly authority: string;
    readonly path: string;
    readonly query: string;
    readonly fragment: string;
    readonly fsPath: string;
    with(change: { scheme?: string; authority?: string | null; path?: string | null; query?: string | null; fragment?: string | null }): Uri;
    toString(skipEncoding?: boolean): string;
    toJSON(): any;
  }

  export class Position {
    readonly line: number;
    readonly character: number;
    constructor(line: number, character: number);
    isBefore(other: Position): boolean;
    isBeforeOrEqual(other: Position): boolean;
    isAfter(other: Position): boolean;
    isAfterOrEqual(other: Position): boolean;
    isEqual(other: Position): boolean;
    compareTo(other: Position): number;
    translate(lineDelta?: number, characterDelta?: number): Position;
    translate(change: { lineDelta?: number; characterDelta?: number }): Position;
    with(line?: number, character?: number): Position;
    with(change: { line?: number; character?: number }): Position;
  }

  export class Range {
    readonly start: Position;
    readonly end: Position;
    constructor(start: Position, end: Position);
    constructor(startLine: number, startCharacter: number, endLine: number, endCharacter: number);
    isEmpty: boolean;
    isSingleLine: boolean;
    contains(positionOrRange: Position | Range): boolean;
    isEqual(other: Range): boolean;
    intersection(range: Range): Range | undefined;
    union(other: Range): Range;
    with(start?: Position, end?: Position): Range;
    with(change: { start?: Position; end?: Position }): Range;
  }

  export class Selection extends Range {
    anchor: Position;
    active: Position;
    constructor(anchor: Position, active: Position);
    constructor(anchorLine: number, anchorCharacter: number, activeLine: number, activeCharacter: number);
    isReversed: boolean;
  }

  export class Location {
    uri: Uri;
    range: Range;
    constructor(uri: Uri, rangeOrPosition: Range | Position);
  }

  export interface LocationLink {
    originSelectionRange?: Range;
    targetUri: Uri;
    targetRange: Range;
    targetSelectionRange?: Range;
  }

  export class RelativePattern {
    baseUri: Uri;
    base: string;
    pattern: string;
    constructor(base: WorkspaceFolder | Uri | string, pattern: string);
  }

  export type GlobPattern = string | RelativePattern;

  export class TextEdit {
    static replace(range: Range, newText: string): TextEdit;
    static insert(position: Position, newText: string): TextEdit;
    static delete(range: Range): TextEdit;
    static setEndOfLine(eol: EndOfLine): TextEdit;
    range: Range;
    newText: string;
    newEol?: EndOfLine;
    constructor(range: Range, newText: string);
  }

  export class WorkspaceEdit {
    readonly size: number;
    replace(uri: Uri, range: Range, newText: string, metadata?: any): void;
    insert(uri: Uri, position: Position, newText: string, metadata?: any): void;
    delete(uri: Uri, range: Range, metadata?: any): void;
    has(uri: Uri): boolean;
    set(uri: Uri, edits: ReadonlyArray<TextEdit> | undefined | null): void;
    get(uri: Uri): TextEdit[];
    createFile(uri: Uri, options?: { readonly overwrite?: boolean; readonly ignoreIfExists?: boolean }, metadata?: any): void;
    deleteFile(uri: Uri, options?: { readonly recursive?: boolean; readonly ignoreIfNotExists?: boolean }, metadata?: any): void;
    renameFile(oldUri: Uri, newUri: Uri, options?: { readonly overwrite?: boolean; readonly ignoreIfExists?: boolean }, metadata?: any): void;
    entries(): [Uri, TextEdit[]][];
  }

  export class SnippetString {
    value: string;
    constructor(value?: string);
    appendText(string: string): SnippetString;
    appendTabstop(number?: number): SnippetString;
    appendPlaceholder(value: string | ((snippet: SnippetString) => any), number?: number): SnippetString;
    appendChoice(values: readonly string[], number?: number): SnippetString;
    appendVariable(name: string, defaultValue: string | ((snippet: SnippetString) => any)): SnippetString;
  }

  export class MarkdownString {
    value: string;
    isTrusted?: boolean | { readonly enabledCommands: readonly string[] };
    supportThemeIcons?: boolean;
    supportHtml?: boolean;
    baseUri?: Uri;
    constructor(value?: string, supportThemeIcons?: boolean);
    appendText(value: string): MarkdownString;
    appendMarkdown(value: string): MarkdownString;
    appendCodeblock(value: string, language?: string): MarkdownString;
  }

  export type MarkedString = string | { language: string; value: string };

  export class ThemeColor {
    readonly id: string;
    constructor(id: string);
  }

  export class ThemeIcon {
    static readonly File: ThemeIcon;
    static readonly Folder: ThemeIcon;
    readonly id: string;
    readonly color?: ThemeColor;
    constructor(id: string, color?: ThemeColor);
  }

  export interface Command {
    title: string;
    command: string;
    tooltip?: string;
    arguments?: any[];
  }

  // ------------------------------------------------------------------ enums

  export enum EndOfLine { LF = 1, CRLF = 2 }
  export enum StatusBarAlignment { Left = 1, Right = 2 }
  export enum ProgressLocation { SourceControl = 1, Window = 10, Notification = 15 }
  export enum ConfigurationTarget { Global = 1, Workspace = 2, WorkspaceFolder = 3 }
  export enum ViewColumn { Active = -1, Beside = -2, One = 1, Two = 2, Three = 3, Four = 4, Five = 5, Six = 6, Seven = 7, Eight = 8, Nine = 9 }
  export enum TextEditorCursorStyle { Line = 1, Block = 2, Underline = 3, LineThin = 4, BlockOutline = 5, UnderlineThin = 6 }
  export enum TextEditorLineNumbersStyle { Off = 0, On = 1, Relative = 2, Interval = 3 }
  export enum TextEditorRevealType { Default = 0, InCenter = 1, InCenterIfOutsideViewport = 2, AtTop = 3 }
  export enum TextEditorSelectionChangeKind { Keyboard = 1, Mouse = 2, Command = 3 }
  export enum OverviewRulerLane { Left = 1, Center = 2, Right = 4, Full = 7 }
  export enum DecorationRangeBehavior { OpenOpen = 0, ClosedClosed = 1, OpenClosed = 2, ClosedOpen = 3 }
  export enum TextDocumentSaveReason { Manual = 1, AfterDelay = 2, FocusOut = 3 }
  export enum TextDocumentChangeReason { Undo = 1, Redo = 2 }
  export enum IndentAction { None = 0, Indent = 1, IndentOutdent = 2, Outdent = 3 }
  export enum UIKind { Desktop = 1, Web = 2 }
  export enum ColorThemeKind { Light = 1, Dark = 2, HighContrast = 3, HighContrastLight = 4 }
  export enum LogLevel { Off = 0, Trace = 1, Debug = 2, Info = 3, Warning = 4, Error = 5 }
  export enum FileType { Unknown = 0, File = 1, Directory = 2, SymbolicLink = 64 }
  export enum FileChangeType { Changed = 1, Created = 2, Deleted = 3 }
  export enum FilePermission { Readonly = 1 }
  export enum QuickPickItemKind { Separator = -1, Default = 0 }
  export enum EnvironmentVariableMutatorType { Replace = 1, Append = 2, Prepend = 3 }
  export enum ExtensionKind { UI = 1, Workspace = 2 }
  export enum ExtensionMode { Production = 1, Development = 2, Test = 3 }
  export enum CompletionItemKind {
    Text = 0, Method = 1, Function = 2, Constructor = 3, Field = 4, Variable = 5, Class = 6, Interface = 7, Module = 8,
    Property = 9, Unit = 10, Value = 11, Enum = 12, Keyword = 13, Snippet = 14, Color = 15, File = 16, Reference = 17,
    Folder = 18, EnumMember = 19, Constant = 20, Struct = 21, Event = 22, Operator = 23, TypeParameter = 24, User = 25, Issue = 26,
  }
  export enum CompletionItemTag { Deprecated = 1 }
  export enum CompletionTriggerKind { Invoke = 0, TriggerCharacter = 1, TriggerForIncompleteCompletions = 2 }
  export enum CodeActionTriggerKind { Invoke = 1, Automatic = 2 }
  export enum DiagnosticSeverity { Error = 0, Warning = 1, Information = 2, Hint = 3 }
  export enum DiagnosticTag { Unnecessary = 1, Deprecated = 2 }
  export enum SymbolKind {
    File = 0, Module = 1, Namespace = 2, Package = 3, Class = 4, Method = 5, Property = 6, Field = 7, Constructor = 8,
    Enum = 9, Interface = 10, Function = 11, Variable = 12, Constant = 13, String = 14, Number = 15, Boolean = 16,
    Array = 17, Object = 18, Key = 19, Null = 20, EnumMember = 21, Struct = 22, Event = 23, Operator = 24, TypeParameter = 25,
  }
  export enum SymbolTag { Deprecated = 1 }
  export enum SignatureHelpTriggerKind { Invoke = 1, TriggerCharacter = 2, ContentChange = 3 }
  export enum DocumentHighlightKind { Text = 0, Read = 1, Write = 2 }

  // ------------------------------------------------------------------ language feature types

  export class Hover {
    contents: Array<MarkdownString | MarkedString>;
    range?: Range;
    constructor(contents: MarkdownString | MarkedString | Array<MarkdownString | MarkedString>, range?: Range);
  }

  export interface CompletionItemLabel { label: string; detail?: string; description?: string }

  export class CompletionItem {
    label: string | CompletionItemLabel;
    kind?: CompletionItemKind;
    tags?: readonly CompletionItemTag[];
    detail?: string;
    documentation?: string | MarkdownString;
    sortText?: string;
    filterText?: string;
    preselect?: boolean;
    insertText?: string | SnippetString;
    range?: Range | { inserting: Range; replacing: Range };
    commitCharacters?: string[];
    keepWhitespace?: boolean;
    additionalTextEdits?: TextEdit[];
    command?: Command;
    constructor(label: string | CompletionItemLabel, kind?: CompletionItemKind);
  }

  export class CompletionList<T extends CompletionItem = CompletionItem> {
    isIncomplete?: boolean;
    items: T[];
    constructor(items?: T[], isIncomplete?: boolean);
  }

  export interface CompletionContext { readonly triggerKind: CompletionTriggerKind; readonly triggerCharacter: string | undefined }

  export class CodeActionKind {
    static readonly Empty: CodeActionKind;
    static readonly QuickFix: CodeActionKind;
    static readonly Refactor: CodeActionKind;
    static readonly RefactorExtract: CodeActionKind;
    static readonly RefactorInline: CodeActionKind;
    static readonly RefactorMove: CodeActionKind;
    static readonly RefactorRewrite: CodeActionKind;
    static readonly Source: CodeActionKind;
    static readonly SourceOrganizeImports: CodeActionKind;
    static readonly SourceFixAll: CodeActionKind;
    static readonly Notebook: CodeActionKind;
    private constructor(value: string);
    readonly value: string;
    append(parts: string): CodeActionKind;
    intersects(other: CodeActionKind): boolean;
    contains(other: CodeActionKind): boolean;
  }

  export class CodeAction {
    title: string;
    edit?: WorkspaceEdit;
    diagnostics?: Diagnostic[];
    command?: Command;
    kind?: CodeActionKind;
    isPreferred?: boolean;
    disabled?: { readonly reason: string };
    constructor(title: string, kind?: CodeActionKind);
  }

  export interface CodeActionContext {
    readonly triggerKind: CodeActionTriggerKind;
    readonly diagnostics: readonly Diagnostic[];
    readonly only: CodeActionKind | undefined;
  }

  export interface CodeActionProviderMetadata { readonly providedCodeActionKinds?: readonly CodeActionKind[] }

  export class CodeLens {
    range: Range;
    command?: Command;
    readonly isResolved: boolean;
    constructor(range: Range, command?: Command);
  }

  export class DiagnosticRelatedInformation {
    location: Location;
    message: string;
    constructor(location: Location, message: string);
  }

  export class Diagnostic {
    range: Range;
    message: string;
    severity: DiagnosticSeverity;
    source?: string;
    code?: string | number | { value: string | number; target: Uri };
    relatedInformation?: DiagnosticRelatedInformation[];
    tags?: DiagnosticTag[];
    constructor(range: Range, message: string, severity?: DiagnosticSeverity);
  }

  export interface DiagnosticChangeEvent { readonly uris: readonly Uri[] }

  export interface DiagnosticCollection extends Iterable<[uri: Uri, diagnostics: readonly Diagnostic[]]> {
    readonly name: string;
    set(uri: Uri, diagnostics: readonly Diagnostic[] | undefined): void;
    set(entries: ReadonlyArray<[Uri, readonly Diagnostic[] | undefined]>): void;
    delete(uri: Uri): void;
    clear(): void;
    forEach(callback: (uri: Uri, diagnostics: readonly Diagnostic[], collection: DiagnosticCollection) => any, thisArg?: any): void;
    get(uri: Uri): readonly Diagnostic[] | undefined;
    has(uri: Uri): boolean;
    dispose(): void;
  }

  export class DocumentSymbol {
    name: string;
    detail: string;
    kind: SymbolKind;
    tags?: readonly SymbolTag[];
    range: Range;
    selectionRange: Range;
    children: DocumentSymbol[];
    constructor(name: string, detail: string, kind: SymbolKind, range: Range, selectionRange: Range);
  }

  export class SymbolInformation {
    name: string;
    containerName: string;
    kind: SymbolKind;
    tags?: readonly SymbolTag[];
    location: Location;
    constructor(name: string, kind: SymbolKind, containerName: string, location: Location);
    constructor(name: string, kind: SymbolKind, range: Range, uri?: Uri, containerName?: string);
  }

  export class SemanticTokensLegend {
    readonly tokenTypes: string[];
    readonly tokenModifiers: string[];
    constructor(tokenTypes: string[], tokenModifiers?: string[]);
  }

  export class SemanticTokensBuilder {
    constructor(legend?: SemanticTokensLegend);
    push(line: number, char: number, length: number, tokenType: number, tokenModifiers?: number): void;
    push(range: Range, tokenType: string, tokenModifiers?: readonly string[]): void;
    build(resultId?: string): SemanticTokens;
  }

  export class SemanticTokens {
    readonly resultId: string | undefined;
    readonly data: Uint32Array;
    constructor(data: Uint32Array, resultId?: string);
  }

  export class SemanticTokensEdit {
    readonly start: number;
    readonly deleteCount: number;
    readonly data: Uint32Array | undefined;
    constructor(start: number, deleteCount: number, data?: Uint32Array);
  }

  export class SemanticTokensEdits {
    readonly resultId: string | undefined;
    readonly edits: SemanticTokensEdit[];
    constructor(edits: SemanticTokensEdit[], resultId?: string);
  }

  export class DocumentLink {
    range: Range;
    target?: Uri;
    tooltip?: string;
    constructor(range: Range, target?: Uri);
  }

  export class ParameterInformation {
    label: string | [number, number];
    documentation?: string | MarkdownString;
    constructor(label: string | [number, number], documentation?: string | MarkdownString);
  }

  export class SignatureInformation {
    label: string;
    documentation?: string | MarkdownString;
    parameters: ParameterInformation[];
    activeParameter?: number;
    constructor(label: string, documentation?: string | MarkdownString);
  }

  export class SignatureHelp {
    signatures: SignatureInformation[];
    activeSignature: number;
    activeParameter: number;
  }

  export interface SignatureHelpContext {
    readonly triggerKind: SignatureHelpTriggerKind;
    readonly triggerCharacter: string | undefined;
    readonly isRetrigger: boolean;
    readonly activeSignatureHelp: SignatureHelp | undefined;
  }

  export interface SignatureHelpProviderMetadata { readonly triggerCharacters: readonly string[]; readonly retriggerCharacters: readonly string[] }

  export interface FormattingOptions { tabSize: number; insertSpaces: boolean; [key: string]: boolean | number | string }

  export interface DocumentFilter { readonly language?: string; readonly notebookType?: string; readonly scheme?: string; readonly pattern?: GlobPattern }
  export type DocumentSelector = DocumentFilter | string | ReadonlyArray<DocumentFilter | string>;

  export interface HoverProvider { provideHover(document: TextDocument, position: Position, token: CancellationToken): ProviderResult<Hover> }
  export interface CompletionItemProvider<T extends CompletionItem = CompletionItem> {
    provideCompletionItems(document: TextDocument, position: Position, token: CancellationToken, context: CompletionContext): ProviderResult<T[] | CompletionList<T>>;
    resolveCompletionItem?(item: T, token: CancellationToken): ProviderResult<T>;
  }
  export interface DefinitionProvider { provideDefinition(document: TextDocument, position: Position, token: CancellationToken): ProviderResult<Location | Location[] | LocationLink[]> }
  export interface DeclarationProvider { provideDeclaration(document: TextDocument, position: Position, token: CancellationToken): ProviderResult<Location | Location[] | LocationLink[]> }
  export interface TypeDefinitionProvider { provideTypeDefinition(document: TextDocument, position: Position, token: CancellationToken): ProviderResult<Location | Location[] | LocationLink[]> }
  export interface ImplementationProvider { provideImplementation(document: TextDocument, position: Position, token: CancellationToken): ProviderResult<Location | Location[] | LocationLink[]> }
  export interface ReferenceProvider { provideReferences(document: TextDocument, position: Position, context: { readonly includeDeclaration: boolean }, token: CancellationToken): ProviderResult<Location[]> }
  export interface CodeActionProvider<T extends CodeAction = CodeAction> {
    provideCodeActions(document: TextDocument, range: Range | Selection, context: CodeActionContext, token: CancellationToken): ProviderResult<Array<Command | T>>;
    resolveCodeAction?(codeAction: T, token: CancellationToken): ProviderResult<T>;
  }
  export interface CodeLensProvider<T extends CodeLens = CodeLens> {
    onDidChangeCodeLenses?: Event<void>;
    provideCodeLenses(document: TextDocument, token: CancellationToken): ProviderResult<T[]>;
    resolveCodeLens?(codeLens: T, token: CancellationToken): ProviderResult<T>;
  }
  export interface DocumentSymbolProvider { provideDocumentSymbols(document: TextDocument, token: CancellationToken): ProviderResult<SymbolInformation[] | DocumentSymbol[]> }
  export interface WorkspaceSymbolProvider { provideWorkspaceSymbols(query: string, token: CancellationToken): ProviderResult<SymbolInformation[]> }
  export interface DocumentFormattingEditProvider { provideDocumentFormattingEdits(document: TextDocument, options: FormattingOptions, token: CancellationToken): ProviderResult<TextEdit[]> }
  export interface DocumentRangeFormattingEditProvider { provideDocumentRangeFormattingEdits(document: TextDocument, range: Range, options: FormattingOptions, token: CancellationToken): ProviderResult<TextEdit[]> }
  export interface OnTypeFormattingEditProvider { provideOnTypeFormattingEdits(document: TextDocument, position: Position, ch: string, options: FormattingOptions, token: CancellationToken): ProviderResult<TextEdit[]> }
  export interface SignatureHelpProvider { provideSignatureHelp(document: TextDocument, position: Position, token: CancellationToken, context: SignatureHelpContext): ProviderResult<SignatureHelp> }
  export interface RenameProvider {
    provideRenameEdits(document: TextDocument, position: Position, newName: string, token: CancellationToken): ProviderResult<WorkspaceEdit>;
    prepareRename?(document: TextDocument, position: Position, token: CancellationToken): ProviderResult<Range | { range: Range; placeholder: string }>;
  }
  export interface DocumentLinkProvider<T extends DocumentLink = DocumentLink> {
    provideDocumentLinks(document: TextDocument, token: CancellationToken): ProviderResult<T[]>;
    resolveDocumentLink?(link: T, token: CancellationToken): ProviderResult<T>;
  }
  export interface DocumentSemanticTokensProvider {
    onDidChangeSemanticTokens?: Event<void>;
    provideDocumentSemanticTokens(document: TextDocument, token: CancellationToken): ProviderResult<SemanticTokens>;
  }

  // ------------------------------------------------------------------ documents and editors

  export interface TextLine {
    readonly lineNumber: number;
    readonly text: string;
    readonly range: Range;
    readonly rangeIncludingLineBreak: Range;
    readonly firstNonWhitespaceCharacterIndex: number;
    readonly isEmptyOrWhitespace: boolean;
  }

  export interface TextDocument {
    readonly uri: Uri;
    readonly fileName: string;
    readonly isUntitled: boolean;
    readonly languageId: string;
    readonly encoding: string;
    readonly version: number;
    readonly isDirty: boolean;
    readonly isClosed: boolean;
    /** Resolves false: LSP has no way to ask the editor to save. */
    save(): Thenable<boolean>;
    readonly eol: EndOfLine;
    readonly lineCount: number;
    lineAt(line: number): TextLine;
    lineAt(position: Position): TextLine;
    offsetAt(position: Position): number;
    positionAt(offset: number): Position;
    getText(range?: Range): string;
    getWordRangeAtPosition(position: Position, regex?: RegExp): Range | undefined;
    validateRange(range: Range): Range;
    validatePosition(position: Position): Position;
  }

  export interface TextDocumentContentChangeEvent { readonly range: Range; readonly rangeOffset: number; readonly rangeLength: number; readonly text: string }
  export interface TextDocumentChangeEvent { readonly document: TextDocument; readonly contentChanges: readonly TextDocumentContentChangeEvent[]; readonly reason: TextDocumentChangeReason | undefined }
  export interface TextDocumentWillSaveEvent { readonly document: TextDocument; readonly reason: TextDocumentSaveReason }

  export interface TextEditorOptions { tabSize?: number | string; indentSize?: number | string; insertSpaces?: boolean | string; cursorStyle?: TextEditorCursorStyle; lineNumbers?: TextEditorLineNumbersStyle }

  export interface TextEditorEdit {
    replace(location: Position | Range | Selection, value: string): void;
    insert(location: Position, value: string): void;
    delete(location: Range | Selection): void;
    setEndOfLine(endOfLine: EndOfLine): void;
  }

  export interface TextEditorDecorationType {
    readonly key: string;
    dispose(): void;
  }

  export interface DecorationOptions { range: Range; hoverMessage?: MarkdownString | MarkedString | Array<MarkdownString | MarkedString>; renderOptions?: any }
  export interface DecorationRenderOptions { [key: string]: any }

  export interface TextEditor {
    readonly document: TextDocument;
    /** Setting it changes this extension's view only (nothing is sent). */
    selection: Selection;
    selections: readonly Selection[];
    /** The whole document (the editor does not report what is visible). */
    readonly visibleRanges: readonly Range[];
    /** Stored here; the editor is not told. */
    options: TextEditorOptions;
    /** Always ViewColumn.One. */
    readonly viewColumn: ViewColumn | undefined;
    edit(callback: (editBuilder: TextEditorEdit) => void, options?: { readonly undoStopBefore: boolean; readonly undoStopAfter: boolean }): Thenable<boolean>;
    /** The snippet is inserted as plain text (placeholders become their default text). */
    insertSnippet(snippet: SnippetString, location?: Position | Range | readonly Position[] | readonly Range[], options?: { readonly undoStopBefore: boolean; readonly undoStopAfter: boolean }): Thenable<boolean>;
    setDecorations(decorationType: TextEditorDecorationType, rangesOrOptions: readonly Range[] | readonly DecorationOptions[]): void;
    revealRange(range: Range, revealType?: TextEditorRevealType): void;
    show(column?: ViewColumn): void;
    hide(): void;
  }

  export interface TextEditorSelectionChangeEvent { readonly textEditor: TextEditor; readonly selections: readonly Selection[]; readonly kind: TextEditorSelectionChangeKind | undefined }
  export interface TextEditorOptionsChangeEvent { readonly textEditor: TextEditor; readonly options: TextEditorOptions }
  export interface TextEditorViewColumnChangeEvent { readonly textEditor: TextEditor; readonly viewColumn: ViewColumn }
  export interface TextEditorVisibleRangesChangeEvent { readonly textEditor: TextEditor; readonly visibleRanges: readonly Range[] }
  export interface TextDocumentShowOptions { viewColumn?: ViewColumn; preserveFocus?: boolean; preview?: boolean; selection?: Range }

  // ------------------------------------------------------------------ window

  export interface MessageOptions { modal?: boolean; detail?: string }
  export interface MessageItem { title: string; isCloseAffordance?: boolean }

  export interface Progress<T> { report(value: T): void }
  export interface ProgressOptions { location: ProgressLocation | { viewId: string }; title?: string; cancellable?: boolean }

  export interface OutputChannel {
    readonly name: string;
    append(value: string): void;
    appendLine(value: string): void;
    replace(value: string): void;
    clear(): void;
    show(preserveFocus?: boolean): void;
    show(column?: ViewColumn, preserveFocus?: boolean): void;
    hide(): void;
    dispose(): void;
  }

  export interface LogOutputChannel extends OutputChannel {
    readonly logLevel: LogLevel;
    readonly onDidChangeLogLevel: Event<LogLevel>;
    trace(message: string, ...args: any[]): void;
    debug(message: string, ...args: any[]): void;
    info(message: string, ...args: any[]): void;
    warn(message: string, ...args: any[]): void;
    error(error: string | Error, ...args: any[]): void;
  }

  export interface StatusBarItem {
    readonly id: string;
    readonly alignment: StatusBarAlignment;
    readonly priority: number | undefined;
    name: string | undefined;
    text: string;
    tooltip: string | MarkdownString | undefined;
    color: string | ThemeColor | undefined;
    backgroundColor: ThemeColor | undefined;
    command: string | Command | undefined;
    accessibilityInformation: { label: string; role?: string } | undefined;
    show(): void;
    hide(): void;
    dispose(): void;
  }

  export interface QuickPickItem { label: string; kind?: QuickPickItemKind; description?: string; detail?: string; picked?: boolean; alwaysShow?: boolean }
  export interface QuickPickOptions { title?: string; placeHolder?: string; canPickMany?: boolean; ignoreFocusOut?: boolean; matchOnDescription?: boolean; matchOnDetail?: boolean; onDidSelectItem?(item: QuickPickItem | string): any }
  export interface InputBoxOptions { title?: string; value?: string; prompt?: string; placeHolder?: string; password?: boolean; ignoreFocusOut?: boolean; validateInput?(value: string): string | undefined | null | Thenable<string | undefined | null> }
  export interface WorkspaceFolderPickOptions { placeHolder?: string; ignoreFocusOut?: boolean }
  export interface WindowState { readonly focused: boolean; readonly active: boolean }
  export interface ColorTheme { readonly kind: ColorThemeKind }

  export namespace window {
    export function showInformationMessage<T extends string | MessageItem>(message: string, ...items: T[]): Thenable<T | undefined>;
    export function showInformationMessage<T extends string | MessageItem>(message: string, options: MessageOptions, ...items: T[]): Thenable<T | undefined>;
    export function showWarningMessage<T extends string | MessageItem>(message: string, ...items: T[]): Thenable<T | undefined>;
    export function showWarningMessage<T extends string | MessageItem>(message: string, options: MessageOptions, ...items: T[]): Thenable<T | undefined>;
    export function showErrorMessage<T extends string | MessageItem>(message: string, ...items: T[]): Thenable<T | undefined>;
    export function showErrorMessage<T extends string | MessageItem>(message: string, options: MessageOptions, ...items: T[]): Thenable<T | undefined>;
    export function withProgress<R>(options: ProgressOptions, task: (progress: Progress<{ message?: string; increment?: number }>, token: CancellationToken) => Thenable<R>): Thenable<R>;
    export function withScmProgress<R>(task: (progress: Progress<number>) => Thenable<R>): Thenable<R>;
    export function createOutputChannel(name: string, languageId?: string): OutputChannel;
    export function createOutputChannel(name: string, options: { log: true }): LogOutputChannel;
    export function createStatusBarItem(id: string, alignment?: StatusBarAlignment, priority?: number): StatusBarItem;
    export function createStatusBarItem(alignment?: StatusBarAlignment, priority?: number): StatusBarItem;
    export function setStatusBarMessage(text: string, hideAfterTimeoutOrThenable?: number | Thenable<any>): Disposable;
    export function showQuickPick<T extends QuickPickItem | string>(items: readonly T[] | Thenable<readonly T[]>, options?: QuickPickOptions, token?: CancellationToken): Thenable<T | T[] | undefined>;
    export function showInputBox(options?: InputBoxOptions, token?: CancellationToken): Thenable<string | undefined>;
    export function showWorkspaceFolderPick(options?: WorkspaceFolderPickOptions): Thenable<WorkspaceFolder | undefined>;
    export const state: WindowState;
    export const onDidChangeWindowState: Event<WindowState>;
    export const activeColorTheme: ColorTheme;
    export const onDidChangeActiveColorTheme: Event<ColorTheme>;
    export const activeTextEditor: TextEditor | undefined;
    export const visibleTextEditors: readonly TextEditor[];
    export const onDidChangeActiveTextEditor: Event<TextEditor | undefined>;
    export const onDidChangeVisibleTextEditors: Event<readonly TextEditor[]>;
    export const onDidChangeTextEditorSelection: Event<TextEditorSelectionChangeEvent>;
    export const onDidChangeTextEditorOptions: Event<TextEditorOptionsChangeEvent>;
    export const onDidChangeTextEditorViewColumn: Event<TextEditorViewColumnChangeEvent>;
    export const onDidChangeTextEditorVisibleRanges: Event<TextEditorVisibleRangesChangeEvent>;
    export function showTextDocument(document: TextDocument | Uri, column?: ViewColumn, preserveFocus?: boolean): Thenable<TextEditor>;
    export function showTextDocument(document: TextDocument | Uri, options?: TextDocumentShowOptions): Thenable<TextEditor>;
    export function createTextEditorDecorationType(options: DecorationRenderOptions): TextEditorDecorationType;
  }

  // ------------------------------------------------------------------ workspace

  export interface WorkspaceFolder { readonly uri: Uri; readonly name: string; readonly index: number }
  export interface WorkspaceFoldersChangeEvent { readonly added: readonly WorkspaceFolder[]; readonly removed: readonly WorkspaceFolder[] }

  export interface WorkspaceConfiguration {
    get<T>(section: string): T | undefined;
    get<T>(section: string, defaultValue: T): T;
    has(section: string): boolean;
    inspect<T>(section: string): { key: string; defaultValue?: T; globalValue?: T; workspaceValue?: T; workspaceFolderValue?: T } | undefined;
    update(section: string, value: any, configurationTarget?: ConfigurationTarget | boolean | null, overrideInLanguage?: boolean): Thenable<void>;
    readonly [key: string]: any;
  }

  export type ConfigurationScope = Uri | TextDocument | WorkspaceFolder | { uri?: Uri; languageId: string };
  export interface ConfigurationChangeEvent { affectsConfiguration(section: string, scope?: ConfigurationScope): boolean }

  export interface TextDocumentContentProvider {
    onDidChange?: Event<Uri>;
    provideTextDocumentContent(uri: Uri, token: CancellationToken): ProviderResult<string>;
  }

  export interface FileStat { type: FileType; ctime: number; mtime: number; size: number; permissions?: FilePermission }
  export interface FileChangeEvent { readonly type: FileChangeType; readonly uri: Uri }

  export class FileSystemError extends Error {
    static FileNotFound(messageOrUri?: string | Uri): FileSystemError;
    static FileExists(messageOrUri?: string | Uri): FileSystemError;
    static FileNotADirectory(messageOrUri?: string | Uri): FileSystemError;
    static FileIsADirectory(messageOrUri?: string | Uri): FileSystemError;
    static NoPermissions(messageOrUri?: string | Uri): FileSystemError;
    static Unavailable(messageOrUri?: string | Uri): FileSystemError;
    constructor(messageOrUri?: string | Uri);
    readonly code: string;
  }

  export interface FileSystemProvider {
    readonly onDidChangeFile: Event<FileChangeEvent[]>;
    watch(uri: Uri, options: { readonly recursive: boolean; readonly excludes: readonly string[] }): Disposable;
    stat(uri: Uri): FileStat | Thenable<FileStat>;
    readDirectory(uri: Uri): [string, FileType][] | Thenable<[string, FileType][]>;
    createDirectory(uri: Uri): void | Thenable<void>;
    readFile(uri: Uri): Uint8Array | Thenable<Uint8Array>;
    writeFile(uri: Uri, content: Uint8Array, options: { readonly create: boolean; readonly overwrite: boolean }): void | Thenable<void>;
    delete(uri: Uri, options: { readonly recursive: boolean }): void | Thenable<void>;
    rename(oldUri: Uri, newUri: Uri, options: { readonly overwrite: boolean }): void | Thenable<void>;
    copy?(source: Uri, destination: Uri, options: { readonly overwrite: boolean }): void | Thenable<void>;
  }

  /** `file:` is read-only and confined to the workspace folders; other schemes go to this extension's providers. */
  export interface FileSystem {
    stat(uri: Uri): Thenable<FileStat>;
    readDirectory(uri: Uri): Thenable<[string, FileType][]>;
    createDirectory(uri: Uri): Thenable<void>;
    readFile(uri: Uri): Thenable<Uint8Array>;
    writeFile(uri: Uri, content: Uint8Array): Thenable<void>;
    delete(uri: Uri, options?: { recursive?: boolean; useTrash?: boolean }): Thenable<void>;
    rename(source: Uri, target: Uri, options?: { overwrite?: boolean }): Thenable<void>;
    copy(source: Uri, target: Uri, options?: { overwrite?: boolean }): Thenable<void>;
    isWritableFileSystem(scheme: string): boolean | undefined;
  }

  /** Its events never fire. */
  export interface FileSystemWatcher extends Disposable {
    readonly ignoreCreateEvents: boolean;
    readonly ignoreChangeEvents: boolean;
    readonly ignoreDeleteEvents: boolean;
    readonly onDidCreate: Event<Uri>;
    readonly onDidChange: Event<Uri>;
    readonly onDidDelete: Event<Uri>;
  }

  export namespace workspace {
    export const workspaceFolders: readonly WorkspaceFolder[] | undefined;
    export const name: string | undefined;
    export const rootPath: string | undefined;
    export const workspaceFile: Uri | undefined;
    export const isTrusted: boolean;
    export const textDocuments: readonly TextDocument[];
    export const fs: FileSystem;
    export function getWorkspaceFolder(uri: Uri): WorkspaceFolder | undefined;
    export function asRelativePath(pathOrUri: string | Uri, includeWorkspaceFolder?: boolean): string;
    export function updateWorkspaceFolders(start: number, deleteCount: number | undefined | null, ...workspaceFoldersToAdd: { readonly uri: Uri; readonly name?: string }[]): boolean;
    export const onDidChangeWorkspaceFolders: Event<WorkspaceFoldersChangeEvent>;
    export function openTextDocument(uri: Uri): Thenable<TextDocument>;
    export function openTextDocument(path: string): Thenable<TextDocument>;
    export function openTextDocument(options?: { language?: string; content?: string }): Thenable<TextDocument>;
    export const onDidOpenTextDocument: Event<TextDocument>;
    export const onDidChangeTextDocument: Event<TextDocumentChangeEvent>;
    export const onDidCloseTextDocument: Event<TextDocument>;
    export const onDidSaveTextDocument: Event<TextDocument>;
    export const onWillSaveTextDocument: Event<TextDocumentWillSaveEvent>;
    export const onDidCreateFiles: Event<{ readonly files: readonly Uri[] }>;
    export const onDidDeleteFiles: Event<{ readonly files: readonly Uri[] }>;
    export const onDidRenameFiles: Event<{ readonly files: ReadonlyArray<{ readonly oldUri: Uri; readonly newUri: Uri }> }>;
    export const onWillCreateFiles: Event<any>;
    export const onWillDeleteFiles: Event<any>;
    export const onWillRenameFiles: Event<any>;
    export const onDidGrantWorkspaceTrust: Event<void>;
    export function registerTextDocumentContentProvider(scheme: string, provider: TextDocumentContentProvider): Disposable;
    export function registerFileSystemProvider(scheme: string, provider: FileSystemProvider, options?: { readonly isCaseSensitive?: boolean; readonly isReadonly?: boolean | MarkdownString }): Disposable;
    export function findFiles(include: GlobPattern, exclude?: GlobPattern | null, maxResults?: number, token?: CancellationToken): Thenable<Uri[]>;
    export function applyEdit(edit: WorkspaceEdit, metadata?: any): Thenable<boolean>;
    export function createFileSystemWatcher(globPattern: GlobPattern, ignoreCreateEvents?: boolean, ignoreChangeEvents?: boolean, ignoreDeleteEvents?: boolean): FileSystemWatcher;
    /** Resolves false. */
    export function saveAll(includeUntitled?: boolean): Thenable<boolean>;
    export function decode(content: Uint8Array): Thenable<string>;
    export function encode(content: string): Thenable<Uint8Array>;
    export function getConfiguration(section?: string, scope?: ConfigurationScope | null): WorkspaceConfiguration;
    export const onDidChangeConfiguration: Event<ConfigurationChangeEvent>;
  }

  // ------------------------------------------------------------------ languages

  export namespace languages {
    export function match(selector: DocumentSelector, document: TextDocument): number;
    export function createDiagnosticCollection(name?: string): DiagnosticCollection;
    export function getDiagnostics(resource: Uri): Diagnostic[];
    export function getDiagnostics(): [Uri, Diagnostic[]][];
    export const onDidChangeDiagnostics: Event<DiagnosticChangeEvent>;
    export function getLanguages(): Thenable<string[]>;
    export function setTextDocumentLanguage(document: TextDocument, languageId: string): Thenable<TextDocument>;
    /** No effect: the editor owns language configuration. */
    export function setLanguageConfiguration(language: string, configuration: any): Disposable;
    export function registerHoverProvider(selector: DocumentSelector, provider: HoverProvider): Disposable;
    export function registerCompletionItemProvider<T extends CompletionItem>(selector: DocumentSelector, provider: CompletionItemProvider<T>, ...triggerCharacters: string[]): Disposable;
    export function registerDefinitionProvider(selector: DocumentSelector, provider: DefinitionProvider): Disposable;
    export function registerDeclarationProvider(selector: DocumentSelector, provider: DeclarationProvider): Disposable;
    export function registerTypeDefinitionProvider(selector: DocumentSelector, provider: TypeDefinitionProvider): Disposable;
    export function registerImplementationProvider(selector: DocumentSelector, provider: ImplementationProvider): Disposable;
    export function registerReferenceProvider(selector: DocumentSelector, provider: ReferenceProvider): Disposable;
    export function registerCodeActionsProvider<T extends CodeAction = CodeAction>(selector: DocumentSelector, provider: CodeActionProvider<T>, metadata?: CodeActionProviderMetadata): Disposable;
    export function registerCodeLensProvider<T extends CodeLens>(selector: DocumentSelector, provider: CodeLensProvider<T>): Disposable;
    export function registerDocumentSymbolProvider(selector: DocumentSelector, provider: DocumentSymbolProvider, metaData?: { label?: string }): Disposable;
    export function registerWorkspaceSymbolProvider(provider: WorkspaceSymbolProvider): Disposable;
    export function registerDocumentFormattingEditProvider(selector: DocumentSelector, provider: DocumentFormattingEditProvider): Disposable;
    export function registerDocumentRangeFormattingEditProvider(selector: DocumentSelector, provider: DocumentRangeFormattingEditProvider): Disposable;
    export function registerOnTypeFormattingEditProvider(selector: DocumentSelector, provider: OnTypeFormattingEditProvider, firstTriggerCharacter: string, ...moreTriggerCharacter: string[]): Disposable;
    export function registerSignatureHelpProvider(selector: DocumentSelector, provider: SignatureHelpProvider, ...triggerCharacters: string[]): Disposable;
    export function registerSignatureHelpProvider(selector: DocumentSelector, provider: SignatureHelpProvider, metadata: SignatureHelpProviderMetadata): Disposable;
    export function registerRenameProvider(selector: DocumentSelector, provider: RenameProvider): Disposable;
    export function registerDocumentLinkProvider<T extends DocumentLink = DocumentLink>(selector: DocumentSelector, provider: DocumentLinkProvider<T>): Disposable;
    export function registerDocumentSemanticTokensProvider(selector: DocumentSelector, provider: DocumentSemanticTokensProvider, legend: SemanticTokensLegend): Disposable;
  }

  // ------------------------------------------------------------------ commands, env, extensions, context

  export namespace commands {
    /** Registers `command` with the host; the Disposable unregisters it. Throws if this extension already registered it. */
    export function registerCommand(command: string, callback: (...args: any[]) => any, thisArg?: any): Disposable;
    export function registerTextEditorCommand(command: string, callback: (textEditor: TextEditor, edit: TextEditorEdit, ...args: any[]) => void, thisArg?: any): Disposable;
    /** A command of this extension runs locally (arguments by reference); others go through the host as JSON. */
    export function executeCommand<T = unknown>(command: string, ...rest: any[]): Thenable<T>;
    export function getCommands(filterInternal?: boolean): Thenable<string[]>;
  }

  export interface Clipboard {
    /** Resolves "": LSP has no clipboard. */
    readText(): Thenable<string>;
    /** The text is dropped: LSP has no clipboard. */
    writeText(value: string): Thenable<void>;
  }

  export namespace env {
    export const appName: string;
    export const appRoot: string;
    export const appHost: string;
    export const language: string;
    export const machineId: string;
    export const sessionId: string;
    export const uriScheme: string;
    export const uiKind: UIKind;
    export const shell: string;
    export const remoteName: string | undefined;
    export const isNewAppInstall: boolean;
    export const isTelemetryEnabled: boolean;
    export const onDidChangeTelemetryEnabled: Event<boolean>;
    export const onDidChangeShell: Event<string>;
    export const logLevel: LogLevel;
    export const onDidChangeLogLevel: Event<LogLevel>;
    export const clipboard: Clipboard;
    export function openExternal(target: Uri): Thenable<boolean>;
    export function asExternalUri(target: Uri): Thenable<Uri>;
  }

  export interface Extension<T> {
    readonly id: string;
    readonly extensionUri: Uri;
    readonly extensionPath: string;
    readonly isActive: boolean;
    readonly packageJSON: any;
    readonly extensionKind: ExtensionKind;
    /**
     * The value `activate()` returned. For another extension it is a JSON copy in which each function
     * became an async proxy calling that extension (so every exported function returns a Promise here).
     */
    readonly exports: T;
    activate(): Thenable<T>;
  }

  export namespace extensions {
    /** Synchronous, as in VS Code: the extension's thread waits for the host's answer. */
    export function getExtension<T = any>(extensionId: string): Extension<T> | undefined;
    export const all: readonly Extension<any>[];
    /** Not fired yet. */
    export const onDidChange: Event<void>;
  }

  /** Kept in memory while the extension's runtime lives (not persisted yet). */
  export interface Memento {
    keys(): readonly string[];
    get<T>(key: string): T | undefined;
    get<T>(key: string, defaultValue: T): T;
    update(key: string, value: any): Thenable<void>;
  }

  export interface GlobalMemento extends Memento {
    setKeysForSync(keys: readonly string[]): void;
  }

  /** Kept in memory while the extension's runtime lives. */
  export interface SecretStorage {
    get(key: string): Thenable<string | undefined>;
    store(key: string, value: string): Thenable<void>;
    delete(key: string): Thenable<void>;
    keys(): Thenable<string[]>;
    onDidChange: Event<{ readonly key: string }>;
  }

  /** Records mutators; nothing applies them (no terminals). */
  export interface EnvironmentVariableCollection extends Iterable<[variable: string, mutator: { value: string; type: EnvironmentVariableMutatorType; options: any }]> {
    persistent: boolean;
    description: string | MarkdownString | undefined;
    replace(variable: string, value: string, options?: any): void;
    append(variable: string, value: string, options?: any): void;
    prepend(variable: string, value: string, options?: any): void;
    get(variable: string): { value: string; type: EnvironmentVariableMutatorType; options: any } | undefined;
    forEach(callback: (variable: string, mutator: any, collection: EnvironmentVariableCollection) => any, thisArg?: any): void;
    delete(variable: string): void;
    clear(): void;
    getScoped(scope: any): EnvironmentVariableCollection;
  }

  export interface ExtensionContext {
    /** Disposed in reverse order when the extension is deactivated. */
    readonly subscriptions: { dispose(): any }[];
    readonly workspaceState: Memento;
    readonly globalState: GlobalMemento;
    readonly secrets: SecretStorage;
    readonly environmentVariableCollection: EnvironmentVariableCollection;
    readonly extensionUri: Uri;
    readonly extensionPath: string;
    readonly extension: Extension<any>;
    readonly extensionMode: ExtensionMode;
    asAbsolutePath(relativePath: string): string;
    /** Not provided yet: always `undefined`. */
    readonly storageUri: Uri | undefined;
    /** Not provided yet: always `undefined`. */
    readonly globalStorageUri: Uri | undefined;
    /** Not provided yet: always `undefined`. */
    readonly logUri: Uri | undefined;
    readonly storagePath: string | undefined;
    readonly globalStoragePath: string | undefined;
    readonly logPath: string | undefined;
  }

  // ------------------------------------------------------------------ more language features

  export class DocumentHighlight {
    range: Range;
    kind?: DocumentHighlightKind;
    constructor(range: Range, kind?: DocumentHighlightKind);
  }
  export enum FoldingRangeKind { Comment = 1, Imports = 2, Region = 3 }
  export class FoldingRange {
    start: number;
    end: number;
    kind?: FoldingRangeKind;
    constructor(start: number, end: number, kind?: FoldingRangeKind);
  }
  export class SelectionRange {
    range: Range;
    parent?: SelectionRange;
    constructor(range: Range, parent?: SelectionRange);
  }
  export enum InlayHintKind { Type = 1, Parameter = 2 }
  export class InlayHintLabelPart {
    value: string;
    tooltip?: string | MarkdownString;
    location?: Location;
    command?: Command;
    constructor(value: string);
  }
  export class InlayHint {
    position: Position;
    label: string | InlayHintLabelPart[];
    tooltip?: string | MarkdownString;
    kind?: InlayHintKind;
    textEdits?: TextEdit[];
    paddingLeft?: boolean;
    paddingRight?: boolean;
    constructor(position: Position, label: string | InlayHintLabelPart[], kind?: InlayHintKind);
  }
  export class Color {
    readonly red: number;
    readonly green: number;
    readonly blue: number;
    readonly alpha: number;
    constructor(red: number, green: number, blue: number, alpha: number);
  }
  export class ColorInformation {
    range: Range;
    color: Color;
    constructor(range: Range, color: Color);
  }
  export class ColorPresentation {
    label: string;
    textEdit?: TextEdit;
    additionalTextEdits?: TextEdit[];
    constructor(label: string);
  }
  export class LinkedEditingRanges {
    readonly ranges: Range[];
    readonly wordPattern?: RegExp;
    constructor(ranges: Range[], wordPattern?: RegExp);
  }
  export class CallHierarchyItem {
    name: string;
    kind: SymbolKind;
    tags?: readonly SymbolTag[];
    detail?: string;
    uri: Uri;
    range: Range;
    selectionRange: Range;
    constructor(kind: SymbolKind, name: string, detail: string, uri: Uri, range: Range, selectionRange: Range);
  }
  export class CallHierarchyIncomingCall {
    from: CallHierarchyItem;
    fromRanges: Range[];
    constructor(item: CallHierarchyItem, fromRanges: Range[]);
  }
  export class CallHierarchyOutgoingCall {
    to: CallHierarchyItem;
    fromRanges: Range[];
    constructor(item: CallHierarchyItem, fromRanges: Range[]);
  }
  export class TypeHierarchyItem {
    name: string;
    kind: SymbolKind;
    tags?: readonly SymbolTag[];
    detail?: string;
    uri: Uri;
    range: Range;
    selectionRange: Range;
    constructor(kind: SymbolKind, name: string, detail: string, uri: Uri, range: Range, selectionRange: Range);
  }
  export enum LanguageStatusSeverity { Information = 0, Warning = 1, Error = 2 }
  /** Kept with its properties; LSP has nowhere to show it. */
  export interface LanguageStatusItem {
    readonly id: string;
    name: string | undefined;
    selector: DocumentSelector;
    severity: LanguageStatusSeverity;
    text: string;
    detail?: string;
    busy: boolean;
    command: Command | undefined;
    accessibilityInformation?: { label: string; role?: string };
    dispose(): void;
  }

  export namespace languages {
    export function createLanguageStatusItem(id: string, selector: DocumentSelector): LanguageStatusItem;
    export function registerDocumentHighlightProvider(selector: DocumentSelector, provider: { provideDocumentHighlights(document: TextDocument, position: Position, token: CancellationToken): ProviderResult<DocumentHighlight[]> }): Disposable;
    export function registerFoldingRangeProvider(selector: DocumentSelector, provider: { provideFoldingRanges(document: TextDocument, context: {}, token: CancellationToken): ProviderResult<FoldingRange[]>; onDidChangeFoldingRanges?: Event<void> }): Disposable;
    export function registerSelectionRangeProvider(selector: DocumentSelector, provider: { provideSelectionRanges(document: TextDocument, positions: readonly Position[], token: CancellationToken): ProviderResult<SelectionRange[]> }): Disposable;
    /** No `resolveInlayHint`; `onDidChangeInlayHints` does not refresh the editor. */
    export function registerInlayHintsProvider(selector: DocumentSelector, provider: { provideInlayHints(document: TextDocument, range: Range, token: CancellationToken): ProviderResult<InlayHint[]>; onDidChangeInlayHints?: Event<void> }): Disposable;
    export function registerColorProvider(selector: DocumentSelector, provider: { provideDocumentColors(document: TextDocument, token: CancellationToken): ProviderResult<ColorInformation[]>; provideColorPresentations(color: Color, context: { readonly document: TextDocument; readonly range: Range }, token: CancellationToken): ProviderResult<ColorPresentation[]> }): Disposable;
    export function registerLinkedEditingRangeProvider(selector: DocumentSelector, provider: { provideLinkedEditingRanges(document: TextDocument, position: Position, token: CancellationToken): ProviderResult<LinkedEditingRanges> }): Disposable;
    export function registerCallHierarchyProvider(selector: DocumentSelector, provider: {
      prepareCallHierarchy(document: TextDocument, position: Position, token: CancellationToken): ProviderResult<CallHierarchyItem | CallHierarchyItem[]>;
      provideCallHierarchyIncomingCalls(item: CallHierarchyItem, token: CancellationToken): ProviderResult<CallHierarchyIncomingCall[]>;
      provideCallHierarchyOutgoingCalls(item: CallHierarchyItem, token: CancellationToken): ProviderResult<CallHierarchyOutgoingCall[]>;
    }): Disposable;
    export function registerTypeHierarchyProvider(selector: DocumentSelector, provider: {
      prepareTypeHierarchy(document: TextDocument, position: Position, token: CancellationToken): ProviderResult<TypeHierarchyItem | TypeHierarchyItem[]>;
      provideTypeHierarchySupertypes(item: TypeHierarchyItem, token: CancellationToken): ProviderResult<TypeHierarchyItem[]>;
      provideTypeHierarchySubtypes(item: TypeHierarchyItem, token: CancellationToken): ProviderResult<TypeHierarchyItem[]>;
    }): Disposable;
    /** Accepted and kept; an LSP editor does not ask for inline completions. */
    export function registerInlineCompletionItemProvider(selector: DocumentSelector, provider: any): Disposable;
    /** Accepted and kept; no debugger. */
    export function registerInlineValuesProvider(selector: DocumentSelector, provider: any): Disposable;
    /** Accepted and kept; no debugger. */
    export function registerEvaluatableExpressionProvider(selector: DocumentSelector, provider: any): Disposable;
    /** Accepted and kept; no drag and drop over LSP. */
    export function registerDocumentDropEditProvider(selector: DocumentSelector, provider: any, metadata?: any): Disposable;
    /** Accepted and kept; no paste hooks over LSP. */
    export function registerDocumentPasteEditProvider(selector: DocumentSelector, provider: any, metadata: any): Disposable;
    /** Accepted and kept; editors get whole-document tokens. */
    export function registerDocumentRangeSemanticTokensProvider(selector: DocumentSelector, provider: any, legend: SemanticTokensLegend): Disposable;
  }

  // ------------------------------------------------------------------ tasks and l10n

  export enum TaskScope { Global = 1, Workspace = 2 }
  export enum TaskRevealKind { Always = 1, Silent = 2, Never = 3 }
  export enum TaskPanelKind { Shared = 1, Dedicated = 2, New = 3 }
  export enum ShellQuoting { Escape = 1, Strong = 2, Weak = 3 }
  export class TaskGroup {
    static Clean: TaskGroup;
    static Build: TaskGroup;
    static Rebuild: TaskGroup;
    static Test: TaskGroup;
    readonly id: string;
    readonly isDefault: boolean | undefined;
    readonly isTransient: boolean | undefined;
    private constructor(id: string, label: string);
  }
  export interface TaskDefinition { readonly type: string; [name: string]: any }
  export class ProcessExecution {
    constructor(process: string, options?: any);
    constructor(process: string, args: string[], options?: any);
    process: string;
    args: string[];
    options?: any;
  }
  export class ShellExecution {
    constructor(commandLine: string, options?: any);
    constructor(command: string, args: string[], options?: any);
    commandLine: string | undefined;
    command: string | undefined;
    args: string[] | undefined;
    options?: any;
  }
  export class CustomExecution {
    constructor(callback: (resolvedDefinition: TaskDefinition) => Thenable<any>);
  }
  export class Task {
    constructor(taskDefinition: TaskDefinition, scope: TaskScope | WorkspaceFolder, name: string, source: string, execution?: ProcessExecution | ShellExecution | CustomExecution, problemMatchers?: string | string[]);
    /** @deprecated */
    constructor(taskDefinition: TaskDefinition, name: string, source: string, execution?: ProcessExecution | ShellExecution, problemMatchers?: string | string[]);
    definition: TaskDefinition;
    readonly scope: TaskScope | WorkspaceFolder | undefined;
    name: string;
    detail?: string;
    execution?: ProcessExecution | ShellExecution | CustomExecution;
    isBackground: boolean;
    source: string;
    group?: TaskGroup;
    presentationOptions: any;
    problemMatchers: string[];
    runOptions: any;
  }
  export interface TaskProvider<T extends Task = Task> {
    provideTasks(token: CancellationToken): ProviderResult<T[]>;
    resolveTask(task: T, token: CancellationToken): ProviderResult<T>;
  }

  /** Providers are kept and asked by `fetchTasks`; an LSP editor has no terminal to run a task in. */
  export namespace tasks {
    export function registerTaskProvider(type: string, provider: TaskProvider): Disposable;
    export function fetchTasks(filter?: { type?: string }): Thenable<Task[]>;
    /** Rejects: exthost cannot run tasks. */
    export function executeTask(task: Task): Thenable<any>;
    export const taskExecutions: readonly any[];
    export const onDidStartTask: Event<any>;
    export const onDidEndTask: Event<any>;
    export const onDidStartTaskProcess: Event<any>;
    export const onDidEndTaskProcess: Event<any>;
  }

  export namespace workspace {
    /** @deprecated Use `tasks.registerTaskProvider`. */
    export function registerTaskProvider(type: string, provider: TaskProvider): Disposable;
    /** Always empty: no notebooks. */
    export const notebookDocuments: readonly any[];
  }

  /** No debugger over LSP: no session ever starts; registrations are kept and never asked. */
  export namespace debug {
    export const activeDebugSession: undefined;
    export const activeDebugConsole: { append(value: string): void; appendLine(value: string): void };
    export const breakpoints: readonly any[];
    export const activeStackItem: undefined;
    export const onDidChangeActiveDebugSession: Event<any>;
    export const onDidStartDebugSession: Event<any>;
    export const onDidReceiveDebugSessionCustomEvent: Event<any>;
    export const onDidTerminateDebugSession: Event<any>;
    export const onDidChangeBreakpoints: Event<any>;
    export const onDidChangeActiveStackItem: Event<any>;
    export function registerDebugConfigurationProvider(debugType: string, provider: any, triggerKind?: number): Disposable;
    export function registerDebugAdapterDescriptorFactory(debugType: string, factory: any): Disposable;
    export function registerDebugAdapterTrackerFactory(debugType: string, factory: any): Disposable;
    /** Resolves `false`. */
    export function startDebugging(folder: WorkspaceFolder | undefined, nameOrConfiguration: string | { [key: string]: any }, parentSessionOrOptions?: any): Thenable<boolean>;
    export function stopDebugging(session?: any): Thenable<void>;
    export function addBreakpoints(breakpoints: readonly any[]): void;
    export function removeBreakpoints(breakpoints: readonly any[]): void;
    export function asDebugSourceUri(source: { name?: string; path?: string }, session?: any): Uri;
  }

  /** Messages formatted as VS Code does; no translation bundle (the language is `en`). */
  export namespace l10n {
    export function t(message: string, ...args: Array<string | number | boolean>): string;
    export function t(message: string, args: Record<string, any>): string;
    export function t(options: { message: string; args?: Array<string | number | boolean> | Record<string, any>; comment: string | string[] }): string;
    export const bundle: { [key: string]: string } | undefined;
    export const uri: Uri | undefined;
  }

  /** Never visible: an LSP editor shows no tree views. */
  export interface TreeView<T> extends Disposable {
    readonly selection: readonly T[];
    readonly visible: boolean;
    message?: string;
    title?: string;
    description?: string;
    readonly onDidExpandElement: Event<any>;
    readonly onDidCollapseElement: Event<any>;
    readonly onDidChangeSelection: Event<any>;
    readonly onDidChangeVisibility: Event<any>;
    readonly onDidChangeCheckboxState: Event<any>;
    reveal(element: T, options?: any): Thenable<void>;
  }

  export namespace window {
    /** Accepted and kept; the editor never asks it. */
    export function registerTreeDataProvider<T>(viewId: string, treeDataProvider: any): Disposable;
    export function createTreeView<T>(viewId: string, options: { treeDataProvider: any; [option: string]: any }): TreeView<T>;
    /** Accepted and kept; no webviews. */
    export function registerWebviewViewProvider(viewId: string, provider: any, options?: any): Disposable;
    /** Accepted and kept; no webviews. */
    export function registerWebviewPanelSerializer(viewType: string, serializer: any): Disposable;
    /** Accepted and kept; no custom editors. */
    export function registerCustomEditorProvider(viewType: string, provider: any, options?: any): Disposable;
    /** Accepted and kept; no `exthost://` routes yet. */
    export function registerUriHandler(handler: { handleUri(uri: Uri): ProviderResult<void> }): Disposable;
    /** Accepted and kept; no file explorer. */
    export function registerFileDecorationProvider(provider: any): Disposable;
    /** Accepted and kept; no terminals. */
    export function registerTerminalLinkProvider(provider: any): Disposable;
    /** Accepted and kept; no terminals. */
    export function registerTerminalProfileProvider(id: string, provider: any): Disposable;
    /** Always empty: no terminals. */
    export const terminals: readonly any[];
    /** No tabs: `all` is empty. */
    export const tabGroups: { readonly all: readonly any[]; readonly activeTabGroup: any; readonly onDidChangeTabGroups: Event<any>; readonly onDidChangeTabs: Event<any>; close(tab: any, preserveFocus?: boolean): Thenable<boolean> };
  }

  // The other classes and enums of @types/vscode 1.140 (trees, notebooks, debugging, tests, chat, language
  // models, …) exist as in VS Code — constructible and extensible value classes — but their features are not
  // available; see docs/vscode-api.md.
}
