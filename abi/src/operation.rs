//! [`HostOperation`]: everything extension code may ask of the host, in one serde-tagged enum. Native
//! libraries send it as `{"op": "registerCommand", "command": "…"}`; the JavaScript bootstraps send the
//! name and the fields apart (`hostCall("registerCommand", {command})`), which [`HostOperation::from_kind`]
//! joins. Either way this enum is the only parser of operations in host and SDK.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::HostCallError;

/// One operation extension code asks of the host. The answer is a JSON value or a [`HostCallError`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum HostOperation {
    /// `commands.registerCommand`: route `command` to this extension from now on. Fails if another
    /// extension registered it.
    RegisterCommand {
        /// The command id.
        command: String,
    },
    /// Disposal of a registered command.
    UnregisterCommand {
        /// The command id.
        command: String,
    },
    /// `commands.executeCommand`: run any extension's command (activating it on `onCommand:<id>`); the
    /// answer is the command's result.
    ExecuteCommand {
        /// The command id.
        command: String,
        /// The arguments.
        #[serde(default)]
        arguments: Vec<Value>,
    },
    /// `commands.getCommands`: every registered command id.
    GetCommands,
    /// `extensions.getExtension(id)`: `{id, extensionPath, isActive, packageJSON, exports}` or `null`.
    GetExtension {
        /// The extension id.
        id: String,
    },
    /// `extensions.all`: the same description for every known extension.
    AllExtensions,
    /// `Extension.activate()`: activate `id` (dependencies first) and answer its exports.
    ActivateExtension {
        /// The extension id.
        id: String,
    },
    /// Call a function in another extension's exports (a proxy obtained through `exports`).
    CallExport {
        /// The extension that owns the function.
        id: String,
        /// Property path from its exports to the function.
        #[serde(default)]
        path: Vec<String>,
        /// The arguments.
        #[serde(default)]
        arguments: Vec<Value>,
    },
    /// Everything about the session an extension needs when it starts: `{initializeParams,
    /// workspaceFolders, documents, settings, activeEditor, clientCapabilities}` (JavaScript shims).
    Snapshot,
    /// The effective settings as a flat object of dotted keys (native extensions).
    Settings,
    /// Register a language feature provider (`languages.register*Provider`).
    RegisterProvider {
        /// A number unique within this extension, used when the host invokes the provider. Named
        /// `provider` on the wire (`handle` is accepted too: the JavaScript shims' name).
        #[serde(rename = "provider", alias = "handle")]
        handle: u64,
        /// The LSP method it answers, e.g. `textDocument/hover`.
        method: String,
        /// The VS Code document selector as JSON: a language id, a filter `{language?, scheme?,
        /// pattern?}`, or an array of those.
        #[serde(default)]
        selector: Value,
        /// Method-specific options (`triggerCharacters`, `legend`, `resolveProvider`, …); `null` for none.
        #[serde(default)]
        options: Value,
    },
    /// Dispose a provider.
    UnregisterProvider {
        /// Its handle (`provider` on the wire, or `handle`).
        #[serde(rename = "provider", alias = "handle")]
        handle: u64,
    },
    /// Replace the diagnostics of one collection for one document (`DiagnosticCollection.set/delete/clear`).
    SetDiagnostics {
        /// The collection's name (unique within the extension).
        collection: String,
        /// The document URI.
        uri: String,
        /// LSP `Diagnostic`s (empty clears).
        #[serde(default)]
        diagnostics: Vec<Value>,
    },
    /// Write a setting (`WorkspaceConfiguration.update`).
    UpdateSetting {
        /// The full dotted key, e.g. `conf.view.showOnWindowOpen`.
        key: String,
        /// The new value (`null` removes it).
        #[serde(default)]
        value: Value,
        /// Where it is written.
        target: ConfigurationTarget,
    },
    /// Send an LSP notification to the editor (only the methods documented in docs/protocol.md).
    EditorNotify {
        /// The method.
        method: String,
        /// The params.
        #[serde(default)]
        params: Value,
    },
    /// Send an LSP request to the editor and answer its result (only documented methods).
    EditorRequest {
        /// The method.
        method: String,
        /// The params.
        #[serde(default)]
        params: Value,
    },
    /// Show a message to the user (`window/showMessage`; native extensions).
    ShowMessage {
        /// LSP `MessageType`: 1 error, 2 warning, 3 info (the default), 4 log.
        #[serde(rename = "type", default = "info_message")]
        message_type: u8,
        /// The text.
        #[serde(default)]
        message: String,
    },
    /// `vscode.env.machineId` (answered by the engine itself).
    MachineId,
    /// `workspace.fs.stat` inside the workspace folders (answered by the engine itself).
    #[serde(rename = "fs.stat")]
    FsStat {
        /// The path.
        path: PathBuf,
    },
    /// `workspace.fs.readFile` inside the workspace folders (answered by the engine itself).
    #[serde(rename = "fs.readFile")]
    FsReadFile {
        /// The path.
        path: PathBuf,
    },
    /// `workspace.fs.readDirectory` inside the workspace folders (answered by the engine itself).
    #[serde(rename = "fs.readDirectory")]
    FsReadDirectory {
        /// The path.
        path: PathBuf,
    },
    /// `workspace.findFiles` inside the workspace folders (answered by the engine itself):
    /// `{include: [{base, pattern}], exclude, maxResults}`.
    #[serde(rename = "fs.findFiles")]
    FsFindFiles {
        /// The query, as the shim sends it.
        #[serde(flatten)]
        query: Map<String, Value>,
    },
    /// `Memento.update` / `SecretStorage.store` / `SecretStorage.delete`: change one key of the extension's
    /// persisted state. Answered (`null`) once the change is on disk.
    StateUpdate {
        /// Which of the extension's key-value files.
        scope: StateScope,
        /// The key.
        key: String,
        /// The new value (ignored when `delete`).
        #[serde(default)]
        value: Value,
        /// Remove the key instead.
        #[serde(default, skip_serializing_if = "is_false")]
        delete: bool,
    },
    /// `SecretStorage.get`: the secret stored under `key`, or `null`.
    SecretGet {
        /// The key.
        key: String,
    },
    /// `SecretStorage.keys`: the keys of the extension's secrets.
    SecretKeys,
    /// What an `ExtensionContext` starts from: its persisted `globalState` and `workspaceState` and
    /// its storage folders (created on disk). Asked synchronously when the shim creates the context.
    ExtensionState,
    /// Whether the extension now listens to document changes (`workspace.onDidChangeTextDocument`):
    /// sent when its first listener is added (`true`) and when its last is disposed (`false`).
    /// Fire-and-forget. While it does not listen, the host may hold its `documentChanged` events back
    /// and deliver them (merged) before anything else it sends it, or after a short delay.
    DocumentChangeListeners {
        /// Whether at least one listener is subscribed.
        listening: bool,
    },
    /// A log line: goes to tracing and to the editor as `window/logMessage`. Fire-and-forget.
    Log {
        /// Severity (an unknown name is `info`).
        #[serde(default)]
        level: LogLevel,
        /// The text.
        #[serde(default)]
        message: String,
    },
}

fn info_message() -> u8 {
    3
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Which of an extension's key-value files [`HostOperation::StateUpdate`] changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateScope {
    /// `context.globalState`.
    Global,
    /// `context.workspaceState`.
    Workspace,
    /// `context.secrets`.
    Secrets,
}

impl HostOperation {
    /// The name (`op`) of every operation, as on the wire.
    pub const NAMES: [&'static str; 28] = [
        "registerCommand",
        "unregisterCommand",
        "executeCommand",
        "getCommands",
        "getExtension",
        "allExtensions",
        "activateExtension",
        "callExport",
        "snapshot",
        "settings",
        "registerProvider",
        "unregisterProvider",
        "setDiagnostics",
        "updateSetting",
        "editorNotify",
        "editorRequest",
        "showMessage",
        "machineId",
        "fs.stat",
        "fs.readFile",
        "fs.readDirectory",
        "fs.findFiles",
        "stateUpdate",
        "secretGet",
        "secretKeys",
        "extensionState",
        "documentChangeListeners",
        "log",
    ];

    /// Parses `{"op": name, …fields}`. An unknown `op` is [`Unsupported`](crate::HostCallErrorKind::Unsupported)
    /// (a newer SDK's operation); a known one with missing or malformed fields
    /// [`InvalidRequest`](crate::HostCallErrorKind::InvalidRequest).
    pub fn from_json(operation: Value) -> Result<Self, HostCallError> {
        let name = match operation.get("op") {
            Some(Value::String(name)) => name.clone(),
            _ => {
                return Err(HostCallError::invalid_request(
                    "the operation has no \"op\"",
                ));
            }
        };
        if !Self::NAMES.contains(&name.as_str()) {
            return Err(HostCallError::unsupported(format!(
                "this host does not know the operation {name}"
            )));
        }
        serde_json::from_value(operation)
            .map_err(|error| HostCallError::invalid_request(format!("{name}: {error}")))
    }

    /// Parses UTF-8 JSON bytes as [`HostOperation::from_json`] does.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, HostCallError> {
        let operation: Value = serde_json::from_slice(bytes).map_err(|error| {
            HostCallError::invalid_request(format!("the operation is not JSON: {error}"))
        })?;
        Self::from_json(operation)
    }

    /// Parses an operation sent as a name and its fields apart (the JavaScript bootstraps'
    /// `hostCall(kind, payload)`): `payload` is an object of the fields, or `null` when there are none.
    pub fn from_kind(kind: &str, payload: Value) -> Result<Self, HostCallError> {
        let mut fields = match payload {
            Value::Object(fields) => fields,
            Value::Null => Map::new(),
            other => {
                return Err(HostCallError::invalid_request(format!(
                    "{kind}: the fields must be an object, not {other}"
                )));
            }
        };
        fields.insert("op".to_owned(), Value::String(kind.to_owned()));
        Self::from_json(Value::Object(fields))
    }

    /// The operation as JSON, `{"op": …}`.
    pub fn to_json(&self) -> Value {
        // A derived serialisation of strings, numbers and JSON values cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The operation's name (`op`), e.g. `registerCommand`.
    pub fn name(&self) -> &'static str {
        let json = self.to_json();
        let name = json.get("op").and_then(Value::as_str).unwrap_or_default();
        Self::NAMES
            .iter()
            .copied()
            .find(|known| *known == name)
            .unwrap_or("unknown")
    }
}

/// Severity of a log line (`console.*`, output channels, [`HostOperation::Log`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// `console.error` (`window/logMessage` type 1).
    Error,
    /// `console.warn` (type 2).
    Warn,
    /// `console.debug` and `console.trace` (type 4).
    Debug,
    /// `console.info` and `console.log` (type 3); also any name this host does not know (last, as serde
    /// wants of the variant that takes unknown names).
    #[default]
    #[serde(other)]
    Info,
}

impl LogLevel {
    /// The name used on the wire (`"error"`, `"warn"`, `"info"`, `"debug"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warn => "warn",
            Self::Info => "info",
            Self::Debug => "debug",
        }
    }

    /// The level named `name` on the wire, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "error" => Some(Self::Error),
            "warn" => Some(Self::Warn),
            "info" => Some(Self::Info),
            "debug" => Some(Self::Debug),
            _ => None,
        }
    }

    /// The level named `name`, [`LogLevel::Info`] for a name this host does not know (`log`, `trace`).
    pub fn from_name_or_info(name: &str) -> Self {
        Self::from_name(name).unwrap_or_default()
    }
}

/// Where [`HostOperation::UpdateSetting`] writes: VS Code's `ConfigurationTarget`, a number on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum ConfigurationTarget {
    /// 1: the user's settings.
    Global,
    /// 2: the workspace's settings.
    Workspace,
    /// 3: a workspace folder's settings.
    WorkspaceFolder,
}

impl ConfigurationTarget {
    /// The number VS Code uses.
    pub fn number(self) -> u8 {
        match self {
            Self::Global => 1,
            Self::Workspace => 2,
            Self::WorkspaceFolder => 3,
        }
    }
}

impl From<ConfigurationTarget> for u8 {
    fn from(target: ConfigurationTarget) -> Self {
        target.number()
    }
}

impl TryFrom<u8> for ConfigurationTarget {
    type Error = String;

    fn try_from(number: u8) -> Result<Self, Self::Error> {
        match number {
            1 => Ok(Self::Global),
            2 => Ok(Self::Workspace),
            3 => Ok(Self::WorkspaceFolder),
            other => Err(format!("target must be 1, 2 or 3, not {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::HostCallErrorKind;

    /// Every operation, as a native library sends it and as the host parses it.
    fn cases() -> Vec<(Value, HostOperation)> {
        vec![
            (
                json!({"op": "registerCommand", "command": "a.b"}),
                HostOperation::RegisterCommand {
                    command: "a.b".to_owned(),
                },
            ),
            (
                json!({"op": "unregisterCommand", "command": "a.b"}),
                HostOperation::UnregisterCommand {
                    command: "a.b".to_owned(),
                },
            ),
            (
                json!({"op": "executeCommand", "command": "a.b", "arguments": [1, "x"]}),
                HostOperation::ExecuteCommand {
                    command: "a.b".to_owned(),
                    arguments: vec![json!(1), json!("x")],
                },
            ),
            (json!({"op": "getCommands"}), HostOperation::GetCommands),
            (
                json!({"op": "getExtension", "id": "x.y"}),
                HostOperation::GetExtension {
                    id: "x.y".to_owned(),
                },
            ),
            (json!({"op": "allExtensions"}), HostOperation::AllExtensions),
            (
                json!({"op": "activateExtension", "id": "x.y"}),
                HostOperation::ActivateExtension {
                    id: "x.y".to_owned(),
                },
            ),
            (
                json!({"op": "callExport", "id": "x.y", "path": ["api", "f"], "arguments": []}),
                HostOperation::CallExport {
                    id: "x.y".to_owned(),
                    path: vec!["api".to_owned(), "f".to_owned()],
                    arguments: vec![],
                },
            ),
            (json!({"op": "snapshot"}), HostOperation::Snapshot),
            (json!({"op": "settings"}), HostOperation::Settings),
            (
                json!({"op": "registerProvider", "provider": 3, "method": "textDocument/hover",
                       "selector": [{"language": "rust"}], "options": {"resolveProvider": true}}),
                HostOperation::RegisterProvider {
                    handle: 3,
                    method: "textDocument/hover".to_owned(),
                    selector: json!([{"language": "rust"}]),
                    options: json!({"resolveProvider": true}),
                },
            ),
            (
                json!({"op": "unregisterProvider", "provider": 3}),
                HostOperation::UnregisterProvider { handle: 3 },
            ),
            (
                json!({"op": "setDiagnostics", "collection": "c", "uri": "file:///a", "diagnostics": [{}]}),
                HostOperation::SetDiagnostics {
                    collection: "c".to_owned(),
                    uri: "file:///a".to_owned(),
                    diagnostics: vec![json!({})],
                },
            ),
            (
                json!({"op": "updateSetting", "key": "a.b", "value": 2, "target": 2}),
                HostOperation::UpdateSetting {
                    key: "a.b".to_owned(),
                    value: json!(2),
                    target: ConfigurationTarget::Workspace,
                },
            ),
            (
                json!({"op": "editorNotify", "method": "window/showMessage", "params": {"type": 3}}),
                HostOperation::EditorNotify {
                    method: "window/showMessage".to_owned(),
                    params: json!({"type": 3}),
                },
            ),
            (
                json!({"op": "editorRequest", "method": "workspace/applyEdit", "params": {}}),
                HostOperation::EditorRequest {
                    method: "workspace/applyEdit".to_owned(),
                    params: json!({}),
                },
            ),
            (
                json!({"op": "showMessage", "type": 1, "message": "no"}),
                HostOperation::ShowMessage {
                    message_type: 1,
                    message: "no".to_owned(),
                },
            ),
            (json!({"op": "machineId"}), HostOperation::MachineId),
            (
                json!({"op": "stateUpdate", "scope": "global", "key": "k", "value": [1]}),
                HostOperation::StateUpdate {
                    scope: StateScope::Global,
                    key: "k".to_owned(),
                    value: json!([1]),
                    delete: false,
                },
            ),
            (
                json!({"op": "secretGet", "key": "token"}),
                HostOperation::SecretGet {
                    key: "token".to_owned(),
                },
            ),
            (json!({"op": "secretKeys"}), HostOperation::SecretKeys),
            (
                json!({"op": "extensionState"}),
                HostOperation::ExtensionState,
            ),
            (
                json!({"op": "fs.stat", "path": "/w/a"}),
                HostOperation::FsStat {
                    path: PathBuf::from("/w/a"),
                },
            ),
            (
                json!({"op": "fs.readFile", "path": "/w/a"}),
                HostOperation::FsReadFile {
                    path: PathBuf::from("/w/a"),
                },
            ),
            (
                json!({"op": "fs.readDirectory", "path": "/w"}),
                HostOperation::FsReadDirectory {
                    path: PathBuf::from("/w"),
                },
            ),
            (
                json!({"op": "fs.findFiles", "include": [{"base": "/w", "pattern": "*.rs"}], "maxResults": 5}),
                HostOperation::FsFindFiles {
                    query: json!({"include": [{"base": "/w", "pattern": "*.rs"}], "maxResults": 5})
                        .as_object()
                        .cloned()
                        .unwrap(),
                },
            ),
            (
                json!({"op": "documentChangeListeners", "listening": true}),
                HostOperation::DocumentChangeListeners { listening: true },
            ),
            (
                json!({"op": "log", "level": "warn", "message": "careful"}),
                HostOperation::Log {
                    level: LogLevel::Warn,
                    message: "careful".to_owned(),
                },
            ),
        ]
    }

    #[test]
    fn every_operation_round_trips_its_wire_form() {
        let cases = cases();
        let mut named: Vec<&str> = cases
            .iter()
            .map(|(_, operation)| operation.name())
            .collect();
        named.sort_unstable();
        named.dedup();
        assert_eq!(named.len(), cases.len(), "one case per operation");
        for (wire, operation) in cases {
            assert_eq!(
                HostOperation::from_json(wire.clone()).as_ref(),
                Ok(&operation),
                "{wire}"
            );
            assert_eq!(operation.to_json(), wire, "{operation:?}");
            assert_eq!(Some(operation.name()), wire["op"].as_str());
        }
    }

    #[test]
    fn every_name_is_an_operation() {
        let cases = cases();
        let names: Vec<&str> = cases
            .iter()
            .map(|(wire, _)| wire["op"].as_str().unwrap())
            .collect();
        for name in HostOperation::NAMES {
            assert!(names.contains(&name), "{name} has no case");
        }
    }

    #[test]
    fn the_javascript_form_joins_name_and_fields() {
        assert_eq!(
            HostOperation::from_kind("getCommands", Value::Null),
            Ok(HostOperation::GetCommands)
        );
        assert_eq!(
            HostOperation::from_kind(
                "registerProvider",
                json!({"handle": 7, "method": "textDocument/hover", "selector": "rust"})
            ),
            Ok(HostOperation::RegisterProvider {
                handle: 7,
                method: "textDocument/hover".to_owned(),
                selector: json!("rust"),
                options: Value::Null,
            })
        );
        // The fields cannot smuggle in another operation: the name given wins.
        assert_eq!(
            HostOperation::from_kind(
                "getCommands",
                json!({"op": "registerCommand", "command": "x"})
            ),
            Ok(HostOperation::GetCommands)
        );
    }

    #[test]
    fn defaults_fill_optional_fields() {
        assert_eq!(
            HostOperation::from_json(json!({"op": "executeCommand", "command": "a"})),
            Ok(HostOperation::ExecuteCommand {
                command: "a".to_owned(),
                arguments: vec![]
            })
        );
        assert_eq!(
            HostOperation::from_json(json!({"op": "showMessage"})),
            Ok(HostOperation::ShowMessage {
                message_type: 3,
                message: String::new()
            })
        );
        assert_eq!(
            HostOperation::from_json(json!({"op": "log", "level": "trace", "message": "m"})),
            Ok(HostOperation::Log {
                level: LogLevel::Info,
                message: "m".to_owned()
            })
        );
    }

    #[test]
    fn malformed_and_unknown_operations_have_their_kinds() {
        for (wire, kind) in [
            (
                json!({"op": "registerProvider", "method": "x"}),
                HostCallErrorKind::InvalidRequest,
            ),
            (
                json!({"op": "registerCommand"}),
                HostCallErrorKind::InvalidRequest,
            ),
            (
                json!({"op": "registerCommand", "command": 5}),
                HostCallErrorKind::InvalidRequest,
            ),
            (
                json!({"op": "updateSetting", "key": "a", "target": 4}),
                HostCallErrorKind::InvalidRequest,
            ),
            (json!({"op": "teleport"}), HostCallErrorKind::Unsupported),
            (json!({}), HostCallErrorKind::InvalidRequest),
            (json!([1]), HostCallErrorKind::InvalidRequest),
        ] {
            let error = HostOperation::from_json(wire.clone()).unwrap_err();
            assert_eq!(error.kind, kind, "{wire}: {error}");
        }
        assert_eq!(
            HostOperation::from_kind("registerCommand", json!([1]))
                .unwrap_err()
                .kind,
            HostCallErrorKind::InvalidRequest
        );
        assert_eq!(
            HostOperation::from_slice(b"not json").unwrap_err().kind,
            HostCallErrorKind::InvalidRequest
        );
    }

    #[test]
    fn log_levels_round_trip_their_names() {
        for level in [
            LogLevel::Error,
            LogLevel::Warn,
            LogLevel::Info,
            LogLevel::Debug,
        ] {
            assert_eq!(LogLevel::from_name(level.as_str()), Some(level));
            assert_eq!(serde_json::to_value(level).unwrap(), json!(level.as_str()));
        }
        assert_eq!(LogLevel::from_name("loud"), None);
        assert_eq!(LogLevel::from_name_or_info("loud"), LogLevel::Info);
    }
}
