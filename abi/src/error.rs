//! Why a host operation failed: a [`HostCallErrorKind`] extension code can tell apart, and a message for
//! people. On the wire, `{"kind": "notFound", "message": "…"}`; in JavaScript an `Error` whose `code` is
//! the kind's name (and whose `name` is `Canceled` for [`HostCallErrorKind::Cancelled`], as VS Code's
//! `CancellationError`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of failure a host operation met. The names follow VS Code's `FileSystemError` codes
/// (`FileNotFound` → [`NotFound`](Self::NotFound), `NoPermissions`, `Unavailable`) and
/// `CancellationError` where one applies. An unknown name (from a newer host) reads as
/// [`Failed`](Self::Failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HostCallErrorKind {
    /// This host does not know the operation (a library built for a newer host can fall back).
    Unsupported,
    /// A known operation with missing or malformed fields.
    InvalidRequest,
    /// What the operation names does not exist (a command, an extension, a file).
    NotFound,
    /// The extension's permissions do not allow it.
    NoPermissions,
    /// The host cannot do it now (shutting down, the editor gone).
    Unavailable,
    /// The operation was cancelled (the editor cancelled, the asker went away).
    Cancelled,
    /// Nobody answered within the time allowed.
    TimedOut,
    /// The host tried and it failed (a command that threw, a command id already taken, …). Last, as serde
    /// wants of the variant that takes unknown names.
    #[serde(other)]
    Failed,
}

impl HostCallErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 8] = [
        Self::Unsupported,
        Self::InvalidRequest,
        Self::NotFound,
        Self::NoPermissions,
        Self::Unavailable,
        Self::Cancelled,
        Self::TimedOut,
        Self::Failed,
    ];

    /// The name on the wire and in JavaScript's `error.code` (`"notFound"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Unsupported => "unsupported",
            Self::InvalidRequest => "invalidRequest",
            Self::NotFound => "notFound",
            Self::NoPermissions => "noPermissions",
            Self::Unavailable => "unavailable",
            Self::Cancelled => "cancelled",
            Self::TimedOut => "timedOut",
        }
    }
}

impl fmt::Display for HostCallErrorKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A host operation's failure: `{"kind", "message"}`.
///
/// `Display` and `Error` are written by hand rather than with `thiserror`: every native extension compiles
/// this crate, and one proc macro (serde's) is enough.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostCallError {
    /// What kind of failure.
    pub kind: HostCallErrorKind,
    /// What happened, for people.
    #[serde(default)]
    pub message: String,
}

impl HostCallError {
    /// A failure of `kind` with `message`.
    pub fn new(kind: HostCallErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// [`HostCallErrorKind::Failed`].
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(HostCallErrorKind::Failed, message)
    }

    /// [`HostCallErrorKind::NotFound`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(HostCallErrorKind::NotFound, message)
    }

    /// [`HostCallErrorKind::InvalidRequest`].
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(HostCallErrorKind::InvalidRequest, message)
    }

    /// [`HostCallErrorKind::NoPermissions`].
    pub fn no_permissions(message: impl Into<String>) -> Self {
        Self::new(HostCallErrorKind::NoPermissions, message)
    }

    /// [`HostCallErrorKind::Unavailable`].
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(HostCallErrorKind::Unavailable, message)
    }

    /// [`HostCallErrorKind::Cancelled`].
    pub fn cancelled(message: impl Into<String>) -> Self {
        Self::new(HostCallErrorKind::Cancelled, message)
    }

    /// [`HostCallErrorKind::TimedOut`].
    pub fn timed_out(message: impl Into<String>) -> Self {
        Self::new(HostCallErrorKind::TimedOut, message)
    }

    /// [`HostCallErrorKind::Unsupported`].
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(HostCallErrorKind::Unsupported, message)
    }

    /// The kind of failure.
    pub fn kind(&self) -> HostCallErrorKind {
        self.kind
    }

    /// The answer a host call carries for this failure: `{"error": {"kind", "message"}}`.
    pub fn to_answer(&self) -> serde_json::Value {
        serde_json::json!({ "error": self })
    }
}

impl fmt::Display for HostCallError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for HostCallError {}

/// A bare message is a [`HostCallErrorKind::Failed`].
impl From<String> for HostCallError {
    fn from(message: String) -> Self {
        Self::failed(message)
    }
}

/// A bare message is a [`HostCallErrorKind::Failed`].
impl From<&str> for HostCallError {
    fn from(message: &str) -> Self {
        Self::failed(message)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn kinds_round_trip_their_wire_names() {
        for kind in HostCallErrorKind::ALL {
            let wire = serde_json::to_value(kind).unwrap();
            assert_eq!(wire, json!(kind.as_str()));
            assert_eq!(
                serde_json::from_value::<HostCallErrorKind>(wire).unwrap(),
                kind
            );
        }
    }

    #[test]
    fn an_unknown_kind_from_a_newer_host_reads_as_failed() {
        let error: HostCallError =
            serde_json::from_value(json!({"kind": "quantumDecoherence", "message": "x"})).unwrap();
        assert_eq!(error, HostCallError::failed("x"));
    }

    #[test]
    fn errors_are_kind_and_message_on_the_wire() {
        let error = HostCallError::not_found("command not found: a.b");
        assert_eq!(
            error.to_answer(),
            json!({"error": {"kind": "notFound", "message": "command not found: a.b"}})
        );
        assert_eq!(error.to_string(), "command not found: a.b");
        assert_eq!(
            HostCallError::from("boom".to_owned()).kind(),
            HostCallErrorKind::Failed
        );
    }
}
