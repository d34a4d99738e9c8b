//! Development mode (`--dev`): each development extension's folder is watched, and every settled burst
//! of changes is sent, as the set of folders that changed, on a channel. The watcher knows nothing of
//! the lifecycle: the server owns it and the reload loop (`server::dev_reload`).
//!
//! Changes are debounced (a burst of writes is sent once). Version control data and build output are
//! ignored, except a rebuilt native library (a file ending in the platform's library suffix), so a
//! `cargo build` of a native extension counts too; the burst names it, since a native extension is not
//! reloaded in process but by a new worker (`Lifecycle::restart_worker_for_library`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// How long the watcher waits after a change for the burst of writes to end.
const SETTLE: Duration = Duration::from_millis(200);

/// Keeps the file watchers alive; dropping it stops watching (and closes the channel of changes).
pub struct DevWatcher {
    _watcher: notify::RecommendedWatcher,
}

impl std::fmt::Debug for DevWatcher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("DevWatcher")
    }
}

/// The folders that changed in one settled burst of changes, each with the native library rebuilt in it
/// (`None`: no library among its changes).
pub type ChangedFolders = BTreeMap<PathBuf, Option<PathBuf>>;

/// Starts watching `folders`. Must be called inside a tokio runtime. Answers the watcher (keep it alive)
/// and the channel on which each settled burst of changes arrives; `None` when there is nothing to watch.
pub fn watch(
    folders: Vec<PathBuf>,
) -> Result<Option<(DevWatcher, mpsc::UnboundedReceiver<ChangedFolders>)>, notify::Error> {
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
    let (bursts, settled) = mpsc::unbounded_channel();
    tokio::spawn(settle_bursts(changed, bursts));
    Ok(Some((DevWatcher { _watcher: watcher }, settled)))
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

/// Lets each burst of changes settle and sends the folders it touched, once.
async fn settle_bursts(
    mut changed: mpsc::UnboundedReceiver<(PathBuf, Option<PathBuf>)>,
    bursts: mpsc::UnboundedSender<ChangedFolders>,
) {
    while let Some((first, library)) = changed.recv().await {
        let mut folders = ChangedFolders::from([(first, library)]);
        // Collect the rest of the burst.
        let open = loop {
            match tokio::time::timeout(SETTLE, changed.recv()).await {
                Ok(Some((folder, library))) => {
                    let seen = folders.entry(folder).or_default();
                    if library.is_some() {
                        *seen = library;
                    }
                }
                Ok(None) => break false,
                Err(_) => break true,
            }
        };
        if bursts.send(folders).is_err() || !open {
            return;
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
