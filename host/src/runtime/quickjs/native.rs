//! The Rust side of one extension's JS runtime that JS can call (`native.*` in `bootstrap.js`): logging,
//! settling requests, host operations (fire-and-forget, async, and blocking), module resolution and file
//! reads confined to the extension's folder, compiling with a file name.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use exthost_protocol::json;
use rquickjs::context::EvalOptions;
use rquickjs::{Ctx, Exception, Function, Object, TypedArray, Value};
use serde_json::{Value as Json, json};
use tokio::sync::{mpsc, oneshot};

use super::resolve::{self, Resolved};
use super::watchdog::Watchdog;
use super::workspace_fs::{BoundarySource, WorkspaceFiles};
use crate::editor::{LOG_BYTES_PER_SECOND, LOG_LINES_PER_SECOND, LogBudget};
use crate::runtime::{
    HostCall, HostCallError, HostCallErrorKind, HostOperation, HostRequest, HostSender,
    HostWaitClock, LogLevel, RuntimeError,
};

/// How long a blocking host operation may wait for the host's answer (the host answers them at once; the
/// wait does not count against the extension's own limits).
const FALLBACK_HOST_WAIT: Duration = Duration::from_secs(30);

/// The answer to one asynchronous host operation, routed back to the event loop.
pub(crate) type HostCompletion = (u64, Result<Json, HostCallError>);

/// State shared between the event loop and the native functions (all on the runtime's thread).
pub(crate) struct Shared {
    /// The extension's id (the `from` of every [`HostCall`]).
    pub extension_id: String,
    /// The extension's folder, canonical: nothing outside it is read.
    pub root: PathBuf,
    /// Where host operations go.
    pub host: HostSender,
    /// Read by the interrupt handler.
    pub watchdog: Arc<Watchdog>,
    /// Requests whose JS promise has settled, waiting to be answered by the event loop.
    pub settled: RefCell<Vec<(u64, Result<Json, RuntimeError>)>>,
    /// Where the answers of asynchronous host operations go.
    pub completions: mpsc::UnboundedSender<HostCompletion>,
    /// The folders `vscode.workspace.fs` may read (kept from the host's answers, never set by JS).
    pub workspace: WorkspaceFiles,
    /// The most bytes one file read for the extension may have (its memory limit, at most
    /// [`MAX_EXTENSION_FILE_BYTES`]).
    pub read_cap: Cell<u64>,
    /// How long a permission question may wait for the user (`Limits::permission_question_timeout`).
    pub question_timeout: Cell<Duration>,
    /// The extension's clock of waits on the host (a blocking host call runs it while it waits).
    pub host_waits: Arc<HostWaitClock>,
    /// Set when JS may have changed its timers (added, cleared, run or refreshed one): the event loop
    /// asks JS for the earliest timer again only then.
    pub timers_changed: Cell<bool>,
    next_host_call: Cell<u64>,
}

impl Shared {
    pub(crate) fn new(
        extension_id: String,
        root: PathBuf,
        host: HostSender,
        completions: mpsc::UnboundedSender<HostCompletion>,
        host_waits: Arc<HostWaitClock>,
    ) -> Self {
        Self {
            host_waits,
            extension_id,
            workspace: WorkspaceFiles::new(root.clone()),
            root,
            host,
            watchdog: Arc::new(Watchdog::new()),
            settled: RefCell::new(Vec::new()),
            completions,
            read_cap: Cell::new(MAX_EXTENSION_FILE_BYTES),
            question_timeout: Cell::new(Duration::from_secs(60)),
            timers_changed: Cell::new(true),
            next_host_call: Cell::new(1),
        }
    }

    /// Sends a request to the host without waiting for an answer.
    pub(crate) fn notify(&self, request: HostRequest) {
        let _ = self.host.send(HostCall {
            from: self.extension_id.clone(),
            request,
            reply: None,
        });
    }

    /// Asks the host and waits on this thread for at most `timeout` (`None`: no answer in time). The
    /// time waited does not count against the running JS's deadline (nor, since the lifecycle holds a
    /// host wait meanwhile, against the call's): the watchdog's deadline moves by it.
    pub(crate) fn ask_blocking(
        &self,
        request: HostRequest,
        timeout: Duration,
    ) -> Option<Result<Json, String>> {
        let answer = match self.ask(request) {
            Ok(answer) => answer,
            Err(error) => return Some(Err(error.to_string())),
        };
        // The wait costs this thread no CPU time, so the running JS's budget (see `Watchdog`) is untouched.
        let outcome = wait_blocking(answer, Instant::now() + timeout);
        outcome.map(|answer| match answer {
            Ok(answer) => answer.map_err(|error| error.to_string()),
            Err(_) => Err("exthost: the host dropped the request".to_owned()),
        })
    }

    fn ask(
        &self,
        request: HostRequest,
    ) -> Result<oneshot::Receiver<Result<Json, HostCallError>>, HostCallError> {
        let (reply, answer) = oneshot::channel();
        self.host
            .send(HostCall {
                from: self.extension_id.clone(),
                request,
                reply: Some(reply),
            })
            .map_err(|_| HostCallError::unavailable("exthost: the host has gone away"))?;
        Ok(answer)
    }
}

/// Builds the `native` object handed to `bootstrap.js`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, shared: &Rc<Shared>) -> rquickjs::Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;

    let state = shared.clone();
    let budget = RefCell::new(LogBudget::default());
    native.set(
        "log",
        Function::new(ctx.clone(), move |level: String, message: String| {
            // A flood is dropped here, before it costs a copy and a place in the host's queue.
            let Some(dropped) = budget.borrow_mut().admit(message.len()) else {
                return;
            };
            if dropped > 0 {
                state.notify(HostRequest::Log {
                    level: LogLevel::Warn,
                    message: format!(
                        "exthost: {dropped} log lines dropped (more than {LOG_LINES_PER_SECOND} lines or {} KB a second)",
                        LOG_BYTES_PER_SECOND / 1024.0
                    ),
                });
            }
            let level = LogLevel::from_name_or_info(&level);
            state.notify(HostRequest::Log { level, message });
        })?,
    )?;

    let state = shared.clone();
    native.set(
        "settle",
        Function::new(ctx.clone(), move |request: f64, ok: bool, text: String| {
            let outcome = settlement(ok, &text);
            state.settled.borrow_mut().push((request as u64, outcome));
        })?,
    )?;

    // Whether promise jobs are queued: a request whose handler answered synchronously and queued none is
    // settled at once, without a promise (`start` in `20_requests.js`).
    native.set(
        "jobsPending",
        Function::new(ctx.clone(), |ctx: Ctx<'js>| {
            // SAFETY: `ctx` is a live context of this thread's runtime, which outlives the call.
            unsafe {
                rquickjs::qjs::JS_IsJobPending(rquickjs::qjs::JS_GetRuntime(ctx.as_raw().as_ptr()))
            }
        })?,
    )?;

    let state = shared.clone();
    native.set(
        "timersChanged",
        Function::new(ctx.clone(), move || state.timers_changed.set(true))?,
    )?;

    let state = shared.clone();
    native.set(
        "hostNotify",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, kind: String, payload: String| -> rquickjs::Result<()> {
                let request = host_request(&kind, &payload)
                    .map_err(|error| throw_host_error(&ctx, &error))?;
                state.notify(request);
                Ok(())
            },
        )?,
    )?;

    let state = shared.clone();
    native.set(
        "hostCall",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, kind: String, payload: String| -> rquickjs::Result<f64> {
                let request = host_request(&kind, &payload)
                    .map_err(|error| throw_host_error(&ctx, &error))?;
                let answer = state
                    .ask(request)
                    .map_err(|error| throw_host_error(&ctx, &error))?;
                let id = state.next_host_call.get();
                state.next_host_call.set(id + 1);
                let completions = state.completions.clone();
                // Runs on this thread's current-thread tokio runtime while the event loop waits.
                tokio::spawn(async move {
                    let outcome = match answer.await {
                        Ok(outcome) => outcome,
                        Err(_) => Err(HostCallError::unavailable(
                            "exthost: the host dropped the request",
                        )),
                    };
                    let _ = completions.send((id, outcome));
                });
                Ok(id as f64)
            },
        )?,
    )?;

    let state = shared.clone();
    native.set(
        "hostCallSync",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, kind: String, payload: String| -> rquickjs::Result<String> {
                let request = host_request(&kind, &payload)
                    .map_err(|error| throw_host_error(&ctx, &error))?;
                let boundary = BoundarySource::of(&request);
                let answer = state
                    .ask(request)
                    .map_err(|error| throw_host_error(&ctx, &error))?;
                // The wait is the host's time, not the extension's (as `HostWaitClock` is for the
                // asynchronous operations): bounded on its own, and it costs this thread no CPU time, so
                // the running JS's budget (see `Watchdog`) does not run down while a busy host answers.
                let waiting = state.host_waits.begin();
                let outcome = wait_blocking(answer, Instant::now() + FALLBACK_HOST_WAIT);
                drop(waiting);
                match outcome {
                    Some(Ok(Ok(value))) => {
                        // The host's own answer, before JS sees it, is what bounds `workspace.fs`.
                        if let Some(source) = boundary {
                            state.workspace.learn_from_answer(source, &value);
                        }
                        Ok(value.to_string())
                    }
                    Some(Ok(Err(error))) => Err(throw_host_error(&ctx, &error)),
                    Some(Err(_)) => Err(throw_host_error(
                        &ctx,
                        &HostCallError::unavailable("exthost: the host dropped the request"),
                    )),
                    None => {
                        // The call's time is up while waiting: stop the JS that asked.
                        state.watchdog.trip();
                        Err(throw_host_error(
                            &ctx,
                            &HostCallError::timed_out(format!(
                                "exthost: the host did not answer {kind} within 30 s"
                            )),
                        ))
                    }
                }
            },
        )?,
    )?;

    let state = shared.clone();
    native.set(
        "resolve",
        Function::new(ctx.clone(), move |from_dir: String, specifier: String| {
            let answer =
                match resolve::resolve(&state.root, Path::new(&from_dir), &specifier, false) {
                    Ok(Resolved::File(path)) => json!({ "file": path }),
                    Ok(Resolved::Builtin(name)) => json!({ "builtin": name }),
                    Err(error) => json!({ "module": error.module, "error": error.reason }),
                };
            answer.to_string()
        })?,
    )?;

    let state = shared.clone();
    native.set(
        "readFile",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, path: String| -> rquickjs::Result<String> {
                // A file larger than the extension's heap could never be held: refused unread.
                let cap = state.read_cap.get();
                read_confined_capped(&state.root, Path::new(&path), cap)
                    .map_err(|message| throw(&ctx, &message))
            },
        )?,
    )?;

    native.set(
        "compile",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, source: String, filename: String| -> rquickjs::Result<Value<'js>> {
                let mut options = EvalOptions::default();
                options.strict = false;
                options.filename = Some(filename);
                ctx.eval_with_options(source, options)
            },
        )?,
    )?;

    install_workspace_files(ctx, &native, shared)?;
    super::node::install(ctx, &native, shared)?;

    native.set("machineId", Function::new(ctx.clone(), machine_id)?)?;

    let watchdog = shared.watchdog.clone();
    native.set(
        "now",
        Function::new(ctx.clone(), move || watchdog.now_ms())?,
    )?;

    Ok(native)
}

/// `fsStat`, `fsReadFile`, `fsReadDirectory`, `findFiles` (see [`WorkspaceFiles`]).
fn install_workspace_files<'js>(
    ctx: &Ctx<'js>,
    native: &Object<'js>,
    shared: &Rc<Shared>,
) -> rquickjs::Result<()> {
    let state = shared.clone();
    native.set(
        "fsStat",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, path: String| -> rquickjs::Result<String> {
                state
                    .workspace
                    .stat(Path::new(&path))
                    .map(|stat| stat.to_string())
                    .map_err(|message| throw(&ctx, &message))
            },
        )?,
    )?;

    let state = shared.clone();
    native.set(
        "fsReadFile",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, path: String| -> rquickjs::Result<TypedArray<'js, u8>> {
                let bytes = state
                    .workspace
                    .read(Path::new(&path))
                    .map_err(|message| throw(&ctx, &message))?;
                TypedArray::new(ctx.clone(), bytes)
            },
        )?,
    )?;

    let state = shared.clone();
    native.set(
        "fsReadDirectory",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, path: String| -> rquickjs::Result<String> {
                state
                    .workspace
                    .read_directory(Path::new(&path))
                    .map(|entries| entries.to_string())
                    .map_err(|message| throw(&ctx, &message))
            },
        )?,
    )?;

    let state = shared.clone();
    native.set(
        "findFiles",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, request: String| -> rquickjs::Result<String> {
                state
                    .workspace
                    .find_files(&request)
                    .map(|paths| paths.to_string())
                    .map_err(|message| throw(&ctx, &message))
            },
        )?,
    )?;
    Ok(())
}

/// `vscode.env.machineId` when the snapshot has none: a hex digest, stable for this machine and user,
/// of `/etc/machine-id` (or the host name) and the user name.
pub(crate) fn machine_id() -> String {
    use std::hash::{Hash, Hasher};
    let machine = std::fs::read_to_string("/etc/machine-id")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let user = std::env::var("USER").unwrap_or_default();
    (0u8..4)
        .map(|round| {
            // `DefaultHasher::new()` has fixed keys: the same input hashes the same on every run.
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            (round, machine.trim(), user.as_str(), "exthost").hash(&mut hasher);
            format!("{:016x}", hasher.finish())
        })
        .collect()
}

/// The most bytes of one file read for an extension (`require`, `import`), whatever its memory limit.
pub(crate) const MAX_EXTENSION_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Where `path` leads: canonical when it exists; else its longest existing ancestor made canonical, with
/// the rest appended and `..` applied. So "is it inside that folder?" gets the same answer whether the
/// file exists or not.
pub(crate) fn location(path: &Path) -> PathBuf {
    use std::path::Component;
    let components: Vec<Component<'_>> = path.components().collect();
    for split in (0..=components.len()).rev() {
        let prefix: PathBuf = components[..split].iter().collect();
        let base = match prefix.canonicalize() {
            Ok(canonical) => canonical,
            Err(_) if split > 0 => continue,
            Err(_) => prefix,
        };
        let mut location = base;
        for component in &components[split..] {
            match component {
                Component::ParentDir => {
                    location.pop();
                }
                Component::CurDir => {}
                other => location.push(other.as_os_str()),
            }
        }
        return location;
    }
    path.to_path_buf()
}

/// Reads a UTF-8 file that must lie inside `root` (after resolving symbolic links), of at most
/// [`MAX_EXTENSION_FILE_BYTES`].
pub(crate) fn read_confined(root: &Path, path: &Path) -> Result<String, String> {
    read_confined_capped(root, path, MAX_EXTENSION_FILE_BYTES)
}

/// [`read_confined`] with a cap of `cap` bytes: only a regular file (never a FIFO or a device), refused
/// before it is read when larger. A path outside `root` gets the same answer whether it exists or not.
pub(crate) fn read_confined_capped(root: &Path, path: &Path, cap: u64) -> Result<String, String> {
    let location = location(path);
    if !location.starts_with(root) {
        return Err(format!(
            "cannot read {}: outside the extension's folder {}",
            path.display(),
            root.display()
        ));
    }
    let bytes = crate::regular_file::read(&location, cap)
        .map_err(|error| format!("cannot read {}: {}", path.display(), error.reason()))?;
    // No second copy for the usual, valid text.
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    })
}

fn throw(ctx: &Ctx<'_>, message: &str) -> rquickjs::Error {
    Exception::throw_message(ctx, message)
}

/// Maps what `bootstrap.js` reports through `native.settle` to a request's outcome.
///
/// A value that cannot be carried (nested deeper than [`json::MAX_DEPTH`]) is an error saying so, never
/// a silent `null`.
pub(crate) fn settlement(ok: bool, text: &str) -> Result<Json, RuntimeError> {
    let value: Json = match json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            return Err(RuntimeError::Threw {
                message: format!("exthost: the extension's answer cannot be carried: {error}"),
                stack: None,
            });
        }
    };
    if ok {
        return Ok(value);
    }
    let field = |key: &str| {
        value
            .get(key)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match value.get("kind").and_then(Json::as_str) {
        Some("unknownCommand") => Err(RuntimeError::UnknownCommand {
            command: field("command"),
        }),
        Some("load") => Err(RuntimeError::Load {
            module: field("module"),
            reason: field("reason"),
        }),
        _ => Err(RuntimeError::Threw {
            message: field("message"),
            stack: value.get("stack").and_then(Json::as_str).map(str::to_owned),
        }),
    }
}

/// Turns an operation named by `bootstrap.js` and its JSON payload into a [`HostRequest`], through
/// [`HostOperation`] (the one parser). The operations a QuickJS runtime answers itself (the workspace
/// files, the machine id) have functions of their own on `native`, so they are refused here.
pub(crate) fn host_request(kind: &str, payload: &str) -> Result<HostRequest, HostCallError> {
    // The host's own depth limit first: a deeper payload is refused, never parsed recursively.
    let payload: Json = json::from_str(payload)
        .map_err(|error| HostCallError::invalid_request(format!("{kind}: {error}")))?;
    HostRequest::try_from(HostOperation::from_kind(kind, payload)?).map_err(|local| {
        HostCallError::unsupported(format!(
            "exthost: {} is not a host operation in QuickJS",
            local.name()
        ))
    })
}

/// Throws `error` into JS as an `Error` whose `code` is its kind (`notFound`, `noPermissions`, …) and, for
/// a cancellation, whose `name` is `Canceled` (VS Code's `CancellationError`).
pub(crate) fn throw_host_error(ctx: &Ctx<'_>, error: &HostCallError) -> rquickjs::Error {
    match host_error_value(ctx, error) {
        Ok(value) => ctx.throw(value),
        Err(failure) => failure,
    }
}

/// The JS `Error` for `error` (see [`throw_host_error`]).
pub(crate) fn host_error_value<'js>(
    ctx: &Ctx<'js>,
    error: &HostCallError,
) -> rquickjs::Result<Value<'js>> {
    let exception = Exception::from_message(ctx.clone(), &error.message)?;
    exception.as_object().set("code", error.kind.as_str())?;
    if error.kind == HostCallErrorKind::Cancelled {
        exception.as_object().set("name", "Canceled")?;
    }
    Ok(exception.into_value())
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Waits on this thread for `future` until `deadline`; `None` when the deadline passed first. Used by
/// the blocking host operations (`extensions.getExtension` is synchronous in VS Code): each extension has
/// its own thread, and the host answers from its own tasks, so blocking here stalls nobody else.
pub(crate) fn wait_blocking<F: Future + Unpin>(future: F, deadline: Instant) -> Option<F::Output> {
    // `unconstrained`: tokio's cooperative budget must not make a ready answer look pending.
    let mut future = tokio::task::unconstrained(future);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut context = TaskContext::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = Pin::new(&mut future).poll(&mut context) {
            return Some(output);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        std::thread::park_timeout(deadline - now);
    }
}
