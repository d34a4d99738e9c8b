//! The catalogue of `exthost/*` methods: one type per method with its name, params and result shapes.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeOwned, IgnoredAny, Unexpected};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A request method: its name and the shapes of its params and result.
pub trait RpcRequest {
    /// The method name on the wire.
    const METHOD: &'static str;
    /// The `params` member.
    type Params: Serialize + DeserializeOwned;
    /// The `result` member of a successful response.
    type Result: Serialize + DeserializeOwned;
    /// Whether `$/cancelRequest` aborts it. Requests that change extensions' states in several steps
    /// are not cancellable: they run to the end and answer normally (LSP allows a server to do so).
    const CANCELLABLE: bool = true;
}

/// A notification method: its name and the shape of its params.
pub trait RpcNotification {
    /// The method name on the wire.
    const METHOD: &'static str;
    /// The `params` member.
    type Params: Serialize + DeserializeOwned;
}

/// Where an extension is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExtensionState {
    /// On disk, not yet activated.
    Discovered,
    /// Code in memory.
    Loaded,
    /// Activated and running.
    Enabled,
    /// Turned off by the user.
    Disabled,
    /// Code removed from memory.
    Unloaded,
    /// Could not be read, resolved or activated; see the error.
    Failed,
}

impl ExtensionState {
    /// The wire name, e.g. `"enabled"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionState::Discovered => "discovered",
            ExtensionState::Loaded => "loaded",
            ExtensionState::Enabled => "enabled",
            ExtensionState::Disabled => "disabled",
            ExtensionState::Unloaded => "unloaded",
            ExtensionState::Failed => "failed",
        }
    }
}

impl fmt::Display for ExtensionState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Where an extension was discovered, in order of precedence: a later source shadows an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExtensionSource {
    /// Shipped with the binary.
    Builtin,
    /// The user's extensions folder (`$EXTHOST_HOME/extensions`).
    User,
    /// The workspace's `.exthost/extensions` folder.
    Project,
    /// A folder given with `--extensions-dir`.
    Dir,
    /// An extension folder given with `--dev`.
    Dev,
}

impl ExtensionSource {
    /// The wire name, e.g. `"builtin"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionSource::Builtin => "builtin",
            ExtensionSource::User => "user",
            ExtensionSource::Project => "project",
            ExtensionSource::Dir => "dir",
            ExtensionSource::Dev => "dev",
        }
    }
}

impl fmt::Display for ExtensionSource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Why an extension failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    /// A message naming the cause.
    pub message: String,
}

/// One discovered extension, as `exthost/listExtensions` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionInfo {
    /// The extension id, or the folder name when the manifest cannot be read.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The version.
    pub version: String,
    /// The lifecycle state.
    pub state: ExtensionState,
    /// Where it was discovered.
    pub source: ExtensionSource,
    /// The extension folder.
    pub path: String,
    /// The events that activate it, e.g. `onLanguage:rust`.
    pub activation_events: Vec<String>,
    /// Dependency id → version range.
    pub dependencies: BTreeMap<String, String>,
    /// Why it failed, when its state is `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// The path of the extension that shadows this one, when a later source has the same id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadowed_by: Option<String>,
    /// `true` while a change (an upgrade or uninstall of this running extension) waits for a host restart.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restart_required: bool,
    /// The engine that runs (or would run) its code: `quickjs`, `deno` or `native`; absent for an
    /// extension without code or whose manifest cannot be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
}

/// Params of `exthost/managerStarted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagerStartedParams {
    /// The manager page, `http://127.0.0.1:PORT/?token=TOKEN`.
    pub url: String,
}

/// One contributed command, as the manager endpoint reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandInfo {
    /// The command id.
    pub command: String,
    /// Its title.
    pub title: String,
}

/// Result of `exthost/extensionDetails` (manager endpoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionDetailsResult {
    /// The extension as `exthost/listExtensions` reports it.
    pub extension: ExtensionInfo,
    /// The commands its manifest contributes.
    pub commands: Vec<CommandInfo>,
    /// Whether `exthost/reload` can reload it without a host restart (`capabilities.supportsHotReload`).
    pub supports_hot_reload: bool,
    /// Its error, message and stack (the message's lines after the first), when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ExtensionErrorDetails>,
}

/// An extension's error with its stack, for the manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionErrorDetails {
    /// The first line of the error.
    pub message: String,
    /// The lines that follow (a JS stack, a cause), when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
}

/// One line an extension logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    /// The extension that logged it.
    pub extension: String,
    /// `error`, `warn`, `info` or `debug`.
    pub level: String,
    /// The text.
    pub message: String,
    /// Milliseconds since the Unix epoch.
    pub time_ms: u64,
}

/// Result of `exthost/extensionLog` (manager endpoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionLogResult {
    /// The most recent lines, oldest first.
    pub lines: Vec<LogLine>,
}

/// Params of `exthost/event` (manager endpoint): one item of the `exthost/subscribe` subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ManagerEvent {
    /// An extension's state changed (as `exthost/extensionStateChanged`).
    ExtensionStateChanged(ExtensionStateChangedParams),
    /// The host restarted (as `exthost/hostRestarted`).
    HostRestarted(HostRestartedParams),
    /// An extension logged a line.
    Log(LogLine),
}

/// Declares an empty params struct that serialises as `{}` and deserialises from any object or `null`,
/// so a request without params can be read as `null`.
macro_rules! empty_params {
    ($(#[$attribute:meta])* $name:ident) => {
        $(#[$attribute])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
        pub struct $name {}

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Option::<BTreeMap<String, IgnoredAny>>::deserialize(deserializer)?;
                Ok($name {})
            }
        }
    };
}

empty_params!(
    /// Params of `exthost/listExtensions`: `{}` (or absent).
    ListExtensionsParams
);

empty_params!(
    /// Params of `exthost/restartHost`: `{}` (or absent).
    RestartHostParams
);

/// Result of `exthost/listExtensions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListExtensionsResult {
    /// Every discovered extension, shadowed ones included.
    pub extensions: Vec<ExtensionInfo>,
}

/// Params naming one extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdParams {
    /// The extension id.
    pub id: String,
}

/// Result of `exthost/enable` and `exthost/disable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedResult {
    /// The ids whose state changed, in the order they changed.
    pub changed: Vec<String>,
}

/// Result of `exthost/reload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReloadResult {
    /// The ids reloaded.
    pub reloaded: Vec<String>,
}

/// Result of `exthost/restartHost`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestartHostResult {
    /// `true` once the new host is ready.
    pub restarted: bool,
}

/// Params of `exthost/trustWorkspace`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustWorkspaceParams {
    /// The workspace folder to trust, as a `file:` URI.
    pub uri: String,
}

/// Result of `exthost/trustWorkspace`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustWorkspaceResult {
    /// `true` once the folder is trusted (and, for the session's workspace, its extensions loaded).
    pub trusted: bool,
}

/// Params of `exthost/activate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivateParams {
    /// The activation event, e.g. `onLanguage:rust`.
    pub event: String,
}

/// Result of `exthost/activate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivateResult {
    /// The ids activated by the event.
    pub activated: Vec<String>,
}

/// Params of `exthost/extensionStateChanged`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionStateChangedParams {
    /// The extension id.
    pub id: String,
    /// Its new state.
    pub state: ExtensionState,
    /// Why it failed, when the new state is `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// Its change waits for a host restart (as `ExtensionInfo.restartRequired`): an upgrade or uninstall
    /// left a running extension that cannot hot-reload on its old code. Sent only when `true`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restart_required: bool,
}

/// Params of `exthost/hostRestarted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostRestartedParams {
    /// Why the host restarted: `"crashed"` (restarted automatically), `"gaveUp"` (crashed too often and
    /// not restarted), `"requested"` (`exthost/restartHost`).
    pub reason: String,
    /// What happened, in words (how the worker ended and which extension's code was running).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Params of `exthost/unresponsive`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnresponsiveParams {
    /// The extension whose code holds the worker, when one is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_id: Option<String>,
    /// How long the worker has not answered (or that extension's code has run), in milliseconds.
    pub since_ms: u64,
}

/// A position in a document (LSP `Position`): zero-based line and UTF-16 code-unit offset in that line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    /// The zero-based line.
    pub line: u32,
    /// The zero-based offset in the line, in UTF-16 code units.
    pub character: u32,
}

/// A range in a document (LSP `Range`). As a selection, `start` is the anchor and `end` the active
/// position (the cursor), so `end` may come before `start`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Range {
    /// Where the range starts (a selection's anchor).
    pub start: Position,
    /// Where the range ends, exclusive (a selection's active position).
    pub end: Position,
}

/// An LSP `Command`: a command id with a title and arguments, run with `workspace/executeCommand`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Command {
    /// The title shown to the user.
    pub title: String,
    /// The command id.
    pub command: String,
    /// The arguments to run it with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Vec<Value>>,
}

/// The JSON literal `true`: the value of a flag that is only ever sent set, such as `disposed` in
/// `{id, disposed: true}`. Reading `false` is an error, so such a message is never mistaken for another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct True;

impl Serialize for True {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(true)
    }
}

impl<'de> Deserialize<'de> for True {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if bool::deserialize(deserializer)? {
            Ok(True)
        } else {
            Err(de::Error::invalid_value(Unexpected::Bool(false), &"true"))
        }
    }
}

/// Params of `exthost/didChangeActiveEditor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DidChangeActiveEditorParams {
    /// The document of the editor's active text editor, as the editor names it in `textDocument/didOpen`;
    /// `null` (or absent) when no text editor is active.
    #[serde(default)]
    pub uri: Option<String>,
    /// The editor's selections in that document, the primary one first; absent or empty keeps the
    /// selections the host knows for it (a zero selection at 0:0 for a document not yet active).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selections: Option<Vec<Range>>,
}

/// Params of `exthost/didChangeSelection`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DidChangeSelectionParams {
    /// The document whose editor's selections changed.
    pub uri: String,
    /// The new selections, the primary one first; empty means a zero selection at 0:0.
    pub selections: Vec<Range>,
}

/// Which side of the status bar an item sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StatusBarAlignment {
    /// The left side (VS Code's default).
    Left,
    /// The right side.
    Right,
}

/// What clicking a status bar item runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatusBarCommand {
    /// A command id, run without arguments.
    Id(String),
    /// An LSP `Command`, run with its arguments.
    Command(Command),
}

/// The whole state of one status bar item, sent in `exthost/statusBarItem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusBarItemState {
    /// The item's id, `"<extension id>/<n>"`, unique in the session.
    pub id: String,
    /// The text, which may hold VS Code's `$(icon-name)` references.
    pub text: String,
    /// The tooltip as plain or markdown text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// The text colour: a CSS colour or a theme colour id (`statusBarItem.errorForeground`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// The background colour: a theme colour id (`statusBarItem.warningBackground`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// What clicking the item runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<StatusBarCommand>,
    /// The item's name, for menus that list items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The side of the status bar.
    pub alignment: StatusBarAlignment,
    /// The order on that side: higher is more to the left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<f64>,
    /// Whether the item is shown.
    pub visible: bool,
}

/// A status bar item that was disposed, sent in `exthost/statusBarItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisposedStatusBarItem {
    /// The item's id.
    pub id: String,
    /// Always `true`.
    pub disposed: True,
}

/// Params of `exthost/statusBarItem`: an item's whole state, or its disposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatusBarItemParams {
    /// `{id, disposed: true}`: the editor removes the item.
    Disposed(DisposedStatusBarItem),
    /// The item's whole state: the editor creates or replaces the item with this id (boxed: it is
    /// ten times the size of the other variant).
    State(Box<StatusBarItemState>),
}

/// Params of `exthost/statusBarMessage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusBarMessageParams {
    /// The message to show in the status bar; `""` clears it.
    pub text: String,
}

/// A decoration type an extension created, sent in `exthost/decorationType`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedDecorationType {
    /// The type's key, `"<extension id>/decoration/<n>"`, unique in the session.
    pub key: String,
    /// VS Code's `DecorationRenderOptions` as JSON (`backgroundColor`, `border`, `light`, `dark`,
    /// `overviewRulerColor`, …); a `ThemeColor` is `{id}`.
    pub options: Map<String, Value>,
}

/// A decoration type that was disposed, sent in `exthost/decorationType`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisposedDecorationType {
    /// The type's key.
    pub key: String,
    /// Always `true`.
    pub disposed: True,
}

/// Params of `exthost/decorationType`: a new decoration type, or its disposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DecorationTypeParams {
    /// `{key, disposed: true}`: the editor removes the type and every decoration of it.
    Disposed(DisposedDecorationType),
    /// `{key, options}`: a new type.
    Created(CreatedDecorationType),
}

/// One decorated range in `exthost/decorations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecorationRange {
    /// The range decorated.
    pub range: Range,
    /// Markdown to show when hovering the range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hover_message: Option<String>,
}

/// Params of `exthost/decorations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecorationsParams {
    /// The document decorated.
    pub uri: String,
    /// The key of the decoration type (from `exthost/decorationType`).
    #[serde(rename = "type")]
    pub decoration_type: String,
    /// Every range of this type in this document, replacing the previous ones; empty clears them.
    pub ranges: Vec<DecorationRange>,
}

/// Params of `exthost/revealRange`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevealRangeParams {
    /// The document.
    pub uri: String,
    /// The range to scroll into view.
    pub range: Range,
}

/// One item of `exthost/showQuickPick`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuickPickItem {
    /// The text of the item.
    pub label: String,
    /// Text shown less prominently beside the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Text shown less prominently below the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Whether the item starts selected (with `canPickMany`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picked: Option<bool>,
}

/// Params of `exthost/showQuickPick`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShowQuickPickParams {
    /// The items to choose from, in order; never empty.
    pub items: Vec<QuickPickItem>,
    /// The text shown in the empty filter box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_holder: Option<String>,
    /// Whether several items may be chosen; sent only when `true`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub can_pick_many: bool,
    /// The title of the picker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// Result of `exthost/showQuickPick` (`null` when the user dismissed the picker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShowQuickPickResult {
    /// The zero-based indices into `items` of the chosen items; without `canPickMany`, the first counts.
    pub selected: Vec<u32>,
}

/// Params of `exthost/showInputBox`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShowInputBoxParams {
    /// The text shown below the box, saying what to enter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// The text shown in the empty box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_holder: Option<String>,
    /// The box's initial value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Whether the input is hidden (a password); sent only when `true`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub password: bool,
    /// The title of the box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// Result of `exthost/showInputBox` (`null` when the user dismissed the box).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShowInputBoxResult {
    /// The text entered.
    pub value: String,
}

/// `exthost/listExtensions`: every discovered extension with its state.
#[derive(Debug, Clone, Copy)]
pub struct ListExtensions;

impl RpcRequest for ListExtensions {
    const METHOD: &'static str = "exthost/listExtensions";
    type Params = ListExtensionsParams;
    type Result = ListExtensionsResult;
}

/// `exthost/trustWorkspace`: trusts a workspace folder, so that its `.exthost/extensions` may run
/// (contract §12); the answer is kept per folder under `$EXTHOST_HOME`.
#[derive(Debug, Clone, Copy)]
pub struct TrustWorkspace;

impl RpcRequest for TrustWorkspace {
    const METHOD: &'static str = "exthost/trustWorkspace";
    type Params = TrustWorkspaceParams;
    type Result = TrustWorkspaceResult;
}

/// `exthost/enable`: enables an extension and its dependencies (dependencies first).
#[derive(Debug, Clone, Copy)]
pub struct Enable;

impl RpcRequest for Enable {
    const METHOD: &'static str = "exthost/enable";
    type Params = IdParams;
    type Result = ChangedResult;
    const CANCELLABLE: bool = false;
}

/// `exthost/disable`: disables an extension and its dependents (dependents first).
#[derive(Debug, Clone, Copy)]
pub struct Disable;

impl RpcRequest for Disable {
    const METHOD: &'static str = "exthost/disable";
    type Params = IdParams;
    type Result = ChangedResult;
    const CANCELLABLE: bool = false;
}

/// `exthost/reload`: reloads an extension that supports hot reload.
#[derive(Debug, Clone, Copy)]
pub struct Reload;

impl RpcRequest for Reload {
    const METHOD: &'static str = "exthost/reload";
    type Params = IdParams;
    type Result = ReloadResult;
    const CANCELLABLE: bool = false;
}

/// Params of `exthost/install`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallParams {
    /// What to install: a `.xpkg` or `.vsix` path, an extension folder, or `npm:NAME[@RANGE]`.
    pub source: String,
    /// Replace the same id and version if it is installed already.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force: bool,
    /// The npm registry URL for an `npm:` source (default: the configured one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
}

/// Result of `exthost/install`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallResult {
    /// The installed extension, as `exthost/listExtensions` now reports it.
    pub installed: ExtensionInfo,
}

/// Params of `exthost/uninstall`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UninstallParams {
    /// The extension id.
    pub id: String,
    /// Uninstall even if other installed extensions depend on it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force: bool,
}

/// Result of `exthost/uninstall`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UninstallResult {
    /// The ids uninstalled.
    pub uninstalled: Vec<String>,
}

/// Params of `exthost/upgrade`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeParams {
    /// The extension to upgrade; absent: every installed extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Result of `exthost/upgrade`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeResult {
    /// The extensions a newer version was installed of, as `exthost/listExtensions` now reports them.
    pub upgraded: Vec<ExtensionInfo>,
}

/// `exthost/install`: installs an extension package into the user folder; it is discovered and
/// activatable at once. A refusal is -32803 naming the reason.
#[derive(Debug, Clone, Copy)]
pub struct Install;

impl RpcRequest for Install {
    const METHOD: &'static str = "exthost/install";
    type Params = InstallParams;
    type Result = InstallResult;
    const CANCELLABLE: bool = false;
}

/// `exthost/uninstall`: removes every installed version of an extension (refused while other installed
/// extensions depend on it, unless `force`).
#[derive(Debug, Clone, Copy)]
pub struct Uninstall;

impl RpcRequest for Uninstall {
    const METHOD: &'static str = "exthost/uninstall";
    type Params = UninstallParams;
    type Result = UninstallResult;
    const CANCELLABLE: bool = false;
}

/// `exthost/upgrade`: installs the newest version each installed extension's source offers.
#[derive(Debug, Clone, Copy)]
pub struct Upgrade;

impl RpcRequest for Upgrade {
    const METHOD: &'static str = "exthost/upgrade";
    type Params = UpgradeParams;
    type Result = UpgradeResult;
    const CANCELLABLE: bool = false;
}

/// `exthost/restartHost`: restarts the host, enabling again the extensions that were enabled.
#[derive(Debug, Clone, Copy)]
pub struct RestartHost;

impl RpcRequest for RestartHost {
    const METHOD: &'static str = "exthost/restartHost";
    type Params = RestartHostParams;
    type Result = RestartHostResult;
    const CANCELLABLE: bool = false;
}

/// `exthost/activate`: fires an activation event.
#[derive(Debug, Clone, Copy)]
pub struct Activate;

impl RpcRequest for Activate {
    const METHOD: &'static str = "exthost/activate";
    type Params = ActivateParams;
    type Result = ActivateResult;
}

/// `exthost/extensionStateChanged` (host → editor): an extension changed state.
#[derive(Debug, Clone, Copy)]
pub struct ExtensionStateChanged;

impl RpcNotification for ExtensionStateChanged {
    const METHOD: &'static str = "exthost/extensionStateChanged";
    type Params = ExtensionStateChangedParams;
}

/// `exthost/hostRestarted` (host → editor): the host restarted.
#[derive(Debug, Clone, Copy)]
pub struct HostRestarted;

impl RpcNotification for HostRestarted {
    const METHOD: &'static str = "exthost/hostRestarted";
    type Params = HostRestartedParams;
}

/// `exthost/unresponsive` (host → editor): a worker has not answered its ping, or an extension's code has
/// held it, for 3 s; after `limits.unresponsiveMs` it is killed and restarted as a crash.
#[derive(Debug, Clone, Copy)]
pub struct Unresponsive;

impl RpcNotification for Unresponsive {
    const METHOD: &'static str = "exthost/unresponsive";
    type Params = UnresponsiveParams;
}

/// `exthost/didChangeActiveEditor` (editor → host): the editor's active text editor changed.
#[derive(Debug, Clone, Copy)]
pub struct DidChangeActiveEditor;

impl RpcNotification for DidChangeActiveEditor {
    const METHOD: &'static str = "exthost/didChangeActiveEditor";
    type Params = DidChangeActiveEditorParams;
}

/// `exthost/didChangeSelection` (editor → host): the selections in a text editor changed.
#[derive(Debug, Clone, Copy)]
pub struct DidChangeSelection;

impl RpcNotification for DidChangeSelection {
    const METHOD: &'static str = "exthost/didChangeSelection";
    type Params = DidChangeSelectionParams;
}

/// `exthost/statusBarItem` (host → editor): a status bar item changed or was disposed.
#[derive(Debug, Clone, Copy)]
pub struct StatusBarItem;

impl RpcNotification for StatusBarItem {
    const METHOD: &'static str = "exthost/statusBarItem";
    type Params = StatusBarItemParams;
}

/// `exthost/statusBarMessage` (host → editor): a transient status bar message (`""` clears it).
#[derive(Debug, Clone, Copy)]
pub struct StatusBarMessage;

impl RpcNotification for StatusBarMessage {
    const METHOD: &'static str = "exthost/statusBarMessage";
    type Params = StatusBarMessageParams;
}

/// `exthost/decorationType` (host → editor): a text decoration type was created or disposed.
#[derive(Debug, Clone, Copy)]
pub struct DecorationType;

impl RpcNotification for DecorationType {
    const METHOD: &'static str = "exthost/decorationType";
    type Params = DecorationTypeParams;
}

/// `exthost/decorations` (host → editor): the ranges of one decoration type in one document.
#[derive(Debug, Clone, Copy)]
pub struct Decorations;

impl RpcNotification for Decorations {
    const METHOD: &'static str = "exthost/decorations";
    type Params = DecorationsParams;
}

/// `exthost/revealRange` (host → editor): scroll a range of a document into view.
#[derive(Debug, Clone, Copy)]
pub struct RevealRange;

impl RpcNotification for RevealRange {
    const METHOD: &'static str = "exthost/revealRange";
    type Params = RevealRangeParams;
}

/// `exthost/showQuickPick` (host → editor): let the user choose from a list.
#[derive(Debug, Clone, Copy)]
pub struct ShowQuickPick;

impl RpcRequest for ShowQuickPick {
    const METHOD: &'static str = "exthost/showQuickPick";
    type Params = ShowQuickPickParams;
    type Result = Option<ShowQuickPickResult>;
}

/// `exthost/showInputBox` (host → editor): ask the user for a line of text.
#[derive(Debug, Clone, Copy)]
pub struct ShowInputBox;

impl RpcRequest for ShowInputBox {
    const METHOD: &'static str = "exthost/showInputBox";
    type Params = ShowInputBoxParams;
    type Result = Option<ShowInputBoxResult>;
}

/// `exthost/managerStarted` (host → editor): the manager endpoint listens; open `url` in a browser.
#[derive(Debug, Clone, Copy)]
pub struct ManagerStarted;

impl RpcNotification for ManagerStarted {
    const METHOD: &'static str = "exthost/managerStarted";
    type Params = ManagerStartedParams;
}

/// `exthost/extensionDetails` (manager endpoint): one extension with its commands and its error's stack.
#[derive(Debug, Clone, Copy)]
pub struct ExtensionDetails;

impl RpcRequest for ExtensionDetails {
    const METHOD: &'static str = "exthost/extensionDetails";
    type Params = IdParams;
    type Result = ExtensionDetailsResult;
}

/// `exthost/extensionLog` (manager endpoint): the lines an extension logged most recently.
#[derive(Debug, Clone, Copy)]
pub struct ExtensionLog;

impl RpcRequest for ExtensionLog {
    const METHOD: &'static str = "exthost/extensionLog";
    type Params = IdParams;
    type Result = ExtensionLogResult;
}

/// `exthost/subscribe` (manager endpoint): starts the subscription of `exthost/event` notifications;
/// the result is the subscription id.
#[derive(Debug, Clone, Copy)]
pub struct Subscribe;

impl RpcRequest for Subscribe {
    const METHOD: &'static str = "exthost/subscribe";
    type Params = Value;
    type Result = Value;
}

/// `exthost/unsubscribe` (manager endpoint): `[subscriptionId]` → `true`.
#[derive(Debug, Clone, Copy)]
pub struct Unsubscribe;

impl RpcRequest for Unsubscribe {
    const METHOD: &'static str = "exthost/unsubscribe";
    type Params = Value;
    type Result = bool;
}

/// `exthost/event` (manager endpoint → panel): one state change, host restart or log line, as
/// `{subscription, result: ManagerEvent}`.
#[derive(Debug, Clone, Copy)]
pub struct Event;

impl RpcNotification for Event {
    const METHOD: &'static str = "exthost/event";
    type Params = ManagerEvent;
}

/// The `exthost/*` requests the editor (the LSP client) sends to the host.
pub const CLIENT_REQUEST_METHODS: &[&str] = &[
    ListExtensions::METHOD,
    Enable::METHOD,
    Disable::METHOD,
    Reload::METHOD,
    RestartHost::METHOD,
    Activate::METHOD,
    Install::METHOD,
    Uninstall::METHOD,
    Upgrade::METHOD,
    TrustWorkspace::METHOD,
];

/// The `exthost/*` notifications the editor (the LSP client) sends to the host.
pub const CLIENT_NOTIFICATION_METHODS: &[&str] =
    &[DidChangeActiveEditor::METHOD, DidChangeSelection::METHOD];

/// The `exthost/*` requests the host (the LSP server) sends to the editor.
pub const SERVER_REQUEST_METHODS: &[&str] = &[ShowQuickPick::METHOD, ShowInputBox::METHOD];

/// The `exthost/*` notifications the host (the LSP server) sends to the editor.
pub const SERVER_NOTIFICATION_METHODS: &[&str] = &[
    ExtensionStateChanged::METHOD,
    HostRestarted::METHOD,
    Unresponsive::METHOD,
    StatusBarItem::METHOD,
    StatusBarMessage::METHOD,
    DecorationType::METHOD,
    Decorations::METHOD,
    RevealRange::METHOD,
    ManagerStarted::METHOD,
];

/// The `exthost/*` requests only the manager endpoint answers (contract §10); it also answers the
/// management methods of [`CLIENT_REQUEST_METHODS`].
pub const MANAGER_REQUEST_METHODS: &[&str] = &[
    ExtensionDetails::METHOD,
    ExtensionLog::METHOD,
    Subscribe::METHOD,
    Unsubscribe::METHOD,
];

/// The `exthost/*` notifications the manager endpoint sends to the panel.
pub const MANAGER_NOTIFICATION_METHODS: &[&str] = &[Event::METHOD];

/// Every `exthost/*` request method, either direction: [`CLIENT_REQUEST_METHODS`], then
/// [`SERVER_REQUEST_METHODS`], then [`MANAGER_REQUEST_METHODS`].
pub const REQUEST_METHODS: &[&str] = &[
    ListExtensions::METHOD,
    Enable::METHOD,
    Disable::METHOD,
    Reload::METHOD,
    RestartHost::METHOD,
    Activate::METHOD,
    Install::METHOD,
    Uninstall::METHOD,
    Upgrade::METHOD,
    TrustWorkspace::METHOD,
    ShowQuickPick::METHOD,
    ShowInputBox::METHOD,
    ExtensionDetails::METHOD,
    ExtensionLog::METHOD,
    Subscribe::METHOD,
    Unsubscribe::METHOD,
];

/// Every `exthost/*` notification method, either direction: [`CLIENT_NOTIFICATION_METHODS`], then
/// [`SERVER_NOTIFICATION_METHODS`], then [`MANAGER_NOTIFICATION_METHODS`].
pub const NOTIFICATION_METHODS: &[&str] = &[
    DidChangeActiveEditor::METHOD,
    DidChangeSelection::METHOD,
    ExtensionStateChanged::METHOD,
    HostRestarted::METHOD,
    Unresponsive::METHOD,
    StatusBarItem::METHOD,
    StatusBarMessage::METHOD,
    DecorationType::METHOD,
    Decorations::METHOD,
    RevealRange::METHOD,
    ManagerStarted::METHOD,
    Event::METHOD,
];

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn info() -> ExtensionInfo {
        ExtensionInfo {
            id: "com.example.hello".into(),
            name: "Hello".into(),
            version: "1.2.0".into(),
            state: ExtensionState::Enabled,
            source: ExtensionSource::Dir,
            path: "/extensions/hello".into(),
            activation_events: vec!["onCommand:hello.say".into()],
            dependencies: BTreeMap::from([("com.example.base".into(), "^1.0.0".into())]),
            error: None,
            shadowed_by: None,
            restart_required: false,
            engine: Some("quickjs".into()),
        }
    }

    #[test]
    fn extension_info_shape() {
        let expected = json!({
            "id": "com.example.hello", "name": "Hello", "version": "1.2.0", "state": "enabled",
            "source": "dir", "path": "/extensions/hello", "activationEvents": ["onCommand:hello.say"],
            "dependencies": {"com.example.base": "^1.0.0"}, "engine": "quickjs",
        });
        assert_eq!(serde_json::to_value(info()).unwrap(), expected);

        let failed = ExtensionInfo {
            state: ExtensionState::Failed,
            error: Some(ErrorInfo {
                message: "cycle".into(),
            }),
            shadowed_by: Some("/other".into()),
            ..info()
        };
        let value = serde_json::to_value(&failed).unwrap();
        assert_eq!(value["error"], json!({"message": "cycle"}));
        assert_eq!(value["shadowedBy"], "/other");
        assert!(value.get("restartRequired").is_none(), "absent while false");
        let waiting = ExtensionInfo {
            restart_required: true,
            ..info()
        };
        assert_eq!(
            serde_json::to_value(waiting).unwrap()["restartRequired"],
            true
        );
        assert_eq!(
            serde_json::from_value::<ExtensionInfo>(value).unwrap(),
            failed
        );
    }

    #[test]
    fn enums_use_wire_names() {
        for state in [
            ExtensionState::Discovered,
            ExtensionState::Loaded,
            ExtensionState::Enabled,
            ExtensionState::Disabled,
            ExtensionState::Unloaded,
            ExtensionState::Failed,
        ] {
            assert_eq!(serde_json::to_value(state).unwrap(), state.to_string());
        }
        let sources = [
            ExtensionSource::Builtin,
            ExtensionSource::User,
            ExtensionSource::Project,
            ExtensionSource::Dir,
            ExtensionSource::Dev,
        ];
        for source in sources {
            assert_eq!(serde_json::to_value(source).unwrap(), source.to_string());
        }
        assert!(sources.is_sorted(), "sources are ordered by precedence");
    }

    #[test]
    fn empty_params_are_tolerant() {
        for input in [json!({}), Value::Null, json!({"unexpected": 1})] {
            assert_eq!(
                serde_json::from_value::<ListExtensionsParams>(input).unwrap(),
                ListExtensionsParams {}
            );
        }
        assert!(serde_json::from_value::<RestartHostParams>(json!(3)).is_err());
        assert_eq!(
            serde_json::to_value(RestartHostParams {}).unwrap(),
            json!({})
        );
    }

    #[test]
    fn notification_shapes() {
        let changed = ExtensionStateChangedParams {
            id: "a".into(),
            state: ExtensionState::Disabled,
            error: None,
            restart_required: false,
        };
        assert_eq!(
            serde_json::to_value(changed).unwrap(),
            json!({"id": "a", "state": "disabled"})
        );
        let restarted = HostRestartedParams {
            reason: "crashed".into(),
            detail: None,
        };
        assert_eq!(
            serde_json::to_value(restarted).unwrap(),
            json!({"reason": "crashed"})
        );
        let stalled = UnresponsiveParams {
            extension_id: Some("a.b".into()),
            since_ms: 3000,
        };
        assert_eq!(
            serde_json::to_value(stalled).unwrap(),
            json!({"extensionId": "a.b", "sinceMs": 3000})
        );
    }

    fn range(start_line: u32, start: u32, end_line: u32, end: u32) -> Range {
        Range {
            start: Position {
                line: start_line,
                character: start,
            },
            end: Position {
                line: end_line,
                character: end,
            },
        }
    }

    #[test]
    fn editor_notification_shapes() {
        let active: DidChangeActiveEditorParams = serde_json::from_value(json!({
            "uri": "file:///a.txt",
            "selections": [{"start": {"line": 1, "character": 0}, "end": {"line": 4, "character": 2}}],
        }))
        .unwrap();
        assert_eq!(active.uri.as_deref(), Some("file:///a.txt"));
        assert_eq!(active.selections, Some(vec![range(1, 0, 4, 2)]));
        for none in [json!({"uri": null}), json!({})] {
            let params: DidChangeActiveEditorParams = serde_json::from_value(none).unwrap();
            assert_eq!(params.uri, None);
            assert_eq!(params.selections, None);
        }
        let none = DidChangeActiveEditorParams {
            uri: None,
            selections: None,
        };
        assert_eq!(serde_json::to_value(none).unwrap(), json!({"uri": null}));

        let selection = DidChangeSelectionParams {
            uri: "file:///a.txt".into(),
            selections: vec![range(2, 5, 2, 0)],
        };
        let value = serde_json::to_value(&selection).unwrap();
        assert_eq!(
            value,
            json!({"uri": "file:///a.txt", "selections": [
                {"start": {"line": 2, "character": 5}, "end": {"line": 2, "character": 0}},
            ]})
        );
        assert!(serde_json::from_value::<DidChangeSelectionParams>(json!({"uri": "x"})).is_err());
    }

    #[test]
    fn status_bar_item_shapes() {
        let shown = json!({
            "id": "com.example.hello/1", "text": "$(megaphone) 3 line(s) selected",
            "command": "sample.showSelectionCount", "alignment": "right", "priority": 100.0,
            "visible": true,
        });
        let params: StatusBarItemParams = serde_json::from_value(shown.clone()).unwrap();
        let StatusBarItemParams::State(state) = &params else {
            panic!("a state, not {params:?}");
        };
        assert_eq!(state.alignment, StatusBarAlignment::Right);
        assert_eq!(
            state.command,
            Some(StatusBarCommand::Id("sample.showSelectionCount".into()))
        );
        assert_eq!(state.priority, Some(100.0));
        assert_eq!(serde_json::to_value(&params).unwrap(), shown);

        let with_command: StatusBarItemState = serde_json::from_value(json!({
            "id": "a/2", "text": "", "tooltip": "**hi**", "color": "statusBarItem.errorForeground",
            "backgroundColor": "statusBarItem.errorBackground", "name": "A",
            "command": {"title": "Run", "command": "a.run", "arguments": [1, "two"]},
            "alignment": "left", "visible": false,
        }))
        .unwrap();
        assert_eq!(
            with_command.command,
            Some(StatusBarCommand::Command(Command {
                title: "Run".into(),
                command: "a.run".into(),
                arguments: Some(vec![json!(1), json!("two")]),
            }))
        );
        assert_eq!(
            with_command.background_color.as_deref(),
            Some("statusBarItem.errorBackground")
        );
        assert_eq!(with_command.priority, None);

        let disposed = json!({"id": "a/2", "disposed": true});
        let params: StatusBarItemParams = serde_json::from_value(disposed.clone()).unwrap();
        assert_eq!(
            params,
            StatusBarItemParams::Disposed(DisposedStatusBarItem {
                id: "a/2".into(),
                disposed: True,
            })
        );
        assert_eq!(serde_json::to_value(&params).unwrap(), disposed);
        assert!(
            serde_json::from_value::<StatusBarItemParams>(json!({"id": "a/2", "disposed": false}))
                .is_err()
        );
        assert_eq!(
            serde_json::to_value(StatusBarMessageParams {
                text: String::new()
            })
            .unwrap(),
            json!({"text": ""})
        );
    }

    #[test]
    fn decoration_shapes() {
        let created = json!({
            "key": "com.example.deco/decoration/1",
            "options": {"borderWidth": "1px", "light": {"borderColor": "darkblue"}},
        });
        let params: DecorationTypeParams = serde_json::from_value(created.clone()).unwrap();
        assert!(
            matches!(&params, DecorationTypeParams::Created(c) if c.options["borderWidth"] == "1px")
        );
        assert_eq!(serde_json::to_value(&params).unwrap(), created);
        let disposed: DecorationTypeParams =
            serde_json::from_value(json!({"key": "k", "disposed": true})).unwrap();
        assert!(matches!(disposed, DecorationTypeParams::Disposed(d) if d.key == "k"));

        let decorations = DecorationsParams {
            uri: "file:///n.txt".into(),
            decoration_type: "com.example.deco/decoration/1".into(),
            ranges: vec![
                DecorationRange {
                    range: range(0, 2, 0, 4),
                    hover_message: Some("Number **12**".into()),
                },
                DecorationRange {
                    range: range(0, 7, 0, 10),
                    hover_message: None,
                },
            ],
        };
        let value = serde_json::to_value(&decorations).unwrap();
        assert_eq!(value["type"], "com.example.deco/decoration/1");
        assert_eq!(value["ranges"][0]["hoverMessage"], "Number **12**");
        assert_eq!(
            value["ranges"][1],
            json!({"range": {"start": {"line": 0, "character": 7}, "end": {"line": 0, "character": 10}}})
        );
        assert_eq!(
            serde_json::from_value::<DecorationsParams>(value).unwrap(),
            decorations
        );

        let reveal: RevealRangeParams = serde_json::from_value(json!({
            "uri": "file:///n.txt",
            "range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 1}},
        }))
        .unwrap();
        assert_eq!(reveal.range, range(3, 0, 3, 1));
    }

    #[test]
    fn quick_input_shapes() {
        let pick = ShowQuickPickParams {
            items: vec![
                QuickPickItem {
                    label: "explorer".into(),
                    description: None,
                    detail: None,
                    picked: None,
                },
                QuickPickItem {
                    label: "search".into(),
                    description: Some("d".into()),
                    detail: Some("more".into()),
                    picked: Some(false),
                },
            ],
            place_holder: Some("Select the view".into()),
            can_pick_many: false,
            title: None,
        };
        let value = serde_json::to_value(&pick).unwrap();
        assert_eq!(
            value,
            json!({"items": [
                {"label": "explorer"},
                {"label": "search", "description": "d", "detail": "more", "picked": false},
            ], "placeHolder": "Select the view"})
        );
        assert_eq!(
            serde_json::from_value::<ShowQuickPickParams>(value).unwrap(),
            pick
        );
        let many: ShowQuickPickParams =
            serde_json::from_value(json!({"items": [{"label": "a"}], "canPickMany": true}))
                .unwrap();
        assert!(many.can_pick_many);

        type PickResult = <ShowQuickPick as RpcRequest>::Result;
        assert_eq!(
            serde_json::from_value::<PickResult>(json!({"selected": [1, 0]})).unwrap(),
            Some(ShowQuickPickResult {
                selected: vec![1, 0]
            })
        );
        assert_eq!(
            serde_json::from_value::<PickResult>(Value::Null).unwrap(),
            None
        );
        assert_eq!(serde_json::to_value(PickResult::None).unwrap(), Value::Null);

        let input: ShowInputBoxParams =
            serde_json::from_value(json!({"prompt": "Name?", "password": true})).unwrap();
        assert!(input.password);
        assert_eq!(
            serde_json::to_value(&input).unwrap(),
            json!({"prompt": "Name?", "password": true})
        );
        assert_eq!(
            serde_json::to_value(ShowInputBoxParams::default()).unwrap(),
            json!({})
        );
        type InputResult = <ShowInputBox as RpcRequest>::Result;
        assert_eq!(
            serde_json::from_value::<InputResult>(json!({"value": "x"})).unwrap(),
            Some(ShowInputBoxResult { value: "x".into() })
        );
        assert_eq!(
            serde_json::from_value::<InputResult>(Value::Null).unwrap(),
            None
        );
    }

    #[test]
    fn methods_are_listed_once_by_direction_and_in_the_unions() {
        let by_direction = [
            CLIENT_REQUEST_METHODS,
            CLIENT_NOTIFICATION_METHODS,
            SERVER_REQUEST_METHODS,
            SERVER_NOTIFICATION_METHODS,
            MANAGER_REQUEST_METHODS,
            MANAGER_NOTIFICATION_METHODS,
        ]
        .concat();
        assert_eq!(by_direction.len(), 28);
        assert!(
            by_direction
                .iter()
                .all(|method| method.starts_with("exthost/"))
        );
        let unique: std::collections::BTreeSet<&str> = by_direction.iter().copied().collect();
        assert_eq!(unique.len(), by_direction.len());
        assert_eq!(
            REQUEST_METHODS,
            [
                CLIENT_REQUEST_METHODS,
                SERVER_REQUEST_METHODS,
                MANAGER_REQUEST_METHODS
            ]
            .concat()
        );
        assert_eq!(
            NOTIFICATION_METHODS,
            [
                CLIENT_NOTIFICATION_METHODS,
                SERVER_NOTIFICATION_METHODS,
                MANAGER_NOTIFICATION_METHODS
            ]
            .concat()
        );
    }
}
