//! Development reload: the server owns the `--dev` folder watcher ([`crate::dev_watch`]) and the loop
//! that reloads an extension whose folder changed ([`reload_changed_extensions`]).

use std::sync::{Arc, Weak};

use tokio::sync::mpsc;

use crate::dev_watch::{ChangedFolders, DevWatcher};
use crate::lifecycle::Lifecycle;

/// Starts watching `lifecycle`'s development folders and reloading on change. Answers the watcher, which
/// must be kept alive as long as reloads are wanted (`None`: nothing to watch, or it cannot watch).
pub(crate) fn start(lifecycle: &Arc<Lifecycle>) -> Option<DevWatcher> {
    match crate::dev_watch::watch(lifecycle.development_folders()) {
        Ok(Some((watcher, changes))) => {
            tokio::spawn(reload_changed_extensions(
                Arc::downgrade(lifecycle),
                changes,
            ));
            Some(watcher)
        }
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(%error, "cannot watch the --dev extensions; they will not reload on change");
            None
        }
    }
}

/// The reload loop: for every settled burst of changes, reloads (stopped with its dependents, re-read from
/// disk, activated again; a broken change rolls back, see `lifecycle/dev_rollback.rs`) each extension
/// whose folder changed — or, for a native extension whose library was rebuilt, asks the supervisor for
/// a new worker. Ends when the watcher or the lifecycle goes.
pub(crate) async fn reload_changed_extensions(
    lifecycle: Weak<Lifecycle>,
    mut changes: mpsc::UnboundedReceiver<ChangedFolders>,
) {
    while let Some(folders) = changes.recv().await {
        let Some(lifecycle) = lifecycle.upgrade() else {
            return;
        };
        for (folder, library) in folders {
            let Some(id) = lifecycle.extension_at(&folder) else {
                continue;
            };
            // A rebuilt native library: a new worker loads it (a loaded library cannot be unloaded).
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
