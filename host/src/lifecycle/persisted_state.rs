//! Extensions' persisted state as host operations (contract §8): the part of a runtime's snapshot that
//! holds its `globalState`, `workspaceState` and storage folders, `Memento.update` and the secrets.
//! The files and their writes are `crate::extension_state`'s.

use std::sync::Arc;

use serde_json::Value;

use super::Lifecycle;
use crate::extension_state::{ExtensionStorage, StateScope};
use crate::runtime::{HostCall, HostRequest};

/// The store of `$EXTHOST_HOME` whose warnings (a corrupt file moved aside) go to the editor as
/// `window/showMessage` Warnings; `None` without a home.
pub(super) fn storage_for_home(
    editor: &crate::editor::EditorHandle,
) -> Option<Arc<ExtensionStorage>> {
    let home = crate::config::home_dir()?;
    let editor = editor.clone();
    Some(ExtensionStorage::new(&home, move |warning| {
        editor.notify(
            crate::to_proto::method::SHOW_MESSAGE,
            crate::to_proto::show_message(
                crate::to_proto::MessageType::WARNING,
                format!("exthost: {warning}"),
            ),
        );
    }))
}

impl Lifecycle {
    /// The workspace folders now.
    fn state_folders(&self) -> Vec<std::path::PathBuf> {
        let state = self.lock();
        self.workspace_folders_locked(&state.session)
    }

    /// `extensionState` of `from`'s snapshot: `{globalState, workspaceState, globalStoragePath,
    /// storagePath, logPath}` (`null` without a home: the shim then keeps its state in memory).
    pub(super) fn extension_state_snapshot(&self, from: &str) -> Value {
        let Some(storage) = &self.extension_storage else {
            return Value::Null;
        };
        let folders = self.state_folders();
        storage.start_state(from, &folders).unwrap_or_else(|error| {
            tracing::warn!(extension = %from, %error, "no persisted state");
            Value::Null
        })
    }

    /// `UpdateState`, queued in arrival order (so an extension's writes reach the disk in the order it
    /// made them) and answered once on disk; every other call is handed back.
    pub(super) fn handle_state_update(&self, call: HostCall) -> Option<HostCall> {
        let HostRequest::UpdateState { scope, key, value } = call.request else {
            return Some(call);
        };
        if scope == StateScope::Secrets && value.as_ref().is_some_and(|value| !value.is_string()) {
            if let Some(reply) = call.reply {
                let _ = reply.send(Err("exthost: a secret must be a string".to_owned()));
            }
            return None;
        }
        let Some(storage) = &self.extension_storage else {
            if let Some(reply) = call.reply {
                let _ = reply.send(Ok(Value::Null));
            }
            return None;
        };
        let folders = self.state_folders();
        storage.update(scope, &call.from, &folders, key, value, call.reply);
        None
    }

    /// `GetSecret` and `SecretKeys`: read on a blocking thread (the file is read under the state lock).
    pub(super) async fn secret_call(
        &self,
        from: &str,
        request: HostRequest,
    ) -> Result<Value, String> {
        let Some(storage) = self.extension_storage.clone() else {
            return Ok(match request {
                HostRequest::SecretKeys => Value::Array(Vec::new()),
                _ => Value::Null,
            });
        };
        let from = from.to_owned();
        tokio::task::spawn_blocking(move || match request {
            HostRequest::GetSecret { key } => storage.secret(&from, &key),
            HostRequest::SecretKeys => storage.secret_keys(&from),
            other => Err(format!("exthost: {other:?} is not a secrets operation")),
        })
        .await
        .map_err(|error| format!("exthost: the secrets read failed: {error}"))?
    }
}
