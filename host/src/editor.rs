//! The host's handle on the editor: notifications and server → client requests, all sent through the one
//! writer that owns stdout.
//!
//! Requests get ids of their own (`exthost-<n>`, so they never collide with the editor's) and their
//! answers are routed back here by the server's reader.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use exthost_protocol::{
    Id, Message, Notification, Request, Response, ResponseError, ResponsePayload,
};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

type Pending = HashMap<Id, oneshot::Sender<Result<Value, ResponseError>>>;

/// A cheap, cloneable handle to send messages to the editor.
#[derive(Debug, Clone)]
pub struct EditorHandle {
    outgoing: mpsc::UnboundedSender<Message>,
    pending: Arc<Mutex<Pending>>,
    next_id: Arc<AtomicU64>,
    /// Set once the editor's input has ended: no answer can arrive any more.
    disconnected: Arc<AtomicBool>,
}

impl EditorHandle {
    /// A handle whose messages go to `outgoing` (the writer's queue).
    pub fn new(outgoing: mpsc::UnboundedSender<Message>) -> Self {
        Self {
            outgoing,
            pending: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
            disconnected: Arc::default(),
        }
    }

    /// A handle that drops everything (for commands like `exthost list` that have no editor).
    pub fn detached() -> Self {
        let (outgoing, _) = mpsc::unbounded_channel();
        Self::new(outgoing)
    }

    /// Sends a notification. Silently dropped when the writer has gone (the host is shutting down).
    pub fn notify(&self, method: &str, params: Value) {
        let _ = self.outgoing.send(Message::Notification(Notification {
            method: method.to_owned(),
            params: Some(params),
        }));
    }

    /// Sends a response to one of the editor's requests.
    pub fn respond(&self, response: Response) {
        let _ = self.outgoing.send(Message::Response(response));
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
        let sent = self.outgoing.send(Message::Request(Request {
            id: id.clone(),
            method: method.to_owned(),
            params: Some(params),
        }));
        if sent.is_err() {
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
