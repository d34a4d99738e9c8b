//! The host's handle on the editor: notifications and server → client requests, all sent through the one
//! writer that owns stdout.
//!
//! Requests get ids of their own (`exthost-<n>`, so they never collide with the editor's) and their
//! answers are routed back here by the server's reader. Everything goes through an [`Outbox`]:
//! responses first, logs bounded and dropped with a count when the editor does not read, and extensions'
//! log lines rate-limited per extension ([`EditorHandle::admit_log`]).

mod outbox;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use exthost_protocol::{
    Id, Message, Notification, Request, Response, ResponseError, ResponsePayload,
};
use serde_json::Value;
use tokio::sync::oneshot;

pub use outbox::{MAX_BATCH_BYTES, MAX_QUEUED_LOG_BYTES, Outbox};

/// Log lines an extension may send at once before the rate applies.
pub const LOG_BURST_LINES: f64 = 1000.0;

/// Log lines an extension may send per second, sustained; more are dropped and counted.
pub const LOG_LINES_PER_SECOND: f64 = 500.0;

/// Bytes of log lines an extension may send at once before the rate applies.
pub const LOG_BURST_BYTES: f64 = 2.0 * 1024.0 * 1024.0;

/// Bytes of log lines an extension may send per second, sustained.
pub const LOG_BYTES_PER_SECOND: f64 = 1024.0 * 1024.0;

/// One extension's token buckets of log lines and bytes ([`LOG_BURST_LINES`] and [`LOG_BURST_BYTES`] at
/// once, then [`LOG_LINES_PER_SECOND`] and [`LOG_BYTES_PER_SECOND`]). Runtimes keep one to drop a flood
/// where it starts; [`EditorHandle::admit_log`] keeps one per extension for every log line.
#[derive(Debug, Clone)]
pub struct LogBudget {
    lines: f64,
    bytes: f64,
    refilled: Instant,
    dropped: u64,
}

impl Default for LogBudget {
    fn default() -> Self {
        Self {
            lines: LOG_BURST_LINES,
            bytes: LOG_BURST_BYTES,
            refilled: Instant::now(),
            dropped: 0,
        }
    }
}

impl LogBudget {
    /// Whether one more line of `length` bytes is within the budget: `Some(dropped)` — send it, after
    /// saying that `dropped` lines were dropped since the last one sent — or `None`: drop it.
    pub fn admit(&mut self, length: usize) -> Option<u64> {
        let now = Instant::now();
        let elapsed = now.duration_since(self.refilled).as_secs_f64();
        self.lines = (self.lines + elapsed * LOG_LINES_PER_SECOND).min(LOG_BURST_LINES);
        self.bytes = (self.bytes + elapsed * LOG_BYTES_PER_SECOND).min(LOG_BURST_BYTES);
        self.refilled = now;
        let length = length as f64;
        if self.lines < 1.0 || self.bytes < length.min(LOG_BURST_BYTES) {
            self.dropped += 1;
            return None;
        }
        self.lines -= 1.0;
        self.bytes -= length;
        Some(std::mem::take(&mut self.dropped))
    }
}

type Pending = HashMap<Id, oneshot::Sender<Result<Value, ResponseError>>>;

/// How long the host waits for the editor to answer `workspace/configuration` before it goes on with
/// the settings it has (the `*` and `onStartupFinished` activations wait for it).
pub const CONFIGURATION_DEADLINE: Duration = Duration::from_secs(5);

/// How long the host waits for an answer a person gives (`window/showMessageRequest`,
/// `window/showDocument`, `workspace/applyEdit`, which an editor may confirm first); then the request
/// counts as dismissed.
pub const USER_ANSWER_DEADLINE: Duration = Duration::from_secs(10 * 60);

/// How long the host waits for the editor's answer to any other request (`client/registerCapability`,
/// `window/workDoneProgress/create`, …) before it takes its fallback.
pub const EDITOR_ANSWER_DEADLINE: Duration = Duration::from_secs(30);

/// The deadline of a server → client request of `method`: every one has one, and every caller has a
/// fallback for the error it gets after it.
pub fn answer_deadline(method: &str) -> Duration {
    match method {
        "workspace/configuration" => CONFIGURATION_DEADLINE,
        "window/showMessageRequest" | "window/showDocument" | "workspace/applyEdit" => {
            USER_ANSWER_DEADLINE
        }
        _ => EDITOR_ANSWER_DEADLINE,
    }
}

fn closed() -> ResponseError {
    ResponseError::internal("the editor connection is closed")
}

/// A request's entry in the pending map, removed when its wait ends in any way (answer, deadline, or the
/// waiter dropped — a cancelled task must not leave its entry behind).
struct PendingEntry {
    pending: Arc<Mutex<Pending>>,
    id: Id,
}

impl Drop for PendingEntry {
    fn drop(&mut self) {
        self.pending
            .lock()
            .expect("invariant: pending-map lock is never poisoned")
            .remove(&self.id);
    }
}

/// A cheap, cloneable handle to send messages to the editor.
#[derive(Debug, Clone)]
pub struct EditorHandle {
    outgoing: Arc<Outbox>,
    log_buckets: Arc<Mutex<HashMap<String, LogBudget>>>,
    pending: Arc<Mutex<Pending>>,
    next_id: Arc<AtomicU64>,
    /// Set once the editor's input has ended: no answer can arrive any more.
    disconnected: Arc<AtomicBool>,
}

impl EditorHandle {
    /// A handle whose messages go to `outgoing` (the writer's queue).
    pub fn new(outgoing: Arc<Outbox>) -> Self {
        Self {
            outgoing,
            log_buckets: Arc::default(),
            pending: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
            disconnected: Arc::default(),
        }
    }

    /// A handle that drops everything (for commands like `exthost list` that have no editor).
    pub fn detached() -> Self {
        Self::new(Arc::new(Outbox::closed()))
    }

    /// Whether one more log line of `source` (an extension id), `length` bytes long, is within its
    /// [`LogBudget`].
    pub fn admit_log(&self, source: &str, length: usize) -> Option<u64> {
        let mut buckets = self
            .log_buckets
            .lock()
            .expect("invariant: log-bucket lock is never poisoned");
        match buckets.get_mut(source) {
            Some(budget) => budget.admit(length),
            None => buckets.entry(source.to_owned()).or_default().admit(length),
        }
    }

    /// Sends a notification. Silently dropped when the writer has gone (the host is shutting down).
    pub fn notify(&self, method: &str, params: Value) {
        self.outgoing.push(&Message::Notification(Notification {
            method: method.to_owned(),
            params: Some(params),
        }));
    }

    /// Sends a response to one of the editor's requests.
    pub fn respond(&self, response: Response) {
        self.outgoing.push(&Message::Response(response));
    }

    /// Marks the editor as gone (its input ended): every request waiting for an answer, and every later
    /// one, fails at once instead of waiting forever. The flag is set under the pending map's lock, so a
    /// request cannot slip in between (see [`EditorHandle::start_request`]).
    pub fn disconnect(&self) {
        let waiting: Vec<_> = {
            let mut pending = self
                .pending
                .lock()
                .expect("invariant: pending-map lock is never poisoned");
            self.disconnected.store(true, Ordering::SeqCst);
            pending.drain().collect()
        };
        for (_, reply) in waiting {
            let _ = reply.send(Err(closed()));
        }
    }

    /// Sends a request to the editor and waits for its answer, at most [`answer_deadline`] of its method
    /// (then an error: the caller takes its fallback).
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ResponseError> {
        self.start_request(method, params).await
    }

    /// Sends a request to the editor now — its frame is queued before this returns, so requests started
    /// one after the other reach the editor in that order — and answers the wait for its answer, bounded
    /// by [`answer_deadline`] of its method. Dropping the wait forgets the request (a late answer is
    /// logged and dropped).
    pub fn start_request(
        &self,
        method: &str,
        params: Value,
    ) -> impl std::future::Future<Output = Result<Value, ResponseError>> + Send + 'static {
        self.start_request_within(method, params, answer_deadline(method))
    }

    /// [`EditorHandle::start_request`] with an explicit deadline.
    pub fn start_request_within(
        &self,
        method: &str,
        params: Value,
        deadline: Duration,
    ) -> impl std::future::Future<Output = Result<Value, ResponseError>> + Send + 'static {
        let id = Id::String(format!(
            "exthost-{}",
            self.next_id.fetch_add(1, Ordering::Relaxed)
        ));
        let (reply, answer) = oneshot::channel();
        let registered = {
            let mut pending = self
                .pending
                .lock()
                .expect("invariant: pending-map lock is never poisoned");
            // Checked under the lock `disconnect` drains under: no entry outlives the connection.
            let connected = !self.disconnected.load(Ordering::SeqCst);
            if connected {
                pending.insert(id.clone(), reply);
            }
            connected
        };
        let entry = PendingEntry {
            pending: Arc::clone(&self.pending),
            id: id.clone(),
        };
        let sent = registered
            && self.outgoing.push(&Message::Request(Request {
                id,
                method: method.to_owned(),
                params: Some(params),
            }));
        let method = method.to_owned();
        async move {
            // Removes the entry however the wait ends: answered, timed out, or dropped by its waiter.
            let _entry = entry;
            if !sent {
                return Err(closed());
            }
            match tokio::time::timeout(deadline, answer).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(_)) => Err(closed()),
                Err(_) => {
                    tracing::warn!(%method, ?deadline, "the editor did not answer in time");
                    Err(ResponseError::new(
                        exthost_protocol::error_code::REQUEST_FAILED,
                        format!("the editor did not answer {method} within {deadline:?}"),
                    ))
                }
            }
        }
    }

    /// How many requests to the editor wait for an answer.
    pub fn pending_requests(&self) -> usize {
        self.pending
            .lock()
            .expect("invariant: pending-map lock is never poisoned")
            .len()
    }

    /// Routes the editor's answer to the request that waits for it. Answers nobody waits for are logged.
    pub fn resolve(&self, response: Response) {
        let waiting = response.id.as_ref().and_then(|id| {
            self.pending
                .lock()
                .expect("invariant: pending-map lock is never poisoned")
                .remove(id)
        });
        match waiting {
            Some(reply) => {
                let _ = reply.send(match response.payload {
                    ResponsePayload::Result(value) => Ok(value),
                    ResponsePayload::Error(error) => Err(error),
                });
            }
            None => tracing::warn!(id = ?response.id, "response to no pending request"),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio_util::codec::Decoder;

    /// The requests queued for the editor so far, in the order they would be written.
    pub(crate) fn queued_requests(outbox: &Outbox) -> Vec<Request> {
        let mut requests = Vec::new();
        let mut codec = exthost_protocol::ContentLengthCodec::new();
        while let Some(batch) = outbox.try_take_batch() {
            let mut buffer = bytes::BytesMut::from(&batch[..]);
            while let Ok(Some(Ok(body))) = codec.decode(&mut buffer) {
                if let Ok(Message::Request(request)) = Message::from_slice(&body) {
                    requests.push(request);
                }
            }
        }
        requests
    }

    #[tokio::test]
    async fn a_request_whose_waiter_goes_leaves_no_pending_entry() {
        let editor = EditorHandle::new(Arc::new(Outbox::default()));
        let wait = editor.start_request("client/registerCapability", Value::Null);
        assert_eq!(editor.pending_requests(), 1);
        drop(wait);
        assert_eq!(
            editor.pending_requests(),
            0,
            "the entry went with its waiter"
        );

        // A task aborted while it waits (a cancelled request) also takes its entry along.
        let waiting = editor.clone();
        let task = tokio::spawn(async move {
            waiting
                .request("window/workDoneProgress/create", Value::Null)
                .await
        });
        while editor.pending_requests() == 0 {
            tokio::task::yield_now().await;
        }
        task.abort();
        let _ = task.await;
        assert_eq!(editor.pending_requests(), 0);
    }

    #[tokio::test]
    async fn an_unanswered_request_fails_at_its_deadline_and_is_forgotten() {
        let editor = EditorHandle::new(Arc::new(Outbox::default()));
        let answer = editor
            .start_request_within(
                "workspace/configuration",
                Value::Null,
                Duration::from_millis(50),
            )
            .await;
        let error = answer.expect_err("no answer came");
        assert_eq!(error.code, exthost_protocol::error_code::REQUEST_FAILED);
        assert!(
            error.message.contains("workspace/configuration"),
            "{error:?}"
        );
        assert_eq!(editor.pending_requests(), 0);
        assert_eq!(
            answer_deadline("workspace/configuration"),
            CONFIGURATION_DEADLINE
        );
        assert!(answer_deadline("client/registerCapability") <= EDITOR_ANSWER_DEADLINE);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_racing_disconnect_never_waits_forever() {
        for _ in 0..500 {
            let editor = EditorHandle::new(Arc::new(Outbox::default()));
            let requesting = editor.clone();
            let request = tokio::spawn(async move {
                requesting
                    .request("window/showMessageRequest", Value::Null)
                    .await
            });
            let disconnecting = editor.clone();
            let disconnect = tokio::spawn(async move { disconnecting.disconnect() });
            disconnect.await.expect("disconnect ran");
            let answer = tokio::time::timeout(Duration::from_secs(5), request)
                .await
                .expect("a request started around disconnect ends at once")
                .expect("the request task ran");
            assert!(answer.is_err());
            assert_eq!(editor.pending_requests(), 0);
        }
    }

    #[test]
    fn requests_reach_the_outbox_in_the_order_they_were_started() {
        let outbox = Arc::new(Outbox::default());
        let editor = EditorHandle::new(Arc::clone(&outbox));
        let _first = editor.start_request("client/registerCapability", serde_json::json!([1]));
        let _second = editor.start_request("client/unregisterCapability", serde_json::json!([2]));
        let methods: Vec<_> = queued_requests(&outbox)
            .into_iter()
            .map(|request| request.method)
            .collect();
        assert_eq!(
            methods,
            ["client/registerCapability", "client/unregisterCapability"]
        );
    }
}
