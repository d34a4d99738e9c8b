//! The boundary between the lifecycle and the code of an extension: an [`Engine`] launches one isolated
//! runtime per extension and hands back a [`RuntimeHandle`] that speaks only in JSON values and channels.
//!
//! Architecture invariant: no engine type (QuickJS, a native library) appears in this file or crosses it.
//! The lifecycle sends [`RuntimeRequest`]s; extension code asks the host for things with [`HostCall`]s.
//! Every runtime runs on a thread of its own, so a runaway extension blocks nobody else.

pub mod deno;
pub mod document_changes;
pub(crate) mod js_files;
pub mod native;
pub mod quickjs;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use exthost_abi::{HostCallError, HostCallErrorKind, HostOperation};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// Resource limits applied to one extension's runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Heap limit of the extension's engine, in bytes.
    pub memory_bytes: usize,
    /// Wall-clock limit for `activate()` (including the promise it returns).
    pub activate_timeout: Duration,
    /// Wall-clock limit for one command or provider call (including the promise it returns).
    pub call_timeout: Duration,
    /// Wall-clock limit for `deactivate()` and disposing subscriptions.
    pub deactivate_timeout: Duration,
    /// How long the user may take to answer a permission question before it counts as "Deny"
    /// (`limits.permissionQuestionMs`); the extension's call limits pause meanwhile.
    pub permission_question_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 64 * 1024 * 1024,
            activate_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(2),
            deactivate_timeout: Duration::from_secs(2),
            permission_question_timeout: Duration::from_secs(60),
        }
    }
}

/// Everything an engine needs to start one extension.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    /// The extension's id (`com.example.hello` or `publisher.name`).
    pub extension_id: String,
    /// The extension's folder (`context.extensionPath`).
    pub extension_path: PathBuf,
    /// Absolute path of the entry file (`main`, resolved against the folder).
    pub entry: PathBuf,
    /// The manifest as written (`packageJSON`).
    pub package_json: Value,
    /// Limits for this extension.
    pub limits: Limits,
    /// Whether the extension was given with `--dev` (development mode: a native library is looked for in
    /// the crate's cargo target folder too).
    pub development: bool,
}

/// What the host asks of a running extension.
#[derive(Debug, Clone, PartialEq)]
pub enum RuntimeRequest {
    /// Load the entry module and call `activate(context)`; the result is the extension's exports (a copy).
    Activate,
    /// Call `deactivate()` if exported and dispose `context.subscriptions` in reverse order.
    Deactivate,
    /// Run a command this extension registered; the result is the handler's (awaited) return value.
    ExecuteCommand {
        /// The command id.
        command: String,
        /// The arguments, as JSON.
        arguments: Vec<Value>,
    },
    /// Call a function found in this extension's exports at `path` (how another extension's proxy calls it).
    CallExport {
        /// Property path from the exports object to the function, e.g. `["api", "greet"]`.
        path: Vec<String>,
        /// The arguments, as JSON.
        arguments: Vec<Value>,
    },
    /// Ask a provider this extension registered (see [`HostRequest::RegisterProvider`]). `params` are the LSP
    /// request's params; the answer is the LSP result (the shim converts `vscode` values to LSP JSON).
    InvokeProvider {
        /// The provider's handle, chosen by the extension when it registered it.
        handle: u64,
        /// The LSP method, e.g. `textDocument/hover`.
        method: String,
        /// The LSP params.
        params: Value,
        /// The cancellation token id for this call (see [`RuntimeRequest::Cancel`]).
        token: u64,
    },
    /// Cancel the `CancellationToken` of an earlier call (the editor sent `$/cancelRequest`). Answers null.
    Cancel {
        /// The token id given with the call.
        token: u64,
    },
    /// Something happened in the editor session that the `vscode` API exposes as an event. Answers null.
    /// `name` is one of [`SessionEvent`]'s names; `payload` its data.
    Event {
        /// What happened.
        name: String,
        /// Its data (JSON).
        payload: Value,
    },
}

/// The events the host forwards to running extensions ([`RuntimeRequest::Event`]), with their payloads:
///
/// | name | payload |
/// | --- | --- |
/// | `documentOpened` | `{uri, languageId, version, text}` |
/// | `documentChanged` | `{uri, version, changes: [{range?, text}]}` (the editor's changes, in order; no `range`: the whole text) |
/// | `documentClosed` | `{uri}` |
/// | `documentSaved` | `{uri}` |
/// | `configurationChanged` | `{settings}` (the whole merged settings object) |
/// | `activeEditorChanged` | `{uri, selections: [LSP Range]}` or `null` |
/// | `selectionChanged` | `{uri, selections: [LSP Range]}` |
/// | `workspaceFoldersChanged` | `{added: [{uri, name}], removed: [{uri, name}]}` |
/// | `secretsChanged` | `{keys}`: this extension's secrets another host changed (sent to that extension only) |
pub struct SessionEvent;

impl SessionEvent {
    /// `textDocument/didOpen`.
    pub const DOCUMENT_OPENED: &'static str = "documentOpened";
    /// `textDocument/didChange`.
    pub const DOCUMENT_CHANGED: &'static str = "documentChanged";
    /// `textDocument/didClose`.
    pub const DOCUMENT_CLOSED: &'static str = "documentClosed";
    /// `textDocument/didSave`.
    pub const DOCUMENT_SAVED: &'static str = "documentSaved";
    /// `workspace/didChangeConfiguration` or a `WorkspaceConfiguration.update`.
    pub const CONFIGURATION_CHANGED: &'static str = "configurationChanged";
    /// `exthost/didChangeActiveEditor` (or a `didOpen` when the editor sends none).
    pub const ACTIVE_EDITOR_CHANGED: &'static str = "activeEditorChanged";
    /// `exthost/didChangeSelection`.
    pub const SELECTION_CHANGED: &'static str = "selectionChanged";
    /// `workspace/didChangeWorkspaceFolders`.
    pub const WORKSPACE_FOLDERS_CHANGED: &'static str = "workspaceFoldersChanged";
    /// Another host on the same home changed this extension's secrets (`lifecycle/persisted_state.rs`).
    pub const SECRETS_CHANGED: &'static str = "secretsChanged";
}

/// Why a call into an extension did not produce a value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuntimeError {
    /// Extension code threw (or a promise rejected).
    #[error("{message}")]
    Threw {
        /// The exception's message (`Error.message`, or the thrown value as text).
        message: String,
        /// The JS stack, when there is one.
        stack: Option<String>,
    },
    /// The entry module (or a module it requires) could not be loaded.
    #[error("cannot load {module}: {reason}")]
    Load {
        /// The module specifier or path.
        module: String,
        /// Why.
        reason: String,
    },
    /// A call ran past its wall-clock limit and was interrupted.
    #[error("time limit exceeded: {during} ran longer than {} ms", limit.as_millis())]
    TimeLimit {
        /// The limit that was broken.
        limit: Duration,
        /// What was running (`activate`, `command hello.say`, …).
        during: String,
    },
    /// The extension's heap grew past its limit.
    #[error("memory limit exceeded: the extension used more than {} MB", limit_bytes / (1024 * 1024))]
    MemoryLimit {
        /// The limit that was broken, in bytes.
        limit_bytes: usize,
    },
    /// The runtime's thread panicked (an engine bug or a native extension's panic).
    #[error("panicked: {message}")]
    Panicked {
        /// The panic message.
        message: String,
    },
    /// The command is not registered by this extension.
    #[error("command not found: {command}")]
    UnknownCommand {
        /// The command id.
        command: String,
    },
    /// The process that ran the extension (the Deno engine's) ended, or was ended.
    #[error("the extension's engine stopped: {reason}")]
    EngineExited {
        /// Why: the exit status and what the process last wrote on stderr.
        reason: String,
    },
    /// The runtime has stopped (after a fatal error, or shutdown) and takes no more calls.
    #[error("the extension's runtime has stopped")]
    Stopped,
}

impl RuntimeError {
    /// Whether this error means the extension can no longer be trusted to run and must be marked failed
    /// (a broken limit, a panic, a dead runtime), as opposed to an ordinary exception in one call.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Self::TimeLimit { .. }
                | Self::MemoryLimit { .. }
                | Self::Panicked { .. }
                | Self::EngineExited { .. }
                | Self::Stopped
        )
    }
}

/// Severity of a log line written by extension code (`console.*`, output channels): `exthost-abi`'s, the
/// one the SDK uses too.
pub use exthost_abi::LogLevel;

/// What extension code asks of the host. Answers are JSON values; errors are messages shown to JS as
/// rejected promises / thrown `Error`s.
#[derive(Debug, Clone, PartialEq)]
pub enum HostRequest {
    /// `commands.registerCommand`: route `command` to this extension from now on.
    RegisterCommand {
        /// The command id.
        command: String,
    },
    /// Disposal of a registered command.
    UnregisterCommand {
        /// The command id.
        command: String,
    },
    /// `commands.executeCommand`: run any extension's command (activating it on `onCommand:<id>`).
    ExecuteCommand {
        /// The command id.
        command: String,
        /// The arguments.
        arguments: Vec<Value>,
    },
    /// `commands.getCommands`: every registered command id.
    GetCommands,
    /// `extensions.getExtension(id)`: `{id, extensionPath, isActive, packageJSON, exports}` or `null`.
    GetExtension {
        /// The extension id.
        id: String,
    },
    /// `extensions.all`: the same description for every known extension.
    AllExtensions,
    /// `Extension.activate()`: activate `id` (dependencies first) and answer its exports.
    ActivateExtension {
        /// The extension id.
        id: String,
    },
    /// Call a function in another extension's exports (a proxy obtained through `exports`).
    CallExport {
        /// The extension that owns the function.
        id: String,
        /// Property path from its exports to the function.
        path: Vec<String>,
        /// The arguments.
        arguments: Vec<Value>,
    },
    /// The runtime broke a limit or failed outside any call (e.g. an endless loop in a timer callback) and
    /// has stopped; the host marks the extension failed. Sent without a reply.
    Crashed {
        /// What happened.
        error: RuntimeError,
    },
    /// Everything about the session an extension needs when it starts: `{initializeParams, workspaceFolders:
    /// [{uri, name, index}], documents: [{uri, languageId, version, text}], settings, activeEditor:
    /// {uri, selections} | null, clientCapabilities}`. Answered at once (the shim may ask synchronously).
    Snapshot,
    /// Register a language feature provider (`languages.register*Provider`). Answered at once.
    RegisterProvider {
        /// A number unique within this extension, used in [`RuntimeRequest::InvokeProvider`].
        handle: u64,
        /// The LSP method it answers, e.g. `textDocument/hover`.
        method: String,
        /// The VS Code document selector as JSON: a language id string, a filter `{language?, scheme?,
        /// pattern?}`, or an array of those.
        selector: Value,
        /// Method-specific options (`triggerCharacters`, `legend`, `resolveProvider`, …).
        options: Value,
    },
    /// Dispose a provider. Answered at once.
    UnregisterProvider {
        /// Its handle.
        handle: u64,
    },
    /// Replace the diagnostics of one collection for one document (`DiagnosticCollection.set/delete/clear`).
    /// The host publishes, per document, the union of every collection's diagnostics. Answered at once.
    SetDiagnostics {
        /// The collection's name (unique within the extension).
        collection: String,
        /// The document URI.
        uri: String,
        /// LSP `Diagnostic`s (empty clears).
        diagnostics: Vec<Value>,
    },
    /// Write a setting (`WorkspaceConfiguration.update`): `target` is 1 (global: user settings), 2
    /// (workspace) or 3 (workspace folder). The host persists it and broadcasts `configurationChanged`.
    UpdateSetting {
        /// The full dotted key, e.g. `conf.view.showOnWindowOpen`.
        key: String,
        /// The new value (`null` removes it).
        value: Value,
        /// `ConfigurationTarget` as a number.
        target: u8,
    },
    /// Send an LSP notification to the editor (`window/showMessage`, `window/logMessage`, `$/progress`,
    /// `exthost/*` UI notifications). Only the methods documented in docs/protocol.md are allowed.
    EditorNotify {
        /// The method.
        method: String,
        /// The params.
        params: Value,
    },
    /// Send an LSP request to the editor and answer its result (`window/showMessageRequest`,
    /// `window/workDoneProgress/create`, `window/showDocument`, `workspace/applyEdit`,
    /// `workspace/configuration`, `exthost/showQuickPick`, `exthost/showInputBox`). Only documented
    /// methods are allowed.
    EditorRequest {
        /// The method.
        method: String,
        /// The params.
        params: Value,
    },
    /// Whether the extension now listens to document changes (its first
    /// `workspace.onDidChangeTextDocument` listener was added, or its last disposed). Fire-and-forget.
    DocumentChangeListeners {
        /// Whether at least one listener is subscribed.
        listening: bool,
    },
    /// A log line (`console.*`): goes to tracing and to the editor as `window/logMessage`.
    Log {
        /// Severity.
        level: LogLevel,
        /// The text.
        message: String,
    },
    /// `Memento.update` / `SecretStorage.store` / `SecretStorage.delete`: change one key of the extension's
    /// persisted state (`extension_state.rs`). Answered (`null`) once the change is on disk; changes are
    /// written in the order they are sent.
    UpdateState {
        /// `globalState`, `workspaceState` or `secrets`.
        scope: crate::extension_state::StateScope,
        /// The key.
        key: String,
        /// The new JSON value; `None` removes the key.
        value: Option<Value>,
    },
    /// What the extension's `ExtensionContext` starts from: `{globalState, workspaceState,
    /// globalStoragePath, storagePath, logPath}` (see `extension_state.rs`), or `null` without a home.
    /// Answered at once (the shim asks synchronously when it creates the context; the storage folders
    /// are created).
    ExtensionState,
    /// `SecretStorage.get`: the secret stored under `key`, or `null`.
    GetSecret {
        /// The key.
        key: String,
    },
    /// `SecretStorage.keys`: the keys of the extension's secrets.
    SecretKeys,
}

impl TryFrom<HostOperation> for HostRequest {
    /// An operation the engine answers itself (the workspace files, the machine id, native settings).
    type Error = HostOperation;

    /// What the lifecycle is asked for a parsed operation.
    fn try_from(operation: HostOperation) -> Result<Self, HostOperation> {
        Ok(match operation {
            HostOperation::RegisterCommand { command } => Self::RegisterCommand { command },
            HostOperation::UnregisterCommand { command } => Self::UnregisterCommand { command },
            HostOperation::ExecuteCommand { command, arguments } => {
                Self::ExecuteCommand { command, arguments }
            }
            HostOperation::GetCommands => Self::GetCommands,
            HostOperation::GetExtension { id } => Self::GetExtension { id },
            HostOperation::AllExtensions => Self::AllExtensions,
            HostOperation::ActivateExtension { id } => Self::ActivateExtension { id },
            HostOperation::CallExport {
                id,
                path,
                arguments,
            } => Self::CallExport {
                id,
                path,
                arguments,
            },
            HostOperation::Snapshot => Self::Snapshot,
            HostOperation::RegisterProvider {
                handle,
                method,
                selector,
                options,
            } => Self::RegisterProvider {
                handle,
                method,
                selector,
                options,
            },
            HostOperation::UnregisterProvider { handle } => Self::UnregisterProvider { handle },
            HostOperation::SetDiagnostics {
                collection,
                uri,
                diagnostics,
            } => Self::SetDiagnostics {
                collection,
                uri,
                diagnostics,
            },
            HostOperation::UpdateSetting { key, value, target } => Self::UpdateSetting {
                key,
                value,
                target: target.number(),
            },
            HostOperation::EditorNotify { method, params } => Self::EditorNotify { method, params },
            HostOperation::EditorRequest { method, params } => {
                Self::EditorRequest { method, params }
            }
            HostOperation::ShowMessage {
                message_type,
                message,
            } => Self::EditorNotify {
                method: crate::to_proto::method::SHOW_MESSAGE.to_owned(),
                params: crate::to_proto::show_message(
                    crate::to_proto::message_type(message_type),
                    message,
                ),
            },
            HostOperation::Log { level, message } => Self::Log { level, message },
            HostOperation::DocumentChangeListeners { listening } => {
                Self::DocumentChangeListeners { listening }
            }
            HostOperation::StateUpdate {
                scope,
                key,
                value,
                delete,
            } => Self::UpdateState {
                scope: match scope {
                    exthost_abi::StateScope::Global => crate::extension_state::StateScope::Global,
                    exthost_abi::StateScope::Workspace => {
                        crate::extension_state::StateScope::Workspace
                    }
                    exthost_abi::StateScope::Secrets => crate::extension_state::StateScope::Secrets,
                },
                key,
                value: (!delete).then_some(value),
            },
            HostOperation::SecretGet { key } => Self::GetSecret { key },
            HostOperation::SecretKeys => Self::SecretKeys,
            HostOperation::ExtensionState => Self::ExtensionState,
            local @ (HostOperation::Settings
            | HostOperation::MachineId
            | HostOperation::FsStat { .. }
            | HostOperation::FsReadFile { .. }
            | HostOperation::FsReadDirectory { .. }
            | HostOperation::FsFindFiles { .. }) => return Err(local),
        })
    }
}

/// Which start of a runtime something belongs to. The lifecycle gives every runtime it launches a new
/// generation and serves each runtime's [`HostCall`]s on a channel of its own, so it knows the generation
/// of every call: a late report from a runtime that was stopped or replaced (a crash, a registration) is
/// told apart from the current runtime's, and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuntimeGeneration(u64);

impl RuntimeGeneration {
    /// The generation numbered `number` (the lifecycle counts from 1).
    pub fn new(number: u64) -> Self {
        Self(number)
    }

    /// Its number.
    pub fn number(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for RuntimeGeneration {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}", self.0)
    }
}

/// A [`HostRequest`] from one extension, with where to send the answer (`None` for fire-and-forget).
#[derive(Debug)]
pub struct HostCall {
    /// The id of the extension asking.
    pub from: String,
    /// What it asks.
    pub request: HostRequest,
    /// Where the answer goes; `None` when the extension does not wait for one.
    pub reply: Option<oneshot::Sender<Result<Value, HostCallError>>>,
}

/// The channel through which runtimes reach the host.
pub type HostSender = mpsc::UnboundedSender<HostCall>;

/// One request to a runtime together with where its answer goes.
pub type RuntimeEnvelope = (RuntimeRequest, oneshot::Sender<Result<Value, RuntimeError>>);

/// The host's handle on one running extension. Cloning it shares the same runtime. Dropping the last clone
/// lets the runtime's thread tear the engine down (in a safe order) and exit.
#[derive(Debug, Clone)]
pub struct RuntimeHandle {
    sender: mpsc::UnboundedSender<RuntimeEnvelope>,
    host_waits: Arc<HostWaitClock>,
    queue: Arc<QueueCount>,
    /// Holds `documentChanged` events while the extension does not listen to them (see
    /// [`document_changes`]): every send passes through it.
    changes: Arc<document_changes::ChangeGate>,
}

/// How many requests were sent to a runtime and how many it has taken from its queue (a
/// [`RuntimeInbox`] counts them; a runtime reading a plain receiver never takes any, as far as this
/// count knows). A request waiting in the queue behind others the runtime is working through has not
/// started: the host's outside guard does not count that time against it.
#[derive(Debug, Default)]
struct QueueCount {
    sent: AtomicU64,
    taken: AtomicU64,
}

/// The place of one request in its runtime's queue: the request has started once the runtime has taken
/// this many (see [`RuntimeHandle::call_queued`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueTicket(u64);

/// The receiving end of a runtime's request channel, as [`RuntimeHandle::channel`] makes it: the same
/// `recv` and `try_recv` as tokio's receiver, counting each request taken.
#[derive(Debug)]
pub struct RuntimeInbox {
    receiver: mpsc::UnboundedReceiver<RuntimeEnvelope>,
    queue: Arc<QueueCount>,
}

impl RuntimeInbox {
    /// The next request, waiting for one; `None` once every handle is gone.
    pub async fn recv(&mut self) -> Option<RuntimeEnvelope> {
        let envelope = self.receiver.recv().await;
        self.took(envelope.is_some());
        envelope
    }

    /// The next request if one is queued.
    pub fn try_recv(&mut self) -> Result<RuntimeEnvelope, mpsc::error::TryRecvError> {
        let envelope = self.receiver.try_recv();
        self.took(envelope.is_ok());
        envelope
    }

    /// Closes the channel: handles' sends fail from now on, and what is queued can still be taken.
    pub fn close(&mut self) {
        self.receiver.close();
    }

    fn took(&self, taken: bool) {
        if taken {
            self.queue.taken.fetch_add(1, Ordering::Release);
        }
    }
}

/// How long an extension has spent waiting on the host (the editor, the user, another extension) — time
/// that does not count against its call limits: an idle await is not a hang. The lifecycle starts a wait
/// for each host operation it serves asynchronously.
#[derive(Debug, Default)]
pub struct HostWaitClock {
    state: std::sync::Mutex<HostWaits>,
}

#[derive(Debug, Default)]
struct HostWaits {
    outstanding: usize,
    since: Option<std::time::Instant>,
    total: Duration,
}

/// One host operation being waited on; dropping it ends the wait.
#[derive(Debug)]
pub struct HostWaitGuard(Arc<HostWaitClock>);

impl HostWaitClock {
    fn waits(&self) -> std::sync::MutexGuard<'_, HostWaits> {
        self.state
            .lock()
            .expect("invariant: the host-wait lock is never poisoned")
    }

    /// Starts waiting on one host operation (waits may overlap: the clock runs while any is under way).
    pub fn begin(self: &Arc<Self>) -> HostWaitGuard {
        let mut waits = self.waits();
        if waits.outstanding == 0 {
            waits.since = Some(std::time::Instant::now());
        }
        waits.outstanding += 1;
        HostWaitGuard(Arc::clone(self))
    }

    /// The time spent with at least one host operation under way, up to now.
    pub fn total(&self) -> Duration {
        let waits = self.waits();
        waits.total + waits.since.map_or(Duration::ZERO, |since| since.elapsed())
    }

    /// Whether a host operation is under way.
    pub fn waiting(&self) -> bool {
        self.waits().outstanding > 0
    }
}

impl Drop for HostWaitGuard {
    fn drop(&mut self) {
        let mut waits = self.0.waits();
        waits.outstanding = waits.outstanding.saturating_sub(1);
        if waits.outstanding == 0
            && let Some(since) = waits.since.take()
        {
            waits.total += since.elapsed();
        }
    }
}

impl RuntimeHandle {
    /// Wraps the sending side of a runtime's request channel (engines call this when they launch).
    /// Its queue's count of taken requests never moves (see [`RuntimeHandle::channel`]).
    pub fn new(sender: mpsc::UnboundedSender<RuntimeEnvelope>) -> Self {
        Self {
            sender,
            host_waits: Arc::default(),
            queue: Arc::default(),
            changes: Arc::default(),
        }
    }

    /// A new request channel: the handle, and the inbox the runtime reads, which counts the requests it
    /// takes (so a request waiting behind others is known not to have started).
    pub fn channel() -> (Self, RuntimeInbox) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let handle = Self::new(sender);
        let inbox = RuntimeInbox {
            receiver,
            queue: Arc::clone(&handle.queue),
        };
        (handle, inbox)
    }

    /// Whether `other` is a handle on the same runtime (a clone of this one), not on one started later.
    pub fn is_same_runtime(&self, other: &RuntimeHandle) -> bool {
        self.sender.same_channel(&other.sender)
    }

    /// The clock of this extension's waits on the host.
    pub fn host_waits(&self) -> &Arc<HostWaitClock> {
        &self.host_waits
    }

    /// Sends one request and waits for its answer. Limits are enforced by the runtime itself; a runtime
    /// that has gone away answers [`RuntimeError::Stopped`].
    pub async fn call(&self, request: RuntimeRequest) -> Result<Value, RuntimeError> {
        self.call_queued(request).1.await
    }

    /// [`RuntimeHandle::call`], also answering the request's place in the queue (see
    /// [`RuntimeHandle::has_started`]).
    pub fn call_queued(
        &self,
        request: RuntimeRequest,
    ) -> (
        QueueTicket,
        impl std::future::Future<Output = Result<Value, RuntimeError>> + use<>,
    ) {
        let (ticket, answer) = self.queue_request(request);
        let answer = async move { answer.await.unwrap_or(Err(RuntimeError::Stopped)) };
        (ticket, answer)
    }

    /// Queues a request without waiting: requests queued from one place reach the runtime in order (for
    /// session events). The answer, if anyone wants it, arrives on the returned receiver.
    pub fn send(&self, request: RuntimeRequest) -> oneshot::Receiver<Result<Value, RuntimeError>> {
        self.queue_request(request).1
    }

    /// Sends `request` with a new reply channel, after the document changes held for this runtime; a
    /// stopped runtime drops the reply sender, which its receiver reports as an error. A change held back
    /// (the extension does not listen) is answered `null` at once.
    fn queue_request(
        &self,
        request: RuntimeRequest,
    ) -> (QueueTicket, oneshot::Receiver<Result<Value, RuntimeError>>) {
        let mut queued = None;
        let timer = self.changes.admit(request, &mut |request| {
            queued = Some(enqueue(&self.sender, &self.queue, request));
        });
        if let Some(deadline) = timer {
            self.deliver_changes_by(deadline);
        }
        queued.unwrap_or_else(|| {
            let (reply, answer) = oneshot::channel();
            let _ = reply.send(Ok(Value::Null));
            (QueueTicket(self.queue.sent.load(Ordering::Acquire)), answer)
        })
    }

    /// Whether the extension listens to document changes (`documentChanged` events reach it at once) or
    /// not (they are held, see [`document_changes`]). Starting to listen delivers what is held.
    pub fn listen_to_document_changes(&self, listening: bool) {
        self.changes.set_listening(listening, &mut |request| {
            enqueue(&self.sender, &self.queue, request);
        });
    }

    /// Delivers the held changes at `deadline` (a timer on the current tokio runtime; without one, now).
    /// The timer keeps no handle alive: a runtime whose handles are gone is left to stop.
    fn deliver_changes_by(&self, deadline: std::time::Instant) {
        let Ok(tokio) = tokio::runtime::Handle::try_current() else {
            self.changes.deadline_passed(deadline, &mut |request| {
                enqueue(&self.sender, &self.queue, request);
            });
            return;
        };
        let sender = self.sender.downgrade();
        let queue = Arc::clone(&self.queue);
        let changes = Arc::downgrade(&self.changes);
        tokio.spawn(async move {
            tokio::time::sleep_until(deadline.into()).await;
            if let (Some(sender), Some(changes)) = (sender.upgrade(), changes.upgrade()) {
                changes.deadline_passed(deadline, &mut |request| {
                    enqueue(&sender, &queue, request);
                });
            }
        });
    }

    /// Whether the runtime has taken the request of `ticket` from its queue (it may still be running).
    pub fn has_started(&self, ticket: QueueTicket) -> bool {
        self.requests_taken() >= ticket.0
    }

    /// How many requests the runtime has taken from its queue so far: when it moves, the runtime is
    /// working through its queue.
    pub fn requests_taken(&self) -> u64 {
        self.queue.taken.load(Ordering::Acquire)
    }

    /// Whether the runtime still takes requests.
    pub fn is_running(&self) -> bool {
        !self.sender.is_closed()
    }
}

/// Puts one request in a runtime's queue, counting it (see [`QueueCount`]).
fn enqueue(
    sender: &mpsc::UnboundedSender<RuntimeEnvelope>,
    queue: &QueueCount,
    request: RuntimeRequest,
) -> (QueueTicket, oneshot::Receiver<Result<Value, RuntimeError>>) {
    let (reply, answer) = oneshot::channel();
    // Two requests sent at once from two threads may take their numbers in one order and enter the
    // queue in the other: a ticket can then read as started one request early, never later.
    let ticket = QueueTicket(queue.sent.fetch_add(1, Ordering::AcqRel) + 1);
    let _ = sender.send((request, reply));
    (ticket, answer)
}

/// The text of a caught panic's payload.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// Tells the host that a runtime's thread panicked (caught at the top of the thread): the extension is
/// failed with [`RuntimeError::Panicked`].
pub fn report_panic(host: &HostSender, extension_id: String, panic: &(dyn std::any::Any + Send)) {
    let message = panic_message(panic);
    tracing::error!(extension = %extension_id, %message, "the extension's runtime panicked");
    let _ = host.send(HostCall {
        from: extension_id,
        request: HostRequest::Crashed {
            error: RuntimeError::Panicked { message },
        },
        reply: None,
    });
}

/// Resolves `main` as Node does: the path itself, else with `.js`, else `index.js` inside it.
pub fn resolve_node_entry(folder: &Path, main: &str) -> PathBuf {
    let direct = folder.join(main);
    let with_js = folder.join(format!("{main}.js"));
    let index = direct.join("index.js");
    [direct.clone(), with_js, index]
        .into_iter()
        .find(|candidate| candidate.is_file())
        .unwrap_or(direct)
}

/// A way to run extension code. The lifecycle holds engines as `dyn Engine` and never sees what is inside.
pub trait Engine: Send + Sync {
    /// A short name for logs and docs (`quickjs`, `deno`, `native`).
    fn name(&self) -> &'static str;

    /// The file an extension in `folder` whose manifest names `main` starts from (the `entry` of its
    /// [`LaunchSpec`]), or `None` when there is no code for this engine to run. JavaScript engines
    /// resolve `main` as Node does ([`resolve_node_entry`]).
    fn resolve_entry(&self, folder: &Path, main: Option<&str>) -> Option<PathBuf> {
        main.map(|main| resolve_node_entry(folder, main))
    }

    /// Whether the engine can run extensions on this machine (Deno: a `deno` executable was found).
    fn is_available(&self) -> bool {
        true
    }

    /// Does ahead of time, without waiting for it, what the first [`Engine::launch`] would otherwise do
    /// first (QuickJS: compiling its bootstrap and shim). The host calls it once it knows an extension
    /// may run in this engine, after answering `initialize`, so that work does not compete with the
    /// start-up. Calling it again does nothing more; an engine with nothing to prepare ignores it.
    fn prepare(&self) {}

    /// Starts a fresh, isolated runtime for one extension. Nothing of the extension runs until the first
    /// [`RuntimeRequest::Activate`]. `host` is where the extension's own requests go.
    fn launch(&self, spec: LaunchSpec, host: HostSender) -> Result<RuntimeHandle, RuntimeError>;
}

/// Set once the process is ending its session for good (`shutdown`, a termination signal, the end of its
/// input): no runtime will be launched again in it, and it exits once its extensions are stopped.
static PROCESS_EXITING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Marks this process as ending (see [`process_exiting`]). Called before the last stop of every
/// extension, never in a process that goes on serving (an in-process `exthost/restartHost`).
pub fn mark_process_exiting() {
    PROCESS_EXITING.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Whether this process is ending: an engine whose extension has been stopped (its `deactivate` ran and
/// its last calls to the host were sent) may then leave its heap to the process's exit instead of
/// freeing it object by object — the memory goes back to the system at once when the process ends, and
/// the CPU that freeing took is not taken from a successor worker starting beside it.
pub fn process_exiting() -> bool {
    PROCESS_EXITING.load(std::sync::atomic::Ordering::SeqCst)
}
