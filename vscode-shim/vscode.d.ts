// The part of VS Code's `vscode` API that exthost implements (vscode-shim/src). Names and signatures follow
// @types/vscode 1.100; anything not declared here throws "exthost does not implement vscode.<member>" when
// read from the `vscode` module or one of its namespaces.

declare module 'vscode' {
  /** The VS Code API version the shim follows. */
  export const version: string;

  export type ProviderResult<T> = T | undefined | null | Thenable<T | undefined | null>;

  export interface Thenable<T> extends PromiseLike<T> {}

  export class Disposable {
    /** One disposable that disposes all of `disposableLikes`. */
    static from(...disposableLikes: { dispose: () => any }[]): Disposable;
    constructor(callOnDispose: () => any);
    dispose(): any;
  }

  /** A subscription function: `event(listener, thisArgs?, disposables?)`. */
  export interface Event<T> {
    (listener: (e: T) => any, thisArgs?: any, disposables?: Disposable[]): Disposable;
  }

  export class EventEmitter<T> {
    event: Event<T>;
    /** Calls every listener; one that throws is reported and the others still run. */
    fire(data: T): void;
    dispose(): void;
  }

  /** A `file:` URI. For now a plain object, not VS Code's `Uri` class (`vscode.Uri` is not implemented). */
  export interface Uri {
    readonly scheme: 'file';
    readonly authority: string;
    readonly path: string;
    readonly query: string;
    readonly fragment: string;
    readonly fsPath: string;
    toString(): string;
    toJSON(): any;
  }

  export enum ExtensionKind {
    UI = 1,
    Workspace = 2,
  }

  export enum ExtensionMode {
    Production = 1,
    Development = 2,
    Test = 3,
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

  export interface ExtensionContext {
    /** Disposed in reverse order when the extension is deactivated. */
    readonly subscriptions: { dispose(): any }[];
    readonly workspaceState: Memento;
    readonly globalState: GlobalMemento;
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

  export namespace commands {
    /** Registers `command` with the host; the Disposable unregisters it. Throws if this extension already registered it. */
    export function registerCommand(command: string, callback: (...args: any[]) => any, thisArg?: any): Disposable;
    /** A command of this extension runs locally (arguments by reference); others go through the host as JSON. */
    export function executeCommand<T = unknown>(command: string, ...rest: any[]): Thenable<T>;
    export function getCommands(filterInternal?: boolean): Thenable<string[]>;
  }

  export namespace extensions {
    /** Synchronous, as in VS Code: the extension's thread waits for the host's answer. */
    export function getExtension<T = any>(extensionId: string): Extension<T> | undefined;
    export const all: readonly Extension<any>[];
    /** Not fired yet. */
    export const onDidChange: Event<void>;
  }
}
