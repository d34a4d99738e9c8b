//! Development mode's rollback: the last version of a `--dev` JavaScript extension that activated is
//! kept as a copy, and when a change on disk fails to load or activate, the extension is activated again
//! from that copy, so the previous version keeps running until the next good change.
//!
//! The copy is a private temporary folder per extension (removed when replaced and when the host ends),
//! taken right after each successful activation from the development folder: every file but version
//! control data (`.git`) and build output (`target`); `node_modules` is linked, not copied. An extension
//! running from its copy keeps its record's path (the development folder, which the watcher reports), so
//! the next change is read from the development folder again.
//!
//! A rebuilt native library is not reloaded in process (a loaded library stays mapped): the worker asks
//! its supervisor to restart it ([`crate::supervisor::RESTART_WORKER_METHOD`]), and the new worker,
//! brought to the session's state by the replay, loads the new library.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use exthost_protocol::methods::ExtensionSource;
use serde_json::json;

use super::{Lifecycle, LifecycleError};
use crate::config::manifest_context;
use crate::discovery;
use crate::manifest::Manifest;

/// The last good copies, by extension id.
pub(super) type LastGoodCopies = std::sync::Mutex<std::collections::HashMap<String, LastGood>>;

/// One extension's last good version on disk.
#[derive(Debug)]
pub(super) struct LastGood {
    /// Holds the copy (removed on drop).
    _folder: tempfile::TempDir,
    /// The copied extension folder inside it.
    extension: PathBuf,
}

impl Lifecycle {
    /// Development mode, `library` of `--dev` extension `id` rebuilt: when `id` is a native extension
    /// and this worker has a supervisor, asks it for a restart and answers true; false otherwise (the
    /// caller reloads the extension in process).
    pub fn restart_worker_for_library(&self, id: &str, library: &Path) -> bool {
        let native = self.manifest(id).is_ok_and(|manifest| manifest.is_native());
        if !native || !crate::supervisor::is_supervised() {
            return false;
        }
        tracing::info!(%id, library = %library.display(), "native library rebuilt: asking the supervisor for a new worker");
        self.editor.notify(
            crate::supervisor::RESTART_WORKER_METHOD,
            json!({"reason": "libraryRebuilt", "detail": format!("{id}: {} was rebuilt", library.display())}),
        );
        true
    }

    /// After `manifest`'s extension activated: for a `--dev` JavaScript extension running from its
    /// development folder, copies that folder as its last good version (replacing the previous one).
    pub(super) async fn keep_last_good(self: &Arc<Self>, manifest: &Manifest) {
        let id = manifest.id.clone();
        let Some(folder) = manifest.file.parent().map(Path::to_path_buf) else {
            return;
        };
        let development =
            self.lock().registry.get(&id).is_some_and(|record| {
                record.source == ExtensionSource::Dev && record.path == folder
            });
        if !development || manifest.is_native() {
            return;
        }
        let copied = tokio::task::spawn_blocking(move || copy_extension(&folder)).await;
        match copied {
            Ok(Ok(copy)) => {
                tracing::debug!(%id, copy = %copy.extension.display(), "kept the last good version");
                self.last_good
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(id, copy);
            }
            Ok(Err(error)) => {
                tracing::warn!(%id, %error, "cannot keep a copy of the last good version; no rollback")
            }
            Err(error) => {
                tracing::warn!(%id, %error, "cannot keep a copy of the last good version")
            }
        }
    }

    /// After the new version of `id` failed to load or activate (`error`): activates the last good copy
    /// again, tells the editor, and answers the error the reload ends with. `Err(error)` unchanged when
    /// there is no copy, or the copy does not come back either.
    pub(super) async fn roll_back(
        self: &Arc<Self>,
        id: &str,
        error: LifecycleError,
    ) -> Result<(), LifecycleError> {
        let copy = self
            .last_good
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            .map(|copy| copy.extension.clone());
        let Some(copy) = copy else {
            return Err(error);
        };
        let fresh = discovery::read_extension(ExtensionSource::Dev, &copy, &manifest_context());
        let Some(manifest) = fresh.manifest.filter(|manifest| manifest.id == id) else {
            return Err(error);
        };
        {
            let mut state = self.lock();
            state.registry.replace_manifest(id, manifest);
            self.resolve_again(&mut state);
        }
        match self.activate_with(id, true).await {
            Ok(_) => {
                tracing::warn!(%id, %error, "the new version failed; the previous version keeps running");
                self.editor.notify(
                    "window/showMessage",
                    json!({"type": 1, "message": format!(
                        "{id}: the changed version failed ({error}); the previous version keeps running"
                    )}),
                );
                Err(LifecycleError::Failed {
                    id: id.to_owned(),
                    message: format!(
                        "the changed version failed ({error}); rolled back to the previous version"
                    ),
                })
            }
            Err(again) => {
                tracing::warn!(%id, %again, "the previous version does not activate either");
                Err(error)
            }
        }
    }
}

/// Copies the extension `folder` into a new temporary folder (see the module's documentation).
fn copy_extension(folder: &Path) -> std::io::Result<LastGood> {
    let holder = tempfile::Builder::new()
        .prefix("exthost-last-good-")
        .tempdir()?;
    let name = folder
        .file_name()
        .map_or_else(|| "extension".into(), ToOwned::to_owned);
    let extension = holder.path().join(name);
    copy_tree(folder, &extension, true)?;
    Ok(LastGood {
        _folder: holder,
        extension,
    })
}

fn copy_tree(from: &Path, to: &Path, top: bool) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let source = entry.path();
        let target = to.join(&name);
        let kind = entry.file_type()?;
        if top && (name == ".git" || name == "target") {
            continue;
        }
        if top && name == "node_modules" {
            std::os::unix::fs::symlink(&source, &target)?;
        } else if kind.is_dir() {
            copy_tree(&source, &target, false)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&source)?, &target)?;
        } else if kind.is_file() {
            std::fs::copy(&source, &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_leaves_out_vcs_data_and_build_output_and_links_node_modules() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        std::fs::create_dir_all(root.join("node_modules/dep")).unwrap();
        std::fs::write(root.join("exthost.json"), "{}").unwrap();
        std::fs::write(root.join("src/extension.js"), "good").unwrap();
        let copy = copy_extension(root).unwrap();
        assert_eq!(
            std::fs::read_to_string(copy.extension.join("src/extension.js")).unwrap(),
            "good"
        );
        assert!(copy.extension.join("exthost.json").is_file());
        assert!(!copy.extension.join(".git").exists());
        assert!(!copy.extension.join("target").exists());
        assert!(
            std::fs::symlink_metadata(copy.extension.join("node_modules"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // The copy does not follow later changes.
        std::fs::write(root.join("src/extension.js"), "broken").unwrap();
        assert_eq!(
            std::fs::read_to_string(copy.extension.join("src/extension.js")).unwrap(),
            "good"
        );
        let holder = copy.extension.parent().unwrap().to_path_buf();
        drop(copy);
        assert!(!holder.exists(), "the copy is removed with it");
    }
}
