//! The queue between the host and the one writer of stdout: responses in a lane of their own that is
//! always written first, requests and notifications in order behind them, and logs last in a lane bounded
//! by bytes whose overflow is dropped and counted — so an editor that stops reading costs bounded memory
//! for logs, and an answer never waits behind a flood of them.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::{Bytes, BytesMut};
use exthost_protocol::{Message, Notification, encode_frame};
use tokio::sync::Notify;

/// Bytes of framed log messages kept while the editor does not read; more are dropped and counted.
pub const MAX_QUEUED_LOG_BYTES: usize = 4 * 1024 * 1024;

/// The most bytes the writer takes for one write (several frames, one flush).
pub const MAX_BATCH_BYTES: usize = 256 * 1024;

/// Notifications that only inform a person: they may be dropped when the editor does not keep up.
const DROPPABLE: &[&str] = &["window/logMessage", "$/logTrace", "telemetry/event"];

#[derive(Default)]
struct Lanes {
    responses: VecDeque<Bytes>,
    messages: VecDeque<Bytes>,
    logs: VecDeque<Bytes>,
    log_bytes: usize,
    /// Logs dropped because their lane was full, not yet reported.
    dropped_logs: u64,
    closed: bool,
}

/// The outgoing queue (see the module's documentation). Producers never wait.
#[derive(Default)]
pub struct Outbox {
    lanes: Mutex<Lanes>,
    ready: Notify,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Outbox")
    }
}

impl Outbox {
    /// An outbox that takes nothing (for a host without an editor).
    pub fn closed() -> Self {
        let outbox = Self::default();
        outbox.close();
        outbox
    }

    fn lanes(&self) -> std::sync::MutexGuard<'_, Lanes> {
        self.lanes
            .lock()
            .expect("invariant: the outbox lock is never poisoned")
    }

    /// Queues `message` in its lane; answers whether it was taken (false once closed, or for a log that
    /// does not fit).
    pub fn push(&self, message: &Message) -> bool {
        let droppable = matches!(message, Message::Notification(notification)
            if DROPPABLE.contains(&notification.method.as_str()));
        let frame = Bytes::from(encode_frame(&message.to_vec()));
        {
            let mut lanes = self.lanes();
            if lanes.closed {
                return false;
            }
            if droppable {
                if lanes.log_bytes + frame.len() > MAX_QUEUED_LOG_BYTES {
                    lanes.dropped_logs += 1;
                    return false;
                }
                lanes.log_bytes += frame.len();
                lanes.logs.push_back(frame);
            } else if matches!(message, Message::Response(_)) {
                lanes.responses.push_back(frame);
            } else {
                lanes.messages.push_back(frame);
            }
        }
        self.ready.notify_one();
        true
    }

    /// Takes nothing more; the writer writes what is queued and stops.
    pub fn close(&self) {
        self.lanes().closed = true;
        self.ready.notify_one();
    }

    /// The next bytes to write — responses first, then other messages in order, then logs — up to
    /// [`MAX_BATCH_BYTES`] (or one larger frame); `None` once closed and empty. Waits while empty.
    pub async fn next_batch(&self) -> Option<Bytes> {
        loop {
            let notified = self.ready.notified();
            if let Some(batch) = self.take_batch() {
                return Some(batch);
            }
            if self.lanes().closed {
                return None;
            }
            notified.await;
        }
    }

    /// The next batch if one is queued, without waiting (for tests that read what would be written).
    #[cfg(test)]
    pub(crate) fn try_take_batch(&self) -> Option<Bytes> {
        self.take_batch()
    }

    fn take_batch(&self) -> Option<Bytes> {
        let mut lanes = self.lanes();
        let mut batch = BytesMut::new();
        let mut report = None;
        if lanes.dropped_logs > 0 && lanes.log_bytes <= MAX_QUEUED_LOG_BYTES / 2 {
            report = Some(std::mem::take(&mut lanes.dropped_logs));
        }
        let Lanes {
            responses,
            messages,
            logs,
            log_bytes,
            ..
        } = &mut *lanes;
        for (lane, is_log) in [(responses, false), (messages, false), (logs, true)] {
            while let Some(frame) = lane.front() {
                if !batch.is_empty() && batch.len() + frame.len() > MAX_BATCH_BYTES {
                    break;
                }
                let frame = lane.pop_front().expect("invariant: front was Some");
                if is_log {
                    *log_bytes -= frame.len();
                }
                batch.extend_from_slice(&frame);
            }
        }
        drop(lanes);
        if let Some(dropped) = report {
            tracing::warn!(
                dropped,
                "log messages for the editor dropped: it was not reading them fast enough"
            );
            let notice = Message::Notification(Notification {
                method: crate::to_proto::method::LOG_MESSAGE.to_owned(),
                params: Some(crate::to_proto::log_message(
                    crate::to_proto::MessageType::WARNING,
                    format!(
                        "exthost: {dropped} log messages were dropped because the editor was not reading them fast enough"
                    ),
                )),
            });
            batch.extend_from_slice(&encode_frame(&notice.to_vec()));
        }
        (!batch.is_empty()).then(|| batch.freeze())
    }
}

#[cfg(test)]
mod tests {
    use exthost_protocol::{Id, Response};
    use serde_json::{Value, json};

    use super::*;

    fn log(text: &str) -> Message {
        Message::Notification(Notification {
            method: "window/logMessage".to_owned(),
            params: Some(json!({"type": 3, "message": text})),
        })
    }

    fn bodies(batch: &Bytes) -> Vec<Value> {
        let text = String::from_utf8_lossy(batch);
        text.split("Content-Length: ")
            .filter(|part| !part.is_empty())
            .map(|part| {
                let body = part.split_once("\r\n\r\n").expect("a header").1;
                serde_json::from_str(body).expect("json")
            })
            .collect()
    }

    #[tokio::test]
    async fn responses_go_first_and_logs_last() {
        let outbox = Outbox::default();
        outbox.push(&log("one"));
        outbox.push(&Message::Notification(Notification {
            method: "exthost/extensionStateChanged".to_owned(),
            params: Some(json!({})),
        }));
        outbox.push(&Message::Response(Response::ok(Id::Number(1), json!(1))));
        let batch = outbox.next_batch().await.expect("a batch");
        let order: Vec<Value> = bodies(&batch)
            .iter()
            .map(|body| body.get("method").cloned().unwrap_or(body["id"].clone()))
            .collect();
        assert_eq!(
            order,
            vec![
                json!(1),
                json!("exthost/extensionStateChanged"),
                json!("window/logMessage")
            ]
        );
    }

    #[tokio::test]
    async fn logs_past_the_bound_are_dropped_counted_and_reported_never_responses() {
        let outbox = Outbox::default();
        let line = "x".repeat(64 * 1024);
        let mut taken = 0;
        for _ in 0..200 {
            taken += usize::from(outbox.push(&log(&line)));
        }
        assert!(taken < 70, "{taken} logs of 64 KB kept");
        for id in 0..1000 {
            assert!(outbox.push(&Message::Response(Response::ok(Id::Number(id), json!(id)))));
        }
        // The responses come out first, all of them.
        let mut responses = 0;
        let mut notice = None;
        while let Some(batch) = {
            outbox.close();
            outbox.next_batch().await
        } {
            for body in bodies(&batch) {
                if body.get("result").is_some() {
                    responses += 1;
                } else if body["params"]["message"]
                    .as_str()
                    .is_some_and(|text| text.starts_with("exthost: "))
                {
                    notice = Some(body["params"]["message"].clone());
                }
            }
        }
        assert_eq!(responses, 1000);
        assert_eq!(
            notice,
            Some(json!(format!(
                "exthost: {} log messages were dropped because the editor was not reading them fast enough",
                200 - taken
            )))
        );
    }
}
