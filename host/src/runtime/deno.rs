//! The Deno engine: each extension runs in a `deno` process of its own (V8, full `Intl`, Node's built-in
//! modules), spoken to over a private pipe — the child's stdin and stdout, never the editor's.
//!
//! The host writes newline-delimited JSON requests to the child's stdin and reads its messages from the
//! child's stdout (each line the bootstrap writes starts with [`MARK`], so what extension code prints is
//! logged, not parsed). Synchronous host operations (`extensions.getExtension`, the session snapshot, …)
//! are answered on a second private pipe, a FIFO in a private folder, which the child reads blocking.
//! `deno/bootstrap.js` runs the same `vscode` shim source as the QuickJS engine over the same host
//! operations (see `quickjs/native.rs::host_request`).
//!
//! Limits: the heap limit is V8's `--max-old-space-size`; every request's deadline is kept here, on the
//! host's side, and a request past it kills the process (so the CPU comes back) and fails that extension
//! only; an idle runtime is pinged every `call_timeout` so that a runaway timer is caught too. A process
//! that dies fails its extension with the reason (exit status and the last lines of its stderr).
//!
//! Isolation: the process runs with Deno's permission flags computed by [`crate::permissions`] — read
//! access to its own folder, the other extensions' folders and the workspace, write access to its storage
//! folder, an environment filtered to a few variables, and nothing else unless granted. A process or
//! network access Deno refuses is put to the user (`window/showMessageRequest`); when the user grants it,
//! the extension's process is replaced by one started with the widened flags (the old one deactivated
//! first, so its registrations are disposed) and the extension is activated again, so the user's next
//! action works. A denial that fails `activate` itself holds `activate`'s answer while the user is asked
//! (`HeldActivation`): a grant's restart activates again and that answers, a refusal answers the denial.
//! `child_process.fork` starts its Deno child with this process's own flags, never more.

pub mod locate;

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot};

use super::js_files::{CORE_FILES, SHIM_FILES};
use super::quickjs::native::{host_request, machine_id, settlement};
use super::quickjs::resolve::is_es_module;
use super::quickjs::workspace_fs::{BoundarySource, WorkspaceFiles};
use super::{
    Engine, HostCall, HostCallError, HostOperation, HostRequest, HostSender, HostWaitClock,
    HostWaitGuard, LaunchSpec, LogLevel, RuntimeError, RuntimeHandle, RuntimeInbox, RuntimeRequest,
};
use crate::permissions::{Access, ENVIRONMENT_KEPT, PermissionContext, Permissions};

/// The start of every line the bootstrap writes for the host.
const MARK: &str = "\u{1e}exthost:";

/// The Deno-side transport glue: after the bootstrap core ([`CORE_FILES`]), followed by the shim files.
const BOOTSTRAP: &str = include_str!("deno/bootstrap.js");

/// How many lines of the child's stderr are kept to explain its death.
const STDERR_TAIL_LINES: usize = 20;

/// How long a synchronous host operation may wait when no request deadline is armed.
const FALLBACK_HOST_WAIT: Duration = Duration::from_secs(30);

/// The Deno engine ([`Engine::name`] `"deno"`).
#[derive(Debug, Clone, Default)]
pub struct DenoEngine {
    program: Option<PathBuf>,
}

impl DenoEngine {
    /// An engine using the `deno` that [`locate::find_deno`] finds (`EXTHOST_DENO`, `PATH`, then
    /// `$EXTHOST_HOME/deno`); without one, every launch fails with how to install it.
    pub fn new() -> Self {
        Self {
            program: locate::find_deno(),
        }
    }

    /// An engine using `program` (`None`: Deno is not available).
    pub fn with_program(program: Option<PathBuf>) -> Self {
        Self { program }
    }

    /// Whether a `deno` executable was found.
    pub fn is_available(&self) -> bool {
        self.program.is_some()
    }

    /// The `deno` executable this engine runs.
    pub fn program(&self) -> Option<&Path> {
        self.program.as_deref()
    }
}

impl Engine for DenoEngine {
    fn name(&self) -> &'static str {
        "deno"
    }

    fn is_available(&self) -> bool {
        DenoEngine::is_available(self)
    }

    fn launch(&self, spec: LaunchSpec, host: HostSender) -> Result<RuntimeHandle, RuntimeError> {
        let Some(program) = self.program.clone() else {
            return Err(RuntimeError::Load {
                module: "deno".to_owned(),
                reason: locate::NOT_FOUND.to_owned(),
            });
        };
        let (handle, requests) = RuntimeHandle::channel();
        // The shim reports when the extension starts listening to document changes.
        handle.listen_to_document_changes(false);
        let host_waits = Arc::clone(handle.host_waits());
        let module = spec.entry.display().to_string();
        std::thread::Builder::new()
            .name(format!("deno:{}", spec.extension_id))
            .spawn(move || run_thread(program, spec, host, requests, host_waits))
            .map_err(|error| RuntimeError::Load {
                module,
                reason: format!("cannot start the extension's thread: {error}"),
            })?;
        Ok(handle)
    }
}

/// The body of the thread that drives one Deno process.
fn run_thread(
    program: PathBuf,
    spec: LaunchSpec,
    host: HostSender,
    mut requests: RuntimeInbox,
    host_waits: Arc<HostWaitClock>,
) {
    let extension_id = spec.extension_id.clone();
    let panic_host = host.clone();
    let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let executor = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(executor) => executor,
            Err(error) => {
                tracing::error!(extension = %spec.extension_id, %error, "cannot start the Deno driver");
                return;
            }
        };
        executor.block_on(async move {
            let started = Instant::now();
            let mut process = match DenoProcess::start(&program, &spec, host.clone(), &host_waits).await {
                Ok(process) => process,
                Err(error) => {
                    tracing::error!(extension = %spec.extension_id, %error, "cannot start Deno");
                    while let Some((_, reply)) = requests.recv().await {
                        let _ = reply.send(Err(error.clone()));
                    }
                    return;
                }
            };
            tracing::debug!(
                extension = %spec.extension_id,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "Deno runtime ready"
            );
            loop {
                match process.run(&mut requests).await {
                    Ok(Flow::Finished) => break,
                    Ok(Flow::Restart) => {
                        let active = process.activated;
                        // An `activate` a denial failed, held for the user's answer: it runs again.
                        let held = process.held_activation.take();
                        // What was asked once is not asked again after the restart (nor while the
                        // old process retires: its calls in flight may still be denied).
                        let asked = process.asked.clone();
                        process.retire().await;
                        process = match DenoProcess::start(&program, &spec, host.clone(), &host_waits).await {
                            Ok(process) => process,
                            Err(error) => {
                                tracing::warn!(extension = %spec.extension_id, %error, "cannot restart Deno with the grant");
                                match held {
                                    // The activation's answer is the failure.
                                    Some(held) => {
                                        let _ = held.reply.send(Err(error.clone()));
                                    }
                                    None => {
                                        let _ = host.send(HostCall {
                                            from: spec.extension_id.clone(),
                                            request: HostRequest::Crashed {
                                                error: error.clone(),
                                            },
                                            reply: None,
                                        });
                                    }
                                }
                                requests.close();
                                while let Some((_, reply)) = requests.recv().await {
                                    let _ = reply.send(Err(error.clone()));
                                }
                                return;
                            }
                        };
                        tracing::info!(extension = %spec.extension_id, "Deno restarted with the user's grant");
                        process.asked = asked;
                        if let Some(held) = held {
                            // The lifecycle's `activate` is answered by this activation; from here on
                            // the time is the extension's again (the guard ends with `held`).
                            process.activate_again(held.reply, held.remaining);
                        } else if active && let Err(error) = process.reactivate().await {
                            tracing::warn!(extension = %spec.extension_id, %error, "the extension failed to activate again after the grant");
                            process.notify(HostRequest::Crashed { error });
                            break;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(extension = %spec.extension_id, %error, "the Deno runtime stopped");
                        process.stop(error);
                        break;
                    }
                }
            }
            requests.close();
            process.shutdown().await;
        });
    }));
    if let Err(panic) = served {
        crate::runtime::report_panic(&panic_host, extension_id, panic.as_ref());
    }
}

/// The bootstrap and the shim as one file, written once per process under the temporary folder (its
/// name carries a digest of its content, so differing builds never share one).
fn bootstrap_file() -> Result<&'static Path, RuntimeError> {
    static FILE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FILE.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        // The core both engines run, each module a strict function of the object they share (as in
        // QuickJS), then this engine's glue, then the shim.
        // The glue runs in a function of its own, so that its names (primordials named as globals) are
        // not the module's.
        let mut source = String::from("const exthostCore = {};\nconst SHIM_FILES = [];\n");
        for (name, text) in CORE_FILES {
            source.push_str(&format!(
                "// exthost:{name}\n(function (core) {{'use strict';{text}\n}})(exthostCore);\n"
            ));
        }
        source.push_str(&format!(
            "// exthost:deno/bootstrap.js\n(function () {{{BOOTSTRAP}\n}})();\n"
        ));
        for (name, text) in SHIM_FILES {
            source.push_str(&format!(
                "\n// exthost:vscode-shim/src/{name}\nSHIM_FILES.push(function (shim, host) {{{text}\n}});\n"
            ));
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        source.hash(&mut hasher);
        let folder = private_base().join("bootstrap");
        std::fs::create_dir_all(&folder)
            .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
        let file = folder.join(format!("bootstrap-{:016x}.cjs", hasher.finish()));
        if std::fs::read_to_string(&file).ok().as_deref() != Some(source.as_str()) {
            let partial = folder.join(format!("bootstrap-{}.partial", std::process::id()));
            std::fs::write(&partial, &source)
                .and_then(|()| std::fs::rename(&partial, &file))
                .map_err(|error| format!("cannot write {}: {error}", file.display()))?;
        }
        Ok(file)
    })
    .as_ref()
    .map(PathBuf::as_path)
    .map_err(|reason| RuntimeError::Load {
        module: "exthost:deno-bootstrap".to_owned(),
        reason: reason.clone(),
    })
}

/// The folder of this user's private files for the Deno engine (mode 0700).
fn private_base() -> PathBuf {
    // SAFETY: getuid has no preconditions and cannot fail.
    let user = unsafe { libc::getuid() };
    let base = std::env::temp_dir().join(format!("exthost-deno-{user}"));
    let _ = std::fs::create_dir_all(&base);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o700));
    }
    base
}

/// A private folder for one process (removed when dropped), holding the synchronous channel's FIFO.
struct PrivateFolder(PathBuf);

impl PrivateFolder {
    fn create(extension_id: &str) -> Result<Self, String> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let serial = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name: String = extension_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let folder = private_base().join(format!("{}-{serial}-{name}", std::process::id()));
        std::fs::create_dir_all(&folder)
            .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
        Ok(Self(folder))
    }

    /// Makes a FIFO named `name` in the folder.
    fn fifo(&self, name: &str) -> Result<PathBuf, String> {
        use std::os::unix::ffi::OsStrExt;
        let path = self.0.join(name);
        let text = std::ffi::CString::new(path.as_os_str().as_bytes())
            .map_err(|_| format!("{} contains a NUL byte", path.display()))?;
        // SAFETY: `text` is a valid NUL-terminated path that outlives the call.
        if unsafe { libc::mkfifo(text.as_ptr(), 0o600) } != 0 {
            return Err(format!(
                "cannot create the FIFO {}: {}",
                path.display(),
                std::io::Error::last_os_error()
            ));
        }
        Ok(path)
    }
}

impl Drop for PrivateFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A request whose answer has not come back.
struct InFlight {
    /// `None` for the host's own pings.
    reply: Option<oneshot::Sender<Result<Json, RuntimeError>>>,
    deadline: Instant,
    limit: Duration,
    during: String,
}

impl InFlight {
    fn time_limit(&self) -> RuntimeError {
        RuntimeError::TimeLimit {
            limit: self.limit,
            during: self.during.clone(),
        }
    }
}

/// An `activate` that a permission denial failed, held while the user is asked: a grant restarts the
/// process with it and activates again (that activation answers the lifecycle); a refusal, or no answer
/// in time, answers this error.
struct HeldActivation {
    reply: oneshot::Sender<Result<Json, RuntimeError>>,
    /// What the user is asked for.
    access: Access,
    /// The activation's own error (the answer on a refusal).
    error: RuntimeError,
    /// What was left of the activation's time limit when the denial came: the second activation runs
    /// within it, so `activate`'s running time stays within its limit.
    remaining: Duration,
    /// The wait for the user and the restart are the host's time, not the extension's (the lifecycle's
    /// limit on `activate` pauses meanwhile).
    _waiting: HostWaitGuard,
}

/// Why [`DenoProcess::run`] returned.
enum Flow {
    /// The handle was dropped: the runtime is finished.
    Finished,
    /// The user granted a permission: start the process again with it.
    Restart,
}

/// What the child says, one line at a time.
enum Incoming {
    Line(String),
    Closed,
}

/// One running Deno process and the state of its conversation.
struct DenoProcess {
    extension_id: String,
    root: PathBuf,
    entry: PathBuf,
    limits: super::Limits,
    host: HostSender,
    child: tokio::process::Child,
    to_child: mpsc::UnboundedSender<String>,
    sync_channel: tokio::net::unix::pipe::Sender,
    from_child: mpsc::UnboundedReceiver<Incoming>,
    completions: mpsc::UnboundedReceiver<(u64, Result<Json, HostCallError>)>,
    completions_sender: mpsc::UnboundedSender<(u64, Result<Json, HostCallError>)>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    in_flight: HashMap<u64, InFlight>,
    next_request: u64,
    last_activity: Instant,
    workspace: WorkspaceFiles,
    /// The extension's name, for questions to the user.
    name: String,
    /// The grants already asked for in this process.
    asked: std::collections::HashSet<crate::permissions::Access>,
    /// The user's answers (the access, whether granted); a grant restarts the process with it.
    answers: mpsc::UnboundedReceiver<(Access, bool)>,
    answers_sender: mpsc::UnboundedSender<(Access, bool)>,
    /// The extension's clock of waits on the host, shared with its [`RuntimeHandle`].
    host_waits: Arc<HostWaitClock>,
    /// An `activate` failed by a denial the user is being asked about.
    held_activation: Option<HeldActivation>,
    /// Whether a restart is activating the extension again by itself (its denial is not held).
    reactivating: bool,
    /// The id of the `activate` request, until it settles.
    activation: Option<u64>,
    /// Whether `activate` succeeded in this process (a restart activates again).
    activated: bool,
    /// Dropped after the child is gone.
    _folder: PrivateFolder,
}

impl DenoProcess {
    /// Starts `deno run` on the bootstrap with the extension's permissions and waits until the shim is
    /// loaded.
    async fn start(
        program: &Path,
        spec: &LaunchSpec,
        host: HostSender,
        host_waits: &Arc<HostWaitClock>,
    ) -> Result<Self, RuntimeError> {
        let load_error = |reason: String| RuntimeError::Load {
            module: "deno".to_owned(),
            reason,
        };
        let root = spec
            .extension_path
            .canonicalize()
            .map_err(|error| RuntimeError::Load {
                module: spec.extension_path.display().to_string(),
                reason: format!("cannot open the extension's folder: {error}"),
            })?;
        let bootstrap = bootstrap_file()?;
        let folder = PrivateFolder::create(&spec.extension_id).map_err(load_error)?;
        let sync_path = folder.fifo("sync").map_err(load_error)?;
        // ES modules `import … from 'vscode'`: the import map names a module the bootstrap writes.
        let vscode_module = folder.0.join("vscode.mjs");
        let import_map = folder.0.join("import-map.json");
        let map = json!({"imports": {"vscode": format!("file://{}", vscode_module.display())}});
        std::fs::write(&import_map, map.to_string()).map_err(|error| {
            load_error(format!("cannot write {}: {error}", import_map.display()))
        })?;
        // Opened read-write so that opening never blocks and the child's open finds a writer.
        let sync_channel = tokio::net::unix::pipe::OpenOptions::new()
            .read_write(true)
            .open_sender(&sync_path)
            .map_err(|error| load_error(format!("cannot open {}: {error}", sync_path.display())))?;

        let snapshot = ask(&host, &spec.extension_id, HostRequest::Snapshot)
            .await
            .unwrap_or(Json::Null);
        let extensions = ask(&host, &spec.extension_id, HostRequest::AllExtensions)
            .await
            .unwrap_or(Json::Null);
        let context =
            PermissionContext::from_session(&spec.extension_id, &root, &snapshot, &extensions);
        let permissions =
            Permissions::for_extension(&spec.package_json, &snapshot, &spec.extension_id);
        let mut readable = vec![bootstrap.to_path_buf(), folder.0.clone()];
        readable.extend(context.readable(&permissions));
        let mut writable = context.writable(&permissions);
        for folder in &writable {
            let _ = std::fs::create_dir_all(folder);
        }
        writable.push(vscode_module.clone());
        let heap_flag = format!(
            "--v8-flags=--max-old-space-size={}",
            (spec.limits.memory_bytes / (1024 * 1024)).max(8)
        );
        let permission_flags = crate::permissions::deno_flags(&readable, &writable, &permissions);
        // `child_process.fork` runs Deno again: with these flags, never Deno's default `-A`.
        let mut fork_arguments: Vec<String> =
            ["run", "--quiet", "--no-prompt", "--no-config", "--no-lock"]
                .map(str::to_owned)
                .to_vec();
        fork_arguments.push(heap_flag.clone());
        fork_arguments.extend(permission_flags.iter().cloned());

        let mut command = tokio::process::Command::new(program);
        command
            .arg("run")
            .arg("--quiet")
            .arg("--no-prompt")
            .arg("--no-config")
            .arg("--no-lock")
            .arg(&heap_flag)
            .arg(format!("--import-map={}", import_map.display()))
            .args(&permission_flags)
            .arg(bootstrap)
            .env_clear()
            .envs(
                ENVIRONMENT_KEPT
                    .iter()
                    .filter_map(|key| std::env::var_os(key).map(|value| (*key, value))),
            )
            .env("NO_COLOR", "1")
            .env("DENO_NO_UPDATE_CHECK", "1")
            .env("DENO_NO_PROMPT", "1")
            .env("DENO_DIR", private_base().join("cache"))
            .current_dir(&root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        tracing::debug!(extension = %spec.extension_id, ?command, "starting Deno");
        let mut child = command
            .spawn()
            .map_err(|error| load_error(format!("cannot run {}: {error}", program.display())))?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(load_error("the Deno process has no pipes".to_owned()));
        };

        let (to_child, outgoing) = mpsc::unbounded_channel::<String>();
        tokio::spawn(write_lines(stdin, outgoing));
        let (incoming, from_child) = mpsc::unbounded_channel();
        tokio::spawn(read_lines(stdout, incoming));
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        tokio::spawn(read_stderr(
            stderr,
            stderr_tail.clone(),
            spec.extension_id.clone(),
        ));
        let (completions_sender, completions) = mpsc::unbounded_channel();
        let (answers_sender, answers) = mpsc::unbounded_channel();
        let mut process = Self {
            extension_id: spec.extension_id.clone(),
            root: root.clone(),
            entry: spec.entry.clone(),
            limits: spec.limits,
            host,
            child,
            to_child,
            sync_channel,
            from_child,
            completions,
            completions_sender,
            stderr_tail,
            in_flight: HashMap::new(),
            next_request: 1,
            last_activity: Instant::now(),
            workspace: WorkspaceFiles::new(root.clone()),
            name: crate::permissions::display_name(&spec.package_json, &spec.extension_id),
            asked: std::collections::HashSet::new(),
            answers,
            answers_sender,
            host_waits: Arc::clone(host_waits),
            held_activation: None,
            reactivating: false,
            activation: None,
            activated: false,
            _folder: folder,
        };
        process.send(&json!({
            "type": "init",
            "spec": {
                "id": spec.extension_id,
                "extensionPath": root,
                "packageJSON": spec.package_json,
                "development": spec.development,
                "vscodeVersion": crate::config::VSCODE_API_VERSION,
            },
            "syncPipe": sync_path,
            "vscodeModule": vscode_module,
            "forkArguments": fork_arguments,
        }));
        process.wait_ready().await?;
        Ok(process)
    }

    /// Waits for the bootstrap's `ready` (the shim is loaded), serving its host operations meanwhile.
    async fn wait_ready(&mut self) -> Result<(), RuntimeError> {
        let deadline = Instant::now() + self.limits.activate_timeout;
        loop {
            let line = tokio::time::timeout_at(deadline.into(), self.from_child.recv()).await;
            match line {
                Err(_) => {
                    let _ = self.child.start_kill();
                    return Err(RuntimeError::TimeLimit {
                        limit: self.limits.activate_timeout,
                        during: "starting the runtime".to_owned(),
                    });
                }
                Ok(Some(Incoming::Line(line))) => {
                    if let Some(message) = self.parse(&line)
                        && message.get("type").and_then(Json::as_str) == Some("ready")
                    {
                        return Ok(());
                    } else if let Some(message) = self.parse(&line) {
                        self.handle(message).await?;
                    }
                }
                Ok(Some(Incoming::Closed) | None) => return Err(self.exit_reason().await),
            }
        }
    }

    /// Serves requests until the handle is dropped, a grant asks for a restart, or a fatal error stops
    /// the process.
    async fn run(&mut self, requests: &mut RuntimeInbox) -> Result<Flow, RuntimeError> {
        loop {
            let wake = self.next_wake();
            tokio::select! {
                envelope = requests.recv() => match envelope {
                    Some((request, reply)) => self.start_request(request, Some(reply)),
                    None => return Ok(Flow::Finished),
                },
                Some((access, granted)) = self.answers.recv() => {
                    if granted {
                        return Ok(Flow::Restart);
                    }
                    if self.held_activation.as_ref().is_some_and(|held| held.access == access)
                        && let Some(held) = self.held_activation.take()
                    {
                        // Refused: the activation's answer is its own error.
                        let _ = held.reply.send(Err(held.error));
                    }
                }
                incoming = self.from_child.recv() => match incoming {
                    Some(Incoming::Line(line)) => {
                        self.last_activity = Instant::now();
                        if let Some(message) = self.parse(&line) {
                            self.handle(message).await?;
                        }
                    }
                    Some(Incoming::Closed) | None => return Err(self.exit_reason().await),
                },
                Some((call, outcome)) = self.completions.recv() => {
                    let message = match outcome {
                        Ok(value) => json!({"type": "reply", "id": call, "ok": true, "value": value}),
                        Err(error) => json!({"type": "reply", "id": call, "ok": false, "error": error.message, "code": error.kind}),
                    };
                    self.send(&message);
                }
                () = tokio::time::sleep_until(wake.into()) => self.check_deadlines()?,
            }
        }
    }

    /// Serves the child (its messages and the answers to its host calls) until `answer` arrives or
    /// `deadline` passes; `None` then, or when the child is gone.
    async fn serve_until(
        &mut self,
        mut answer: oneshot::Receiver<Result<Json, RuntimeError>>,
        deadline: Instant,
    ) -> Option<Result<Json, RuntimeError>> {
        loop {
            tokio::select! {
                outcome = &mut answer => return outcome.ok(),
                incoming = self.from_child.recv() => match incoming {
                    Some(Incoming::Line(line)) => {
                        if let Some(message) = self.parse(&line)
                            && self.handle(message).await.is_err()
                        {
                            return None;
                        }
                    }
                    Some(Incoming::Closed) | None => return None,
                },
                Some((call, outcome)) = self.completions.recv() => {
                    let message = match outcome {
                        Ok(value) => json!({"type": "reply", "id": call, "ok": true, "value": value}),
                        Err(error) => json!({"type": "reply", "id": call, "ok": false, "error": error}),
                    };
                    self.send(&message);
                }
                () = tokio::time::sleep_until(deadline.into()) => return None,
            }
        }
    }

    /// Ends this process before its successor with a grant starts: requests in flight are answered
    /// (they ran in the process being replaced), `deactivate` disposes the extension's registrations.
    async fn retire(mut self) {
        for (_, flight) in self.in_flight.drain() {
            if let Some(reply) = flight.reply {
                let _ = reply.send(Err(RuntimeError::Threw {
                    message: format!(
                        "exthost: {} restarted to apply a permission grant",
                        self.extension_id
                    ),
                    stack: None,
                }));
            }
        }
        let (reply, answer) = oneshot::channel();
        self.start_request(RuntimeRequest::Deactivate, Some(reply));
        let deadline = Instant::now() + self.limits.deactivate_timeout;
        if let Some(Err(error)) = self.serve_until(answer, deadline).await {
            tracing::warn!(extension = %self.extension_id, %error, "deactivate before the restart failed");
        }
        self.shutdown().await;
    }

    /// Starts the lifecycle's `activate` again in this (restarted) process, answering `reply`, within
    /// `remaining` of its time limit.
    fn activate_again(
        &mut self,
        reply: oneshot::Sender<Result<Json, RuntimeError>>,
        remaining: Duration,
    ) {
        self.start_request(RuntimeRequest::Activate, Some(reply));
        if let Some(id) = self.activation
            && let Some(flight) = self.in_flight.get_mut(&id)
        {
            flight.deadline = Instant::now() + remaining;
        }
    }

    /// Activates the extension in this (restarted) process, waiting for it before any other request.
    async fn reactivate(&mut self) -> Result<(), RuntimeError> {
        let (reply, answer) = oneshot::channel();
        self.reactivating = true;
        self.start_request(RuntimeRequest::Activate, Some(reply));
        let deadline = Instant::now() + self.limits.activate_timeout;
        let outcome = self.serve_until(answer, deadline).await;
        self.reactivating = false;
        match outcome {
            Some(outcome) => outcome.map(|_| ()),
            None => {
                let _ = self.child.start_kill();
                Err(RuntimeError::TimeLimit {
                    limit: self.limits.activate_timeout,
                    during: "activate (after a permission grant)".to_owned(),
                })
            }
        }
    }

    /// When to look at deadlines next: the earliest request deadline, or the next idle ping.
    fn next_wake(&self) -> Instant {
        self.in_flight
            .values()
            .map(|flight| flight.deadline)
            .min()
            .unwrap_or_else(|| self.last_activity + self.limits.call_timeout)
    }

    /// A request past its deadline is fatal; an idle runtime gets a ping (answered at once by a
    /// responsive process), so that JS spinning in a timer is caught within two call limits.
    fn check_deadlines(&mut self) -> Result<(), RuntimeError> {
        let now = Instant::now();
        if let Some(flight) = self
            .in_flight
            .values()
            .filter(|flight| flight.deadline <= now)
            .min_by_key(|flight| flight.deadline)
        {
            let error = flight.time_limit();
            let _ = self.child.start_kill();
            return Err(error);
        }
        if self.in_flight.is_empty() && self.last_activity + self.limits.call_timeout <= now {
            self.last_activity = now;
            let id = self.next_id();
            self.in_flight.insert(
                id,
                InFlight {
                    reply: None,
                    deadline: now + self.limits.call_timeout,
                    limit: self.limits.call_timeout,
                    during: "a timer or promise callback".to_owned(),
                },
            );
            self.send(&json!({"type": "request", "id": id, "kind": "ping", "payload": null}));
        }
        Ok(())
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next_request;
        self.next_request += 1;
        id
    }

    /// Sends one request to the child and records its deadline.
    fn start_request(
        &mut self,
        request: RuntimeRequest,
        reply: Option<oneshot::Sender<Result<Json, RuntimeError>>>,
    ) {
        let limits = self.limits;
        let (kind, payload, limit, during) = match request {
            RuntimeRequest::Activate => match self.entry_file() {
                Ok(entry) => {
                    let esm = is_es_module(&self.root, &entry);
                    (
                        "activate",
                        json!({ "entry": entry, "esm": esm }),
                        limits.activate_timeout,
                        "activate".to_owned(),
                    )
                }
                Err(error) => {
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(error));
                    }
                    return;
                }
            },
            RuntimeRequest::Deactivate => (
                "deactivate",
                Json::Null,
                limits.deactivate_timeout,
                "deactivate".to_owned(),
            ),
            RuntimeRequest::ExecuteCommand { command, arguments } => {
                let during = format!("command {command}");
                (
                    "executeCommand",
                    json!({ "command": command, "arguments": arguments }),
                    limits.call_timeout,
                    during,
                )
            }
            RuntimeRequest::CallExport { path, arguments } => {
                let during = format!("export {}", path.join("."));
                (
                    "callExport",
                    json!({ "path": path, "arguments": arguments }),
                    limits.call_timeout,
                    during,
                )
            }
            RuntimeRequest::InvokeProvider {
                handle,
                method,
                params,
                token,
            } => {
                let during = format!("provider {method}");
                (
                    "invokeProvider",
                    json!({ "handle": handle, "method": method, "params": params, "token": token }),
                    limits.call_timeout,
                    during,
                )
            }
            RuntimeRequest::Cancel { token } => (
                "cancel",
                json!({ "token": token }),
                limits.call_timeout,
                "cancel".to_owned(),
            ),
            RuntimeRequest::Event { name, payload } => {
                self.workspace.learn_from_event(&name, &payload);
                let during = format!("event {name}");
                (
                    "event",
                    json!({ "name": name, "payload": payload }),
                    limits.call_timeout,
                    during,
                )
            }
        };
        let id = self.next_id();
        if kind == "activate" {
            self.activation = Some(id);
        }
        self.in_flight.insert(
            id,
            InFlight {
                reply,
                deadline: Instant::now() + limit,
                limit,
                during,
            },
        );
        self.send(&json!({"type": "request", "id": id, "kind": kind, "payload": payload}));
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
        if !entry.starts_with(&self.root) {
            return Err(RuntimeError::Load {
                module,
                reason: "the entry is outside the extension's folder".to_owned(),
            });
        }
        Ok(entry)
    }

    fn send(&self, message: &Json) {
        let _ = self.to_child.send(format!("{message}\n"));
    }

    /// A line from the child: the bootstrap's message, or (before or instead of one) output of extension
    /// code, which is logged.
    fn parse(&self, line: &str) -> Option<Json> {
        let (output, message) = match line.find(MARK) {
            Some(start) => (&line[..start], Some(&line[start + MARK.len()..])),
            None => (line, None),
        };
        if !output.trim().is_empty() {
            self.log(LogLevel::Info, output.to_owned());
        }
        let message = message?;
        match serde_json::from_str(message) {
            Ok(message) => Some(message),
            Err(error) => {
                tracing::warn!(extension = %self.extension_id, %error, "unreadable message from Deno");
                None
            }
        }
    }

    fn log(&self, level: LogLevel, message: String) {
        self.notify(HostRequest::Log { level, message });
    }

    fn notify(&self, request: HostRequest) {
        let _ = self.host.send(HostCall {
            from: self.extension_id.clone(),
            request,
            reply: None,
        });
    }

    /// Acts on one message of the bootstrap.
    async fn handle(&mut self, message: Json) -> Result<(), RuntimeError> {
        let text = |key: &str| {
            message
                .get(key)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let payload = || message.get("payload").cloned().unwrap_or(Json::Null);
        match message
            .get("type")
            .and_then(Json::as_str)
            .unwrap_or_default()
        {
            "settle" => {
                let id = message.get("id").and_then(Json::as_u64).unwrap_or_default();
                let ok = message.get("ok").and_then(Json::as_bool).unwrap_or(false);
                let value = message.get("value").cloned().unwrap_or(Json::Null);
                let outcome = settlement(ok, &value.to_string());
                let activation = self.activation == Some(id);
                if activation {
                    self.activation = None;
                    self.activated = outcome.is_ok();
                }
                let asking = match &outcome {
                    Err(error) => self.offer_grant(error),
                    Ok(_) => None,
                };
                let outcome = outcome
                    .map_err(|error| crate::permissions::explain_denial(&self.extension_id, error));
                if let Some(flight) = self.in_flight.remove(&id)
                    && let Some(reply) = flight.reply
                {
                    match (outcome, asking) {
                        // `activate` failed on what the user is now asked for: its answer waits for
                        // theirs (a grant activates again with it).
                        (Err(error), Some(access)) if activation && !self.reactivating => {
                            self.held_activation = Some(HeldActivation {
                                reply,
                                access,
                                error,
                                remaining: flight
                                    .deadline
                                    .saturating_duration_since(Instant::now()),
                                _waiting: self.host_waits.begin(),
                            });
                        }
                        (outcome, _) => {
                            let _ = reply.send(outcome);
                        }
                    }
                }
            }
            "log" => {
                let level = LogLevel::from_name_or_info(&text("level"));
                self.log(level, text("message"));
            }
            "notify" => match host_request(&text("kind"), &payload().to_string()) {
                Ok(request) => self.notify(request),
                Err(error) => self.log(LogLevel::Error, error.message),
            },
            "call" => {
                let id = message.get("id").and_then(Json::as_u64).unwrap_or_default();
                let completions = self.completions_sender.clone();
                match host_request(&text("kind"), &payload().to_string()) {
                    Ok(request) => {
                        let host = self.host.clone();
                        let from = self.extension_id.clone();
                        tokio::spawn(async move {
                            let outcome = ask(&host, &from, request).await;
                            let _ = completions.send((id, outcome));
                        });
                    }
                    Err(error) => {
                        let _ = completions.send((id, Err(error)));
                    }
                }
            }
            "callSync" => {
                let outcome = self.call_sync(&text("kind"), payload()).await?;
                let answer = match outcome {
                    Ok(value) => json!({"ok": true, "value": value}),
                    Err(error) => json!({"ok": false, "error": error.message, "code": error.kind}),
                };
                let line = format!("{answer}\n");
                if let Err(error) = self.sync_channel.write_all(line.as_bytes()).await {
                    tracing::warn!(extension = %self.extension_id, %error, "cannot answer Deno");
                }
            }
            "ready" => {}
            other => {
                tracing::warn!(extension = %self.extension_id, kind = other, "unknown message from Deno")
            }
        }
        Ok(())
    }

    /// After a denied process or network access: asks the user (once per program or host and run)
    /// whether to grant it; a grant restarts the process with it ([`Flow::Restart`]). Answers what is
    /// asked for, when a question was put.
    fn offer_grant(&mut self, error: &RuntimeError) -> Option<Access> {
        let RuntimeError::Threw { message, .. } = error else {
            return None;
        };
        let access = crate::permissions::denied_access(message)?;
        if crate::permissions::was_denied(&self.extension_id, &access)
            || !self.asked.insert(access.clone())
        {
            return None;
        }
        let request = crate::permissions::question_request(&self.name, &access);
        let host = self.host.clone();
        let id = self.extension_id.clone();
        let timeout = self.limits.permission_question_timeout;
        let answers = self.answers_sender.clone();
        let asked = access.clone();
        tokio::spawn(async move {
            let outcome = tokio::time::timeout(timeout, ask(&host, &id, request))
                .await
                .ok()
                .map(|answer| answer.map_err(|error| error.to_string()));
            let granted = crate::permissions::settle_answer(&id, &asked, outcome);
            let _ = answers.send((asked, granted));
        });
        Some(access)
    }

    /// A synchronous host operation: the workspace files and the machine id here, the rest by the host
    /// (within the earliest request deadline: past it, the process is stopped).
    async fn call_sync(
        &mut self,
        kind: &str,
        payload: Json,
    ) -> Result<Result<Json, HostCallError>, RuntimeError> {
        let operation = match parse_operation(kind, &payload) {
            Ok(operation) => operation,
            Err(error) => return Ok(Err(error)),
        };
        let request = match HostRequest::try_from(operation) {
            Ok(request) => request,
            // What this engine answers itself: the machine id and the workspace files.
            Err(local) => {
                let outcome = match local {
                    HostOperation::MachineId => Ok(Json::String(machine_id())),
                    HostOperation::FsStat { path } => self.workspace.stat(&path),
                    HostOperation::FsReadFile { path } => self
                        .workspace
                        .read(&path)
                        .map(|bytes| Json::String(base64(&bytes))),
                    HostOperation::FsReadDirectory { path } => self.workspace.read_directory(&path),
                    HostOperation::FsFindFiles { query } => {
                        self.workspace.find_files(&Json::Object(query).to_string())
                    }
                    other => {
                        return Ok(Err(HostCallError::unsupported(format!(
                            "exthost: {} is not a host operation in Deno",
                            other.name()
                        ))));
                    }
                };
                return Ok(outcome.map_err(HostCallError::from));
            }
        };
        let flight = self
            .in_flight
            .values()
            .filter(|flight| flight.reply.is_some())
            .min_by_key(|flight| flight.deadline);
        let (deadline, error) = match flight {
            Some(flight) => (flight.deadline, flight.time_limit()),
            None => (
                Instant::now() + FALLBACK_HOST_WAIT,
                RuntimeError::TimeLimit {
                    limit: FALLBACK_HOST_WAIT,
                    during: format!("waiting for the host to answer {kind}"),
                },
            ),
        };
        let boundary = BoundarySource::of(&request);
        match tokio::time::timeout_at(
            deadline.into(),
            ask(&self.host, &self.extension_id, request),
        )
        .await
        {
            Ok(outcome) => {
                // The host's own answer, before the child sees it, is what bounds `workspace.fs`.
                if let (Some(source), Ok(value)) = (boundary, &outcome) {
                    self.workspace.learn_from_answer(source, value);
                }
                Ok(outcome)
            }
            Err(_) => {
                let _ = self.child.start_kill();
                Err(error)
            }
        }
    }

    /// Why the child stopped talking: waits for it and reads what it left on stderr.
    async fn exit_reason(&mut self) -> RuntimeError {
        let status = tokio::time::timeout(Duration::from_secs(2), self.child.wait()).await;
        // Let the stderr reader drain what the child wrote last.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let tail: Vec<String> = self
            .stderr_tail
            .lock()
            .map(|tail| tail.iter().cloned().collect())
            .unwrap_or_default();
        let tail = tail.join("\n");
        if tail.contains("out of memory") || tail.contains("heap limit") {
            return RuntimeError::MemoryLimit {
                limit_bytes: self.limits.memory_bytes,
            };
        }
        let status = match status {
            Ok(Ok(status)) => status.to_string(),
            Ok(Err(error)) => error.to_string(),
            Err(_) => "still running".to_owned(),
        };
        RuntimeError::EngineExited {
            reason: if tail.is_empty() {
                format!("the Deno process ended ({status})")
            } else {
                format!("the Deno process ended ({status}): {tail}")
            },
        }
    }

    /// After a fatal error: every in-flight request gets it; when nobody was waiting, the host is told
    /// with `Crashed`.
    fn stop(&mut self, error: RuntimeError) {
        let mut told = false;
        if let Some(held) = self.held_activation.take() {
            told |= held.reply.send(Err(error.clone())).is_ok();
        }
        for (_, flight) in self.in_flight.drain() {
            if let Some(reply) = flight.reply {
                told |= reply.send(Err(error.clone())).is_ok();
            }
        }
        if !told {
            self.notify(HostRequest::Crashed { error });
        }
    }

    /// Ends the child (closing its stdin first, so a healthy one exits by itself).
    async fn shutdown(mut self) {
        drop(self.to_child);
        if tokio::time::timeout(Duration::from_millis(500), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
    }
}

/// Sends a request to the host and waits for its answer.
async fn ask(host: &HostSender, from: &str, request: HostRequest) -> Result<Json, HostCallError> {
    let (reply, answer) = oneshot::channel();
    host.send(HostCall {
        from: from.to_owned(),
        request,
        reply: Some(reply),
    })
    .map_err(|_| HostCallError::unavailable("exthost: the host has gone away"))?;
    match answer.await {
        Ok(outcome) => outcome,
        Err(_) => Err(HostCallError::unavailable(
            "exthost: the host dropped the request",
        )),
    }
}

/// Parses a synchronous operation of the bootstrap (its name and fields) with [`HostOperation`], within
/// the host's depth limit.
fn parse_operation(kind: &str, payload: &Json) -> Result<HostOperation, HostCallError> {
    let payload = exthost_protocol::json::from_str(&payload.to_string())
        .map_err(|error| HostCallError::invalid_request(format!("{kind}: {error}")))?;
    HostOperation::from_kind(kind, payload)
}

async fn write_lines(
    mut stdin: tokio::process::ChildStdin,
    mut lines: mpsc::UnboundedReceiver<String>,
) {
    while let Some(line) = lines.recv().await {
        if stdin.write_all(line.as_bytes()).await.is_err() {
            break;
        }
    }
}

async fn read_lines(stdout: tokio::process::ChildStdout, lines: mpsc::UnboundedSender<Incoming>) {
    let mut reader = BufReader::new(stdout);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buffer)
                    .trim_end_matches('\n')
                    .to_owned();
                if lines.send(Incoming::Line(line)).is_err() {
                    return;
                }
            }
        }
    }
    let _ = lines.send(Incoming::Closed);
}

async fn read_stderr(
    stderr: tokio::process::ChildStderr,
    tail: Arc<Mutex<VecDeque<String>>>,
    extension_id: String,
) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::warn!(extension = %extension_id, "deno: {line}");
        if let Ok(mut tail) = tail.lock() {
            if tail.len() == STDERR_TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    }
}

/// Standard base64 (with padding), for file contents sent to the child.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let value = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        for index in 0..4 {
            if index <= chunk.len() {
                text.push(ALPHABET[((value >> (18 - 6 * index)) & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Limits;

    /// Launches `main.js` (written to a temporary folder) in Deno with a host that answers every
    /// operation with `null`; `None` when no `deno` is found.
    fn launch(source: &str, limits: Limits) -> Option<(RuntimeHandle, tempfile::TempDir)> {
        let engine = DenoEngine::new();
        if !engine.is_available() {
            eprintln!("skipped: no deno (set EXTHOST_DENO)");
            return None;
        }
        let folder = tempfile::tempdir().expect("tempdir");
        std::fs::write(folder.path().join("main.js"), source).expect("write");
        let spec = LaunchSpec {
            extension_id: "test.deno".to_owned(),
            extension_path: folder.path().to_path_buf(),
            entry: folder.path().join("main.js"),
            package_json: json!({"name": "deno", "publisher": "test", "version": "1.0.0"}),
            limits,
            development: false,
        };
        let (host, mut calls) = mpsc::unbounded_channel::<HostCall>();
        tokio::spawn(async move {
            while let Some(call) = calls.recv().await {
                if let Some(reply) = call.reply {
                    let _ = reply.send(Ok(Json::Null));
                }
            }
        });
        let handle = engine.launch(spec, host).expect("launch");
        // No lifecycle notes the shim's listener reports here: every event goes straight through.
        handle.listen_to_document_changes(true);
        Some((handle, folder))
    }

    #[tokio::test]
    async fn runs_an_extension_with_node_modules_and_intl_and_stops_a_loop() {
        let source = r#"
            const vscode = require('vscode');
            const os = require('os');
            exports.activate = (context) => {
              context.subscriptions.push(vscode.commands.registerCommand('t.run', (a) =>
                [a, os.EOL, new Intl.Collator('en', { sensitivity: 'base' }).compare('a', 'A'),
                 Array.from(new Intl.Segmenter('en', { granularity: 'word' }).segment('hi there')).length]));
              context.subscriptions.push(vscode.commands.registerCommand('t.loop', () => { for (;;) {} }));
              return { ready: true };
            };
        "#;
        let limits = Limits {
            call_timeout: Duration::from_millis(500),
            ..Limits::default()
        };
        let Some((handle, _folder)) = launch(source, limits) else {
            return;
        };
        let exports = handle
            .call(RuntimeRequest::Activate)
            .await
            .expect("activate");
        assert_eq!(exports, json!({"ready": true}));
        let answer = handle
            .call(RuntimeRequest::ExecuteCommand {
                command: "t.run".into(),
                arguments: vec![json!(7)],
            })
            .await
            .expect("command");
        assert_eq!(answer, json!([7, "\n", 0, 3]));
        let started = Instant::now();
        let error = handle
            .call(RuntimeRequest::ExecuteCommand {
                command: "t.loop".into(),
                arguments: vec![],
            })
            .await
            .expect_err("the loop is stopped");
        assert!(matches!(error, RuntimeError::TimeLimit { .. }), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(3));
        let after = handle.call(RuntimeRequest::Deactivate).await;
        assert!(
            after.is_err(),
            "the runtime is gone after a broken limit: {after:?}"
        );
    }

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("hello, wörld", "aGVsbG8sIHfDtnJsZA=="),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
    }
}
