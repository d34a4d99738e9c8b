//! exthost's wire: JSON-RPC 2.0 messages, LSP `Content-Length` framing and the `exthost/*` method catalogue.
//!
//! Architecture invariant: this crate knows nothing about extensions' behaviour and depends on no crate of ours.
//! Editors, tests and tools link it to speak to the host ([`client::Client`] is the editor side).
#![forbid(unsafe_code)]

pub mod client;
pub mod codec;
pub mod error_code;
pub mod json;
pub mod message;
pub mod methods;

pub use client::{Client, ClientError, Handler, KeepRequests};
pub use codec::{ContentLengthCodec, FrameError, FrameReader, encode_frame};
pub use message::{
    Id, Message, MessageError, Notification, Request, Response, ResponseError, ResponsePayload,
};
pub use methods::{RpcNotification, RpcRequest};
