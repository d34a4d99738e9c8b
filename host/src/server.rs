//! The JSON-RPC server: reads framed messages, answers protocol errors exactly as contract §2 says,
//! dispatches requests concurrently (each in its own task, cancellable with `$/cancelRequest`) and
//! notifications in order, and writes every outgoing message through one writer.
//!
//! Architecture invariant: only this module (and [`crate::editor`], its outgoing half) touches the wire.

pub(crate) mod dev_reload;
mod dispatch;
pub(crate) mod handlers;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use exthost_protocol::error_code;
use exthost_protocol::{
    ContentLengthCodec, Id, Message, Notification, Request, Response, ResponseError,
};
use futures::StreamExt;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::AbortHandle;
use tokio_util::codec::FramedRead;
use tracing::Instrument;

use crate::config::HostConfig;
use crate::editor::{EditorHandle, Outbox};
use crate::lifecycle::{Engines, Lifecycle};

/// Where the session is in LSP's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before `initialize`: requests get -32002.
    Uninitialized,
    /// Between `initialize` and `shutdown`.
    Running,
    /// After `shutdown`: requests get -32600, `exit` ends with code 0.
    ShutDown,
}

/// State shared by the reader loop and the request tasks.
struct Server {
    config: HostConfig,
    engines: Engines,
    editor: EditorHandle,
    phase: Mutex<Phase>,
    lifecycle: OnceLock<Arc<Lifecycle>>,
    /// Requests under way, each with the handle `$/cancelRequest` aborts it with (`None`: not
    /// cancellable). A second request with an id in here is refused (-32600).
    in_flight: Mutex<HashMap<Id, Option<AbortHandle>>>,
    /// The `--dev` folder watcher, kept as long as the session (see `dev_reload`).
    dev_watcher: Mutex<Option<crate::dev_watch::DevWatcher>>,
    /// The manager endpoint, when asked for (contract §10).
    manager: OnceLock<crate::manager::Manager>,
    /// The task answering `shutdown` once every extension has stopped: an `exit` right behind it waits
    /// for that answer to be queued before the writer stops.
    shutting_down: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// The process exit code LSP asks for: 0 after `shutdown` then `exit`, 1 otherwise.
pub type ExitCode = i32;

/// Serves one editor session over `input`/`output` until `exit` or end of input; answers the exit code.
pub async fn serve<R, W>(
    input: R,
    output: W,
    config: HostConfig,
    engines: impl Into<Engines>,
) -> ExitCode
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    serve_until(input, output, config, engines, std::future::pending()).await
}

/// [`serve`], and when `stop` completes first (the process got SIGTERM, SIGINT or SIGHUP; its output
/// names which) the session ends as `shutdown` then `exit` would: every extension is deactivated under its
/// time limit, what is queued for the editor is written, and the exit code is 0.
pub async fn serve_until<R, W, S>(
    input: R,
    output: W,
    config: HostConfig,
    engines: impl Into<Engines>,
    stop: S,
) -> ExitCode
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
    S: std::future::Future<Output = String> + Send,
{
    let outbox = Arc::new(Outbox::default());
    let writer = tokio::spawn(write_messages(Arc::clone(&outbox), output));
    let server = Arc::new(Server {
        config,
        engines: engines.into(),
        editor: EditorHandle::new(Arc::clone(&outbox)),
        phase: Mutex::new(Phase::Uninitialized),
        lifecycle: OnceLock::new(),
        in_flight: Mutex::default(),
        dev_watcher: Mutex::new(None),
        manager: OnceLock::new(),
        shutting_down: Mutex::new(None),
    });
    let code = tokio::select! {
        code = server.read_messages(input) => code,
        reason = stop => {
            tracing::info!(%reason, "stopping as shutdown then exit would");
            server.set_phase(Phase::ShutDown);
            0
        }
    };
    server.editor.disconnect();
    let shutting_down = server
        .shutting_down
        .lock()
        .expect("invariant: shutdown lock is never poisoned")
        .take();
    if let Some(task) = shutting_down {
        let _ = task.await;
    }
    mark_worker_exiting();
    if let Some(lifecycle) = server.lifecycle.get() {
        lifecycle.stop_all().await;
        lifecycle.flush_state().await;
    }
    // Let the writer drain what is queued, then stop.
    drop(server);
    outbox.close();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), writer).await;
    code
}

/// In a supervisor's worker (one session per process, which exits when it ends), marks the process as
/// ending (see [`crate::runtime::process_exiting`]). A server run in a process that goes on (a test, the
/// demo) frees its runtimes as usual.
fn mark_worker_exiting() {
    if crate::supervisor::is_supervised() {
        crate::runtime::mark_process_exiting();
    }
}

/// The one writer of the output: writes the outbox's batches (responses first; several frames per write
/// and flush).
async fn write_messages<W: AsyncWrite + Unpin>(outbox: Arc<Outbox>, mut output: W) {
    use tokio::io::AsyncWriteExt;
    while let Some(batch) = outbox.next_batch().await {
        let written = async {
            output.write_all(&batch).await?;
            output.flush().await
        };
        if let Err(error) = written.await {
            tracing::error!(%error, "cannot write to the editor; stopping the writer");
            outbox.close();
            break;
        }
    }
}

impl Server {
    fn phase(&self) -> Phase {
        *self
            .phase
            .lock()
            .expect("invariant: phase lock is never poisoned")
    }

    fn set_phase(&self, phase: Phase) {
        *self
            .phase
            .lock()
            .expect("invariant: phase lock is never poisoned") = phase;
    }

    /// The reader loop. Protocol errors are answered here; requests are spawned; notifications run in
    /// order. Answers the exit code once `exit` arrives or the input ends.
    async fn read_messages<R: AsyncRead + Unpin>(self: &Arc<Self>, input: R) -> ExitCode {
        let mut frames = FramedRead::new(input, ContentLengthCodec::new());
        while let Some(frame) = frames.next().await {
            let body = match frame {
                Ok(Ok(body)) => body,
                Ok(Err(error)) => {
                    tracing::warn!(%error, "malformed frame");
                    self.editor.respond(Response::error(
                        None,
                        ResponseError::parse_error(format!("malformed frame: {error}")),
                    ));
                    continue;
                }
                Err(error) => {
                    tracing::error!(%error, "cannot read from the editor");
                    break;
                }
            };
            match Message::from_slice(&body) {
                Err(error) => {
                    tracing::warn!(?error, "invalid message");
                    self.editor.respond(error.to_response());
                }
                // The supervisor's liveness ping, answered here so it measures this loop itself.
                Ok(Message::Request(request))
                    if request.method == crate::supervisor::PING_METHOD =>
                {
                    self.editor.respond(Response::ok(request.id, Value::Null));
                }
                Ok(Message::Request(request)) => self.on_request(request).await,
                Ok(Message::Response(response)) => self.editor.resolve(response),
                Ok(Message::Notification(notification)) => {
                    if notification.method == "exit" {
                        return if self.phase() == Phase::ShutDown {
                            0
                        } else {
                            1
                        };
                    }
                    self.on_notification(notification).await;
                }
            }
        }
        tracing::info!("input ended");
        if self.phase() == Phase::ShutDown {
            0
        } else {
            1
        }
    }

    async fn on_request(self: &Arc<Self>, request: Request) {
        let span = tracing::info_span!("request", method = %request.method, id = %request.id);
        let Request { id, method, params } = request;
        match (self.phase(), method.as_str()) {
            (Phase::Uninitialized, "initialize") => {
                let answer = self.initialize(params).instrument(span).await;
                self.editor.respond(into_response(id, answer));
                // After the answer, so `exthost/managerStarted` follows it.
                if let Some(lifecycle) = self.lifecycle.get() {
                    // After the answer is written too (the writer runs on this thread, so let it go
                    // first): preparing the engines (compiling QuickJS's shim on a thread of its own)
                    // does not compete with answering `initialize`, and a session with no extensions
                    // skips it.
                    let preparing = Arc::clone(lifecycle);
                    tokio::spawn(async move {
                        tokio::task::yield_now().await;
                        preparing.prepare_engines();
                    });
                    let manager = crate::manager::start_for_editor(
                        lifecycle,
                        self.config.manager.as_ref(),
                        &self.editor,
                    );
                    if let Some(manager) = manager {
                        let _ = self.manager.set(manager);
                    }
                }
            }
            (_, "initialize") => self.editor.respond(Response::error(
                Some(id),
                ResponseError::invalid_request("initialize may only be sent once"),
            )),
            (Phase::Uninitialized, _) => {
                self.editor
                    .respond(Response::error(Some(id), ResponseError::not_initialized()));
            }
            (Phase::ShutDown, _) => self.editor.respond(Response::error(
                Some(id),
                ResponseError::invalid_request(format!("{method}: the server is shut down")),
            )),
            (Phase::Running, "shutdown") => {
                self.set_phase(Phase::ShutDown);
                // Stopping extensions may need the editor's answers (a deactivate that asks something):
                // the reader keeps reading meanwhile.
                let server = Arc::clone(self);
                let task = tokio::spawn(
                    async move {
                        // After `shutdown` only `exit` may come: nothing runs in this process again.
                        mark_worker_exiting();
                        if let Some(lifecycle) = server.lifecycle.get() {
                            lifecycle.stop_all().await;
                            // Answered once the state the extensions wrote is on disk too: a supervisor
                            // restarting this worker starts its successor's extensions on this answer.
                            lifecycle.flush_state().await;
                        }
                        server.editor.respond(Response::ok(id, Value::Null));
                    }
                    .instrument(span),
                );
                *self
                    .shutting_down
                    .lock()
                    .expect("invariant: shutdown lock is never poisoned") = Some(task);
            }
            (Phase::Running, _) => self.spawn_request(id, method, params, span),
        }
    }

    /// Runs a request in its own task so a slow handler blocks no other; registers it for cancellation.
    fn spawn_request(
        self: &Arc<Self>,
        id: Id,
        method: String,
        params: Option<Value>,
        span: tracing::Span,
    ) {
        let server = Arc::clone(self);
        let task_id = id.clone();
        // Params parsed once, into the method's own type; whether it is cancellable is the method's
        // (changing extensions' states half-way would leave them inconsistent: those requests run to the
        // end and answer normally even if the editor cancels them, as LSP allows).
        let dispatch::Dispatched {
            cancellable,
            answer,
        } = handlers::dispatch(self, &method, params);
        let mut in_flight = self
            .in_flight
            .lock()
            .expect("invariant: in-flight lock is never poisoned");
        if in_flight.contains_key(&id) {
            // JSON-RPC ids must be unique among requests in flight: the answer could not be told apart.
            drop(in_flight);
            tracing::warn!(%id, %method, "a request with the id of one still in flight refused");
            self.editor.respond(Response::error(
                Some(id.clone()),
                ResponseError::invalid_request(format!(
                    "a request with id {id} is already in flight"
                )),
            ));
            return;
        }
        let task = tokio::spawn(
            async move {
                let answer = answer.await;
                // A cancelled request was answered (-32800) and removed by `cancel`.
                let still_wanted = server
                    .in_flight
                    .lock()
                    .expect("invariant: in-flight lock is never poisoned")
                    .remove(&task_id)
                    .is_some();
                if still_wanted {
                    server.editor.respond(into_response(task_id, answer));
                }
            }
            .instrument(span),
        );
        in_flight.insert(id, cancellable.then(|| task.abort_handle()));
    }

    /// `$/cancelRequest`: stops the request's task and answers it with -32800 (once).
    fn cancel(&self, id: Id) {
        let task = {
            let mut in_flight = self
                .in_flight
                .lock()
                .expect("invariant: in-flight lock is never poisoned");
            match in_flight.get(&id) {
                Some(Some(_)) => in_flight.remove(&id).flatten(),
                // Not cancellable, or not in flight: nothing to do.
                _ => None,
            }
        };
        if let Some(task) = task {
            task.abort();
            self.editor.respond(Response::error(
                Some(id),
                ResponseError::new(error_code::REQUEST_CANCELLED, "request cancelled"),
            ));
        }
    }

    async fn on_notification(self: &Arc<Self>, notification: Notification) {
        if self.phase() == Phase::Uninitialized {
            tracing::debug!(method = %notification.method, "notification before initialize dropped");
            return;
        }
        handlers::handle_notification(self, notification).await;
    }
}

fn into_response(id: Id, answer: Result<Value, ResponseError>) -> Response {
    match answer {
        Ok(value) => Response::ok(id, value),
        Err(error) => Response::error(Some(id), error),
    }
}
