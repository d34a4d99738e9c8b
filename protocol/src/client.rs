//! A JSON-RPC client over any async byte stream (a child's pipes, an in-memory duplex): framing, request
//! ids, waiting for one message while keeping the others, and answering the server's own requests.
//!
//! The editor side of a session, as `exthost demo` and the end-to-end tests play it. A task reads and
//! parses the peer's output as it comes (the peer never blocks on a full pipe while the caller is busy);
//! the caller waits for the message it wants and the others stay in a backlog, in arrival order, for
//! later waits. A [`Handler`] sees every message as it arrives and may answer server → client requests
//! that nobody waits for.

use std::collections::VecDeque;
use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_util::codec::FramedRead;

use crate::codec::{ContentLengthCodec, FrameError, encode_frame};
use crate::message::{Id, Message, MessageError, Notification, Request, Response, ResponseError};

/// How long a wait lasts for each message unless [`Client::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Why the client could not send or receive.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No message came from the peer within the timeout.
    #[error("no message from the peer within {0:?}")]
    Timeout(Duration),
    /// The peer closed its output.
    #[error("the peer closed its output")]
    Closed,
    /// The client's own output was closed ([`Client::close`]) before this send.
    #[error("the client's output is closed")]
    OutputClosed,
    /// Writing to the peer failed (it stopped reading).
    #[error("cannot write to the peer: {0}")]
    Write(#[source] std::io::Error),
    /// The peer wrote something that is not a frame.
    #[error("the peer wrote a bad frame: {0}")]
    Frame(#[source] FrameError),
    /// The peer wrote a frame that is not JSON-RPC 2.0.
    #[error("the peer wrote invalid JSON-RPC: {error}: {body}")]
    Message {
        /// What is wrong with it.
        #[source]
        error: MessageError,
        /// The frame's body, as text.
        body: String,
    },
}

/// What the client does with messages besides handing them to waits.
pub trait Handler: Send {
    /// Sees every message as it arrives from the peer, before any wait takes it.
    fn received(&mut self, _message: &Message) {}

    /// Answers a server → client request that the current wait does not take: `Some` is sent back as
    /// the response (and the request is not kept); `None` keeps the request for a later wait.
    fn answer(&mut self, _request: &Request) -> Option<Result<Value, ResponseError>> {
        None
    }
}

/// The handler that answers nothing: every server → client request waits in the backlog for the caller
/// ([`Client::server_request`]) to answer it.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeepRequests;

impl Handler for KeepRequests {}

/// One side of a JSON-RPC session: writes framed messages to `W` and reads the peer's from a reader
/// given at construction.
pub struct Client<W, H = KeepRequests> {
    writer: Option<W>,
    incoming: mpsc::UnboundedReceiver<Result<Message, ClientError>>,
    /// Messages received while waiting for something else, in arrival order.
    backlog: VecDeque<Message>,
    next_id: i64,
    timeout: Duration,
    handler: H,
}

impl<W: AsyncWrite + Unpin> Client<W, KeepRequests> {
    /// A client writing to `writer` and reading `reader` (from a task spawned on the current Tokio
    /// runtime), which keeps server → client requests for the caller.
    pub fn new(reader: impl AsyncRead + Send + Unpin + 'static, writer: W) -> Self {
        Client::with_handler(reader, writer, KeepRequests)
    }
}

impl<W: AsyncWrite + Unpin, H: Handler> Client<W, H> {
    /// A client writing to `writer` and reading `reader`, with `handler` seeing what arrives.
    pub fn with_handler(
        reader: impl AsyncRead + Send + Unpin + 'static,
        writer: W,
        handler: H,
    ) -> Self {
        let (sender, incoming) = mpsc::unbounded_channel();
        tokio::spawn(read_messages(reader, sender));
        Client {
            writer: Some(writer),
            incoming,
            backlog: VecDeque::new(),
            next_id: 1,
            timeout: DEFAULT_TIMEOUT,
            handler,
        }
    }

    /// This client with waits of `timeout` for each message.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The handler, to change what it answers next.
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    /// Writes raw bytes to the peer (framed or not: tests send malformed input this way).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        let writer = self.writer.as_mut().ok_or(ClientError::OutputClosed)?;
        writer.write_all(bytes).await.map_err(ClientError::Write)?;
        writer.flush().await.map_err(ClientError::Write)
    }

    /// Frames and sends one message.
    pub async fn send(&mut self, message: &Message) -> Result<(), ClientError> {
        self.send_raw(&encode_frame(&message.to_vec())).await
    }

    /// Sends a request with the next id and answers the id (without waiting for the response).
    pub async fn send_request(&mut self, method: &str, params: Value) -> Result<Id, ClientError> {
        let id = Id::Number(self.next_id);
        self.next_id += 1;
        let request = Request {
            id: id.clone(),
            method: method.to_owned(),
            params: Some(params),
        };
        self.send(&Message::Request(request)).await?;
        Ok(id)
    }

    /// Sends a request and waits for its response.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Response, ClientError> {
        let id = self.send_request(method, params).await?;
        self.response(&id).await
    }

    /// Sends a notification.
    pub async fn notify(&mut self, method: &str, params: Value) -> Result<(), ClientError> {
        let notification = Notification {
            method: method.to_owned(),
            params: Some(params),
        };
        self.send(&Message::Notification(notification)).await
    }

    /// Closes the client's output (the peer reads end of input); later sends fail.
    pub fn close(&mut self) {
        self.writer = None;
    }

    /// Waits for the message `select` accepts, taking it from the backlog if it came already; others
    /// are kept for later waits (or answered by the handler, for requests it answers).
    pub async fn wait_for<T>(
        &mut self,
        mut select: impl FnMut(&Message) -> Option<T>,
    ) -> Result<T, ClientError> {
        if let Some(index) = self.backlog.iter().position(|m| select(m).is_some())
            && let Some(message) = self.backlog.remove(index)
            && let Some(found) = select(&message)
        {
            return Ok(found);
        }
        loop {
            let message = self.receive().await?;
            self.handler.received(&message);
            if let Some(found) = select(&message) {
                return Ok(found);
            }
            if let Message::Request(request) = &message
                && let Some(answer) = self.handler.answer(request)
            {
                let response = match answer {
                    Ok(result) => Response::ok(request.id.clone(), result),
                    Err(error) => Response::error(Some(request.id.clone()), error),
                };
                self.send(&Message::Response(response)).await?;
                continue;
            }
            self.backlog.push_back(message);
        }
    }

    /// Waits for the response with `id`.
    pub async fn response(&mut self, id: &Id) -> Result<Response, ClientError> {
        self.wait_for(|message| match message {
            Message::Response(response) if response.id.as_ref() == Some(id) => {
                Some(response.clone())
            }
            _ => None,
        })
        .await
    }

    /// Waits for a notification of `method` whose params `accept` approves; answers the params
    /// (`null` when absent).
    pub async fn notification(
        &mut self,
        method: &str,
        mut accept: impl FnMut(&Value) -> bool,
    ) -> Result<Value, ClientError> {
        self.wait_for(|message| match message {
            Message::Notification(n) if n.method == method => {
                let params = n.params.clone().unwrap_or(Value::Null);
                accept(&params).then_some(params)
            }
            _ => None,
        })
        .await
    }

    /// Waits for a server → client request of `method`; answers its id and params (`null` when absent).
    pub async fn server_request(&mut self, method: &str) -> Result<(Id, Value), ClientError> {
        self.wait_for(|message| match message {
            Message::Request(r) if r.method == method => {
                Some((r.id.clone(), r.params.clone().unwrap_or(Value::Null)))
            }
            _ => None,
        })
        .await
    }

    /// Every message received so far and not yet taken by a wait, in arrival order.
    pub fn backlog(&self) -> impl Iterator<Item = &Message> {
        self.backlog.iter()
    }

    /// The next message from the peer, within the timeout.
    async fn receive(&mut self) -> Result<Message, ClientError> {
        match tokio::time::timeout(self.timeout, self.incoming.recv()).await {
            Ok(Some(message)) => message,
            Ok(None) => Err(ClientError::Closed),
            Err(_) => Err(ClientError::Timeout(self.timeout)),
        }
    }
}

/// Reads frames from `reader` until it ends (or nobody listens), sending each parsed message or what
/// was wrong with it.
async fn read_messages(
    reader: impl AsyncRead + Unpin,
    sender: mpsc::UnboundedSender<Result<Message, ClientError>>,
) {
    let mut frames = FramedRead::new(reader, ContentLengthCodec::new());
    while let Some(frame) = frames.next().await {
        let item = match frame {
            Ok(Ok(body)) => Message::from_slice(&body).map_err(|error| ClientError::Message {
                error,
                body: String::from_utf8_lossy(&body).into_owned(),
            }),
            Ok(Err(error)) | Err(error) => Err(ClientError::Frame(error)),
        };
        if sender.send(item).is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::ResponsePayload;
    use serde_json::json;

    /// Answers every request with its method name.
    struct EchoMethod;

    impl Handler for EchoMethod {
        fn answer(&mut self, request: &Request) -> Option<Result<Value, ResponseError>> {
            (request.method != "keep/me").then(|| Ok(json!(request.method)))
        }
    }

    /// A peer on the other end of a duplex pipe: its framed reader and its writer.
    fn pair<H: Handler>(
        handler: H,
    ) -> (
        Client<tokio::io::WriteHalf<tokio::io::DuplexStream>, H>,
        Client<tokio::io::WriteHalf<tokio::io::DuplexStream>>,
    ) {
        let (ours, theirs) = tokio::io::duplex(1 << 16);
        let (our_read, our_write) = tokio::io::split(ours);
        let (their_read, their_write) = tokio::io::split(theirs);
        (
            Client::with_handler(our_read, our_write, handler).with_timeout(Duration::from_secs(5)),
            Client::new(their_read, their_write).with_timeout(Duration::from_secs(5)),
        )
    }

    #[tokio::test]
    async fn a_response_is_found_past_notifications_which_stay_for_later_waits() {
        let (mut client, mut peer) = pair(KeepRequests);
        let id = client.send_request("ping", json!({})).await.unwrap();
        let (peer_id, _) = peer
            .wait_for(|m| match m {
                Message::Request(r) => Some((r.id.clone(), ())),
                _ => None,
            })
            .await
            .unwrap();
        peer.notify("first", json!([1])).await.unwrap();
        peer.notify("second", json!([2])).await.unwrap();
        peer.send(&Message::Response(Response::ok(peer_id, json!("pong"))))
            .await
            .unwrap();
        let response = client.response(&id).await.unwrap();
        assert_eq!(response.payload, ResponsePayload::Result(json!("pong")));
        assert_eq!(client.backlog().count(), 2);
        assert_eq!(
            client.notification("second", |_| true).await.unwrap(),
            json!([2])
        );
        assert_eq!(
            client.notification("first", |_| true).await.unwrap(),
            json!([1])
        );
        assert_eq!(client.backlog().count(), 0);
    }

    #[tokio::test]
    async fn the_handler_answers_server_requests_while_the_client_waits() {
        let (mut client, mut peer) = pair(EchoMethod);
        let asked = peer.send_request("window/ask", json!({})).await.unwrap();
        let kept = peer.send_request("keep/me", json!({})).await.unwrap();
        peer.notify("done", json!({})).await.unwrap();
        client.notification("done", |_| true).await.unwrap();
        let answer = peer.response(&asked).await.unwrap();
        assert_eq!(answer.payload, ResponsePayload::Result(json!("window/ask")));
        let (id, _) = client.server_request("keep/me").await.unwrap();
        assert_eq!(id, kept);
    }

    #[tokio::test]
    async fn a_closed_peer_and_a_bad_frame_are_errors() {
        let (ours, theirs) = tokio::io::duplex(1 << 16);
        let (our_read, our_write) = tokio::io::split(ours);
        let mut client = Client::new(our_read, our_write);
        let (_, mut their_write) = tokio::io::split(theirs);
        their_write
            .write_all(b"Content-Length: 5\r\n\r\nnope!")
            .await
            .unwrap();
        drop(their_write);
        let bad = client.wait_for(|_| Some(())).await.unwrap_err();
        assert!(matches!(bad, ClientError::Message { .. }), "{bad}");
        let closed = client.wait_for(|_| Some(())).await.unwrap_err();
        assert!(matches!(closed, ClientError::Closed), "{closed}");
    }
}
