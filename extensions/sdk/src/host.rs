//! [`Host`]: the extension's handle on the exthost host — execute commands (its own or other
//! extensions', JavaScript or native), log to the editor, look up extensions, read configuration.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use exthost_abi::{HostCallError, HostCallErrorKind, HostOperation};
use serde_json::{Map, Value};

use crate::abi::HostVTable;
use crate::error::{Error, Result};

/// Severity of a log line sent with [`Host::log`]; the editor receives it as LSP `window/logMessage`.
/// (`exthost-abi`'s definition, which the host uses too.)
pub use exthost_abi::LogLevel;

/// Kind of a message shown to the user with [`Host::show_message`] (LSP `window/showMessage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageLevel {
    /// An error message.
    Error,
    /// A warning.
    Warning,
    /// Information.
    Info,
}

impl MessageLevel {
    /// LSP's `MessageType` number (1 error, 2 warning, 3 info).
    pub fn lsp_type(self) -> u8 {
        match self {
            Self::Error => 1,
            Self::Warning => 2,
            Self::Info => 3,
        }
    }
}

/// The extension's handle on the host. Cheap to clone; keep a clone in your extension's state or in a
/// command's closure to use it later.
///
/// Every operation is synchronous: it blocks the extension's thread until the host answers (each native
/// extension has a thread of its own, so this blocks no other extension). While it waits, the host may call
/// back into this extension to serve requests that arrive meanwhile — a command of yours that the command
/// you executed runs, for instance — so a command handler may run while another is waiting.
///
/// `Host` is neither `Send` nor `Sync`: it may only be used on the thread the host calls the extension on
/// (inside [`Extension::activate`](crate::Extension::activate), `deactivate`, and handlers). After the
/// extension instance is destroyed every operation answers [`Error::Detached`].
#[derive(Clone)]
pub struct Host {
    link: Rc<HostLink>,
}

/// The vtable behind every clone of one [`Host`]; null once the instance is destroyed.
struct HostLink {
    vtable: Cell<*const HostVTable>,
}

impl fmt::Debug for Host {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Host")
            .field("attached", &!self.link.vtable.get().is_null())
            .finish()
    }
}

impl Host {
    /// A handle on the host behind `vtable`, which must stay valid until [`Host::detach`].
    pub(crate) fn new(vtable: *const HostVTable) -> Self {
        Self {
            link: Rc::new(HostLink {
                vtable: Cell::new(vtable),
            }),
        }
    }

    /// Forgets the vtable (the instance is being destroyed): every clone answers [`Error::Detached`] after.
    pub(crate) fn detach(&self) {
        self.link.vtable.set(std::ptr::null());
    }

    /// Sends one operation to the host and decodes its answer.
    pub(crate) fn request(&self, request: &HostOperation) -> Result<Value> {
        let operation = request.name();
        let vtable = self.link.vtable.get();
        if vtable.is_null() {
            return Err(Error::Detached);
        }
        let bytes = serde_json::to_vec(request)?;
        // SAFETY: the vtable is valid until `detach` (the host keeps it alive until the instance is
        // destroyed, and destruction detaches first); `Host` is not `Send`, so this runs on the thread the
        // host serves the extension on.
        let answer = unsafe {
            let vtable = &*vtable;
            let buffer = (vtable.call)(vtable.context, bytes.as_ptr(), bytes.len());
            let answer = buffer.to_vec();
            (vtable.free_buffer)(buffer);
            answer
        };
        decode_answer(operation, &answer)
    }

    /// Runs a command by id — one of this extension's, another native extension's or a JavaScript
    /// extension's — activating its extension first if needed (`onCommand:<id>`), and answers its result.
    ///
    /// ```no_run
    /// # fn example(host: &exthost_sdk::Host) -> exthost_sdk::Result<()> {
    /// use exthost_sdk::json;
    /// let greeting = host.execute_command("hello.say", vec![json!("Ada")])?;
    /// host.info(format!("hello.say answered {greeting}"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn execute_command(&self, command: &str, arguments: Vec<Value>) -> Result<Value> {
        self.request(&HostOperation::ExecuteCommand {
            command: command.to_owned(),
            arguments,
        })
    }

    /// Every command id registered with the host right now (all extensions).
    pub fn commands(&self) -> Result<Vec<String>> {
        let commands = self.request(&HostOperation::GetCommands)?;
        Ok(serde_json::from_value(commands)?)
    }

    /// Describes the extension `id` — `{id, extensionPath, isActive, packageJSON, exports}` — or answers
    /// `None` when no such extension exists. Does not activate it.
    pub fn extension(&self, id: &str) -> Result<Option<Value>> {
        let description = self.request(&HostOperation::GetExtension { id: id.to_owned() })?;
        Ok((!description.is_null()).then_some(description))
    }

    /// Activates the extension `id` (its dependencies first) and answers its exports.
    pub fn activate_extension(&self, id: &str) -> Result<Value> {
        self.request(&HostOperation::ActivateExtension { id: id.to_owned() })
    }

    /// Calls the function at `path` in the exports of extension `id` (a JavaScript extension's
    /// `exports.api.greet` is `&["api", "greet"]`; a native extension's
    /// [`Context::export_function`](crate::Context::export_function) `"greet"` is `&["greet"]`).
    pub fn call_export(&self, id: &str, path: &[&str], arguments: Vec<Value>) -> Result<Value> {
        self.request(&HostOperation::CallExport {
            id: id.to_owned(),
            path: path.iter().map(|&key| key.to_owned()).collect(),
            arguments,
        })
    }

    /// Writes a log line: the host logs it and sends it to the editor as `window/logMessage`, prefixed
    /// with the extension's id. Never fails (a line that cannot be delivered is dropped).
    pub fn log(&self, level: LogLevel, message: impl Into<String>) {
        let message: String = message.into();
        // Logging is fire-and-forget: a detached handle has nowhere to write to.
        let _ = self.request(&HostOperation::Log { level, message });
    }

    /// [`Host::log`] at [`LogLevel::Error`].
    pub fn error(&self, message: impl Into<String>) {
        self.log(LogLevel::Error, message);
    }

    /// [`Host::log`] at [`LogLevel::Warn`].
    pub fn warn(&self, message: impl Into<String>) {
        self.log(LogLevel::Warn, message);
    }

    /// [`Host::log`] at [`LogLevel::Info`].
    pub fn info(&self, message: impl Into<String>) {
        self.log(LogLevel::Info, message);
    }

    /// [`Host::log`] at [`LogLevel::Debug`].
    pub fn debug(&self, message: impl Into<String>) {
        self.log(LogLevel::Debug, message);
    }

    /// Shows a message to the user (LSP `window/showMessage`).
    pub fn show_message(&self, level: MessageLevel, message: impl Into<String>) -> Result<()> {
        let message: String = message.into();
        self.request(&HostOperation::ShowMessage {
            message_type: level.lsp_type(),
            message,
        })
        .map(drop)
    }

    /// Reads configuration as `workspace.getConfiguration(section)` does for JavaScript extensions: the
    /// host's settings are dotted keys (`words.minimumLength`) — defaults from manifests'
    /// `contributes.configuration`, then what the editor sent, then the user's and the workspace's
    /// `settings.json` — and this answers the value at `section` when it is a key, else an object of the
    /// keys under it (`{"minimumLength": 3}` for `"words"`; `{}` when there is none; everything for `""`).
    ///
    /// ```no_run
    /// # fn example(host: &exthost_sdk::Host) -> exthost_sdk::Result<()> {
    /// let minimum = host.configuration("words.minimumLength")?.as_u64().unwrap_or(3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn configuration(&self, section: &str) -> Result<Value> {
        let settings = self.request(&HostOperation::Settings)?;
        Ok(match settings {
            Value::Object(settings) => section_of(&settings, section),
            _ => Value::Object(Map::new()),
        })
    }
}

/// The value of `section` in flat dotted `settings`: the value itself when `section` is a key, else the
/// keys under it, nested.
pub(crate) fn section_of(settings: &Map<String, Value>, section: &str) -> Value {
    if let Some(value) = settings.get(section).filter(|_| !section.is_empty()) {
        return value.clone();
    }
    let prefix = format!("{section}.");
    let mut nested = Map::new();
    for (key, value) in settings {
        let relative = if section.is_empty() {
            key.as_str()
        } else if let Some(relative) = key.strip_prefix(&prefix) {
            relative
        } else {
            continue;
        };
        let mut parts: Vec<&str> = relative.split('.').collect();
        let Some(leaf) = parts.pop() else { continue };
        let mut target = &mut nested;
        for part in parts {
            let entry = target
                .entry(part.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(inner) = entry else {
                unreachable!("made an object just above")
            };
            target = inner;
        }
        target.insert(leaf.to_owned(), value.clone());
    }
    Value::Object(nested)
}

/// Decodes the host's answer to `operation`: `{"ok": value}` or `{"error": {"kind", "message"}}`
/// ([`HostCallError`]).
fn decode_answer(operation: &str, answer: &[u8]) -> Result<Value> {
    let host_error = |error: HostCallError| Error::Host {
        operation: operation.to_owned(),
        kind: error.kind,
        message: error.message,
    };
    let mut answer: Value = serde_json::from_slice(answer).map_err(|error| {
        host_error(HostCallError::failed(format!(
            "the host answered invalid JSON: {error}"
        )))
    })?;
    if let Some(value) = answer.get_mut("ok") {
        return Ok(value.take());
    }
    let error = match answer.get_mut("error").map(Value::take) {
        Some(Value::String(message)) => HostCallError::failed(message),
        Some(error) => serde_json::from_value(error).unwrap_or_else(|error| {
            HostCallError::failed(format!("the host answered an unreadable error: {error}"))
        }),
        None => HostCallError::failed("the host answered neither ok nor error"),
    };
    if error.kind == HostCallErrorKind::Unsupported {
        return Err(Error::Unsupported {
            operation: operation.to_owned(),
            message: error.message,
        });
    }
    Err(host_error(error))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn answers_decode_to_values_and_errors() {
        assert_eq!(decode_answer("x", br#"{"ok": 42}"#), Ok(json!(42)));
        assert_eq!(decode_answer("x", br#"{"ok": null}"#), Ok(Value::Null));
        assert_eq!(
            decode_answer(
                "executeCommand",
                br#"{"error": {"kind": "failed", "message": "boom"}}"#
            ),
            Err(Error::Host {
                operation: "executeCommand".to_owned(),
                kind: HostCallErrorKind::Failed,
                message: "boom".to_owned()
            })
        );
        assert!(
            decode_answer(
                "configuration",
                br#"{"error": {"kind": "unsupported", "message": "later"}}"#
            )
            .is_err_and(|error| error.is_unsupported())
        );
        assert_eq!(
            decode_answer(
                "executeCommand",
                br#"{"error": {"kind": "notFound", "message": "command not found: a.b"}}"#
            )
            .map_err(|error| error.host_error_kind()),
            Err(Some(HostCallErrorKind::NotFound))
        );
        assert!(matches!(
            decode_answer("x", b"not json"),
            Err(Error::Host { message, .. }) if message.contains("invalid JSON")
        ));
    }

    #[test]
    fn a_detached_handle_answers_detached() {
        let host = Host::new(std::ptr::null());
        assert_eq!(host.commands(), Err(Error::Detached));
        host.info("dropped quietly");
    }

    #[test]
    fn sections_of_flat_settings_nest_like_get_configuration() {
        let settings = json!({
            "words.minimumLength": 3,
            "words.style.case": "lower",
            "words.style.trim": true,
            "wordsmith.enabled": false,
        });
        let settings = settings.as_object().unwrap();
        assert_eq!(section_of(settings, "words.minimumLength"), json!(3));
        assert_eq!(
            section_of(settings, "words"),
            json!({"minimumLength": 3, "style": {"case": "lower", "trim": true}})
        );
        assert_eq!(
            section_of(settings, "words.style"),
            json!({"case": "lower", "trim": true})
        );
        assert_eq!(section_of(settings, "nothing"), json!({}));
        assert_eq!(
            section_of(settings, "")["wordsmith"],
            json!({"enabled": false})
        );
    }
}
