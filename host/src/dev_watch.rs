//! Development mode (`--dev`): each development extension's folder is watched, and a change to its files
//! reloads it (stopped with its dependents, re-read from disk, activated again).
//!
//! Changes are debounced (a burst of writes reloads once). Version control data and build output are
//! ignored, except a rebuilt native library (a file ending in the platform's library suffix): for a
//! native extension under a supervisor that restarts the worker (`Lifecycle::restart_worker_for_library`),
//! since a loaded library cannot be unloaded; otherwise it reloads in process. A JS change that fails
//! to load or activate rolls back to the last version that worked (see `lifecycle/dev_rollback.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::lifecycle::Lifecycle;

/// How long the watcher waits after a change for the burst of writes to end.
const SETTLE: Duration = Duration::from_millis(200);

/// Keeps the file watchers alive; dropping it stops watching.
pub struct DevWatcher {
    _watcher: notify::RecommendedWatcher,
}

impl std::fmt::Debug for DevWatcher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("DevWatcher")
    }
}

/// Starts watching every development extension's folder. Must be called inside a tokio runtime. Answers
/// `None` when there is nothing to watch.
pub fn watch(lifecycle: &Arc<Lifecycle>) -> Result<Option<DevWatcher>, notify::Error> {
    let folders = lifecycle.development_folders();
    if folders.is_empty() {
        return Ok(None);
    }
    let (changes, changed) = mpsc::unbounded_channel::<(PathBuf, Option<PathBuf>)>();
    let watched = folders.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else {
            return;
        };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        for path in event.paths {
            if let Some(folder) = watched.iter().find(|folder| path.starts_with(folder))
                && counts_as_change(folder, &path)
            {
                let library = is_library(&path).then(|| path.clone());
                let _ = changes.send((folder.clone(), library));
            }
        }
    })?;
    for folder in &folders {
        // One folder that cannot be watched (gone, unreadable) leaves the others watched.
        if let Err(error) = watcher.watch(folder, RecursiveMode::Recursive) {
            tracing::warn!(folder = %folder.display(), %error, "cannot watch this --dev folder; it will not reload on change");
        }
    }
    tokio::spawn(reload_on_change(Arc::downgrade(lifecycle), changed));
    Ok(Some(DevWatcher { _watcher: watcher }))
}

/// Whether `path` is a native library (ends with the platform's library suffix).
fn is_library(path: &Path) -> bool {
    path.file_name().is_some_and(|name| {
        name.to_string_lossy()
            .ends_with(std::env::consts::DLL_SUFFIX)
    })
}

/// Whether a change at `path` (inside the extension `folder`) should reload the extension.
fn counts_as_change(folder: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(folder) else {
        return false;
    };
    let mut parts = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy());
    let first = parts.next().unwrap_or_default();
    match first.as_ref() {
        ".git" | "node_modules" => false,
        "target" => is_library(path),
        _ => true,
    }
}

/// Waits for changes, lets each burst settle, and reloads every extension whose folder changed.
async fn reload_on_change(
    lifecycle: Weak<Lifecycle>,
    mut changed: mpsc::UnboundedReceiver<(PathBuf, Option<PathBuf>)>,
) {
    while let Some((first, library)) = changed.recv().await {
        // Each changed folder, with a rebuilt library when one was among the changes.
        let mut folders = BTreeMap::from([(first, library)]);
        // Collect the rest of the burst.
        loop {
            match tokio::time::timeout(SETTLE, changed.recv()).await {
                Ok(Some((folder, library))) => {
                    let seen = folders.entry(folder).or_default();
                    if library.is_some() {
                        *seen = library;
                    }
                }
                Ok(None) => return,
                Err(_) => break,
            }
        }
        let Some(lifecycle) = lifecycle.upgrade() else {
            return;
        };
        for (folder, library) in folders {
            let Some(id) = lifecycle.extension_at(&folder) else {
                continue;
            };
            if let Some(library) = library
                && lifecycle.restart_worker_for_library(&id, &library)
            {
                continue;
            }
            tracing::info!(%id, folder = %folder.display(), "development extension changed on disk; reloading");
            match lifecycle.reload_from_disk(&id).await {
                Ok(reloaded) => tracing::info!(?reloaded, "reloaded"),
                Err(error) => tracing::warn!(%id, %error, "reload after a change failed"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_and_vcs_data_do_not_count_but_a_rebuilt_library_does() {
        let folder = Path::new("/ext");
        assert!(counts_as_change(folder, Path::new("/ext/extension.js")));
        assert!(counts_as_change(folder, Path::new("/ext/exthost.json")));
        assert!(!counts_as_change(folder, Path::new("/ext/.git/index")));
        assert!(!counts_as_change(
            folder,
            Path::new("/ext/node_modules/x/index.js")
        ));
        assert!(!counts_as_change(
            folder,
            Path::new("/ext/target/debug/deps/x.d")
        ));
        let library = format!("/ext/target/release/libx{}", std::env::consts::DLL_SUFFIX);
        assert!(counts_as_change(folder, Path::new(&library)));
        assert!(!counts_as_change(folder, Path::new("/elsewhere/x.js")));
    }
}
