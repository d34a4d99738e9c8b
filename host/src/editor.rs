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
use std::time::Instant;

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
    /// one, fails at once instead of waiting forever.
    pub fn disconnect(&self) {
        self.disconnected.store(true, Ordering::SeqCst);
        let waiting: Vec<_> = self
            .pending
            .lock()
            .expect("invariant: pending-map lock is never poisoned")
            .drain()
            .collect();
        for (_, reply) in waiting {
            let _ = reply.send(Err(ResponseError::internal(
                "the editor connection is closed",
            )));
        }
    }

    /// Sends a request to the editor and waits for its answer.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ResponseError> {
        if self.disconnected.load(Ordering::SeqCst) {
            return Err(ResponseError::internal("the editor connection is closed"));
        }
        let id = Id::String(format!(
            "exthost-{}",
            self.next_id.fetch_add(1, Ordering::Relaxed)
        ));
        let (reply, answer) = oneshot::channel();
        self.pending
            .lock()
            .expect("invariant: pending-map lock is never poisoned")
            .insert(id.clone(), reply);
        let sent = self.outgoing.push(&Message::Request(Request {
            id: id.clone(),
            method: method.to_owned(),
            params: Some(params),
        }));
        if !sent {
            self.pending
                .lock()
                .expect("invariant: pending-map lock is never poisoned")
                .remove(&id);
            return Err(ResponseError::internal("the editor connection is closed"));
        }
        answer
            .await
            .unwrap_or_else(|_| Err(ResponseError::internal("the editor connection is closed")))
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
