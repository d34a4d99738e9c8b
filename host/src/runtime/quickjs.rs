//! The QuickJS engine: each JS extension runs on an OS thread of its own (`js:<extension id>`) that owns
//! an rquickjs [`Runtime`] and [`Context`] and an event loop serving [`RuntimeRequest`]s.
//!
//! The loop (a current-thread tokio runtime) waits on three things: requests from the host, answers to
//! the extension's own host operations, and the next timer or call deadline. Between waits it runs promise
//! jobs, due timers, and answers requests whose JS promise has settled. Several requests may be in flight
//! at once (a command may wait for another extension that calls back into this one).
//!
//! Limits: a heap limit, enforced by the runtime's allocator (see `memory`: a refused allocation is the
//! breach, whether or not JS catches the exception it causes); a stack limit; an interrupt handler that
//! stops JS past the deadline of whatever runs (`activate_timeout`, `call_timeout`, `deactivate_timeout`
//! from the start of a request until its promise settles; `call_timeout` for each stretch of timer or
//! promise callbacks outside any request) or once the heap limit is broken. A stretch of JS is charged the
//! CPU time of the runtime's thread (`watchdog`); a request whose promise has not settled, by the wall
//! clock. A broken limit is fatal:
//! in-flight requests get the error (or, with none in flight, the host gets [`HostRequest::Crashed`]),
//! nothing more runs in the engine, the thread tears it down and exits, and later calls answer
//! [`RuntimeError::Stopped`].
//!
//! Failures: an exception (or rejection) answers [`RuntimeError::Threw`] and the runtime keeps serving.
//! When `Activate` cannot load code — a file that does not exist, a syntax error, a module that is not
//! available (`fs`) — it answers [`RuntimeError::Load`] naming the module (the innermost one that
//! failed). The same failures later, inside a command's `require`, are ordinary exceptions (`Threw`).
//!
//! Start-up: the bootstrap modules and the `vscode` shim are compiled to bytecode once per process (see
//! `bytecode`); each runtime reads that bytecode and runs it instead of parsing the source, and reads some
//! shim files only when the extension first uses them ([`LAZY_SHIM_GROUPS`]). The garbage collector
//! waits until the runtime has started.
//!
//! Teardown: no JS value is ever held on the Rust side (no `Persistent`): every JS object lives in the
//! context's globals and in closures owned by the runtime, so dropping [`Context`] then [`Runtime`]
//! frees everything in the order QuickJS requires. The heap limit is lifted first, so that freeing
//! never meets it.

mod bytecode;
mod memory;
mod modules;
pub(crate) mod native;
mod node;
pub(crate) mod resolve;
#[cfg(test)]
mod tests;
mod watchdog;
pub(crate) mod workspace_fs;

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rquickjs::{Coerced, Context, Ctx, Function, Persistent, Runtime, Value};
use serde_json::{Value as Json, json};
use tokio::sync::{mpsc, oneshot};

use self::bytecode::Prelude;
use self::memory::{LimitedAllocator, MemoryGuard};
use self::modules::{ModuleLoader, ModuleResolver, entry};
use self::native::{HostCompletion, Shared};
use super::HostCallError;
use super::js_files::{CORE_FILES, NODE_FILES, QUICKJS_BOOTSTRAP_FILES, SHIM_FILES};
use super::{
    Engine, HostRequest, HostSender, HostWaitClock, LaunchSpec, Limits, LogLevel, RuntimeError,
    RuntimeHandle, RuntimeInbox, RuntimeRequest,
};

/// The bootstrap modules, in load order: the core both engines run (primordials, the wire format, the
/// host's requests, the shim's start), then QuickJS's own (console, timers, host calls, `require`, `path`,
/// the entry points the event loop calls). Each is a function of `core`, the object they share.
fn bootstrap_files() -> Vec<(&'static str, &'static str)> {
    [CORE_FILES, QUICKJS_BOOTSTRAP_FILES].concat()
}

/// The bootstrap modules and [`SHIM_FILES`] (then [`NODE_FILES`]) compiled, once per process (see
/// `bytecode`).
static PRELUDE: OnceLock<Result<Prelude, String>> = OnceLock::new();

/// The compiled bootstrap and shim; the first call compiles them (the others wait for it).
fn prelude() -> Result<&'static Prelude, RuntimeError> {
    PRELUDE
        .get_or_init(|| Prelude::compile(&bootstrap_files(), &[SHIM_FILES, NODE_FILES].concat()))
        .as_ref()
        .map_err(|reason| RuntimeError::Load {
            module: "exthost:bootstrap".to_owned(),
            reason: reason.clone(),
        })
}

/// One group of [`LAZY_SHIM_GROUPS`]: `(file names, members of shim, members of shim.internal, globals)`.
type LazyShimGroup = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

/// Shim files a runtime reads only when first used (`90_entry.js` installs the triggers), as
/// `(file names, members of shim, members of shim.internal, globals)`: reading a trigger member reads the group's
/// files, in load order. Most extensions never touch them, and each read file costs every runtime its
/// bytecode, its objects and its time at start-up. The node group (Node's light built-ins but their
/// registry) is read on the first `require` of a Node module instead.
///
/// The lists must name every member a group's files define: `90_vscode.js` refuses to start when a
/// class, enum or namespace of the `vscode` module is neither built nor listed here, and a test
/// (`every_assigned_lazy_member_is_listed`) checks the members a group's files assign one by one.
const LAZY_SHIM_GROUPS: &[LazyShimGroup] = &[
    (
        &["50_languages.js", "52_conversions.js"],
        &["languages", "lsp"],
        &["invokeProvider", "globToRegExp"],
        &[],
    ),
    // Node's collation, which `String.prototype.localeCompare` (`02_globals.js`) calls.
    (&["02_collation.js"], &[], &["localeCompare"], &[]),
    // `vscode.extensions` but this extension's own entry (`39_own_extension.js`).
    (&["40_extensions.js"], &["extensions"], &[], &[]),
    // `vscode.env` (nothing in the shim reads it).
    (&["55_env.js"], &["env"], &[], &[]),
    // The small namespaces `l10n`, `tasks` and `debug`.
    (
        &["56_tasks_debug.js"],
        &["l10n", "tasks", "debug"],
        &["registerTaskProvider"],
        &[],
    ),
    // The web globals (`TextEncoder`, `URL`, …) and the shim's UTF-8 helpers.
    (
        &["02_web.js"],
        &["encodeUtf8", "decodeUtf8"],
        &[],
        &["TextEncoder", "TextDecoder", "URL", "URLSearchParams"],
    ),
    // The text edits' and markdown's value classes (`TextEdit`, `WorkspaceEdit`, `MarkdownString`, …).
    (
        &["06_types_text.js"],
        &[
            "snippetToText",
            "TextEdit",
            "WorkspaceEdit",
            "SnippetString",
            "MarkdownString",
            "ThemeColor",
            "ThemeIcon",
        ],
        &[],
        &[],
    ),
    // The language features' value classes and enums (`Hover`, `Diagnostic`, …).
    (
        &["07_types_language.js"],
        &[
            "Hover",
            "CompletionItemKind",
            "CompletionItemTag",
            "CompletionTriggerKind",
            "CompletionItem",
            "CompletionList",
            "CodeActionKind",
            "CodeActionTriggerKind",
            "CodeAction",
            "CodeLens",
            "DiagnosticSeverity",
            "DiagnosticTag",
            "DiagnosticRelatedInformation",
            "Diagnostic",
            "SymbolKind",
            "SymbolTag",
            "DocumentSymbol",
            "SymbolInformation",
            "SemanticTokensLegend",
            "SemanticTokens",
            "SemanticTokensEdit",
            "SemanticTokensEdits",
            "SemanticTokensBuilder",
            "DocumentLink",
            "SignatureHelpTriggerKind",
            "ParameterInformation",
            "SignatureInformation",
            "SignatureHelp",
            "DocumentHighlightKind",
            "RelativePattern",
            "EvaluatableExpression",
            "InlineValueText",
            "InlineValueVariableLookup",
            "InlineValueEvaluatableExpression",
            "InlineCompletionList",
            "InlineCompletionItem",
            "ColorInformation",
            "ColorPresentation",
            "InlayHintLabelPart",
            "InlayHint",
            "SelectionRange",
            "CallHierarchyItem",
            "CallHierarchyIncomingCall",
            "CallHierarchyOutgoingCall",
            "TypeHierarchyItem",
            "LinkedEditingRanges",
            "DocumentDropEdit",
            "DocumentPasteEdit",
            "DocumentHighlight",
            "Color",
            "FoldingRange",
            "SnippetTextEdit",
            "DocumentDropOrPasteEditKind",
            "InlineCompletionTriggerKind",
            "InlayHintKind",
            "FoldingRangeKind",
            "DocumentPasteTriggerKind",
            "SyntaxTokenType",
            "LanguageStatusSeverity",
        ],
        &["dataClass"],
        &[],
    ),
    // The workbench parts' enums and classes (tasks, trees, notebooks, debugging, tests, chat).
    (
        &["09_workbench.js"],
        &[
            "InputBoxValidationSeverity",
            "TerminalLocation",
            "TerminalShellExecutionCommandLineConfidence",
            "TerminalExitReason",
            "TaskRevealKind",
            "TaskPanelKind",
            "ShellQuoting",
            "TaskScope",
            "TreeItemCollapsibleState",
            "TreeItemCheckboxState",
            "QuickInputButtonLocation",
            "NotebookEditorRevealType",
            "NotebookCellKind",
            "NotebookControllerAffinity",
            "NotebookCellStatusBarAlignment",
            "DebugConsoleMode",
            "DebugConfigurationProviderTriggerKind",
            "CommentThreadCollapsibleState",
            "CommentMode",
            "CommentThreadState",
            "TestRunProfileKind",
            "ChatResultFeedbackKind",
            "LanguageModelChatMessageRole",
            "LanguageModelChatToolMode",
            "TaskGroup",
            "ProcessExecution",
            "ShellExecution",
            "CustomExecution",
            "Task",
            "DataTransferItem",
            "DataTransfer",
            "TreeItem",
            "QuickInputButtons",
            "NotebookRange",
            "NotebookCellOutputItem",
            "NotebookCellOutput",
            "NotebookEdit",
            "Breakpoint",
            "SourceBreakpoint",
            "FunctionBreakpoint",
            "TestMessage",
            "TestCoverageCount",
            "FileCoverage",
            "LanguageModelChatMessage",
            "LanguageModelError",
            "LanguageModelDataPart",
            "TerminalLink",
            "TerminalProfile",
            "FileDecoration",
            "NotebookCellData",
            "NotebookData",
            "NotebookCellStatusBarItem",
            "DebugAdapterExecutable",
            "DebugAdapterServer",
            "DebugAdapterNamedPipeServer",
            "DebugAdapterInlineImplementation",
            "DebugThread",
            "DebugStackFrame",
            "TestTag",
            "TestRunRequest",
            "TestMessageStackFrame",
            "StatementCoverage",
            "BranchCoverage",
            "DeclarationCoverage",
            "TabInputText",
            "TabInputTextDiff",
            "TabInputCustom",
            "TabInputWebview",
            "TabInputNotebook",
            "TabInputNotebookDiff",
            "TabInputTerminal",
            "TelemetryTrustedValue",
            "ChatRequestTurn",
            "ChatResponseTurn",
            "ChatResponseMarkdownPart",
            "ChatResponseFileTreePart",
            "ChatResponseAnchorPart",
            "ChatResponseProgressPart",
            "ChatResponseReferencePart",
            "ChatResponseCommandButtonPart",
            "McpStdioServerDefinition",
            "McpHttpServerDefinition",
            "LanguageModelToolCallPart",
            "LanguageModelToolResultPart",
            "LanguageModelTextPart",
            "LanguageModelPromptTsxPart",
            "LanguageModelToolResult",
        ],
        &[],
        &[],
    ),
];

/// The node group: every file of [`NODE_FILES`] but its registry (`node/00_registry.js`, which the
/// others register with).
fn is_lazy_node_file(name: &str) -> bool {
    name.starts_with("node/") && name != "node/00_registry.js"
}

/// Whether the shim file `name` waits for first use (see [`LAZY_SHIM_GROUPS`]).
fn is_lazy_shim_file(name: &str) -> bool {
    is_lazy_node_file(name)
        || LAZY_SHIM_GROUPS
            .iter()
            .any(|(files, _, _, _)| files.contains(&name))
}

/// `core.lazyShim`: `{ groups: [{ files: [index…], shim: [member…], internal: [member…], globals: [name…] }], node: [index…] }`,
/// the indexes being places in the prelude's shim list.
fn lazy_shim_description(prelude: &Prelude) -> Json {
    let names: Vec<&str> = prelude.shim_names().collect();
    let index_of = |wanted: &str| names.iter().position(|name| *name == wanted);
    let groups: Vec<Json> = LAZY_SHIM_GROUPS
        .iter()
        .map(|(files, shim, internal, globals)| {
            let files: Vec<usize> = files.iter().filter_map(|file| index_of(file)).collect();
            json!({ "files": files, "shim": shim, "internal": internal, "globals": globals })
        })
        .collect();
    let node: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, name)| is_lazy_node_file(name))
        .map(|(index, _)| index)
        .collect();
    json!({ "groups": groups, "node": node })
}

/// QuickJS's garbage collector runs when the heap passes a threshold (256 KB at first, then 1.5× the heap
/// after each run). Starting a runtime allocates ~1 MB of objects that all stay alive, so the threshold is
/// this high while it starts (no collection finds anything to free there), and afterwards 1.5× the heap.
const START_GC_THRESHOLD_BYTES: usize = 64 * 1024 * 1024;

/// `core.shimFile(index)`: the function of a shim file read on first use (undefined past the last).
fn read_shim_file<'js>(ctx: Ctx<'js>, index: usize) -> rquickjs::Result<Value<'js>> {
    match PRELUDE.get() {
        Some(Ok(prelude)) => prelude.shim_file(&ctx, index),
        _ => Ok(Value::new_undefined(ctx)),
    }
}

/// Stack of each extension's thread. QuickJS stops JS recursion at [`JS_STACK_BYTES`], well before.
const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

/// QuickJS's own stack limit (a deeper recursion throws `RangeError`, an ordinary exception).
const JS_STACK_BYTES: usize = 2 * 1024 * 1024;

/// Timers run per turn of the loop before it looks at requests again (so a `setImmediate` chain cannot
/// starve the host).
const MAX_TIMERS_PER_TURN: usize = 64;

/// Requests started per wake-up of the loop before it runs due timers and checks deadlines.
const MAX_REQUESTS_PER_TURN: usize = 64;

/// The longest wait for a timer: JS clamps delays to 2^31 - 1 ms (about 24.8 days).
const MAX_TIMER_WAIT: Duration = Duration::from_millis(2_147_483_647);

/// How long to wait for the next timer, from the delay in milliseconds the bootstrap reports: none when
/// it is negative (no timer) or not a number, at most [`MAX_TIMER_WAIT`] (so `Infinity` or `1e300` is
/// never turned into a `Duration` that cannot exist).
fn timer_wait(delay_ms: f64) -> Option<Duration> {
    if delay_ms.is_nan() || delay_ms < 0.0 {
        return None;
    }
    Some(
        Duration::try_from_secs_f64(delay_ms / 1000.0)
            .unwrap_or(MAX_TIMER_WAIT)
            .min(MAX_TIMER_WAIT),
    )
}

/// The QuickJS engine ([`Engine::name`] `"quickjs"`).
#[derive(Debug, Default, Clone, Copy)]
pub struct QuickJsEngine;

impl QuickJsEngine {
    /// A new engine. It holds no state: every [`Engine::launch`] makes a fresh runtime on a fresh thread.
    /// Nothing is compiled until [`Engine::prepare`] or the first launch.
    pub fn new() -> Self {
        Self
    }
}

/// Set once a thread was started to compile the prelude ahead of the first launch.
static PRELUDE_WARM_UP: std::sync::Once = std::sync::Once::new();

impl Engine for QuickJsEngine {
    fn name(&self) -> &'static str {
        "quickjs"
    }

    /// Compiles the bootstrap and the shim to bytecode on a thread of its own (once per process), so
    /// that the first extension to launch does not wait for all of it.
    fn prepare(&self) {
        PRELUDE_WARM_UP.call_once(|| {
            if PRELUDE.get().is_some() {
                return;
            }
            let warm_up = std::thread::Builder::new()
                .name("js:prelude".to_owned())
                .stack_size(THREAD_STACK_BYTES)
                .spawn(|| {
                    let _ = prelude();
                });
            if let Err(error) = warm_up {
                tracing::debug!(%error, "cannot compile the shim ahead of time; the first launch will");
            }
        });
    }

    fn launch(&self, spec: LaunchSpec, host: HostSender) -> Result<RuntimeHandle, RuntimeError> {
        let (handle, requests) = RuntimeHandle::channel();
        // The shim reports when the extension starts listening to document changes.
        handle.listen_to_document_changes(false);
        let host_waits = Arc::clone(handle.host_waits());
        let module = spec.entry.display().to_string();
        std::thread::Builder::new()
            .name(format!("js:{}", spec.extension_id))
            .stack_size(THREAD_STACK_BYTES)
            .spawn(move || run_thread(spec, host, requests, host_waits))
            .map_err(|error| RuntimeError::Load {
                module,
                reason: format!("cannot start the extension's thread: {error}"),
            })?;
        Ok(handle)
    }
}

/// The body of an extension's thread: serve until the handle is dropped or a limit is broken.
fn run_thread(
    spec: LaunchSpec,
    host: HostSender,
    requests: RuntimeInbox,
    host_waits: Arc<HostWaitClock>,
) {
    let extension_id = spec.extension_id.clone();
    let panic_host = host.clone();
    let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let executor = match tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
        {
            Ok(executor) => executor,
            Err(error) => {
                tracing::error!(extension = %spec.extension_id, %error, "cannot start the JS event loop");
                return;
            }
        };
        executor.block_on(serve(spec, host, requests, host_waits));
    }));
    if let Err(panic) = served {
        crate::runtime::report_panic(&panic_host, extension_id, panic.as_ref());
    }
}

/// How many runtimes start at once, process-wide (see [`StartGate`]).
fn start_gate() -> &'static StartGate {
    static GATE: OnceLock<StartGate> = OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        StartGate::new(cores)
    })
}

/// A counting semaphore in front of a runtime's start (making the runtime, running the bootstrap and the
/// shim: CPU only, no wait on the host): at most one start per core runs at a time. Without it, a
/// thousand extensions activating on `*` were a thousand threads starting at once on two cores, and the
/// worker's own threads (its answers, the supervisor's heartbeat) got too little of them: the supervisor
/// found the worker unresponsive and killed it. The wait is the host's time, not the extension's (it runs
/// the extension's [`HostWaitClock`]), so a long queue does not break anyone's activate limit.
struct StartGate {
    free: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

impl StartGate {
    fn new(permits: usize) -> Self {
        Self {
            free: std::sync::Mutex::new(permits.max(1)),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Waits for a free start; it is given back when the answer drops.
    fn enter(&self) -> StartPermit<'_> {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *free == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *free -= 1;
        StartPermit { gate: self }
    }
}

/// One start under way (see [`StartGate`]).
struct StartPermit<'gate> {
    gate: &'gate StartGate,
}

impl Drop for StartPermit<'_> {
    fn drop(&mut self) {
        let mut free = self
            .gate
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *free += 1;
        self.gate.freed.notify_one();
    }
}

async fn serve(
    spec: LaunchSpec,
    host: HostSender,
    mut requests: RuntimeInbox,
    host_waits: Arc<HostWaitClock>,
) {
    let (completions_sender, mut completions) = mpsc::unbounded_channel();
    let waiting = host_waits.begin();
    let permit = start_gate().enter();
    drop(waiting);
    let started = JsRuntime::new(&spec, host, completions_sender, host_waits);
    drop(permit);
    let mut runtime = match started {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(extension = %spec.extension_id, %error, "cannot start the JS runtime");
            while let Some((_, reply)) = requests.recv().await {
                let _ = reply.send(Err(error.clone()));
            }
            return;
        }
    };
    if let Err(error) = runtime.run(&mut requests, &mut completions).await {
        tracing::warn!(extension = %spec.extension_id, %error, "the JS runtime stopped");
        runtime.stop(error);
    }
    // Refuse further requests before the engine is torn down (`runtime` drops after `requests`).
    requests.close();
    drop(requests);
    if crate::runtime::process_exiting() {
        // The process ends its session: its `deactivate` has run and every call it made to the host is
        // on the host's channel (the sender is kept, so the lifecycle's drain still reaches it). Freeing
        // the heap object by object (~1 MB, thousands of objects) would only delay the exit and take CPU
        // from the successor worker starting beside this one; the process's exit frees it at once.
        std::mem::forget(runtime);
        return;
    }
    drop(runtime);
}

/// The time budget of one stretch of JS.
#[derive(Debug, Clone)]
struct Budget {
    deadline: Instant,
    limit: Duration,
    during: String,
}

impl Budget {
    fn time_limit(&self) -> RuntimeError {
        RuntimeError::TimeLimit {
            limit: self.limit,
            during: self.during.clone(),
        }
    }
}

/// A request whose answer is not sent yet.
struct InFlight {
    reply: oneshot::Sender<Result<Json, RuntimeError>>,
    budget: Budget,
    /// The extension's total wait on the host when the request started: waits since move its deadline.
    waited_at_start: Duration,
}

/// One extension's engine and event-loop state. Field order is drop order: the saved entry point goes
/// before the context, the context before the runtime.
struct JsRuntime {
    /// The bootstrap's `start` entry point, kept once the bootstrap has run (every request calls it).
    start_entry: Option<Persistent<Function<'static>>>,
    context: Context,
    runtime: Runtime,
    memory: Arc<MemoryGuard>,
    shared: Rc<Shared>,
    limits: Limits,
    entry: PathBuf,
    in_flight: HashMap<u64, InFlight>,
    /// Time spent waiting on the host (kept by the lifecycle), which does not count against limits.
    host_waits: Arc<HostWaitClock>,
    next_request: u64,
    next_timer: Option<Instant>,
    rejections_pending: Rc<Cell<bool>>,
}

impl JsRuntime {
    fn new(
        spec: &LaunchSpec,
        host: HostSender,
        completions: mpsc::UnboundedSender<HostCompletion>,
        host_waits: Arc<HostWaitClock>,
    ) -> Result<Self, RuntimeError> {
        let root = spec
            .extension_path
            .canonicalize()
            .map_err(|error| RuntimeError::Load {
                module: spec.extension_path.display().to_string(),
                reason: format!("cannot open the extension's folder: {error}"),
            })?;
        let engine_error = |error: rquickjs::Error| RuntimeError::Load {
            module: "exthost:bootstrap".to_owned(),
            reason: error.to_string(),
        };
        let shared = Rc::new(Shared::new(
            spec.extension_id.clone(),
            root,
            host,
            completions,
            Arc::clone(&host_waits),
        ));
        shared
            .question_timeout
            .set(spec.limits.permission_question_timeout);
        if spec.limits.memory_bytes > 0 {
            let cap = (spec.limits.memory_bytes as u64).min(native::MAX_EXTENSION_FILE_BYTES);
            shared.read_cap.set(cap);
            shared.workspace.set_read_cap(cap);
        }
        // The allocator enforces the heap limit (QuickJS's own limit stays off): see `memory`.
        let memory = MemoryGuard::new(spec.limits.memory_bytes);
        let engine_error = |error: rquickjs::Error| {
            if memory.breached() {
                RuntimeError::MemoryLimit {
                    limit_bytes: spec.limits.memory_bytes,
                }
            } else {
                engine_error(error)
            }
        };
        let runtime =
            Runtime::new_with_alloc(LimitedAllocator::new(memory.clone())).map_err(engine_error)?;
        runtime.set_max_stack_size(JS_STACK_BYTES);
        let watchdog = shared.watchdog.clone();
        let guard = memory.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || {
            guard.must_stop() || watchdog.expired()
        })));
        runtime.set_loader(
            ModuleResolver::new(shared.clone()),
            ModuleLoader::new(shared.clone()),
        );
        let rejections_pending = Rc::new(Cell::new(false));
        let pending = rejections_pending.clone();
        runtime.set_host_promise_rejection_tracker(Some(Box::new(
            move |ctx, promise, reason, handled| {
                pending.set(true);
                let tracked = entry(&ctx, "trackRejection")
                    .and_then(|track| track.call::<_, ()>((promise, reason, handled)));
                if tracked.is_err() {
                    let _ = ctx.catch();
                }
            },
        )));
        let context = Context::full(&runtime).map_err(engine_error)?;
        let mut runtime = Self {
            start_entry: None,
            context,
            runtime,
            memory,
            shared,
            limits: spec.limits,
            entry: spec.entry.clone(),
            in_flight: HashMap::new(),
            host_waits,
            next_request: 1,
            next_timer: None,
            rejections_pending,
        };
        let started = Instant::now();
        runtime.runtime.set_gc_threshold(START_GC_THRESHOLD_BYTES);
        runtime.bootstrap(spec)?;
        runtime.start_entry = runtime
            .context
            .with(|ctx| entry(&ctx, "start").map(|start| Persistent::save(&ctx, start)))
            .ok();
        let heap_bytes = runtime.memory.used();
        runtime
            .runtime
            .set_gc_threshold(heap_bytes.saturating_add(heap_bytes / 2));
        if tracing::enabled!(tracing::Level::DEBUG) {
            let usage = runtime.runtime.memory_usage();
            tracing::debug!(
                extension = %spec.extension_id,
                micros = started.elapsed().as_micros() as u64,
                heap_bytes,
                objects = usage.obj_count,
                functions = usage.js_func_count,
                bytecode_bytes = usage.js_func_size,
                atoms = usage.atom_count,
                atom_bytes = usage.atom_size,
                shapes = usage.shape_count,
                shape_bytes = usage.shape_size,
                "runtime started"
            );
        }
        Ok(runtime)
    }

    /// Runs the bootstrap modules (which run the shim), from the bytecode compiled once per process.
    fn bootstrap(&mut self, spec: &LaunchSpec) -> Result<(), RuntimeError> {
        // Discovery refuses such folders; this keeps a path that is not UTF-8 an error, never a panic.
        let Some(extension_path) = self.shared.root.to_str() else {
            return Err(RuntimeError::Load {
                module: spec.entry.display().to_string(),
                reason: format!("the path {} is not valid UTF-8", self.shared.root.display()),
            });
        };
        let description = json!({
            "id": spec.extension_id,
            "extensionPath": extension_path,
            "packageJSON": spec.package_json,
            "development": spec.development,
            "vscodeVersion": crate::config::VSCODE_API_VERSION,
        })
        .to_string();
        // Compiling the prelude (once per process) is the host's time, not the extension's.
        let prelude = prelude()?;
        let budget = Budget {
            deadline: Instant::now() + self.limits.activate_timeout,
            limit: self.limits.activate_timeout,
            during: "starting the runtime".to_owned(),
        };
        let shared = self.shared.clone();
        let outcome = self.enter(&budget, move |ctx| {
            let core = rquickjs::Object::new(ctx.clone())?;
            core.set("native", native::install(ctx, &shared)?)?;
            core.set("specJson", description)?;
            let names: Vec<bool> = prelude
                .shim_names()
                .map(|name| !is_lazy_shim_file(name))
                .collect();
            core.set(
                "shimFiles",
                prelude.shim(ctx, |index| names.get(index).copied().unwrap_or(true))?,
            )?;
            core.set("lazyShimJson", lazy_shim_description(prelude).to_string())?;
            core.set(
                "shimFile",
                rquickjs::Function::new(ctx.clone(), read_shim_file)?,
            )?;
            for module in prelude.bootstrap(ctx)? {
                module.call::<_, ()>((core.clone(),))?;
            }
            Ok(())
        })?;
        outcome.map_err(|error| RuntimeError::Load {
            module: "exthost:bootstrap".to_owned(),
            reason: error.to_string(),
        })
    }

    /// The event loop. Returns when the request channel closes, or with the fatal error that stopped it.
    async fn run(
        &mut self,
        requests: &mut RuntimeInbox,
        completions: &mut mpsc::UnboundedReceiver<HostCompletion>,
    ) -> Result<(), RuntimeError> {
        loop {
            self.turn()?;
            let wake = self.next_wake();
            let sleep = tokio::time::sleep_until(tokio::time::Instant::from_std(
                wake.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600)),
            ));
            tokio::select! {
                envelope = requests.recv() => match envelope {
                    Some((request, reply)) => {
                        self.start(request, reply)?;
                        // Requests already queued (a burst of session events: typing) start in the
                        // same wake-up, each after the promise jobs of the one before, as separate
                        // messages would; timers and deadlines are looked at once the burst is in.
                        for _ in 1..MAX_REQUESTS_PER_TURN {
                            let Ok((request, reply)) = requests.try_recv() else {
                                break;
                            };
                            self.settle_jobs()?;
                            self.start(request, reply)?;
                        }
                    }
                    None => return Ok(()),
                },
                Some((call, outcome)) = completions.recv() => self.deliver(call, outcome)?,
                () = sleep, if wake.is_some() => {}
            }
        }
    }

    /// Runs what is ready: promise jobs, due timers, answers for settled requests; then checks deadlines.
    fn turn(&mut self) -> Result<(), RuntimeError> {
        self.settle_jobs()?;
        if self.next_timer.is_some_and(|due| due <= Instant::now()) {
            // Asked again even when no timer ran (JS's clock had not reached it yet).
            self.shared.timers_changed.set(true);
            for _ in 0..MAX_TIMERS_PER_TURN {
                if !self.run_timer()? {
                    break;
                }
                self.settle_jobs()?;
            }
        }
        self.refresh_next_timer()?;
        self.check_deadlines()
    }

    /// Drains promise jobs, reports unhandled rejections, answers settled requests.
    fn settle_jobs(&mut self) -> Result<(), RuntimeError> {
        self.drain_jobs()?;
        if self.rejections_pending.replace(false) {
            let budget = self.background_budget("reporting rejections");
            if let Err(error) = self.enter(&budget, |ctx| {
                entry(ctx, "reportRejections")?.call::<_, ()>(())
            })? {
                tracing::warn!(extension = %self.shared.extension_id, %error, "cannot report rejections");
            }
        }
        self.collect_settlements();
        Ok(())
    }

    /// Starts one request: its answer is sent once the JS promise it starts settles.
    fn start(
        &mut self,
        request: RuntimeRequest,
        reply: oneshot::Sender<Result<Json, RuntimeError>>,
    ) -> Result<(), RuntimeError> {
        let limits = self.limits;
        let (kind, payload, limit, during) = match request {
            RuntimeRequest::Activate => {
                let entry = match self.entry_file() {
                    Ok(entry) => entry,
                    Err(error) => {
                        let _ = reply.send(Err(error));
                        return Ok(());
                    }
                };
                let esm = resolve::is_es_module(&self.shared.root, &entry);
                let payload = json!({ "entry": entry, "esm": esm });
                (
                    "activate",
                    payload,
                    limits.activate_timeout,
                    "activate".to_owned(),
                )
            }
            RuntimeRequest::Deactivate => (
                "deactivate",
                Json::Null,
                limits.deactivate_timeout,
                "deactivate".to_owned(),
            ),
            RuntimeRequest::ExecuteCommand { command, arguments } => {
                let during = format!("command {command}");
                let payload = json!({ "command": command, "arguments": arguments });
                ("executeCommand", payload, limits.call_timeout, during)
            }
            RuntimeRequest::CallExport { path, arguments } => {
                let during = format!("export {}", path.join("."));
                let payload = json!({ "path": path, "arguments": arguments });
                ("callExport", payload, limits.call_timeout, during)
            }
            RuntimeRequest::InvokeProvider {
                handle,
                method,
                params,
                token,
            } => {
                let during = format!("provider {method}");
                let payload =
                    json!({ "handle": handle, "method": method, "params": params, "token": token });
                ("invokeProvider", payload, limits.call_timeout, during)
            }
            RuntimeRequest::Cancel { token } => (
                "cancel",
                json!({ "token": token }),
                limits.call_timeout,
                "cancel".to_owned(),
            ),
            RuntimeRequest::Event { name, payload } => {
                self.event(name, &payload, reply)?;
                return Ok(());
            }
        };
        let id = self.next_request;
        self.next_request += 1;
        let budget = Budget {
            deadline: Instant::now() + limit,
            limit,
            during,
        };
        tracing::debug!(extension = %self.shared.extension_id, during = %budget.during, "call into JS");
        self.in_flight.insert(
            id,
            InFlight {
                reply,
                budget: budget.clone(),
                waited_at_start: self.host_waits.total(),
            },
        );
        let payload = payload.to_string();
        let start_entry = self.start_entry.clone();
        let started = self.enter(&budget, move |ctx| {
            let start = match start_entry {
                Some(start) => start.restore(ctx)?,
                None => entry(ctx, "start")?,
            };
            start.call::<_, ()>((id as f64, kind, payload))
        })?;
        if let Err(error) = started
            && let Some(flight) = self.in_flight.remove(&id)
        {
            let _ = flight.reply.send(Err(error));
        }
        // A handler that answered synchronously settled within the call (see `start` in
        // `20_requests.js`): its answer leaves now.
        self.collect_settlements();
        Ok(())
    }

    /// Delivers one session event: the shim applies it and fires its listeners synchronously, under the
    /// call limit (promises the listeners return are not awaited), and it is answered at once. No promise
    /// is made for it and no settlement comes back: a burst of document changes costs the shim's work and
    /// little more.
    fn event(
        &mut self,
        name: String,
        payload: &Json,
        reply: oneshot::Sender<Result<Json, RuntimeError>>,
    ) -> Result<(), RuntimeError> {
        self.shared.workspace.learn_from_event(&name, payload);
        let budget = Budget {
            deadline: Instant::now() + self.limits.call_timeout,
            limit: self.limits.call_timeout,
            during: format!("event {name}"),
        };
        let delivered = match OneChange::of(&name, payload) {
            // Typing: one ranged change, handed to the shim as numbers and strings (no JSON).
            Some(change) => self.enter(&budget, move |ctx| {
                let (start_line, start_character, end_line, end_character) = change.range;
                entry(ctx, "documentChange")?.call::<_, ()>((
                    change.uri,
                    change.version,
                    start_line,
                    start_character,
                    end_line,
                    end_character,
                    change.text,
                ))
            })?,
            None => {
                let payload = payload.to_string();
                self.enter(&budget, move |ctx| {
                    entry(ctx, "event")?.call::<_, ()>((name, payload))
                })?
            }
        };
        if let Err(error) = &delivered {
            tracing::debug!(extension = %self.shared.extension_id, %error, "a session event threw");
        }
        let _ = reply.send(delivered.map(|()| Json::Null));
        Ok(())
    }

    /// The entry file, canonical, checked to be inside the extension's folder.
    fn entry_file(&self) -> Result<PathBuf, RuntimeError> {
        let module = self.entry.display().to_string();
        let entry = self
            .entry
            .canonicalize()
            .map_err(|error| RuntimeError::Load {
                module: module.clone(),
                reason: error.to_string(),
            })?;
        if !entry.starts_with(&self.shared.root) {
            return Err(RuntimeError::Load {
                module,
                reason: "the entry is outside the extension's folder".to_owned(),
            });
        }
        Ok(entry)
    }

    /// Hands the answer of an asynchronous host operation to JS.
    fn deliver(
        &mut self,
        call: u64,
        outcome: Result<Json, HostCallError>,
    ) -> Result<(), RuntimeError> {
        let budget = self.background_budget("a host reply");
        if let Err(error) = self.enter(&budget, move |ctx| {
            // A failure arrives as an `Error` carrying its kind in `code` (see `throw_host_error`).
            let (ok, answer): (bool, Value<'_>) = match &outcome {
                Ok(value) => (
                    true,
                    rquickjs::String::from_str(ctx.clone(), &value.to_string())?.into_value(),
                ),
                Err(error) => (false, native::host_error_value(ctx, error)?),
            };
            entry(ctx, "hostReply")?.call::<_, ()>((call as f64, ok, answer))
        })? {
            self.log(
                LogLevel::Error,
                format!("cannot deliver a host reply: {error}"),
            );
        }
        Ok(())
    }

    /// Runs the earliest due timer; false when none was due.
    fn run_timer(&mut self) -> Result<bool, RuntimeError> {
        let budget = self.background_budget("a timer callback");
        let ran = self.enter(&budget, |ctx| entry(ctx, "runTimer")?.call::<_, bool>(()))?;
        Ok(ran.unwrap_or(false))
    }

    /// Asks JS for its earliest timer, when its timers may have changed since the last time.
    fn refresh_next_timer(&mut self) -> Result<(), RuntimeError> {
        if !self.shared.timers_changed.replace(false) {
            return Ok(());
        }
        let budget = self.background_budget("the timer queue");
        let delay = self
            .enter(&budget, |ctx| {
                entry(ctx, "nextTimerDelay")?.call::<_, f64>(())
            })?
            .unwrap_or(-1.0);
        self.next_timer = timer_wait(delay).map(|wait| Instant::now() + wait);
        Ok(())
    }

    /// Runs pending promise jobs as one stretch of JS under one budget.
    fn drain_jobs(&mut self) -> Result<(), RuntimeError> {
        if !self.runtime.is_job_pending() {
            return Ok(());
        }
        let budget = self.background_budget("a promise callback");
        let watchdog = self.shared.watchdog.clone();
        let _running = crate::supervisor::marks::enter_bounded(&self.shared.extension_id);
        watchdog.arm(budget.deadline);
        let outcome = loop {
            let ran = self.runtime.execute_pending_job();
            if self.memory.breached() {
                break Err(self.memory_limit());
            }
            match ran {
                Ok(false) => break Ok(()),
                Ok(true) => {}
                Err(job) => {
                    let error = job.0.with(|ctx| caught(&ctx, rquickjs::Error::Exception));
                    if !watchdog.tripped() {
                        self.log(
                            LogLevel::Error,
                            format!("Uncaught exception in a promise callback: {error}"),
                        );
                    }
                }
            }
            if watchdog.expired() {
                break Err(budget.time_limit());
            }
        };
        watchdog.disarm();
        outcome
    }

    /// Answers the requests whose promise settled.
    fn collect_settlements(&mut self) {
        let settled = std::mem::take(&mut *self.shared.settled.borrow_mut());
        for (id, outcome) in settled {
            if let Some(flight) = self.in_flight.remove(&id) {
                let _ = flight.reply.send(outcome);
            }
        }
    }

    /// A request whose promise has not settled by its deadline breaks the time limit.
    ///
    /// Time spent waiting on the host (the editor, the user, another extension) does not count: each
    /// request's deadline moves by the waits since it started.
    fn check_deadlines(&self) -> Result<(), RuntimeError> {
        let now = Instant::now();
        match self
            .effective_budgets()
            .filter(|budget| budget.deadline <= now)
            .min_by_key(|budget| budget.deadline)
        {
            Some(budget) => Err(budget.time_limit()),
            None => Ok(()),
        }
    }

    /// The in-flight requests' budgets, their deadlines moved by the host waits since each started.
    fn effective_budgets(&self) -> impl Iterator<Item = Budget> + '_ {
        let waited = self.host_waits.total();
        self.in_flight.values().map(move |flight| {
            let mut budget = flight.budget.clone();
            budget.deadline += waited.saturating_sub(flight.waited_at_start);
            budget
        })
    }

    fn next_wake(&self) -> Option<Instant> {
        // While waiting on the host, deadlines move: the answer (a completion) wakes the loop.
        let deadlines = (!self.host_waits.waiting())
            .then(|| self.effective_budgets().map(|budget| budget.deadline).min())
            .flatten();
        deadlines.into_iter().chain(self.next_timer).min()
    }

    /// The budget for JS outside a request's start: `call_timeout`, or less when an in-flight request's
    /// deadline comes first (then the time is charged to that request).
    fn background_budget(&self, during: &str) -> Budget {
        let own = Budget {
            deadline: Instant::now() + self.limits.call_timeout,
            limit: self.limits.call_timeout,
            during: during.to_owned(),
        };
        match self
            .effective_budgets()
            .min_by_key(|budget| budget.deadline)
        {
            Some(budget) if budget.deadline < own.deadline => budget,
            _ => own,
        }
    }

    /// Runs `call` in the context under `budget`. The outer error is fatal (a broken limit); the inner one
    /// is what JS threw.
    ///
    /// A refused allocation anywhere in the stretch breaks the memory limit, whatever JS made of the
    /// exception (caught it, or turned it into a rejection): nothing more runs in this runtime.
    fn enter<R>(
        &self,
        budget: &Budget,
        call: impl for<'js> FnOnce(&Ctx<'js>) -> rquickjs::Result<R>,
    ) -> Result<Result<R, RuntimeError>, RuntimeError> {
        let watchdog = &self.shared.watchdog;
        // Which extension's code runs, for the supervisor to name at a crash (see `supervisor/marks.rs`).
        let _running = crate::supervisor::marks::enter_bounded(&self.shared.extension_id);
        watchdog.arm(budget.deadline);
        let outcome = self
            .context
            .with(|ctx| call(&ctx).map_err(|error| caught(&ctx, error)));
        watchdog.disarm();
        if self.memory.breached() {
            return Err(self.memory_limit());
        }
        if watchdog.tripped() {
            return Err(budget.time_limit());
        }
        Ok(outcome)
    }

    fn memory_limit(&self) -> RuntimeError {
        RuntimeError::MemoryLimit {
            limit_bytes: self.limits.memory_bytes,
        }
    }

    fn log(&self, level: LogLevel, message: String) {
        self.shared.notify(HostRequest::Log { level, message });
    }

    /// After a fatal error: every in-flight request gets it; when none of them was waiting, the host is
    /// told with `Crashed`.
    fn stop(&mut self, error: RuntimeError) {
        let mut told = false;
        for (_, flight) in self.in_flight.drain() {
            told |= flight.reply.send(Err(error.clone())).is_ok();
        }
        // Nobody waiting heard it (no call under way, or only session events whose answers nobody
        // reads): the host must still learn that the extension stopped.
        if !told {
            self.shared.notify(HostRequest::Crashed { error });
        }
    }
}

impl Drop for JsRuntime {
    /// Runs before the fields drop: freeing the context and the runtime must not meet the heap limit.
    fn drop(&mut self) {
        self.memory.lift();
    }
}

/// A `documentChanged` event that carries exactly one change with a range (what typing sends), taken
/// apart for the shim's `documentChange` entry point.
struct OneChange<'a> {
    uri: &'a str,
    version: f64,
    /// Start line, start character, end line, end character.
    range: (f64, f64, f64, f64),
    text: &'a str,
}

impl<'a> OneChange<'a> {
    fn of(name: &str, payload: &'a Json) -> Option<Self> {
        if name != super::SessionEvent::DOCUMENT_CHANGED {
            return None;
        }
        let [change] = payload.get("changes")?.as_array()?.as_slice() else {
            return None;
        };
        let range = change.get("range")?;
        let number = |position: &str, field: &str| {
            let value = range.get(position)?.get(field)?.as_u64()?;
            u32::try_from(value).ok().map(f64::from)
        };
        Some(Self {
            uri: payload.get("uri")?.as_str()?,
            version: payload.get("version")?.as_i64()? as f64,
            range: (
                number("start", "line")?,
                number("start", "character")?,
                number("end", "line")?,
                number("end", "character")?,
            ),
            text: change.get("text")?.as_str()?,
        })
    }
}

/// What an rquickjs error means for the extension: the pending exception as [`RuntimeError::Threw`]. (An
/// exception that comes from running out of memory is recognised by [`MemoryGuard`], not here.)
fn caught(ctx: &Ctx<'_>, error: rquickjs::Error) -> RuntimeError {
    if !matches!(error, rquickjs::Error::Exception) {
        return RuntimeError::Threw {
            message: error.to_string(),
            stack: None,
        };
    }
    let value: Value = ctx.catch();
    if let Some(exception) = value.as_exception() {
        let message = exception.message().unwrap_or_default();
        let stack = exception.stack().filter(|stack| !stack.is_empty());
        return RuntimeError::Threw { message, stack };
    }
    let message = value
        .get::<Coerced<String>>()
        .map(|text| text.0)
        .unwrap_or_else(|_| format!("{value:?}"));
    RuntimeError::Threw {
        message,
        stack: None,
    }
}
