//! The supervisor (contract §8): `exthost serve` owns the editor's stdio and runs every extension in a
//! worker process — the same binary's hidden `worker` subcommand, which is the in-process server over
//! private pipes. No extension code runs here.
//!
//! Frames pass through both ways. On the way, the supervisor keeps the replay record ([`SessionState`]:
//! `initialize` params, open documents, settings, workspace folders, the active editor, enable/disable
//! choices, fired events, and the extensions the worker reported enabled), the editor's requests in flight
//! and the worker's requests to the editor (renumbered, so a late answer meant for a dead worker is
//! dropped). When a worker dies it is restarted and brought back to the same state by replaying the
//! record; `exthost/restartHost` does the same deliberately. Workers mark which extension's code runs
//! ([`marks`]): an extension found running at two crashes is quarantined. A ping every second finds a
//! worker whose extension holds it.

mod backlog;
pub mod marks;
mod worker;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use exthost_protocol::error_code;
use exthost_protocol::{
    ContentLengthCodec, Id, Message, Notification, Request, Response, ResponseError,
    ResponsePayload,
};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, FramedWrite};

use crate::config::InitializationOptions;
use crate::session::{OpenDocument, SessionState};
use crate::state_store::StateStore;
use crate::to_proto;
use ls_types::TextDocumentContentChangeEvent;
use worker::{Worker, WorkerEvent};

/// The private request the supervisor pings a worker with; the worker's reader loop answers it at once.
pub const PING_METHOD: &str = "$/exthost/supervisorPing";

/// The worker's private notification asking for its own replacement (`{reason, detail?, enabled?,
/// disabled?}`): development mode sends it when a `--dev` native extension's library was rebuilt (reason
/// `libraryRebuilt`), since a loaded library cannot be unloaded from a running process; the manager's
/// `exthost/restartHost` and trusting the workspace (`workspaceTrusted`) send it too. The supervisor
/// takes the worker's enable/disable choices (`enabled`, `disabled`: the manager's are not seen on the
/// editor's stdio) into its record, restarts the worker as for `exthost/restartHost` (replay included)
/// and tells the editor `exthost/hostRestarted {reason, detail?}` once the new worker is ready. An
/// `exthost/trustWorkspace` in flight when the worker asks for `workspaceTrusted` is answered
/// `{trusted: true}` then.
pub const RESTART_WORKER_METHOD: &str = "$/exthost/restartWorker";

/// The `reason` of [`RESTART_WORKER_METHOD`] after the workspace was trusted.
pub const WORKSPACE_TRUSTED: &str = "workspaceTrusted";

/// Whether this process is a worker of a supervisor (which then restarts it on request).
pub fn is_supervised() -> bool {
    std::env::var_os(marks::MARKS_ENV).is_some()
}

/// The environment variable naming, in a worker, the folder its supervisor owns (see [`owned_folder`]).
pub const OWNED_FOLDER_ENV: &str = "EXTHOST_SUPERVISOR_FOLDER";

/// In a worker, the folder its supervisor owns, in the temporary folder: it outlives every worker of the
/// session and is removed when the supervisor ends; whoever writes there first creates it. Development
/// mode keeps the last good version of a native extension there (libraries are loaded from it, so it is
/// not in `/dev/shm`, often mounted `noexec`), so a successor worker can roll back to it.
pub fn owned_folder() -> Option<PathBuf> {
    std::env::var_os(OWNED_FOLDER_ENV).map(PathBuf::from)
}

/// The message of the error answering requests that were in flight on a worker that went away.
pub const RESTARTED_MESSAGE: &str = "the extension host restarted";

/// At most this many automatic restarts in [`RESTART_WINDOW`].
const MAX_RESTARTS: usize = 3;
/// The window of [`MAX_RESTARTS`].
const RESTART_WINDOW: Duration = Duration::from_secs(5 * 60);
/// A worker whose ping is unanswered (or whose extension's code runs) this long is reported unresponsive.
const UNRESPONSIVE_AFTER: Duration = Duration::from_secs(3);
/// The default of `initializationOptions.limits.unresponsiveMs`.
const DEFAULT_UNRESPONSIVE_MS: u64 = 10_000;
/// How many crashes an extension may be found running at before it is quarantined.
const QUARANTINE_CRASHES: u32 = 2;
/// How long a worker being stopped gets for `shutdown`/`exit` (its extensions' `deactivate`) before it is
/// killed.
const STOP_GRACE: Duration = Duration::from_secs(8);

/// How the supervisor starts its workers.
#[derive(Debug, Clone)]
pub struct SupervisorOptions {
    /// The program (this binary).
    pub program: PathBuf,
    /// Its arguments (`[--log-file F] worker <serve options…>`).
    pub args: Vec<OsString>,
}

/// An editor request forwarded to a worker and not answered yet.
#[derive(Debug)]
struct InFlight {
    method: String,
    params: Option<Value>,
    generation: u64,
}

/// The members of a worker's frame that route it; the rest (params, result) is skipped, not built.
#[derive(serde::Deserialize)]
struct Route {
    #[serde(default)]
    id: Option<Id>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
}

/// What a supervisor-made request to a worker is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Internal {
    Ping,
    Replay,
    Shutdown,
}

/// The supervisor's state; one per editor session.
struct Supervisor {
    options: SupervisorOptions,
    editor: backlog::EditorQueue,
    events: mpsc::UnboundedSender<WorkerEvent>,
    record: SessionState,
    /// Extensions the current worker reported `enabled` (re-enabled in a successor).
    enabled_now: BTreeSet<String>,
    current: Option<Worker>,
    /// Workers being stopped after `exthost/restartHost`.
    retiring: Vec<Worker>,
    next_generation: u64,
    in_flight: HashMap<Id, InFlight>,
    /// The worker's requests to the editor: editor-facing id → (generation, the worker's id).
    server_requests: HashMap<Id, (u64, Id)>,
    next_server_request: u64,
    internal: HashMap<Id, (u64, Internal)>,
    next_internal: u64,
    /// When automatic restarts happened (within the window).
    restarts: VecDeque<Instant>,
    /// Crashes each extension was found running at.
    crash_counts: HashMap<String, u32>,
    /// `exthost/restartHost` requests to answer once the new worker is ready and the old one gone.
    restart_answers: Vec<Id>,
    /// Whether a restart of the current worker is a crash recovery (tell the editor when it is ready).
    recovering: Option<String>,
    /// Whether it is the worker's own request ([`RESTART_WORKER_METHOD`]): the reason and detail to tell
    /// the editor.
    worker_asked: Option<(String, Option<String>)>,
    /// `exthost/trustWorkspace` requests to answer once the worker the trust restarted is ready.
    trust_answers: Vec<Id>,
    shut_down: bool,
    /// Warnings about corrupt state files, shown once the editor has initialized.
    pending_warnings: Vec<String>,
    store: Option<StateStore>,
    /// Where the workers' marks files are (see [`create_marks_folder`]).
    marks_folder: PathBuf,
    /// The folder this supervisor owns for its workers ([`owned_folder`]; made on first use).
    owned_folder: PathBuf,
}

/// Serves one editor session over `input`/`output`, running extensions in worker processes; answers the
/// exit code (0 after `shutdown` then `exit`, else 1).
pub async fn run<R, W>(input: R, output: W, options: SupervisorOptions) -> i32
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    run_until(input, output, options, std::future::pending::<String>()).await
}

/// [`run`], until `stop` completes (a termination signal): then the workers are asked to stop as
/// `shutdown` + `exit` would (each gets SIGTERM, so its extensions deactivate under their limit), and the
/// exit code is 0.
pub async fn run_until<R, W, S>(input: R, output: W, options: SupervisorOptions, stop: S) -> i32
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
    S: std::future::Future<Output = String>,
{
    let (editor, mut queue, backlog) = backlog::EditorQueue::new();
    let writer = tokio::spawn(async move {
        let mut framed = FramedWrite::new(output, ContentLengthCodec::new());
        framed.set_backpressure_boundary(worker::MAX_BATCH_BYTES);
        while let Some(body) = queue.recv().await {
            // What else is queued goes into the same write (responses first, as `recv` takes them).
            let mut length = body.len();
            let mut sent = framed.feed(body).await;
            while sent.is_ok() && framed.write_buffer().len() < worker::MAX_BATCH_BYTES {
                let Some(body) = queue.try_recv() else {
                    break;
                };
                length += body.len();
                sent = framed.feed(body).await;
            }
            if sent.is_ok() {
                sent = SinkExt::<Bytes>::flush(&mut framed).await;
            }
            backlog.written(length);
            if let Err(error) = sent {
                tracing::error!(%error, "cannot write to the editor; stopping the writer");
                break;
            }
        }
    });
    let marks_folder = create_marks_folder();
    let (events, mut worker_events) = mpsc::unbounded_channel();
    let mut supervisor = Supervisor {
        options,
        editor,
        events,
        record: SessionState::default(),
        enabled_now: BTreeSet::new(),
        current: None,
        retiring: Vec::new(),
        next_generation: 1,
        in_flight: HashMap::new(),
        server_requests: HashMap::new(),
        next_server_request: 1,
        internal: HashMap::new(),
        next_internal: 1,
        restarts: VecDeque::new(),
        crash_counts: HashMap::new(),
        restart_answers: Vec::new(),
        recovering: None,
        worker_asked: None,
        trust_answers: Vec::new(),
        shut_down: false,
        pending_warnings: Vec::new(),
        store: StateStore::for_home(),
        marks_folder,
        owned_folder: std::env::temp_dir()
            .join(format!("exthost-supervisor-{}", std::process::id())),
    };
    supervisor.load_persisted();
    supervisor.start_worker(false);

    let mut frames = FramedRead::new(input, ContentLengthCodec::new());
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut exit_seen = false;
    let mut stopped = false;
    let stop = std::pin::pin!(stop);
    let mut stop = stop;
    loop {
        tokio::select! {
            reason = &mut stop => {
                tracing::info!(%reason, "stopping the workers as shutdown then exit would");
                stopped = true;
                if let Some(worker) = supervisor.current.as_ref() {
                    worker.terminate();
                }
                for worker in &supervisor.retiring {
                    worker.terminate();
                }
                break;
            }
            frame = frames.next() => match frame {
                Some(Ok(Ok(body))) => {
                    if supervisor.on_editor_frame(body) {
                        exit_seen = true;
                        break;
                    }
                }
                Some(Ok(Err(error))) => {
                    tracing::warn!(%error, "malformed frame");
                    supervisor.to_editor(&Message::Response(Response::error(
                        None,
                        ResponseError::parse_error(format!("malformed frame: {error}")),
                    )));
                }
                Some(Err(error)) => {
                    tracing::error!(%error, "cannot read from the editor");
                    break;
                }
                None => {
                    tracing::info!("input ended");
                    break;
                }
            },
            Some(event) = worker_events.recv() => supervisor.on_worker_event(event),
            _ = tick.tick() => supervisor.on_tick(),
        }
    }
    // The session is over: let the worker stop its extensions (it got `exit` or SIGTERM, or its input
    // closes now).
    if !stopped {
        if let Some(worker) = supervisor.current.as_mut() {
            worker.close_input();
        }
        for worker in &mut supervisor.retiring {
            worker.close_input();
        }
    }
    let deadline = tokio::time::Instant::now() + STOP_GRACE;
    while supervisor.current.is_some() || !supervisor.retiring.is_empty() {
        match tokio::time::timeout_at(deadline, worker_events.recv()).await {
            Ok(Some(WorkerEvent::Exited { generation, .. })) => supervisor.forget(generation),
            Ok(Some(WorkerEvent::Frame { generation, body })) => {
                // Answers still on their way (to `shutdown`, say) are delivered.
                if supervisor
                    .current
                    .as_ref()
                    .is_some_and(|w| w.generation == generation)
                {
                    supervisor.on_worker_frame(generation, body);
                }
            }
            Ok(Some(WorkerEvent::GraceOver { .. })) => {}
            Ok(None) | Err(_) => {
                tracing::warn!("workers did not stop in time; killing them");
                if let Some(worker) = supervisor.current.as_mut() {
                    worker.kill();
                }
                for worker in &mut supervisor.retiring {
                    worker.kill();
                }
                break;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&supervisor.marks_folder);
    let _ = std::fs::remove_dir_all(&supervisor.owned_folder);
    let code = if stopped || (exit_seen && supervisor.shut_down) {
        0
    } else {
        1
    };
    drop(supervisor);
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
    code
}

/// The folder of this supervisor's marks files (one per worker, written by the worker, read after a
/// crash): in `/dev/shm` where there is one (memory: creating it there took ~24 µs here, in an ext4
/// `/tmp` ~270 µs, and it is made before the first worker can start), else in the temporary folder.
fn create_marks_folder() -> PathBuf {
    let name = format!("exthost-supervisor-{}", std::process::id());
    let shared_memory = std::path::Path::new("/dev/shm");
    if shared_memory.is_dir() {
        let folder = shared_memory.join(&name);
        if std::fs::create_dir_all(&folder).is_ok() {
            return folder;
        }
    }
    let folder = std::env::temp_dir().join(name);
    if let Err(error) = std::fs::create_dir_all(&folder) {
        tracing::warn!(%error, "cannot create the marks folder; crashes will name no culprit");
    }
    folder
}

fn body_of(message: &Message) -> Bytes {
    Bytes::from(message.to_vec())
}

impl Supervisor {
    fn to_editor(&self, message: &Message) {
        let body = body_of(message);
        let _ = if matches!(message, Message::Response(_)) {
            self.editor.send_response(body)
        } else {
            self.editor.send(body)
        };
    }

    fn notify_editor(&self, method: &str, params: Value) {
        self.to_editor(&Message::Notification(Notification {
            method: method.to_owned(),
            params: Some(params),
        }));
    }

    /// `window/showMessage`.
    fn show_message(&self, kind: to_proto::MessageType, message: &str) {
        self.notify_editor(
            to_proto::method::SHOW_MESSAGE,
            to_proto::show_message(kind, message),
        );
    }

    fn is_current(&self, generation: u64) -> bool {
        self.current
            .as_ref()
            .is_some_and(|worker| worker.generation == generation)
    }

    fn worker_mut(&mut self, generation: u64) -> Option<&mut Worker> {
        if self.is_current(generation) {
            return self.current.as_mut();
        }
        self.retiring
            .iter_mut()
            .find(|worker| worker.generation == generation)
    }

    /// Reads what earlier sessions persisted: the editor's disables (applied to every worker after its
    /// `initialize`), its enables (applied after `initialized`, as in a replay) and the quarantine; a
    /// corrupt file is reported as a warning.
    fn load_persisted(&mut self) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let (enabled, disabled, warning) = store.choices();
        let (_, quarantine_warning) = store.quarantined();
        for warning in warning.into_iter().chain(quarantine_warning) {
            self.pending_warnings.push(warning);
        }
        self.record.enabled = enabled.difference(&disabled).cloned().collect();
        self.record.disabled = disabled;
    }

    /// The quarantined extensions on disk; a corrupt quarantine file is moved aside and the editor warned.
    fn read_quarantine(&mut self) -> BTreeSet<String> {
        let (quarantined, warning) = self
            .store
            .as_ref()
            .map(StateStore::quarantined)
            .unwrap_or_default();
        if let Some(warning) = warning {
            self.show_message(to_proto::MessageType::WARNING, &warning);
        }
        quarantined
    }

    /// After the first worker's `initialized`: the enables earlier sessions persisted (not the quarantined
    /// ones), as a successor's replay would send them.
    fn apply_persisted_enables(&mut self) {
        if self.record.enabled.is_empty() {
            return;
        }
        let quarantined = self.read_quarantine();
        let enable: Vec<String> = self
            .record
            .enabled
            .iter()
            .filter(|id| !self.record.disabled.contains(*id) && !quarantined.contains(*id))
            .cloned()
            .collect();
        for id in enable {
            self.replay_request("exthost/enable", json!({"id": id}));
        }
    }

    /// `initializationOptions.limits.unresponsiveMs`, else 10 s.
    fn unresponsive_limit(&self) -> Duration {
        let ms =
            InitializationOptions::from_initialize_params(self.record.initialize_params.as_ref())
                .limits
                .unresponsive_ms
                .unwrap_or(DEFAULT_UNRESPONSIVE_MS);
        Duration::from_millis(ms.max(1))
    }

    /// Starts a worker and makes it current; with `replay`, brings it to the recorded state.
    fn start_worker(&mut self, replay: bool) {
        let generation = self.next_generation;
        self.next_generation += 1;
        let marks = self.marks_folder.join(format!("marks-{generation}"));
        match Worker::spawn(
            &self.options.program,
            &self.options.args,
            generation,
            marks,
            &self.owned_folder,
            self.events.clone(),
            self.editor.backlog().clone(),
        ) {
            Ok(worker) => {
                tracing::info!(generation, pid = ?worker.pid, "worker started");
                self.current = Some(worker);
                let previously_enabled = std::mem::take(&mut self.enabled_now);
                if replay {
                    self.replay(&previously_enabled);
                } else if let Some(worker) = self.current.as_mut() {
                    worker.ready = true;
                }
            }
            Err(error) => {
                tracing::error!(%error, "cannot start a worker");
                self.show_message(
                    to_proto::MessageType::ERROR,
                    &format!("exthost: cannot start the extension host worker: {error}"),
                );
                self.current = None;
            }
        }
    }

    fn internal_request(&mut self, kind: Internal, method: &str, params: Value) -> Option<Id> {
        let worker = self.current.as_ref()?;
        let id = Id::String(format!("supervisor-{}", self.next_internal));
        self.next_internal += 1;
        self.internal.insert(id.clone(), (worker.generation, kind));
        let body = body_of(&Message::Request(Request {
            id: id.clone(),
            method: method.to_owned(),
            params: Some(params),
        }));
        // A held worker still answers pings (its reader loop does): a long `deactivate` in the worker it
        // replaces is no stall of its own.
        if kind == Internal::Ping {
            worker.send_now(body);
        } else {
            worker.send(body);
        }
        Some(id)
    }

    fn replay_request(&mut self, method: &str, params: Value) {
        if let Some(id) = self.internal_request(Internal::Replay, method, params)
            && let Some(worker) = self.current.as_mut()
        {
            worker.pending_replay.insert(id);
        }
    }

    fn replay_notification(&self, method: &str, params: Value) {
        if let Some(worker) = &self.current {
            worker.send(body_of(&Message::Notification(Notification {
                method: method.to_owned(),
                params: Some(params),
            })));
        }
    }

    /// Sends the record to the (fresh) current worker: `initialize`, disables, documents, settings, the
    /// active editor, `initialized`, then the enables and the fired events.
    fn replay(&mut self, previously_enabled: &BTreeSet<String>) {
        let Some(params) = self.record.initialize_params.clone() else {
            if let Some(worker) = self.current.as_mut() {
                worker.ready = true;
            }
            self.on_ready();
            return;
        };
        let quarantined = self.read_quarantine();
        self.replay_request("initialize", params);
        for id in self.record.disabled.clone() {
            self.replay_request("exthost/disable", json!({"id": id}));
        }
        // The rest starts extensions: it waits until the workers this one replaces have stopped (their
        // extensions deactivated and their state written), while this one starts meanwhile.
        if !self.predecessors_stopped()
            && let Some(worker) = &self.current
        {
            worker.hold();
        }
        for document in self.record.documents.values() {
            self.replay_notification(to_proto::method::DID_OPEN, to_proto::did_open(document));
        }
        for (_, settings) in &self.record.editor_settings {
            self.replay_notification(
                to_proto::method::DID_CHANGE_CONFIGURATION,
                to_proto::did_change_configuration(settings.clone()),
            );
        }
        if self.record.editor_reports_active {
            let active = self
                .record
                .active_editor
                .clone()
                .unwrap_or(json!({"uri": null}));
            self.replay_notification("exthost/didChangeActiveEditor", active);
        }
        if self.record.initialized {
            self.replay_notification(to_proto::method::INITIALIZED, to_proto::initialized());
        }
        let enable: BTreeSet<String> = self
            .record
            .enabled
            .iter()
            .chain(previously_enabled)
            .filter(|id| !self.record.disabled.contains(*id) && !quarantined.contains(*id))
            .cloned()
            .collect();
        for id in enable {
            self.replay_request("exthost/enable", json!({"id": id}));
        }
        for event in self.record.fired_events.clone() {
            self.replay_request("exthost/activate", json!({"event": event}));
        }
    }

    /// The current worker finished its replay (or needed none).
    fn on_ready(&mut self) {
        if let Some(detail) = self.recovering.take() {
            self.notify_editor(
                "exthost/hostRestarted",
                json!({"reason": "crashed", "detail": detail}),
            );
        }
        if let Some((reason, detail)) = self.worker_asked.take() {
            let mut params = json!({"reason": reason});
            if let Some(detail) = detail {
                params["detail"] = json!(detail);
            }
            self.notify_editor("exthost/hostRestarted", params);
        }
        for id in std::mem::take(&mut self.trust_answers) {
            self.to_editor(&Message::Response(Response::ok(
                id,
                json!({"trusted": true}),
            )));
        }
        self.answer_restarts();
    }

    /// Answers `exthost/restartHost` once the new worker is ready and every old one has gone.
    fn answer_restarts(&mut self) {
        let ready = self.current.as_ref().is_some_and(|worker| worker.ready);
        if !ready || !self.retiring.is_empty() || self.restart_answers.is_empty() {
            return;
        }
        self.notify_editor("exthost/hostRestarted", json!({"reason": "requested"}));
        for id in std::mem::take(&mut self.restart_answers) {
            self.to_editor(&Message::Response(Response::ok(
                id,
                json!({"restarted": true}),
            )));
        }
    }

    /// Answers every editor request in flight on worker `generation` with -32802.
    fn cancel_in_flight(&mut self, generation: u64) {
        let lost: Vec<Id> = self
            .in_flight
            .iter()
            .filter(|(_, request)| request.generation == generation)
            .map(|(id, _)| id.clone())
            .collect();
        for id in lost {
            self.in_flight.remove(&id);
            self.to_editor(&Message::Response(Response::error(
                Some(id),
                ResponseError::new(error_code::SERVER_CANCELLED, RESTARTED_MESSAGE),
            )));
        }
        self.server_requests
            .retain(|_, (owner, _)| *owner != generation);
        self.internal.retain(|_, (owner, _)| *owner != generation);
    }

    /// Forgets a worker that has exited.
    fn forget(&mut self, generation: u64) {
        if self.is_current(generation) {
            self.current = None;
        }
        self.retiring
            .retain(|worker| worker.generation != generation);
        self.release_if_predecessors_stopped();
    }

    /// Whether every old worker has stopped: answered `shutdown` (its extensions deactivated, their
    /// state on disk) or exited.
    fn predecessors_stopped(&self) -> bool {
        self.retiring.iter().all(|worker| worker.stopped)
    }

    /// Once every old worker has stopped, the current one gets what was held back for it (its replay's
    /// rest and the editor's frames since).
    fn release_if_predecessors_stopped(&self) {
        if self.predecessors_stopped()
            && let Some(worker) = &self.current
            && worker.is_held()
        {
            tracing::debug!(
                generation = worker.generation,
                "old workers stopped; replay resumes"
            );
            worker.release();
        }
    }

    /// One frame from the editor. Answers whether it was `exit`.
    fn on_editor_frame(&mut self, body: Bytes) -> bool {
        let message = match Message::from_slice(&body) {
            Ok(message) => message,
            Err(error) => {
                // The worker answers it exactly as the server does; without one, answer here.
                match &self.current {
                    Some(worker) => worker.send(body),
                    None => self.to_editor(&Message::Response(error.to_response())),
                }
                return false;
            }
        };
        match message {
            Message::Request(request) => self.on_editor_request(request, body),
            Message::Notification(notification) => {
                let exit = notification.method == "exit";
                let first_initialized =
                    notification.method == "initialized" && !self.record.initialized;
                self.record_notification(&notification);
                if let Some(worker) = &self.current {
                    worker.send(body);
                }
                if first_initialized && self.record.initialize_params.is_some() {
                    self.apply_persisted_enables();
                }
                return exit;
            }
            Message::Response(response) => {
                let Some(id) = response.id.clone() else {
                    return false;
                };
                match self.server_requests.remove(&id) {
                    Some((generation, original)) if self.is_current(generation) => {
                        let answer = Response {
                            id: Some(original),
                            payload: response.payload,
                        };
                        if let Some(worker) = &self.current {
                            worker.send(body_of(&Message::Response(answer)));
                        }
                    }
                    Some(_) => {
                        tracing::debug!(%id, "late answer for a worker that is gone; dropped")
                    }
                    None => tracing::warn!(%id, "response to no pending request"),
                }
            }
        }
        false
    }

    fn on_editor_request(&mut self, request: Request, body: Bytes) {
        let running = self.record.initialize_params.is_some() && !self.shut_down;
        if request.method == "exthost/restartHost" && running {
            self.restart_answers.push(request.id);
            self.restart_requested();
            return;
        }
        if request.method == "initialize"
            && self.record.initialize_params.is_none()
            && request.params.as_ref().is_some_and(Value::is_object)
        {
            self.record.initialize_params = request.params.clone();
        }
        if request.method == "shutdown" && self.record.initialize_params.is_some() {
            self.shut_down = true;
        }
        if request.method == "exthost/enable"
            && let Some(id) = request.params.as_ref().and_then(|p| p.get("id")?.as_str())
        {
            // `exthost/enable` lifts a quarantine (before the worker looks at the extension).
            self.crash_counts.remove(id);
            if let Some(store) = &self.store {
                match store.lift_quarantine(id) {
                    Ok(true) => self.lifted_quarantine(id),
                    Ok(false) => {}
                    Err(error) => tracing::warn!(%error, "cannot lift the quarantine"),
                }
            }
        }
        let Some(worker) = &self.current else {
            self.to_editor(&Message::Response(Response::error(
                Some(request.id),
                ResponseError::new(
                    error_code::REQUEST_FAILED,
                    "the extension host stopped after crashing too often; exthost/restartHost starts \
                     it again",
                ),
            )));
            return;
        };
        let first_initialize = request.method == "initialize" && !worker.initialized;
        self.in_flight.insert(
            request.id,
            InFlight {
                method: request.method,
                params: request.params,
                generation: worker.generation,
            },
        );
        worker.send(body);
        if first_initialize && self.record.initialize_params.is_some() {
            // The editor's disables from earlier sessions, before anything activates.
            for id in self.record.disabled.clone() {
                self.replay_request("exthost/disable", json!({"id": id}));
            }
        }
    }

    /// A quarantined extension was enabled again: a worker that marked it failed at start must rediscover
    /// it, so the worker is told by the ordinary `exthost/enable` that follows (the registry retries a
    /// failed extension whose manifest is sound).
    fn lifted_quarantine(&self, id: &str) {
        tracing::info!(%id, "quarantine lifted by exthost/enable");
    }

    /// Keeps the replay record current with what the editor tells the host.
    fn record_notification(&mut self, notification: &Notification) {
        let params = notification.params.clone().unwrap_or(Value::Null);
        match notification.method.as_str() {
            "initialized" => {
                self.record.initialized = true;
                for warning in std::mem::take(&mut self.pending_warnings) {
                    self.show_message(to_proto::MessageType::WARNING, &warning);
                }
            }
            "textDocument/didOpen" => {
                if let Ok(document) =
                    serde_json::from_value::<OpenDocument>(params["textDocument"].clone())
                {
                    self.record.documents.insert(document.uri.clone(), document);
                }
            }
            "textDocument/didChange" => {
                let uri = params.pointer("/textDocument/uri").and_then(Value::as_str);
                let changes = serde_json::from_value::<Vec<TextDocumentContentChangeEvent>>(
                    params["contentChanges"].clone(),
                );
                if let (Some(uri), Ok(changes)) = (uri, changes)
                    && let Some(document) = self.record.documents.get_mut(uri)
                {
                    document.text.apply(&changes);
                    if let Some(version) = params
                        .pointer("/textDocument/version")
                        .and_then(Value::as_i64)
                    {
                        document.version = version;
                    }
                }
            }
            "textDocument/didClose" => {
                if let Some(uri) = params.pointer("/textDocument/uri").and_then(Value::as_str) {
                    self.record.documents.remove(uri);
                }
            }
            // Only the latest full settings matter for a successor.
            "workspace/didChangeConfiguration" if params["settings"].is_object() => {
                self.record.editor_settings.clear();
                self.record
                    .editor_settings
                    .push((String::new(), params["settings"].clone()));
            }
            "workspace/didChangeWorkspaceFolders" => self.record_folders(&params),
            "exthost/didChangeActiveEditor" => {
                self.record.editor_reports_active = true;
                self.record.active_editor = params
                    .get("uri")
                    .and_then(Value::as_str)
                    .map(|_| params.clone());
            }
            "exthost/didChangeSelection" => {
                if let Some(active) = self.record.active_editor.as_mut()
                    && active.get("uri") == params.get("uri")
                {
                    active["selections"] = params["selections"].clone();
                }
            }
            _ => {}
        }
    }

    /// `workspace/didChangeWorkspaceFolders`: the replayed `initialize` names the folders as they are now.
    fn record_folders(&mut self, params: &Value) {
        let Some(initialize) = self.record.initialize_params.as_mut() else {
            return;
        };
        let mut folders: Vec<Value> = initialize
            .get("workspaceFolders")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let uri_of = |folder: &Value| folder.get("uri").cloned();
        if let Some(removed) = params.pointer("/event/removed").and_then(Value::as_array) {
            let removed: Vec<_> = removed.iter().filter_map(uri_of).collect();
            folders.retain(|folder| !uri_of(folder).is_some_and(|uri| removed.contains(&uri)));
        }
        if let Some(added) = params.pointer("/event/added").and_then(Value::as_array) {
            folders.extend(added.iter().cloned());
        }
        initialize["workspaceFolders"] = Value::Array(folders);
    }

    fn on_worker_event(&mut self, event: WorkerEvent) {
        match event {
            WorkerEvent::Frame { generation, body } => self.on_worker_frame(generation, body),
            WorkerEvent::Exited { generation, status } => self.on_worker_exit(generation, status),
            WorkerEvent::GraceOver { generation } => {
                if let Some(worker) = self
                    .retiring
                    .iter_mut()
                    .find(|worker| worker.generation == generation)
                {
                    tracing::warn!(generation, "the old worker did not stop in time; killed");
                    worker.kill();
                }
            }
        }
    }

    fn on_worker_frame(&mut self, generation: u64, body: Bytes) {
        if let Ok(route) = serde_json::from_slice::<Route>(&body)
            && self.forward_as_routed(generation, route, &body)
        {
            return;
        }
        let Ok(message) = Message::from_slice(&body) else {
            tracing::warn!(generation, "invalid message from a worker");
            return;
        };
        let current = self.is_current(generation);
        match message {
            Message::Response(response) => {
                let Some(id) = response.id.clone() else {
                    if current {
                        let _ = self.editor.send_response(body);
                    }
                    return;
                };
                if let Some((owner, kind)) = self.internal.get(&id).copied()
                    && owner == generation
                {
                    self.internal.remove(&id);
                    self.on_internal_answer(generation, kind, &id, &response);
                    return;
                }
                match self.in_flight.get(&id) {
                    Some(request) if request.generation == generation => {
                        let request = self.in_flight.remove(&id).expect("found above");
                        let ok = matches!(response.payload, ResponsePayload::Result(_));
                        self.record_answer(&request, ok);
                        let _ = self.editor.send_response(body);
                    }
                    // An answer to a message the supervisor could not read (an invalid request).
                    None if current => {
                        let _ = self.editor.send_response(body);
                    }
                    _ => tracing::debug!(%id, generation, "answer nobody waits for; dropped"),
                }
            }
            Message::Request(request) if current => {
                let id = Id::String(format!("exthost-{}", self.next_server_request));
                self.next_server_request += 1;
                self.server_requests
                    .insert(id.clone(), (generation, request.id));
                self.to_editor(&Message::Request(Request {
                    id,
                    method: request.method,
                    params: request.params,
                }));
            }
            Message::Notification(notification)
                if current && notification.method == RESTART_WORKER_METHOD =>
            {
                self.worker_asked_restart(generation, notification.params.unwrap_or(Value::Null));
            }
            Message::Notification(notification) if current => {
                if notification.method == "exthost/extensionStateChanged"
                    && let Some(params) = &notification.params
                    && let Some(id) = params.get("id").and_then(Value::as_str)
                {
                    if params.get("state").and_then(Value::as_str) == Some("enabled") {
                        self.enabled_now.insert(id.to_owned());
                    } else {
                        self.enabled_now.remove(id);
                    }
                }
                let _ = self.editor.send(body);
            }
            // A retiring worker's extensions deactivate as it stops: what they log still reaches the
            // editor (nothing else it says does, since its successor speaks for the session now).
            Message::Notification(notification) if notification.method == "window/logMessage" => {
                let _ = self.editor.send(body);
            }
            _ => tracing::debug!(generation, "message from a retiring worker dropped"),
        }
    }

    /// The common cases of a worker's frame, forwarded as it came without building its JSON: the answer
    /// to an editor's request in flight on this worker, and a notification the supervisor does not look
    /// into (logs, diagnostics, …). Answers whether it was one of those (else the frame takes the full
    /// path: requests, the notifications the supervisor keeps track of, its own answers, anything unusual).
    fn forward_as_routed(&mut self, generation: u64, route: Route, body: &Bytes) -> bool {
        let id = match (route.method, route.id) {
            (Some(method), None) => return self.forward_notification(generation, &method, body),
            (None, Some(id)) => id,
            _ => return false,
        };
        if self
            .internal
            .get(&id)
            .is_some_and(|(owner, _)| *owner == generation)
        {
            return false;
        }
        if self
            .in_flight
            .get(&id)
            .is_none_or(|request| request.generation != generation)
        {
            return false;
        }
        let Some(request) = self.in_flight.remove(&id) else {
            return false;
        };
        self.record_answer(&request, route.error.is_none());
        let _ = self.editor.send_response(body.clone());
        true
    }

    /// A notification from worker `generation`, forwarded unless the supervisor looks into it (the state
    /// changes it keeps, the worker's restart request): answers whether it was handled here.
    fn forward_notification(&mut self, generation: u64, method: &str, body: &Bytes) -> bool {
        if method == RESTART_WORKER_METHOD || method == "exthost/extensionStateChanged" {
            return false;
        }
        if self.is_current(generation) {
            let _ = self.editor.send(body.clone());
        } else if method == "window/logMessage" {
            // A retiring worker's extensions deactivate as it stops: what they log still reaches the
            // editor.
            let _ = self.editor.send(body.clone());
        } else {
            tracing::debug!(generation, "message from a retiring worker dropped");
        }
        true
    }

    /// [`RESTART_WORKER_METHOD`] from the current worker `generation`.
    fn worker_asked_restart(&mut self, generation: u64, params: Value) {
        if self.shut_down {
            tracing::debug!("a restart asked after shutdown; ignored");
            return;
        }
        let reason = params
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or("workerRequested")
            .to_owned();
        let detail = params
            .get("detail")
            .and_then(Value::as_str)
            .map(str::to_owned);
        tracing::info!(%reason, ?detail, "the worker asked to be restarted");
        // The worker's choices (the manager's among them) are the session's.
        let ids = |key: &str| -> Vec<String> {
            params
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect()
        };
        for id in ids("disabled") {
            if !self.record.disabled.contains(&id) {
                self.record.record_disabled(&id);
                self.persist_choice(&id, false);
            }
        }
        for id in ids("enabled") {
            if !self.record.enabled.contains(&id) {
                self.record.record_enabled(&id);
                self.persist_choice(&id, true);
            }
        }
        if reason == WORKSPACE_TRUSTED {
            // Trusting is done once the new worker runs the workspace's extensions.
            let trusting: Vec<Id> = self
                .in_flight
                .iter()
                .filter(|(_, request)| {
                    request.generation == generation && request.method == "exthost/trustWorkspace"
                })
                .map(|(id, _)| id.clone())
                .collect();
            for id in trusting {
                self.in_flight.remove(&id);
                self.trust_answers.push(id);
            }
        }
        self.worker_asked = Some((reason, detail));
        self.restart_requested();
    }

    /// Keeps the record current with what the worker answered (`ok`: with a result, not an error).
    fn record_answer(&mut self, request: &InFlight, ok: bool) {
        let id = request
            .params
            .as_ref()
            .and_then(|params| params.get("id")?.as_str())
            .map(str::to_owned);
        match (request.method.as_str(), ok) {
            ("initialize", true) => {
                if let Some(worker) = self.current.as_mut() {
                    worker.initialized = true;
                }
            }
            ("initialize", false) if !self.current.as_ref().is_some_and(|w| w.initialized) => {
                self.record.initialize_params = None;
            }
            ("exthost/enable", true) => {
                if let Some(id) = id {
                    self.record.record_enabled(&id);
                    self.persist_choice(&id, true);
                }
            }
            ("exthost/disable", true) => {
                if let Some(id) = id {
                    self.record.record_disabled(&id);
                    self.persist_choice(&id, false);
                }
            }
            ("exthost/activate", true) => {
                if let Some(event) = request
                    .params
                    .as_ref()
                    .and_then(|params| params.get("event")?.as_str())
                {
                    self.record.record_event(event);
                }
            }
            _ => {}
        }
    }

    fn persist_choice(&self, id: &str, enabled: bool) {
        let Some(store) = &self.store else {
            return;
        };
        match store.record_choice(id, enabled) {
            Ok(Some(warning)) => self.show_message(to_proto::MessageType::WARNING, &warning),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "cannot persist an enable/disable choice"),
        }
    }

    fn on_internal_answer(
        &mut self,
        generation: u64,
        kind: Internal,
        id: &Id,
        response: &Response,
    ) {
        match kind {
            Internal::Ping => {
                if let Some(worker) = self.worker_mut(generation) {
                    worker.ping = None;
                }
            }
            Internal::Replay => {
                if let ResponsePayload::Error(error) = &response.payload {
                    tracing::warn!(message = %error.message, "a replayed request failed");
                }
                let Some(worker) = self.worker_mut(generation) else {
                    return;
                };
                worker.initialized = true;
                worker.pending_replay.remove(id);
                if worker.pending_replay.is_empty() && !worker.ready {
                    worker.ready = true;
                    if self.is_current(generation) {
                        self.on_ready();
                    }
                }
            }
            Internal::Shutdown => {
                if let Some(worker) = self.worker_mut(generation) {
                    worker.send(body_of(&Message::Notification(Notification {
                        method: "exit".to_owned(),
                        params: None,
                    })));
                    worker.close_input();
                    // Answered: its extensions are deactivated and their state written (the answer
                    // waits for both), so its successor need not wait for the process's exit to start
                    // extensions. Refused (it was not initialized): its exit is waited for, as before.
                    worker.stopped = matches!(response.payload, ResponsePayload::Result(_));
                }
                self.release_if_predecessors_stopped();
            }
        }
    }

    /// `exthost/restartHost`: a new worker replays the record and becomes current; the old one gets
    /// `shutdown` and `exit` (its extensions deactivate) and is killed after a grace.
    fn restart_requested(&mut self) {
        if let Some(old) = self.current.take() {
            let generation = old.generation;
            self.cancel_in_flight(generation);
            let id = Id::String(format!("supervisor-{}", self.next_internal));
            self.next_internal += 1;
            self.internal
                .insert(id.clone(), (generation, Internal::Shutdown));
            // Replaced before it was released: its successor replays what it held.
            old.discard_held();
            old.send_now(body_of(&Message::Request(Request {
                id,
                method: "shutdown".to_owned(),
                params: None,
            })));
            let events = self.events.clone();
            tokio::spawn(async move {
                tokio::time::sleep(STOP_GRACE).await;
                let _ = events.send(WorkerEvent::GraceOver { generation });
            });
            // What it had enabled is enabled again in its successor.
            self.retiring.push(old);
        }
        self.recovering = None;
        self.start_worker(true);
    }

    fn on_worker_exit(&mut self, generation: u64, status: String) {
        if !self.is_current(generation) {
            tracing::info!(generation, %status, "an old worker exited");
            self.retiring
                .retain(|worker| worker.generation != generation);
            self.release_if_predecessors_stopped();
            self.answer_restarts();
            return;
        }
        let Some(dead) = self.current.take() else {
            return;
        };
        let running = marks::read(&dead.marks);
        let _ = std::fs::remove_file(&dead.marks);
        let mut detail = match &dead.killed_because {
            Some(reason) => reason.clone(),
            None => format!("the extension host worker {status}"),
        };
        let culprits: BTreeSet<String> = running.into_iter().map(|m| m.extension_id).collect();
        if !culprits.is_empty() {
            let names: Vec<&str> = culprits.iter().map(String::as_str).collect();
            detail.push_str(&format!(" while running {}", names.join(", ")));
        }
        tracing::error!(generation, %detail, "the worker crashed");
        self.cancel_in_flight(generation);
        if self.shut_down {
            return;
        }
        for culprit in &culprits {
            let count = self.crash_counts.entry(culprit.clone()).or_insert(0);
            *count += 1;
            if *count >= QUARANTINE_CRASHES {
                let count = *count;
                self.quarantine(culprit, count);
            }
        }
        let now = Instant::now();
        while self
            .restarts
            .front()
            .is_some_and(|at| now.duration_since(*at) > RESTART_WINDOW)
        {
            self.restarts.pop_front();
        }
        if self.restarts.len() >= MAX_RESTARTS {
            self.show_message(
                to_proto::MessageType::ERROR,
                &format!(
                    "The extension host crashed {} times in 5 minutes and is not restarted again \
                     ({detail}). exthost/restartHost starts it again.",
                    MAX_RESTARTS + 1
                ),
            );
            self.notify_editor(
                "exthost/hostRestarted",
                json!({"reason": "gaveUp", "detail": detail}),
            );
            return;
        }
        self.restarts.push_back(now);
        self.recovering = Some(detail);
        self.start_worker(true);
    }

    fn quarantine(&mut self, id: &str, crashes: u32) {
        tracing::error!(%id, crashes, "quarantining an extension");
        if let Some(store) = &self.store {
            match store.quarantine(id, crashes) {
                Ok(Some(warning)) => self.show_message(to_proto::MessageType::WARNING, &warning),
                Ok(None) => {}
                Err(error) => tracing::error!(%error, "cannot persist the quarantine"),
            }
        }
        self.record.enabled.remove(id);
        self.enabled_now.remove(id);
        self.show_message(
            to_proto::MessageType::ERROR,
            &format!(
                "The extension {id} was running when the extension host crashed {crashes} times; it is \
                 quarantined and not loaded again. exthost/enable {{\"id\": \"{id}\"}} lifts the quarantine."
            ),
        );
    }

    /// Every second: ping the current worker, and find one that does not answer or whose extension's code
    /// has been running too long.
    fn on_tick(&mut self) {
        let limit = self.unresponsive_limit();
        let report_after = UNRESPONSIVE_AFTER.min(limit);
        let Some(worker) = self.current.as_ref() else {
            return;
        };
        if !worker.initialized || worker.killed_because.is_some() {
            return;
        }
        if self.editor.backlog().is_full() {
            // The editor is not reading: the worker's answers wait behind it (the supervisor reads
            // nothing more from it meanwhile), which is no sign of a stalled worker.
            if let Some(worker) = self.current.as_mut() {
                worker.ping = None;
            }
            return;
        }
        let ping_age = worker.ping.as_ref().map(|(_, sent)| sent.elapsed());
        let running = marks::read(&worker.marks);
        // A call its engine interrupts itself (JavaScript in QuickJS) does not stall the worker.
        let longest = running.iter().find(|mark| !mark.bounded);
        let stalled_for = ping_age
            .unwrap_or_default()
            .max(longest.map(|mark| mark.running_for).unwrap_or_default());
        if ping_age.is_none() {
            let generation = worker.generation;
            if let Some(id) = self.internal_request(Internal::Ping, PING_METHOD, Value::Null)
                && let Some(worker) = self.worker_mut(generation)
            {
                worker.ping = Some((id, Instant::now()));
            }
        }
        let extension_id = longest
            .filter(|mark| mark.running_for >= report_after)
            .map(|mark| mark.extension_id.clone());
        let Some(worker) = self.current.as_mut() else {
            return;
        };
        if stalled_for < report_after {
            worker.reported_unresponsive = false;
            return;
        }
        if !worker.reported_unresponsive {
            worker.reported_unresponsive = true;
            let mut params = json!({"sinceMs": stalled_for.as_millis() as u64});
            if let Some(id) = &extension_id {
                params["extensionId"] = json!(id);
            }
            tracing::warn!(%params, "the worker is unresponsive");
            self.notify_editor("exthost/unresponsive", params);
        }
        let Some(worker) = self.current.as_mut() else {
            return;
        };
        if stalled_for >= limit {
            let who = extension_id
                .as_deref()
                .map(|id| format!(" ({id}'s code held it)"))
                .unwrap_or_default();
            worker.killed_because = Some(format!(
                "the extension host worker was unresponsive for {} ms{who} and was killed",
                stalled_for.as_millis()
            ));
            worker.kill();
        }
    }
}
