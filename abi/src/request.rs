//! [`ExtensionRequest`]: what the host asks of a native extension, as `exthost_extension_call` carries
//! it (`{"op": "activate", …}`). The SDK parses it with this enum; the host builds it from its own
//! runtime requests.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One request from the host to an extension. The answer is `{"ok": value}` or
/// `{"error": {"kind", "message"}}` (kinds `threw`, `panic`, `unknownCommand`, `invalidRequest`: see
/// `docs/native-abi.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ExtensionRequest {
    /// Create the extension and run its `activate`; the answer is its exports (`null` for none).
    Activate {
        /// The extension's id.
        #[serde(default)]
        extension_id: String,
        /// The extension's folder.
        #[serde(default)]
        extension_path: PathBuf,
        /// Whether it was given with `--dev`.
        #[serde(default)]
        development: bool,
    },
    /// Run `deactivate` and drop what the extension registered; answers `null`.
    Deactivate,
    /// Run one of the extension's commands; the answer is the command's result.
    ExecuteCommand {
        /// The command id.
        command: String,
        /// The arguments.
        #[serde(default)]
        arguments: Vec<Value>,
    },
    /// Call a function in the extension's exports (`{"$exthostFunction": path}` markers).
    CallExport {
        /// Property path from the exports to the function.
        #[serde(default)]
        path: Vec<String>,
        /// The arguments.
        #[serde(default)]
        arguments: Vec<Value>,
    },
    /// Ask a provider the extension registered; the answer is the LSP result.
    InvokeProvider {
        /// The provider's handle, chosen by the extension when it registered it.
        provider: u64,
        /// The LSP method, e.g. `textDocument/hover`.
        #[serde(default)]
        method: String,
        /// The LSP params.
        #[serde(default)]
        params: Value,
    },
    /// Cancel the call that was given `token` (not sent to native libraries: a native call cannot be
    /// interrupted).
    Cancel {
        /// The cancellation token id.
        token: u64,
    },
    /// A session event (`documentOpened`, `configurationChanged`, …; not sent to native libraries yet).
    Event {
        /// What happened.
        name: String,
        /// Its data.
        #[serde(default)]
        payload: Value,
    },
}

impl ExtensionRequest {
    /// The request as JSON, `{"op": …}`.
    pub fn to_json(&self) -> Value {
        // A derived serialisation of strings, numbers, paths and JSON values cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn requests_round_trip_the_native_wire_form() {
        let cases = [
            (
                json!({"op": "activate", "extensionId": "a.b", "extensionPath": "/x", "development": true}),
                ExtensionRequest::Activate {
                    extension_id: "a.b".to_owned(),
                    extension_path: PathBuf::from("/x"),
                    development: true,
                },
            ),
            (json!({"op": "deactivate"}), ExtensionRequest::Deactivate),
            (
                json!({"op": "executeCommand", "command": "a.b", "arguments": [1]}),
                ExtensionRequest::ExecuteCommand {
                    command: "a.b".to_owned(),
                    arguments: vec![json!(1)],
                },
            ),
            (
                json!({"op": "callExport", "path": ["greet"], "arguments": []}),
                ExtensionRequest::CallExport {
                    path: vec!["greet".to_owned()],
                    arguments: vec![],
                },
            ),
            (
                json!({"op": "invokeProvider", "provider": 2, "method": "textDocument/hover", "params": {}}),
                ExtensionRequest::InvokeProvider {
                    provider: 2,
                    method: "textDocument/hover".to_owned(),
                    params: json!({}),
                },
            ),
            (
                json!({"op": "cancel", "token": 9}),
                ExtensionRequest::Cancel { token: 9 },
            ),
            (
                json!({"op": "event", "name": "documentSaved", "payload": {"uri": "file:///a"}}),
                ExtensionRequest::Event {
                    name: "documentSaved".to_owned(),
                    payload: json!({"uri": "file:///a"}),
                },
            ),
        ];
        for (wire, request) in cases {
            assert_eq!(
                serde_json::from_value::<ExtensionRequest>(wire.clone())
                    .ok()
                    .as_ref(),
                Some(&request),
                "{wire}"
            );
            assert_eq!(request.to_json(), wire);
        }
        assert!(serde_json::from_value::<ExtensionRequest>(json!({"op": "explode"})).is_err());
    }
}
