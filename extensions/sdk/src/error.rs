//! The error type of the SDK: what a command handler returns when it fails, and what a host operation
//! answers when the host refuses it.

use std::fmt;

use exthost_abi::HostCallErrorKind;

/// Why something did not work. Command handlers return it to fail a command (the editor sees the message);
/// [`Host`](crate::Host) operations return it when the host refuses or does not support them.
///
/// Written by hand rather than with `thiserror`: every native extension compiles this crate, and a
/// proc-macro dependency would double the build time of a fresh extension.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A failure raised by extension code, e.g. with [`Error::new`] or `?` on a `String`.
    Message(String),
    /// An argument of a command was missing or did not have the expected shape.
    Argument {
        /// The argument's position (0 for the first).
        index: usize,
        /// What was wrong.
        reason: String,
    },
    /// The host carried out the operation and it failed (a command that threw, a command id already taken,
    /// an extension that does not exist, …).
    Host {
        /// The operation (`executeCommand`, `registerCommand`, …).
        operation: String,
        /// What kind of failure the host reported (`notFound`, `noPermissions`, `failed`, …).
        kind: HostCallErrorKind,
        /// The host's message.
        message: String,
    },
    /// The host does not offer this operation (an older host, or one built without the feature). The
    /// extension keeps running; fall back or skip the feature.
    Unsupported {
        /// The operation.
        operation: String,
        /// The host's explanation.
        message: String,
    },
    /// A [`Host`](crate::Host) handle was used after its extension instance was destroyed.
    Detached,
}

impl Error {
    /// A failure with `message`, e.g. `Err(Error::new("no word under the cursor"))`.
    pub fn new(message: impl Into<String>) -> Self {
        Self::Message(message.into())
    }

    /// The kind of a failure the host reported ([`Error::Host`]), `None` for any other error.
    pub fn host_error_kind(&self) -> Option<HostCallErrorKind> {
        match self {
            Self::Host { kind, .. } => Some(*kind),
            Self::Unsupported { .. } => Some(HostCallErrorKind::Unsupported),
            _ => None,
        }
    }

    /// Whether this is [`Error::Unsupported`]: the host does not offer the operation yet.
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Self::Unsupported { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Message(message) => formatter.write_str(message),
            Self::Argument { index, reason } => write!(formatter, "argument {index}: {reason}"),
            Self::Host {
                operation, message, ..
            } => write!(formatter, "{operation} failed: {message}"),
            Self::Unsupported { operation, message } => {
                write!(
                    formatter,
                    "{operation} is not supported by this host: {message}"
                )
            }
            Self::Detached => formatter
                .write_str("the host handle was used after the extension instance was destroyed"),
        }
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Self::Message(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Self::Message(message.to_owned())
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Self::Message(error.to_string())
    }
}

/// `Result` with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_went_wrong() {
        let cases = [
            (Error::new("no word"), "no word"),
            (
                Error::Argument {
                    index: 1,
                    reason: "expected a string".to_owned(),
                },
                "argument 1: expected a string",
            ),
            (
                Error::Host {
                    operation: "executeCommand".to_owned(),
                    kind: HostCallErrorKind::NotFound,
                    message: "command not found: x".to_owned(),
                },
                "executeCommand failed: command not found: x",
            ),
            (
                Error::Unsupported {
                    operation: "configuration".to_owned(),
                    message: "not yet".to_owned(),
                },
                "configuration is not supported by this host: not yet",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.to_string(), expected);
        }
        assert!(
            Error::Unsupported {
                operation: String::new(),
                message: String::new()
            }
            .is_unsupported()
        );
    }
}
