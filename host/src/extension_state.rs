//! Extensions' own persisted state under `$EXTHOST_HOME` (contract §8): `globalState` and `workspaceState`
//! (VS Code's `Memento`s), `secrets`, and the storage folders `globalStorageUri`, `storageUri` and `logUri`.
//!
//! Files (in the state folder, so under the same lock as the choices and the quarantine):
//! `state/global-state/<id>.json` and `state/workspace-state/<workspace>/<id>.json` hold `{key: value}`;
//! `state/secrets/<id>.json` holds `{key: "secret"}` and is `0600` in a `0700` folder (a file readable by
//! the user only — not a keychain). `<workspace>` is [`workspace_key`]: a stable hash of the sorted folder
//! URIs. Folders: `storage/<id>` (global storage, the permissions' `${storage}`),
//! `workspace-storage/<workspace>/<id>` (absent without a workspace folder) and `logs/<id>`.
//!
//! Writes are queued per file and written by one flusher thread at a time: what was queued while a write
//! was under way goes to disk together in the next one (so a burst of updates costs a few writes, not one
//! each), and every update's answer is sent once the write that holds it is durable. Each write re-reads
//! the file under the state folder's lock and applies only this host's changes, key by key: the last
//! writer of a key wins and keys another host wrote are kept.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use crate::state_store::{FileAccess, StateStore, ensure_root};

/// Where an answer to a host operation goes.
pub type Reply = oneshot::Sender<Result<Value, crate::runtime::HostCallError>>;

/// Which of an extension's key-value files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateScope {
    /// `context.globalState`.
    Global,
    /// `context.workspaceState` (one per set of workspace folders).
    Workspace,
    /// `context.secrets`.
    Secrets,
}

impl StateScope {
    /// From the shim's name (`global`, `workspace`, `secrets`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "global" => Some(Self::Global),
            "workspace" => Some(Self::Workspace),
            "secrets" => Some(Self::Secrets),
            _ => None,
        }
    }

    fn access(self) -> FileAccess {
        match self {
            Self::Secrets => FileAccess::OwnerOnly,
            Self::Global | Self::Workspace => FileAccess::Default,
        }
    }
}

/// The key of a set of workspace folders: the first 16 hex digits of the SHA-256 of their `file:` URIs,
/// sorted, one per line (the same set in any order, in any session, gives the same key).
pub fn workspace_key(folders: &[PathBuf]) -> String {
    let mut uris: Vec<String> = folders
        .iter()
        .map(|folder| crate::session::path_to_file_uri(folder))
        .collect();
    uris.sort();
    uris.dedup();
    let digest = Sha256::digest(uris.join("\n").as_bytes());
    digest
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Whether `id` can name a file: letters, digits, `.`, `-`, `_`, not starting with `.`.
fn safe_id(id: &str) -> Result<(), String> {
    let fine = !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if fine {
        Ok(())
    } else {
        Err(format!("exthost: no state for the extension id {id:?}"))
    }
}

/// An extension's storage folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageFolders {
    /// `globalStorageUri`: `$EXTHOST_HOME/storage/<id>` (the permissions' `${storage}`).
    pub global: PathBuf,
    /// `storageUri`: `$EXTHOST_HOME/workspace-storage/<workspace>/<id>`; `None` without a workspace folder.
    pub workspace: Option<PathBuf>,
    /// `logUri`: `$EXTHOST_HOME/logs/<id>`.
    pub log: PathBuf,
}

impl StorageFolders {
    /// The folders of extension `id` in `home` for the workspace `folders`.
    pub fn of(home: &Path, id: &str, folders: &[PathBuf]) -> Self {
        Self {
            global: home.join("storage").join(id),
            workspace: (!folders.is_empty()).then(|| {
                home.join("workspace-storage")
                    .join(workspace_key(folders))
                    .join(id)
            }),
            log: home.join("logs").join(id),
        }
    }

    /// Every folder that exists for this extension.
    pub fn all(&self) -> Vec<PathBuf> {
        let mut all = vec![self.global.clone()];
        all.extend(self.workspace.clone());
        all.push(self.log.clone());
        all
    }
}

/// Changes queued for one file.
#[derive(Default)]
struct Queue {
    /// Whether a flusher thread owns the file now.
    flushing: bool,
    /// Changes not yet taken by the flusher, in the order they came.
    pending: Vec<Pending>,
    /// The changes of the write under way (merged into what a reader sees until it is on disk).
    in_flight: Vec<(String, Option<Value>)>,
}

struct Pending {
    key: String,
    value: Option<Value>,
    reply: Option<Reply>,
}

/// The persisted state of every extension of one home.
pub struct ExtensionStorage {
    home: PathBuf,
    store: StateStore,
    queues: Mutex<HashMap<(String, StateScope), Queue>>,
    /// Notified whenever a file's queue is written out (for [`ExtensionStorage::wait_written`]).
    written: std::sync::Condvar,
    /// Each extension's workspace key when it last started: its `workspaceState` stays that workspace's
    /// while it runs, even if the folders change meanwhile.
    started_in: Mutex<HashMap<String, String>>,
    warn: Box<dyn Fn(String) + Send + Sync>,
}

impl std::fmt::Debug for ExtensionStorage {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ExtensionStorage")
            .field("home", &self.home)
            .finish_non_exhaustive()
    }
}

impl ExtensionStorage {
    /// The state of `home`; `warn` tells the editor of a corrupt file that was moved aside.
    pub fn new(home: &Path, warn: impl Fn(String) + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Self {
            home: home.to_path_buf(),
            store: StateStore::new(home),
            queues: Mutex::new(HashMap::new()),
            written: std::sync::Condvar::new(),
            started_in: Mutex::new(HashMap::new()),
            warn: Box::new(warn),
        })
    }

    fn queues(&self) -> std::sync::MutexGuard<'_, HashMap<(String, StateScope), Queue>> {
        self.queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The state file's name inside the state folder.
    fn file_name(scope: StateScope, id: &str, workspace: &str) -> String {
        match scope {
            StateScope::Global => format!("global-state/{id}.json"),
            StateScope::Workspace => format!("workspace-state/{workspace}/{id}.json"),
            StateScope::Secrets => format!("secrets/{id}.json"),
        }
    }

    /// What a file holds now for this host: the disk's content (a corrupt file is moved aside and the
    /// editor warned), with the changes still queued or being written applied over it.
    fn current(&self, scope: StateScope, id: &str, workspace: &str) -> Map<String, Value> {
        let name = Self::file_name(scope, id, workspace);
        let outcome = self.store.read_locked(&name);
        if let Some(warning) = outcome.warning {
            (self.warn)(warning);
        }
        let mut values = match outcome.value {
            Some(Value::Object(values)) => values,
            _ => Map::new(),
        };
        let queues = self.queues();
        if let Some(queue) = queues.get(&(name, scope)) {
            let changes = queue
                .in_flight
                .iter()
                .map(|(key, value)| (key, value))
                .chain(queue.pending.iter().map(|p| (&p.key, &p.value)));
            for (key, value) in changes {
                match value {
                    Some(value) => values.insert(key.clone(), value.clone()),
                    None => values.remove(key),
                };
            }
        }
        values
    }

    /// What extension `id` starts from, for the runtime's snapshot: `{globalState, workspaceState,
    /// globalStoragePath, storagePath, logPath}`. Creates the storage folders.
    pub fn start_state(&self, id: &str, folders: &[PathBuf]) -> Result<Value, String> {
        safe_id(id)?;
        let storage = StorageFolders::of(&self.home, id, folders);
        for folder in storage.all() {
            if let Err(error) = std::fs::create_dir_all(&folder) {
                tracing::warn!(extension = %id, folder = %folder.display(), %error, "cannot create a storage folder");
            }
        }
        let workspace = workspace_key(folders);
        self.started_in
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.to_owned(), workspace.clone());
        Ok(json!({
            "globalState": self.current(StateScope::Global, id, &workspace),
            "workspaceState": self.current(StateScope::Workspace, id, &workspace),
            "globalStoragePath": storage.global,
            "storagePath": storage.workspace,
            "logPath": storage.log,
        }))
    }

    /// `SecretStorage.get`: the secret `key` of `id`, or `null`.
    pub fn secret(&self, id: &str, key: &str) -> Result<Value, String> {
        safe_id(id)?;
        Ok(self
            .current(StateScope::Secrets, id, "")
            .remove(key)
            .unwrap_or(Value::Null))
    }

    /// Every secret of `id` as this host sees it (the disk's, with its own queued changes over them).
    pub fn secrets(&self, id: &str) -> Result<Map<String, Value>, String> {
        safe_id(id)?;
        Ok(self.current(StateScope::Secrets, id, ""))
    }

    /// The folder of the secrets files (`state/secrets`).
    pub fn secrets_folder(&self) -> PathBuf {
        self.home.join("state").join("secrets")
    }

    /// `SecretStorage.keys`: the keys of `id`'s secrets.
    pub fn secret_keys(&self, id: &str) -> Result<Value, String> {
        safe_id(id)?;
        Ok(Value::Array(
            self.current(StateScope::Secrets, id, "")
                .keys()
                .map(|key| Value::String(key.clone()))
                .collect(),
        ))
    }

    /// Queues one change of `id`'s `scope` file (`None` removes the key); `reply` gets `null` once it is
    /// on disk (or the write's error). Changes are written in the order they are queued.
    pub fn update(
        self: &Arc<Self>,
        scope: StateScope,
        id: &str,
        folders: &[PathBuf],
        key: String,
        value: Option<Value>,
        reply: Option<Reply>,
    ) {
        if let Err(error) = safe_id(id) {
            if let Some(reply) = reply {
                let _ = reply.send(Err(error.into()));
            }
            return;
        }
        let started_in = self
            .started_in
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            .cloned();
        let workspace = started_in.unwrap_or_else(|| workspace_key(folders));
        let name = Self::file_name(scope, id, &workspace);
        let start = {
            let mut queues = self.queues();
            let queue = queues.entry((name.clone(), scope)).or_default();
            queue.pending.push(Pending { key, value, reply });
            !std::mem::replace(&mut queue.flushing, true)
        };
        if start {
            let storage = Arc::clone(self);
            let spawned = std::thread::Builder::new()
                .name("exthost-state".to_owned())
                .spawn(move || storage.flush(name, scope));
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start the state writer");
            }
        }
    }

    /// Writes the queued changes of one file until none is left.
    fn flush(&self, name: String, scope: StateScope) {
        let queue_key = (name.clone(), scope);
        loop {
            let batch = {
                let mut queues = self.queues();
                let Some(queue) = queues.get_mut(&queue_key) else {
                    return;
                };
                if queue.pending.is_empty() {
                    queues.remove(&queue_key);
                    self.written.notify_all();
                    return;
                }
                let batch = std::mem::take(&mut queue.pending);
                queue.in_flight = batch
                    .iter()
                    .map(|pending| (pending.key.clone(), pending.value.clone()))
                    .collect();
                batch
            };
            if scope == StateScope::Secrets {
                self.private_folder(&name);
            }
            let written = self
                .store
                .update_with_access(&name, scope.access(), |value| {
                    let values = ensure_root(value);
                    for pending in &batch {
                        match &pending.value {
                            Some(value) => values.insert(pending.key.clone(), value.clone()),
                            None => values.remove(&pending.key),
                        };
                    }
                });
            let answer = match written {
                Ok(warning) => {
                    if let Some(warning) = warning {
                        (self.warn)(warning);
                    }
                    Ok(Value::Null)
                }
                Err(error) => {
                    tracing::error!(%error, "cannot write an extension's state");
                    Err(crate::runtime::HostCallError::failed(format!(
                        "exthost: cannot write the state: {error}"
                    )))
                }
            };
            for pending in batch {
                if let Some(reply) = pending.reply {
                    let _ = reply.send(answer.clone());
                }
            }
        }
    }

    /// Waits (at most `limit`) until every change queued so far is on disk; answers whether it is. A
    /// process about to exit calls it after its extensions stopped, so a change an extension made without
    /// awaiting it (in `deactivate`, say) is not lost with the writer thread.
    pub fn wait_written(&self, limit: std::time::Duration) -> bool {
        let queues = self.queues();
        let (queues, _) = self
            .written
            .wait_timeout_while(queues, limit, |queues| !queues.is_empty())
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        queues.is_empty()
    }

    /// Creates the secrets folder readable by the user only.
    fn private_folder(&self, name: &str) {
        let Some(folder) = self.store.path(name).parent().map(Path::to_path_buf) else {
            return;
        };
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
            builder.mode(0o700);
            let _ = builder.create(&folder);
            let _ = std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700));
        }
        #[cfg(not(unix))]
        let _ = builder.create(&folder);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage(home: &Path) -> Arc<ExtensionStorage> {
        ExtensionStorage::new(home, |_| {})
    }

    async fn update(
        storage: &Arc<ExtensionStorage>,
        scope: StateScope,
        key: &str,
        value: Option<Value>,
    ) {
        let (reply, answer) = oneshot::channel();
        storage.update(scope, "a.b", &[], key.to_owned(), value, Some(reply));
        answer.await.expect("answered").expect("written");
    }

    #[tokio::test]
    async fn updates_are_on_disk_when_answered_and_read_back() {
        let home = tempfile::tempdir().expect("temp");
        let first = storage(home.path());
        update(&first, StateScope::Global, "count", Some(json!(3))).await;
        update(&first, StateScope::Global, "gone", Some(json!(true))).await;
        update(&first, StateScope::Global, "gone", None).await;
        let text = std::fs::read(home.path().join("state/global-state/a.b.json")).expect("written");
        assert_eq!(
            serde_json::from_slice::<Value>(&text).expect("json"),
            json!({"count": 3})
        );
        let second = storage(home.path());
        let start = second.start_state("a.b", &[]).expect("state");
        assert_eq!(start["globalState"], json!({"count": 3}));
        assert_eq!(start["workspaceState"], json!({}));
        assert_eq!(start["storagePath"], Value::Null);
        assert!(home.path().join("storage/a.b").is_dir());
        assert!(home.path().join("logs/a.b").is_dir());
    }

    #[tokio::test]
    async fn a_burst_is_written_in_order_and_every_update_is_answered() {
        let home = tempfile::tempdir().expect("temp");
        let storage = storage(home.path());
        let mut answers = Vec::new();
        for n in 0..200 {
            let (reply, answer) = oneshot::channel();
            storage.update(
                StateScope::Global,
                "a.b",
                &[],
                "n".to_owned(),
                Some(json!(n)),
                Some(reply),
            );
            answers.push(answer);
        }
        // Queued changes are visible before they are on disk.
        assert_eq!(
            storage.start_state("a.b", &[]).expect("state")["globalState"]["n"],
            199
        );
        for answer in answers {
            answer.await.expect("answered").expect("written");
        }
        let text = std::fs::read(home.path().join("state/global-state/a.b.json")).expect("written");
        assert_eq!(
            serde_json::from_slice::<Value>(&text).expect("json")["n"],
            199
        );
    }

    #[tokio::test]
    async fn secrets_are_private_and_workspaces_are_apart() {
        let home = tempfile::tempdir().expect("temp");
        let storage = storage(home.path());
        update(
            &storage,
            StateScope::Secrets,
            "token",
            Some(json!("s3cret")),
        )
        .await;
        assert_eq!(storage.secret("a.b", "token").expect("read"), "s3cret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = home.path().join("state/secrets/a.b.json");
            let mode = std::fs::metadata(&file).expect("file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let folder = std::fs::metadata(file.parent().expect("folder")).expect("folder");
            assert_eq!(folder.permissions().mode() & 0o777, 0o700);
        }
        let one = [PathBuf::from("/w/one"), PathBuf::from("/w/two")];
        let swapped = [PathBuf::from("/w/two"), PathBuf::from("/w/one")];
        assert_eq!(workspace_key(&one), workspace_key(&swapped));
        assert_ne!(workspace_key(&one), workspace_key(&one[..1]));
        let (reply, answer) = oneshot::channel();
        storage.update(
            StateScope::Workspace,
            "a.b",
            &one,
            "k".to_owned(),
            Some(json!(1)),
            Some(reply),
        );
        answer.await.expect("answered").expect("written");
        assert_eq!(
            storage.start_state("a.b", &swapped).expect("state")["workspaceState"],
            json!({"k": 1})
        );
        assert_eq!(
            storage.start_state("a.b", &one[..1]).expect("state")["workspaceState"],
            json!({})
        );
        assert!(storage.start_state("../x", &[]).is_err());
        // Started in `one`, the extension's workspaceState stays `one`'s while it runs.
        storage.start_state("a.b", &one).expect("state");
        let (reply, answer) = oneshot::channel();
        storage.update(
            StateScope::Workspace,
            "a.b",
            &one[..1],
            "later".to_owned(),
            Some(json!(2)),
            Some(reply),
        );
        answer.await.expect("answered").expect("written");
        assert_eq!(
            storage.start_state("a.b", &one).expect("state")["workspaceState"],
            json!({"k": 1, "later": 2})
        );
    }

    #[tokio::test]
    async fn a_corrupt_file_is_moved_aside_with_a_warning_and_the_state_goes_on() {
        let home = tempfile::tempdir().expect("temp");
        let warnings = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&warnings);
        let storage = ExtensionStorage::new(home.path(), move |warning| {
            seen.lock().expect("lock").push(warning)
        });
        let folder = home.path().join("state/global-state");
        std::fs::create_dir_all(&folder).expect("folder");
        std::fs::write(folder.join("a.b.json"), b"{\"count\": ").expect("write");
        let start = storage.start_state("a.b", &[]).expect("state");
        assert_eq!(start["globalState"], json!({}));
        assert!(folder.join("a.b.json.corrupt-1").is_file());
        assert_eq!(warnings.lock().expect("lock").len(), 1);
        update(&storage, StateScope::Global, "count", Some(json!(1))).await;
        assert_eq!(
            storage.start_state("a.b", &[]).expect("state")["globalState"],
            json!({"count": 1})
        );
    }

    #[tokio::test]
    async fn two_stores_on_one_home_keep_each_others_keys() {
        let home = tempfile::tempdir().expect("temp");
        let first = storage(home.path());
        let second = storage(home.path());
        let mut answers = Vec::new();
        for n in 0..50 {
            for (which, storage) in [("first", &first), ("second", &second)] {
                let (reply, answer) = oneshot::channel();
                storage.update(
                    StateScope::Global,
                    "a.b",
                    &[],
                    format!("{which}-{n}"),
                    Some(json!(n)),
                    Some(reply),
                );
                answers.push(answer);
            }
        }
        for answer in answers {
            answer.await.expect("answered").expect("written");
        }
        let state = storage(home.path()).start_state("a.b", &[]).expect("state");
        assert_eq!(state["globalState"].as_object().expect("object").len(), 100);
    }
}
