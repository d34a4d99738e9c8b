//! Extensions' persisted state as host operations (contract §8): what an `ExtensionContext` starts from
//! (its `globalState`, `workspaceState` and storage folders), `Memento.update` and the secrets.
//! The files and their writes are `crate::extension_state`'s.
//!
//! `secrets.onDidChange` for another host's writes (a second editor window on the same home): once an
//! extension's context is made, the secrets folder is watched; when an extension's file changes, its
//! secrets are compared with those it was last told of (its own writes are recorded as they are made), and
//! the running extension gets the session event `secretsChanged {keys}` for each key that differs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use super::Lifecycle;
use crate::extension_state::{ExtensionStorage, StateScope};
use crate::runtime::{HostCall, HostRequest, RuntimeRequest};

/// What each extension was last told its secrets are, and the folder watcher (started once).
#[derive(Default)]
pub(super) struct SecretsSeen {
    seen: Mutex<HashMap<String, Map<String, Value>>>,
    watcher: OnceLock<Option<notify::RecommendedWatcher>>,
}

impl SecretsSeen {
    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<String, Map<String, Value>>> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

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

/// How long a process ending its session waits for its extensions' state to be written.
const FLUSH_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

impl Lifecycle {
    /// Waits until every state change the extensions made is on disk (at most [`FLUSH_LIMIT`]): the last
    /// step before the process exits, after [`Lifecycle::stop_all`] (whose drain queued them all).
    pub async fn flush_state(&self) {
        let Some(storage) = self.extension_storage.clone() else {
            return;
        };
        let written = tokio::task::spawn_blocking(move || storage.wait_written(FLUSH_LIMIT)).await;
        if !matches!(written, Ok(true)) {
            tracing::warn!("extensions' state was not all written before the exit");
        }
    }

    /// The workspace folders now.
    fn state_folders(&self) -> Vec<std::path::PathBuf> {
        let state = self.lock();
        self.workspace_folders_locked(&state.session)
    }

    /// `ExtensionState` for `from`: `{globalState, workspaceState, globalStoragePath,
    /// storagePath, logPath}` (`null` without a home: the shim then keeps its state in memory).
    pub(super) fn extension_state_snapshot(self: &Arc<Self>, from: &str) -> Value {
        let Some(storage) = &self.extension_storage else {
            return Value::Null;
        };
        let folders = self.state_folders();
        let state = storage.start_state(from, &folders).unwrap_or_else(|error| {
            tracing::warn!(extension = %from, %error, "no persisted state");
            Value::Null
        });
        if let Ok(secrets) = storage.secrets(from) {
            self.secrets_seen.seen().insert(from.to_owned(), secrets);
        }
        self.watch_secrets(storage);
        state
    }

    /// Starts watching the secrets folder, once (inside a tokio runtime; without one, nothing is watched).
    fn watch_secrets(self: &Arc<Self>, storage: &Arc<ExtensionStorage>) {
        self.secrets_seen.watcher.get_or_init(|| {
            let runtime = tokio::runtime::Handle::try_current().ok()?;
            let folder = storage.secrets_folder();
            if let Err(error) = std::fs::create_dir_all(&folder) {
                tracing::debug!(%error, "no secrets folder to watch");
                return None;
            }
            let (changed, mut changes) = mpsc::unbounded_channel::<String>();
            let watcher =
                notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                    let Ok(event) = event else {
                        return;
                    };
                    if matches!(event.kind, notify::EventKind::Access(_)) {
                        return;
                    }
                    for path in event.paths {
                        let is_state = path
                            .extension()
                            .is_some_and(|extension| extension == "json");
                        if let Some(id) = path.file_stem().and_then(|stem| stem.to_str())
                            && is_state
                        {
                            let _ = changed.send(id.to_owned());
                        }
                    }
                });
            let mut watcher = watcher
                .map_err(|error| tracing::debug!(%error, "cannot watch the secrets folder"))
                .ok()?;
            use notify::Watcher;
            watcher
                .watch(&folder, notify::RecursiveMode::NonRecursive)
                .map_err(|error| tracing::debug!(%error, "cannot watch the secrets folder"))
                .ok()?;
            let lifecycle: Weak<Lifecycle> = Arc::downgrade(self);
            let storage = Arc::clone(storage);
            runtime.spawn(async move {
                while let Some(id) = changes.recv().await {
                    let Some(lifecycle) = lifecycle.upgrade() else {
                        return;
                    };
                    let storage = Arc::clone(&storage);
                    let read = id.clone();
                    let Ok(Ok(now)) =
                        tokio::task::spawn_blocking(move || storage.secrets(&read)).await
                    else {
                        continue;
                    };
                    lifecycle.secrets_changed(&id, now);
                }
            });
            Some(watcher)
        });
    }

    /// `id`'s secrets are `now` on disk: tells the running extension of every key that differs from what
    /// it was last told of.
    fn secrets_changed(&self, id: &str, now: Map<String, Value>) {
        let keys: Vec<String> = {
            let mut seen = self.secrets_seen.seen();
            let Some(before) = seen.get_mut(id) else {
                return;
            };
            let keys = before
                .keys()
                .chain(now.keys())
                .filter(|key| before.get(*key) != now.get(*key))
                .cloned()
                .collect::<std::collections::BTreeSet<String>>()
                .into_iter()
                .collect();
            *before = now;
            keys
        };
        if keys.is_empty() {
            return;
        }
        tracing::debug!(extension = %id, ?keys, "secrets changed elsewhere");
        let state = self.lock();
        if let Some(runtime) = state
            .running
            .get(id)
            .and_then(|running| running.runtime.as_ref())
        {
            drop(runtime.send(RuntimeRequest::Event {
                name: crate::runtime::SessionEvent::SECRETS_CHANGED.to_owned(),
                payload: json!({"keys": keys}),
            }));
        }
    }

    /// `UpdateState`, queued in arrival order (so an extension's writes reach the disk in the order it
    /// made them) and answered once on disk; every other call is handed back.
    pub(super) fn handle_state_update(&self, call: HostCall) -> Option<HostCall> {
        let HostRequest::UpdateState { scope, key, value } = call.request else {
            return Some(call);
        };
        if scope == StateScope::Secrets && value.as_ref().is_some_and(|value| !value.is_string()) {
            if let Some(reply) = call.reply {
                let _ = reply.send(Err(crate::runtime::HostCallError::invalid_request(
                    "exthost: a secret must be a string",
                )));
            }
            return None;
        }
        let Some(storage) = &self.extension_storage else {
            if let Some(reply) = call.reply {
                let _ = reply.send(Ok(Value::Null));
            }
            return None;
        };
        if scope == StateScope::Secrets
            && let Some(seen) = self.secrets_seen.seen().get_mut(&call.from)
        {
            // Its own write: told of already (the shim fires onDidChange itself).
            match &value {
                Some(value) => seen.insert(key.clone(), value.clone()),
                None => seen.remove(&key),
            };
        }
        let folders = self.state_folders();
        storage.update(scope, &call.from, &folders, key, value, call.reply);
        None
    }

    /// `GetSecret` and `SecretKeys`: read on a blocking thread (the file is read under the state lock).
    pub(super) async fn secret_call(
        &self,
        from: &str,
        request: HostRequest,
    ) -> Result<Value, crate::runtime::HostCallError> {
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
        .map_err(|error| {
            crate::runtime::HostCallError::failed(format!(
                "exthost: the secrets read failed: {error}"
            ))
        })?
        .map_err(crate::runtime::HostCallError::from)
    }
}
