//! What the supervisor has queued for the editor and not yet written: the bound that carries an editor's
//! stalled reading back to the worker. While more than [`EDITOR_BACKLOG_LIMIT`] bytes wait, the
//! supervisor reads nothing more from its workers, so their pipes fill and each worker's own outbox
//! applies its rules (responses kept, logs dropped with a count) — the supervisor never queues without
//! bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use tokio::sync::{Notify, mpsc};

/// Bytes queued for the editor beyond which the supervisor stops reading its workers' output.
pub const EDITOR_BACKLOG_LIMIT: usize = 1024 * 1024;

/// The count of queued bytes, shared by the queue, the writer and the workers' readers.
#[derive(Debug, Default)]
pub struct Backlog {
    bytes: AtomicUsize,
    drained: Notify,
}

impl Backlog {
    /// Bytes queued and not yet written.
    pub fn queued(&self) -> usize {
        self.bytes.load(Ordering::Acquire)
    }

    /// Whether the editor is behind: more than [`EDITOR_BACKLOG_LIMIT`] bytes wait for it.
    pub fn is_full(&self) -> bool {
        self.queued() > EDITOR_BACKLOG_LIMIT
    }

    /// Completes once no more than [`EDITOR_BACKLOG_LIMIT`] bytes wait.
    pub async fn wait_for_room(&self) {
        loop {
            let drained = self.drained.notified();
            if !self.is_full() {
                return;
            }
            drained.await;
        }
    }

    /// Records that `written` bytes reached the editor.
    pub fn written(&self, written: usize) {
        self.bytes.fetch_sub(written, Ordering::AcqRel);
        self.drained.notify_waiters();
    }
}

/// The supervisor's queue of message bodies for the editor's writer, counting what it holds.
#[derive(Debug, Clone)]
pub struct EditorQueue {
    sender: mpsc::UnboundedSender<Bytes>,
    backlog: Arc<Backlog>,
}

impl EditorQueue {
    /// A queue and the receiving end the writer drains (calling [`Backlog::written`] after each write).
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Bytes>, Arc<Backlog>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let backlog = Arc::new(Backlog::default());
        (
            Self {
                sender,
                backlog: backlog.clone(),
            },
            receiver,
            backlog,
        )
    }

    /// Queues one message body for the editor.
    pub fn send(&self, body: Bytes) -> Result<(), mpsc::error::SendError<Bytes>> {
        let length = body.len();
        self.backlog.bytes.fetch_add(length, Ordering::AcqRel);
        self.sender
            .send(body)
            .inspect_err(|_| self.backlog.written(length))
    }

    /// The shared count.
    pub fn backlog(&self) -> &Arc<Backlog> {
        &self.backlog
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reader_waits_while_the_editor_is_behind_and_goes_on_once_it_drains() {
        let (queue, mut receiver, backlog) = EditorQueue::new();
        queue
            .send(Bytes::from(vec![b'x'; EDITOR_BACKLOG_LIMIT + 1]))
            .unwrap();
        assert!(backlog.is_full());
        let waiting = tokio::spawn({
            let backlog = backlog.clone();
            async move { backlog.wait_for_room().await }
        });
        tokio::task::yield_now().await;
        assert!(
            !waiting.is_finished(),
            "it must wait while the editor is behind"
        );
        let body = receiver.recv().await.unwrap();
        backlog.written(body.len());
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("the reader goes on once the queue drained")
            .unwrap();
        assert_eq!(backlog.queued(), 0);
    }
}
