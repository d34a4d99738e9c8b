//! Development mode's rollback: the last version of a `--dev` JavaScript extension that activated is
//! kept as a copy, and when a change on disk fails to load or activate, the extension is activated again
//! from that copy, so the previous version keeps running until the next good change.
//!
//! The copy is a private temporary folder per extension (removed when replaced and when the host ends),
//! taken from the development folder before each activation and kept once the activation worked (taken
//! after it, the copy could hold a change saved meanwhile, a broken one included): every file but version
//! control data (`.git`) and build output (`target`); `node_modules` is linked, not copied. An extension
//! running from its copy keeps its record's path (the development folder, which the watcher reports), so
//! the next change is read from the development folder again.
//!
//! A rebuilt native library is not reloaded in process (a loaded library stays mapped): the worker asks
//! its supervisor to restart it ([`crate::supervisor::RESTART_WORKER_METHOD`]), and the new worker,
//! brought to the session's state by the replay, loads the new library. The last good version of a
//! native extension is its folder copied the same way plus the library's bytes as they were mapped when
//! it activated (the loader's private copy, `runtime/native/library.rs`); under a supervisor it is kept
//! in the folder the supervisor owns ([`crate::supervisor::owned_folder`]), so it outlives the worker.
//! When a `--dev` native extension running from its development folder fails to load or activate (in
//! the new worker, typically during the replay) and its library differs from the last good one, the
//! activation is done again from the last good version: the extension ends `enabled`, the editor gets
//! the error as a `window/showMessage`, and the next rebuild that activates replaces the copy.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use exthost_protocol::methods::ExtensionSource;
use serde_json::json;

use super::{Lifecycle, LifecycleError};
use crate::config::manifest_context;
use crate::discovery;
use crate::manifest::Manifest;
use crate::runtime::native::library;

/// Numbers the folders a last good native version is built in before it replaces the previous one.
static BUILDS: AtomicU64 = AtomicU64::new(0);

/// The last good copies, by extension id.
pub(super) type LastGoodCopies = std::sync::Mutex<std::collections::HashMap<String, LastGood>>;

/// A copy of a development folder being taken before an activation ([`Lifecycle::snapshot_before_activation`]).
pub(super) type Snapshot = tokio::task::JoinHandle<std::io::Result<LastGood>>;

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
        self.ask_supervisor_to_restart(
            "libraryRebuilt",
            Some(format!("{id}: {} was rebuilt", library.display())),
        )
    }

    /// Before `manifest`'s extension is launched: for a `--dev` JavaScript extension running from its
    /// development folder, starts copying that folder as it is now, the files the activation is about to
    /// read (on the blocking pool, while the activation goes on: starting it does not yield). Taken before,
    /// not after the activation, so a change saved right after it activated is never mistaken for the
    /// version that worked: [`Lifecycle::keep_last_good`] keeps this copy.
    pub(super) fn snapshot_before_activation(&self, manifest: &Manifest) -> Option<Snapshot> {
        if manifest.is_native() {
            // The library's bytes as mapped are kept after the activation instead.
            return None;
        }
        let folder = self.development_folder(manifest)?;
        Some(tokio::task::spawn_blocking(move || {
            copy_extension(&folder, None)
        }))
    }

    /// The folder of `manifest`'s extension when it is a `--dev` extension running from its development
    /// folder (not from a last good copy).
    fn development_folder(&self, manifest: &Manifest) -> Option<PathBuf> {
        let folder = manifest.file.parent().map(Path::to_path_buf)?;
        let development = self
            .lock()
            .registry
            .get(&manifest.id)
            .is_some_and(|record| record.source == ExtensionSource::Dev && record.path == folder);
        development.then_some(folder)
    }

    /// After `manifest`'s extension activated: for a `--dev` extension running from its development
    /// folder, keeps its last good version, replacing the previous one: for a JavaScript extension the
    /// `snapshot` taken before it was launched, for a native one a copy of the folder with the library's
    /// bytes as mapped.
    pub(super) async fn keep_last_good(
        self: &Arc<Self>,
        manifest: &Manifest,
        snapshot: Option<Snapshot>,
    ) {
        let id = manifest.id.clone();
        if let Some(snapshot) = snapshot {
            let copied = snapshot.await.map(|copied| copied.map(Some));
            self.record_last_good(id, copied);
            return;
        }
        if !manifest.is_native() {
            return;
        }
        let Some(folder) = self.development_folder(manifest) else {
            return;
        };
        // The library that was loaded (its located path, and the bytes mapped from it).
        let Some(Ok(located)) = self
            .launch_spec(manifest)
            .map(|spec| library::locate(&spec))
        else {
            return;
        };
        let Some(name) = located.file_name().map(ToOwned::to_owned) else {
            return;
        };
        let bytes = match library::mapped_copy(&located) {
            Some(copy) => copy,
            // Under a supervisor every new mapping has its copy until it was kept (or failed):
            // these bytes are kept already, and the file may hold a newer build by now.
            None if crate::supervisor::is_supervised() => return,
            None => located.clone(),
        };
        let native = Some((bytes, name, located));
        let kept_for_successors = native.as_ref().and_then(|_| supervised_last_good(&id));
        let copied = tokio::task::spawn_blocking(move || {
            let bytes = native
                .as_ref()
                .map(|(bytes, name, _)| (bytes.clone(), name.clone()));
            let copied = match kept_for_successors {
                Some(destination) => keep_in(&folder, bytes.as_ref(), &destination).map(|()| None),
                None => copy_extension(&folder, bytes.as_ref()).map(Some),
            };
            // The private copy was only kept for this.
            if let Some((_, _, located)) = &native {
                library::release_copy(located);
            }
            copied
        })
        .await;
        self.record_last_good(id, copied);
    }

    /// Records how keeping `id`'s last good version went: this process's copy, a copy kept in the
    /// supervisor's folder for the next workers (`None`), or why there is none.
    fn record_last_good(
        &self,
        id: String,
        copied: Result<std::io::Result<Option<LastGood>>, tokio::task::JoinError>,
    ) {
        match copied {
            Ok(Ok(Some(copy))) => {
                tracing::debug!(%id, copy = %copy.extension.display(), "kept the last good version");
                self.last_good
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(id, copy);
            }
            Ok(Ok(None)) => {
                tracing::debug!(%id, "kept the last good version for the supervisor's next workers")
            }
            Ok(Err(error)) => {
                tracing::warn!(%id, %error, "cannot keep a copy of the last good version; no rollback")
            }
            Err(error) => {
                tracing::warn!(%id, %error, "cannot keep a copy of the last good version")
            }
        }
    }

    /// The folder of the last good version of `id` (this process's copy, else the one a previous worker
    /// kept in the supervisor's folder).
    fn last_good_folder(&self, id: &str) -> Option<PathBuf> {
        let copy = self
            .last_good
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            .map(|copy| copy.extension.clone());
        copy.or_else(|| supervised_last_good(id))
            .filter(|folder| folder.is_dir())
    }

    /// Whether the activation of `id` that just failed may roll back: a `--dev` native extension running
    /// from its development folder, with a last good version whose library is not the one that failed
    /// (the same bytes would fail the same way). Answers the last good version's folder. The failed
    /// library's private copy is removed (its bytes are of no more use).
    pub(super) fn native_rollback_folder(&self, id: &str) -> Option<PathBuf> {
        let folder = self.native_rollback_candidate(id);
        if let Some(failed) = self
            .manifest(id)
            .ok()
            .filter(|manifest| manifest.is_native())
            .and_then(|manifest| self.launch_spec(&manifest))
            .and_then(|spec| library::locate(&spec).ok())
        {
            library::release_copy(&failed);
        }
        folder
    }

    fn native_rollback_candidate(&self, id: &str) -> Option<PathBuf> {
        let manifest = self.manifest(id).ok()?;
        if !manifest.is_native() || !self.is_development(id) {
            return None;
        }
        let folder = manifest.file.parent()?.to_path_buf();
        let from_development_folder = self
            .lock()
            .registry
            .get(id)
            .is_some_and(|record| record.path == folder);
        if !from_development_folder {
            return None;
        }
        let copy = self.last_good_folder(id)?;
        let spec = self.launch_spec(&manifest)?;
        let failed = library::locate(&spec).ok();
        let mut in_copy = spec;
        in_copy.extension_path = copy.clone();
        let good = library::locate(&in_copy).ok()?;
        let same = failed.is_some_and(|failed| {
            let mapped = library::mapped_copy(&failed).unwrap_or(failed);
            matches!((std::fs::read(mapped), std::fs::read(&good)), (Ok(a), Ok(b)) if a == b)
        });
        (!same).then_some(copy)
    }

    /// The activation of native `id` failed with `error`; `copy` is its last good version
    /// ([`Lifecycle::native_rollback_folder`]): activates that version instead and tells the editor.
    /// Answers its exports, or `Err(error)` unchanged when the copy does not come back either.
    pub(super) async fn roll_back_native(
        self: &Arc<Self>,
        id: &str,
        copy: &Path,
        error: LifecycleError,
    ) -> Result<serde_json::Value, LifecycleError> {
        let fresh = discovery::read_extension(ExtensionSource::Dev, copy, &manifest_context());
        let Some(manifest) = fresh.manifest.filter(|manifest| manifest.id == id) else {
            return Err(error);
        };
        {
            let mut state = self.lock();
            state.registry.replace_manifest(id, manifest);
            self.resolve_again(&mut state);
        }
        match Box::pin(self.activate_now(id)).await {
            Ok(exports) => {
                tracing::warn!(%id, %error, "the rebuilt library failed; the previous version keeps running");
                self.editor.notify(
                    "window/showMessage",
                    json!({"type": 1, "message": format!(
                        "{id}: the changed version failed ({error}); the previous version keeps running"
                    )}),
                );
                Ok(exports)
            }
            Err(again) => {
                tracing::warn!(%id, %again, "the previous version does not activate either");
                Err(error)
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

/// Where the last good version of native extension `id` is kept under a supervisor (`None` without one).
fn supervised_last_good(id: &str) -> Option<PathBuf> {
    let name: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    crate::supervisor::owned_folder().map(|folder| folder.join("last-good").join(name))
}

/// Copies the extension `folder` into a new temporary folder (see the module's documentation), with
/// `native` (the library's bytes, and the file name to give them) at the copy's root.
fn copy_extension(
    folder: &Path,
    native: Option<&(PathBuf, std::ffi::OsString)>,
) -> std::io::Result<LastGood> {
    let holder = tempfile::Builder::new()
        .prefix("exthost-last-good-")
        .tempdir()?;
    let name = folder
        .file_name()
        .map_or_else(|| "extension".into(), ToOwned::to_owned);
    let extension = holder.path().join(name);
    copy_tree(folder, &extension, true)?;
    if let Some((bytes, name)) = native {
        std::fs::copy(bytes, extension.join(name))?;
    }
    Ok(LastGood {
        _folder: holder,
        extension,
    })
}

/// [`copy_extension`] into `destination` (replacing what it held): built beside it, then renamed.
fn keep_in(
    folder: &Path,
    native: Option<&(PathBuf, std::ffi::OsString)>,
    destination: &Path,
) -> std::io::Result<()> {
    let parent = destination
        .parent()
        .ok_or_else(|| std::io::Error::other("the last good folder has no parent"))?;
    std::fs::create_dir_all(parent)?;
    let building = parent.join(format!(
        ".building-{}-{}",
        std::process::id(),
        BUILDS.fetch_add(1, Ordering::Relaxed)
    ));
    let built = copy_tree(folder, &building, true).and_then(|()| match native {
        Some((bytes, name)) => std::fs::copy(bytes, building.join(name)).map(|_| ()),
        None => Ok(()),
    });
    if let Err(error) = built {
        let _ = std::fs::remove_dir_all(&building);
        return Err(error);
    }
    if destination.exists() {
        std::fs::remove_dir_all(destination)?;
    }
    std::fs::rename(&building, destination)
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
        let copy = copy_extension(root, None).unwrap();
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
