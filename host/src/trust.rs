//! Workspace trust (contract §12): whether the extensions a workspace folder ships in `.exthost/extensions`
//! may run. A folder is trusted when the user said so — the answer to the host's question, or
//! `exthost/trustWorkspace` — kept per folder in `$EXTHOST_HOME/trusted-folders.json`, or when the user
//! setting `trustedFolders` lists it. Builtin, user, `--extensions-dir` and `--dev` extensions need no
//! trust: the user installed or named them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::regular_file;

/// The file, under `$EXTHOST_HOME`, that keeps the answers.
pub const TRUST_FILE: &str = "trusted-folders.json";

/// The error of an extension held back until its workspace is trusted.
pub const NOT_TRUSTED: &str = "workspace not trusted";

/// The user setting listing trusted folders.
pub const TRUSTED_FOLDERS_SETTING: &str = "trustedFolders";

/// The answer of the host's question that trusts the folder.
pub const TRUST_ACTION: &str = "Trust";

/// The answer that keeps the folder untrusted (and stops the question).
pub const DISTRUST_ACTION: &str = "Don't Trust";

/// The answers kept per folder.
#[derive(Debug, Clone)]
pub struct TrustStore {
    file: PathBuf,
}

impl TrustStore {
    /// The store under `home` (`$EXTHOST_HOME`).
    pub fn new(home: &Path) -> Self {
        Self {
            file: home.join(TRUST_FILE),
        }
    }

    /// The store of the current `$EXTHOST_HOME`, if there is one.
    pub fn current() -> Option<Self> {
        crate::config::home_dir().map(|home| Self::new(&home))
    }

    fn answers(&self) -> BTreeMap<String, bool> {
        match regular_file::read_text(&self.file, regular_file::MAX_SETTINGS_BYTES) {
            Ok(text) => match exthost_protocol::json::from_str(&text) {
                Ok(answers) => answers,
                Err(error) => {
                    // A corrupt file is moved aside (and the folders asked about again).
                    let aside = self.file.with_extension("json.corrupt");
                    tracing::warn!(file = %self.file.display(), %error, aside = %aside.display(), "trust file is corrupt; moved aside");
                    let _ = std::fs::rename(&self.file, aside);
                    BTreeMap::new()
                }
            },
            Err(error) if error.is_not_found() => BTreeMap::new(),
            Err(error) => {
                tracing::warn!(reason = %error.reason(), "cannot read the trust file");
                BTreeMap::new()
            }
        }
    }

    /// The kept answer for `folder`: `Some(true)` trusted, `Some(false)` refused, `None` never asked.
    pub fn answer(&self, folder: &Path) -> Option<bool> {
        self.answers().get(&key(folder)).copied()
    }

    /// Keeps the answer for `folder` (atomically: a temporary file, flushed, renamed).
    pub fn record(&self, folder: &Path, trusted: bool) -> std::io::Result<()> {
        let mut answers = self.answers();
        answers.insert(key(folder), trusted);
        let mut text = serde_json::to_string_pretty(&answers)?;
        text.push('\n');
        regular_file::write_atomic(&self.file, text.as_bytes())
    }
}

/// A folder as the store names it: canonical when it exists.
fn key(folder: &Path) -> String {
    folder
        .canonicalize()
        .unwrap_or_else(|_| folder.to_path_buf())
        .display()
        .to_string()
}

/// Whether the user setting `trustedFolders` (an array of paths) in the user settings file `settings`
/// lists `folder`.
pub fn listed_in_user_settings(settings: &Path, folder: &Path) -> bool {
    let Ok(text) = regular_file::read_text(settings, regular_file::MAX_SETTINGS_BYTES) else {
        return false;
    };
    let Ok(value) = exthost_protocol::json::from_str::<Value>(&text) else {
        return false;
    };
    let wanted = key(folder);
    value
        .get(TRUSTED_FOLDERS_SETTING)
        .and_then(Value::as_array)
        .is_some_and(|folders| {
            folders
                .iter()
                .filter_map(Value::as_str)
                .any(|listed| key(Path::new(listed)) == wanted)
        })
}

/// Whether `folder`'s project extensions may run: trusted by a kept answer or by `trustedFolders`.
pub fn is_trusted(folder: &Path) -> bool {
    let Some(home) = crate::config::home_dir() else {
        return false;
    };
    TrustStore::new(&home).answer(folder) == Some(true)
        || listed_in_user_settings(&home.join("settings.json"), folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_per_folder_and_a_corrupt_file_is_moved_aside() {
        let home = tempfile::tempdir().unwrap();
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        let store = TrustStore::new(home.path());
        assert_eq!(store.answer(one.path()), None);
        store.record(one.path(), true).unwrap();
        store.record(two.path(), false).unwrap();
        assert_eq!(store.answer(one.path()), Some(true));
        assert_eq!(store.answer(two.path()), Some(false));
        std::fs::write(home.path().join(TRUST_FILE), "{not json").unwrap();
        assert_eq!(store.answer(one.path()), None);
        assert!(home.path().join("trusted-folders.json.corrupt").is_file());
    }

    #[test]
    fn the_user_setting_lists_trusted_folders() {
        let home = tempfile::tempdir().unwrap();
        let folder = tempfile::tempdir().unwrap();
        let settings = home.path().join("settings.json");
        assert!(!listed_in_user_settings(&settings, folder.path()));
        std::fs::write(
            &settings,
            serde_json::json!({ "trustedFolders": [folder.path()] }).to_string(),
        )
        .unwrap();
        assert!(listed_in_user_settings(&settings, folder.path()));
    }
}
