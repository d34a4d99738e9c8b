//! What the host persists under `$EXTHOST_HOME/state/`: small JSON files, each written atomically (a temp
//! file in the same folder, fsync, rename, fsync of the folder) so that `kill -9` at any moment leaves
//! either the previous or the new content, whole.
//!
//! Two hosts on one home (two editor windows) share the files: every change is a read-modify-write under
//! an exclusive advisory lock (`flock` on `state/.lock`), so one host's change never overwrites the
//! other's. A file that cannot be read as JSON is moved aside (`<name>.corrupt-<n>`) and reported to the
//! caller, which warns the editor; it never stops the host.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The file holding quarantined extensions: `{"quarantined": {"<id>": {"crashes": n}}}`.
pub const QUARANTINE_FILE: &str = "quarantine.json";

/// The file holding the editor's enable/disable choices: `{"enabled": [id], "disabled": [id]}`.
pub const CHOICES_FILE: &str = "choices.json";

/// The error an extension in quarantine carries.
pub const QUARANTINE_MESSAGE: &str = "quarantined after crashing the host 2 times";

/// A state-store failure.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading, writing or locking a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// Who may read a state file the store writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileAccess {
    /// The process's usual mode (its umask decides).
    Default,
    /// The user only (`0600`): secrets.
    OwnerOnly,
}

/// What reading a state file found.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// The content (`None` when the file does not exist or was corrupt).
    pub value: Option<Value>,
    /// Set when the file was corrupt and moved aside: a warning for the editor.
    pub warning: Option<String>,
}

/// The state folder of one home.
#[derive(Debug, Clone)]
pub struct StateStore {
    folder: PathBuf,
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> StateError + '_ {
    move |source| StateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// An exclusive advisory lock on the state folder, released on drop (when the file closes).
struct FolderLock {
    _file: File,
}

impl FolderLock {
    fn acquire(folder: &Path) -> Result<Self, StateError> {
        let path = folder.join(".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_error(&path))?;
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            loop {
                // SAFETY: `flock` on a descriptor this function owns; it touches no memory.
                let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
                if locked == 0 {
                    break;
                }
                let error = io::Error::last_os_error();
                if error.kind() != io::ErrorKind::Interrupted {
                    return Err(StateError::Io {
                        path,
                        source: error,
                    });
                }
            }
        }
        Ok(Self { _file: file })
    }
}

impl StateStore {
    /// The store of `$EXTHOST_HOME` (or `~/.exthost`); `None` when there is no home at all.
    pub fn for_home() -> Option<Self> {
        crate::config::home_dir().map(|home| Self::new(&home))
    }

    /// The store under `home/state`.
    pub fn new(home: &Path) -> Self {
        Self {
            folder: home.join("state"),
        }
    }

    /// The path of the state file `name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.folder.join(name)
    }

    fn ensure_folder(&self) -> Result<(), StateError> {
        fs::create_dir_all(&self.folder).map_err(io_error(&self.folder))
    }

    /// Reads `name`; a file that is not JSON is moved aside and reported in [`ReadOutcome::warning`].
    pub fn read(&self, name: &str) -> ReadOutcome {
        let path = self.path(name);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return ReadOutcome::default(),
            Err(error) => {
                return ReadOutcome {
                    value: None,
                    warning: Some(format!("cannot read {}: {error}", path.display())),
                };
            }
        };
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(value) => ReadOutcome {
                value: Some(value),
                warning: None,
            },
            Err(error) => {
                let aside = self.move_aside(&path);
                let warning = match aside {
                    Ok(aside) => format!(
                        "the state file {} was corrupt ({error}); it was moved to {} and the host \
                         starts from empty state",
                        path.display(),
                        aside.display()
                    ),
                    Err(move_error) => format!(
                        "the state file {} is corrupt ({error}) and could not be moved aside \
                         ({move_error}); it is ignored",
                        path.display()
                    ),
                };
                tracing::warn!(%warning, "corrupt state file");
                ReadOutcome {
                    value: None,
                    warning: Some(warning),
                }
            }
        }
    }

    fn move_aside(&self, path: &Path) -> io::Result<PathBuf> {
        for n in 1..1000 {
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".corrupt-{n}"));
            let aside = PathBuf::from(name);
            if !aside.exists() {
                fs::rename(path, &aside)?;
                return Ok(aside);
            }
        }
        Err(io::Error::other("too many corrupt copies already"))
    }

    /// Writes `value` to `name` atomically: temp file in the same folder, fsync, rename, fsync the folder.
    /// `name` may name a file in a subfolder (`global/<id>.json`); the folder is created.
    fn write_atomic(
        &self,
        name: &str,
        value: &Value,
        access: FileAccess,
    ) -> Result<(), StateError> {
        let path = self.path(name);
        let folder = path.parent().unwrap_or(&self.folder).to_path_buf();
        fs::create_dir_all(&folder).map_err(io_error(&folder))?;
        let file_name = path.file_name().map_or_else(
            || "state".into(),
            |name| name.to_string_lossy().into_owned(),
        );
        let temp = folder.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_else(|_| b"null".to_vec());
        bytes.push(b'\n');
        let written = (|| {
            let mut options = OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            if access == FileAccess::OwnerOnly {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(&temp)?;
            #[cfg(unix)]
            if access == FileAccess::OwnerOnly {
                // A temp file left by an earlier crash keeps its mode through `open`: set it again.
                use std::os::unix::fs::PermissionsExt;
                file.set_permissions(fs::Permissions::from_mode(0o600))?;
            }
            file.write_all(&bytes)?;
            file.sync_all()
        })();
        if let Err(error) = written {
            let _ = fs::remove_file(&temp);
            return Err(StateError::Io {
                path: temp,
                source: error,
            });
        }
        fs::rename(&temp, &path).map_err(io_error(&path))?;
        #[cfg(unix)]
        File::open(&folder)
            .and_then(|folder| folder.sync_all())
            .map_err(io_error(&folder))?;
        Ok(())
    }

    /// Changes `name` under the folder's lock: reads the current content (another host may have written
    /// it), lets `change` edit it (`null` for a missing or corrupt file), writes it atomically. Answers the
    /// corrupt-file warning, if any.
    pub fn update(
        &self,
        name: &str,
        change: impl FnOnce(&mut Value),
    ) -> Result<Option<String>, StateError> {
        self.update_with_access(name, FileAccess::Default, change)
    }

    /// [`StateStore::update`] for a file only its owner may read or write (`0600`) when `access` says so.
    pub fn update_with_access(
        &self,
        name: &str,
        access: FileAccess,
        change: impl FnOnce(&mut Value),
    ) -> Result<Option<String>, StateError> {
        self.ensure_folder()?;
        let _lock = FolderLock::acquire(&self.folder)?;
        let ReadOutcome { value, warning } = self.read(name);
        let mut value = value.unwrap_or(Value::Null);
        change(&mut value);
        self.write_atomic(name, &value, access)?;
        Ok(warning)
    }

    /// Reads `name` under the folder's lock, so that a corrupt file is moved aside by one host only.
    pub fn read_locked(&self, name: &str) -> ReadOutcome {
        if !self.path(name).exists() {
            return ReadOutcome::default();
        }
        // Without the lock (a read-only home) the read goes on: a rename is atomic all the same.
        let _lock = self
            .ensure_folder()
            .and_then(|()| FolderLock::acquire(&self.folder))
            .ok();
        self.read(name)
    }

    /// The ids in quarantine (and a corrupt-file warning).
    pub fn quarantined(&self) -> (BTreeSet<String>, Option<String>) {
        let outcome = self.read(QUARANTINE_FILE);
        let ids = outcome
            .value
            .as_ref()
            .and_then(|value| value.get("quarantined")?.as_object().cloned())
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default();
        (ids, outcome.warning)
    }

    /// Puts `id` in quarantine after `crashes` crashes.
    pub fn quarantine(&self, id: &str, crashes: u32) -> Result<Option<String>, StateError> {
        self.update(QUARANTINE_FILE, |value| {
            ensure_object(value, "quarantined").insert(id.to_owned(), json!({"crashes": crashes}));
        })
    }

    /// Lifts `id`'s quarantine; answers whether it was quarantined.
    pub fn lift_quarantine(&self, id: &str) -> Result<bool, StateError> {
        if !self.quarantined().0.contains(id) {
            return Ok(false);
        }
        let mut lifted = false;
        self.update(QUARANTINE_FILE, |value| {
            lifted = ensure_object(value, "quarantined").remove(id).is_some();
        })?;
        Ok(lifted)
    }

    /// The persisted enable/disable choices: `(enabled, disabled)` (and a corrupt-file warning).
    pub fn choices(&self) -> (BTreeSet<String>, BTreeSet<String>, Option<String>) {
        let outcome = self.read(CHOICES_FILE);
        let list = |key: &str| -> BTreeSet<String> {
            outcome
                .value
                .as_ref()
                .and_then(|value| value.get(key)?.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect()
        };
        (list("enabled"), list("disabled"), outcome.warning)
    }

    /// Persists the editor's choice for `id` (enabled, or disabled), replacing the earlier one.
    pub fn record_choice(&self, id: &str, enabled: bool) -> Result<Option<String>, StateError> {
        self.update(CHOICES_FILE, |value| {
            let (keep, drop) = if enabled {
                ("enabled", "disabled")
            } else {
                ("disabled", "enabled")
            };
            let object = ensure_root(value);
            let ids = |key: &str| -> BTreeSet<String> {
                object
                    .get(key)
                    .and_then(Value::as_array)
                    .map(|ids| {
                        ids.iter()
                            .filter_map(|id| id.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let mut kept = ids(keep);
            let mut dropped = ids(drop);
            kept.insert(id.to_owned());
            dropped.remove(id);
            object.insert(keep.to_owned(), json!(kept));
            object.insert(drop.to_owned(), json!(dropped));
        })
    }
}

/// `value` as an object (replacing anything else).
pub(crate) fn ensure_root(value: &mut Value) -> &mut serde_json::Map<String, Value> {
    if !value.is_object() {
        *value = json!({});
    }
    match value {
        Value::Object(object) => object,
        _ => unreachable!("made an object above"),
    }
}

/// `value[key]` as an object (replacing anything else).
fn ensure_object<'a>(value: &'a mut Value, key: &str) -> &'a mut serde_json::Map<String, Value> {
    let entry = ensure_root(value)
        .entry(key.to_owned())
        .or_insert_with(|| json!({}));
    ensure_root(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarantine_round_trips_and_lifts() {
        let home = tempfile::tempdir().expect("temp");
        let store = StateStore::new(home.path());
        assert!(store.quarantined().0.is_empty());
        store.quarantine("a.b", 2).expect("write");
        store.quarantine("c.d", 2).expect("write");
        assert_eq!(
            store.quarantined().0.into_iter().collect::<Vec<_>>(),
            ["a.b", "c.d"]
        );
        assert!(store.lift_quarantine("a.b").expect("lift"));
        assert!(!store.lift_quarantine("a.b").expect("lift"));
        assert_eq!(store.quarantined().0.len(), 1);
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_with_a_warning() {
        let home = tempfile::tempdir().expect("temp");
        let store = StateStore::new(home.path());
        fs::create_dir_all(home.path().join("state")).expect("folder");
        fs::write(store.path(QUARANTINE_FILE), b"{not json").expect("write");
        let (ids, warning) = store.quarantined();
        assert!(ids.is_empty());
        let warning = warning.expect("a warning");
        assert!(warning.contains("corrupt"), "{warning}");
        assert!(!store.path(QUARANTINE_FILE).exists());
        assert!(home.path().join("state/quarantine.json.corrupt-1").exists());
        // The store works on after it.
        store.quarantine("x.y", 2).expect("write");
        assert!(store.quarantined().0.contains("x.y"));
    }

    #[test]
    fn choices_replace_each_other() {
        let home = tempfile::tempdir().expect("temp");
        let store = StateStore::new(home.path());
        store.record_choice("a.b", false).expect("write");
        store.record_choice("c.d", true).expect("write");
        let (enabled, disabled, _) = store.choices();
        assert!(enabled.contains("c.d") && disabled.contains("a.b"));
        store.record_choice("a.b", true).expect("write");
        let (enabled, disabled, _) = store.choices();
        assert!(enabled.contains("a.b") && !disabled.contains("a.b"));
    }

    #[test]
    fn concurrent_updates_under_the_lock_lose_nothing() {
        let home = tempfile::tempdir().expect("temp");
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let home = home.path().to_path_buf();
                std::thread::spawn(move || {
                    let store = StateStore::new(&home);
                    for n in 0..25 {
                        store
                            .quarantine(&format!("t{thread}.e{n}"), 2)
                            .expect("write");
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("thread");
        }
        assert_eq!(StateStore::new(home.path()).quarantined().0.len(), 100);
    }
}
