//! `$EXTHOST_HOME/extensions/installed.json`: what was installed, from where, with which checksum and
//! signer, and when. Written atomically (temp file, fsync, rename, fsync of the folder); a corrupt file
//! is moved aside with a warning and an empty record used.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::PackageError;
use super::archive::sync_folder;

/// The record file's name inside the user extensions folder.
pub const RECORD_FILE: &str = "installed.json";

/// Where an installed extension came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RecordedSource {
    /// A `.xpkg` file.
    Xpkg {
        /// Its absolute path.
        path: String,
    },
    /// A VS Code `.vsix` file.
    Vsix {
        /// Its absolute path.
        path: String,
    },
    /// An extension folder.
    Folder {
        /// Its absolute path.
        path: String,
    },
    /// The npm registry.
    Npm {
        /// The package name.
        name: String,
        /// The version range asked for (`None`: the `latest` tag).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        range: Option<String>,
        /// The registry URL.
        registry: String,
    },
}

impl RecordedSource {
    /// How `exthost install` would be given this source again.
    pub fn describe(&self) -> String {
        match self {
            RecordedSource::Xpkg { path }
            | RecordedSource::Vsix { path }
            | RecordedSource::Folder { path } => path.clone(),
            RecordedSource::Npm { name, range, .. } => match range {
                Some(range) => format!("npm:{name}@{range}"),
                None => format!("npm:{name}"),
            },
        }
    }
}

/// One install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallRecord {
    /// The extension id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// The folder's name inside the user extensions folder (`<id>-<version>`).
    pub folder: String,
    /// Where it came from.
    pub source: RecordedSource,
    /// `sha256:<hex>` of the package file as received (for a folder, of its `CHECKSUMS` list).
    pub checksum: String,
    /// The trusted key file that signed it, `untrusted: <key>` for a key not trusted, or `None`.
    #[serde(default)]
    pub signer: Option<String>,
    /// When it was installed (RFC 3339, UTC).
    pub installed_at: String,
}

/// The whole record file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstalledRecords {
    /// Every install, one per folder.
    #[serde(default)]
    pub extensions: Vec<InstallRecord>,
}

impl InstalledRecords {
    /// Reads the record of `extensions_dir`; absent is empty, corrupt is moved aside and empty.
    pub fn load(extensions_dir: &Path) -> Self {
        let file = extensions_dir.join(RECORD_FILE);
        let Ok(text) = std::fs::read_to_string(&file) else {
            return Self::default();
        };
        match serde_json::from_str(&text) {
            Ok(records) => records,
            Err(error) => {
                let aside = extensions_dir.join(format!(
                    "{RECORD_FILE}.corrupt-{}",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S")
                ));
                tracing::warn!(file = %file.display(), %error, aside = %aside.display(),
                    "the install record is corrupt; moved aside");
                let _ = std::fs::rename(&file, &aside);
                Self::default()
            }
        }
    }

    /// Writes the record atomically.
    pub fn save(&self, extensions_dir: &Path) -> Result<(), PackageError> {
        let file = extensions_dir.join(RECORD_FILE);
        let temp: PathBuf =
            extensions_dir.join(format!(".{RECORD_FILE}.{}.tmp", std::process::id()));
        let text = serde_json::to_string_pretty(self).expect("invariant: records serialise");
        {
            let mut handle = std::fs::File::create(&temp).map_err(PackageError::io(&temp))?;
            std::io::Write::write_all(&mut handle, text.as_bytes())
                .map_err(PackageError::io(&temp))?;
            handle.sync_all().map_err(PackageError::io(&temp))?;
        }
        std::fs::rename(&temp, &file).map_err(PackageError::io(&file))?;
        sync_folder(extensions_dir)
    }

    /// Replaces the record for `record.folder`, or adds it.
    pub fn upsert(&mut self, record: InstallRecord) {
        self.extensions.retain(|r| r.folder != record.folder);
        self.extensions.push(record);
        self.extensions
            .sort_by(|a, b| (&a.id, &a.folder).cmp(&(&b.id, &b.folder)));
    }

    /// The record of the folder named `folder`.
    pub fn for_folder(&self, folder: &str) -> Option<&InstallRecord> {
        self.extensions.iter().find(|r| r.folder == folder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_a_corrupt_file_is_moved_aside() {
        let folder = tempfile::tempdir().unwrap();
        let mut records = InstalledRecords::default();
        records.upsert(InstallRecord {
            id: "a.b".into(),
            version: "1.0.0".into(),
            folder: "a.b-1.0.0".into(),
            source: RecordedSource::Npm {
                name: "ab".into(),
                range: Some("^1".into()),
                registry: "http://127.0.0.1:1/".into(),
            },
            checksum: "sha256:00".into(),
            signer: None,
            installed_at: "2026-12-01T00:00:00Z".into(),
        });
        records.save(folder.path()).unwrap();
        assert_eq!(InstalledRecords::load(folder.path()), records);
        std::fs::write(folder.path().join(RECORD_FILE), "{not json").unwrap();
        assert_eq!(
            InstalledRecords::load(folder.path()),
            InstalledRecords::default()
        );
        let aside = std::fs::read_dir(folder.path())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("installed.json.corrupt-")
            });
        assert!(aside);
    }
}
