//! Packages uploaded by the manager page (`POST /upload?token=…&name=FILE.xpkg`): each is written to a
//! private temporary folder of this run and named `upload:ID`, a source that `exthost/install` on the
//! manager endpoint accepts. The file is removed once its install ended, and the folder when the endpoint
//! stops.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// The largest package the page may upload, in bytes.
pub const MAX_UPLOAD_BYTES: u32 = 64 * 1024 * 1024;

/// The prefix of an uploaded package's source.
const UPLOAD_PREFIX: &str = "upload:";

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The file name does not end with a package's extension.
    #[error("only .xpkg and .vsix packages can be uploaded, not {name:?}")]
    NotAPackage {
        /// The name given.
        name: String,
    },
    /// The temporary folder or file could not be written.
    #[error("cannot keep the uploaded package: {0}")]
    Write(#[from] std::io::Error),
}

/// The uploaded packages waiting for their install.
#[derive(Debug)]
pub struct Uploads {
    folder: Mutex<Option<tempfile::TempDir>>,
    files: Mutex<HashMap<String, PathBuf>>,
}

impl Default for Uploads {
    fn default() -> Self {
        Self::new()
    }
}

impl Uploads {
    /// No uploads yet; the folder is made at the first.
    pub fn new() -> Self {
        Self {
            folder: Mutex::new(None),
            files: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps `bytes` uploaded as `name` (only its extension is used) and answers its source,
    /// `upload:ID`.
    pub fn keep(&self, name: &str, bytes: &[u8]) -> Result<String, UploadError> {
        let lower = name.to_ascii_lowercase();
        let extension = [".xpkg", ".vsix"]
            .into_iter()
            .find(|extension| lower.ends_with(extension))
            .ok_or_else(|| UploadError::NotAPackage {
                name: name.to_owned(),
            })?;
        let mut folder = self
            .folder
            .lock()
            .expect("invariant: the uploads' lock is never poisoned");
        if folder.is_none() {
            let made = tempfile::Builder::new()
                .prefix("exthost-upload-")
                .tempdir()?;
            // Readable by its owner only: another user of the machine must not swap a package in.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(made.path(), std::fs::Permissions::from_mode(0o700))?;
            }
            *folder = Some(made);
        }
        let root = folder
            .as_ref()
            .expect("invariant: the folder was just made")
            .path();
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).map_err(|error| std::io::Error::other(error.to_string()))?;
        let id: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
        let path = root.join(format!("{id}{extension}"));
        std::fs::write(&path, bytes)?;
        self.files
            .lock()
            .expect("invariant: the uploads' lock is never poisoned")
            .insert(id.clone(), path);
        Ok(format!("{UPLOAD_PREFIX}{id}"))
    }

    /// The path to install for `source`: an `upload:ID` of this run becomes its file; anything else is
    /// answered as it is.
    pub fn resolve(&self, source: &str) -> String {
        source
            .strip_prefix(UPLOAD_PREFIX)
            .and_then(|id| {
                self.files
                    .lock()
                    .expect("invariant: the uploads' lock is never poisoned")
                    .get(id)
                    .map(|path| path.display().to_string())
            })
            .unwrap_or_else(|| source.to_owned())
    }

    /// Removes the uploaded file at `path` (after its install), if it is one.
    pub fn forget(&self, path: &str) {
        let mut files = self
            .files
            .lock()
            .expect("invariant: the uploads' lock is never poisoned");
        let found = files
            .iter()
            .find(|(_, kept)| kept.display().to_string() == path)
            .map(|(id, _)| id.clone());
        if let Some(path) = found.and_then(|id| files.remove(&id))
            && let Err(error) = std::fs::remove_file(&path)
        {
            tracing::warn!(path = %path.display(), %error, "cannot remove an uploaded package");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_kept_privately_resolved_once_and_removed() {
        let uploads = Uploads::new();
        assert!(matches!(
            uploads.keep("notes.txt", b"x"),
            Err(UploadError::NotAPackage { .. })
        ));
        let source = uploads.keep("../../Hello.XPKG", b"bytes").unwrap();
        assert!(source.starts_with("upload:"));
        let path = uploads.resolve(&source);
        assert!(path.ends_with(".xpkg"), "{path}");
        assert_eq!(std::fs::read(&path).unwrap(), b"bytes");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let folder = std::path::Path::new(&path).parent().unwrap();
            let mode = std::fs::metadata(folder).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the folder is private: {mode:o}");
        }
        assert_eq!(uploads.resolve("upload:unknown"), "upload:unknown");
        assert_eq!(uploads.resolve("npm:left-pad"), "npm:left-pad");
        uploads.forget(&path);
        assert!(!std::path::Path::new(&path).exists());
        assert_eq!(uploads.resolve(&source), source);
    }
}
