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

/// The supervisor's queue of message bodies for the editor's writer, counting what it holds. Responses
/// have a lane of their own that the writer always empties first (as the worker's `Outbox` does), so an
/// answer never waits behind queued notifications once the editor reads again.
#[derive(Debug, Clone)]
pub struct EditorQueue {
    responses: mpsc::UnboundedSender<Bytes>,
    others: mpsc::UnboundedSender<Bytes>,
    backlog: Arc<Backlog>,
}

/// The writer's end of an [`EditorQueue`].
#[derive(Debug)]
pub struct EditorQueueReceiver {
    responses: mpsc::UnboundedReceiver<Bytes>,
    others: mpsc::UnboundedReceiver<Bytes>,
}

impl EditorQueueReceiver {
    /// The next body to write: a queued response first, else the oldest other message; `None` once
    /// every sender is gone and both lanes are empty.
    pub async fn recv(&mut self) -> Option<Bytes> {
        if let Some(body) = self.try_recv() {
            return Some(body);
        }
        tokio::select! {
            biased;
            Some(body) = self.responses.recv() => Some(body),
            Some(body) = self.others.recv() => Some(body),
            else => None,
        }
    }

    /// The next body if one is queued (a response first), without waiting: the writer takes what is
    /// queued into one write.
    pub fn try_recv(&mut self) -> Option<Bytes> {
        self.responses
            .try_recv()
            .or_else(|_| self.others.try_recv())
            .ok()
    }
}

impl EditorQueue {
    /// A queue and the receiving end the writer drains (calling [`Backlog::written`] after each write).
    pub fn new() -> (Self, EditorQueueReceiver, Arc<Backlog>) {
        let (responses, response_receiver) = mpsc::unbounded_channel();
        let (others, other_receiver) = mpsc::unbounded_channel();
        let backlog = Arc::new(Backlog::default());
        (
            Self {
                responses,
                others,
                backlog: backlog.clone(),
            },
            EditorQueueReceiver {
                responses: response_receiver,
                others: other_receiver,
            },
            backlog,
        )
    }

    /// Queues one message body (a request or notification) for the editor, in order.
    pub fn send(&self, body: Bytes) -> Result<(), mpsc::error::SendError<Bytes>> {
        self.queue(&self.others, body)
    }

    /// Queues one response for the editor, ahead of what [`EditorQueue::send`] queued.
    pub fn send_response(&self, body: Bytes) -> Result<(), mpsc::error::SendError<Bytes>> {
        self.queue(&self.responses, body)
    }

    fn queue(
        &self,
        lane: &mpsc::UnboundedSender<Bytes>,
        body: Bytes,
    ) -> Result<(), mpsc::error::SendError<Bytes>> {
        let length = body.len();
        self.backlog.bytes.fetch_add(length, Ordering::AcqRel);
        lane.send(body)
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
    async fn responses_are_written_before_what_was_queued_earlier() {
        let (queue, mut receiver, _backlog) = EditorQueue::new();
        queue.send(Bytes::from_static(b"log 1")).unwrap();
        queue.send(Bytes::from_static(b"log 2")).unwrap();
        queue.send_response(Bytes::from_static(b"answer")).unwrap();
        assert_eq!(receiver.recv().await.unwrap(), "answer");
        assert_eq!(receiver.recv().await.unwrap(), "log 1");
        assert_eq!(receiver.recv().await.unwrap(), "log 2");
    }

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
