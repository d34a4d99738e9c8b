//! Picking up installs, upgrades and uninstalls while the host runs (`exthost/install`, `exthost/upgrade`,
//! `exthost/uninstall`): discovery runs again and its result is merged into the registry without
//! disturbing what runs.

use std::sync::Arc;

use exthost_protocol::methods::{ExtensionInfo, ExtensionState};

use super::Lifecycle;
use super::catalog::{load_catalog, load_settings, resolve_records};
use crate::registry::{ExtensionRecord, Registry, StateChange};

impl Lifecycle {
    /// Discovers again after the user folder changed and merges the result: new extensions become
    /// `discovered` (activatable at once); extensions keep their states. A running extension whose folder
    /// changed (upgraded) is reloaded from its new folder when it `supportsHotReload`; otherwise it keeps
    /// running its old code, marked `restartRequired` until the host restarts — as does a running
    /// extension whose folder went away (uninstalled). Answers the ids reloaded.
    pub async fn refresh_catalog(self: &Arc<Self>) -> Vec<String> {
        let to_reload = {
            let _one_at_a_time = self.management.lock().await;
            let session = self.lock().session.clone();
            // Discovery reads the disk: before taking the lock.
            let (fresh, _) = load_catalog(&self.config, &session);
            let mut state = self.lock();
            let mut records: Vec<ExtensionRecord> = fresh.records().to_vec();
            let mut extra = Vec::new();
            let mut to_reload = Vec::new();
            let old = &state.registry;
            for record in records.iter_mut().filter(|r| r.is_active_candidate()) {
                let Some(previous) = old.get(&record.id) else {
                    continue;
                };
                let running = matches!(
                    previous.state,
                    ExtensionState::Enabled | ExtensionState::Loaded
                );
                if previous.path == record.path {
                    if running || record.state != ExtensionState::Failed {
                        record.state = previous.state;
                        record.error = previous.error.clone();
                        record.manifest = previous.manifest.clone();
                    }
                    record.restart_required = previous.restart_required;
                } else if running {
                    let hot = previous
                        .manifest
                        .as_ref()
                        .is_some_and(|m| m.capabilities.supports_hot_reload)
                        && record.state != ExtensionState::Failed;
                    if hot {
                        record.state = previous.state;
                        to_reload.push(record.id.clone());
                    } else {
                        // The new version waits, shadowed by the running one, for the next restart.
                        let mut waiting = record.clone();
                        waiting.shadowed_by = Some(previous.path.clone());
                        extra.push(waiting);
                        *record = previous.clone();
                        record.restart_required = true;
                    }
                } else if previous.state == ExtensionState::Disabled
                    && record.state != ExtensionState::Failed
                {
                    record.state = ExtensionState::Disabled;
                }
            }
            // Running extensions no longer on disk keep running until the restart.
            let known: Vec<String> = records
                .iter()
                .filter(|r| r.is_active_candidate())
                .map(|r| r.id.clone())
                .collect();
            for id in old.ids() {
                let Some(previous) = old.get(id) else {
                    continue;
                };
                if matches!(
                    previous.state,
                    ExtensionState::Enabled | ExtensionState::Loaded
                ) && !known.iter().any(|k| k == id)
                {
                    let mut kept = previous.clone();
                    kept.restart_required = true;
                    records.push(kept);
                }
            }
            // The running version's folder also appears in the fresh discovery, shadowed by the new
            // version: the kept record stands for it.
            let kept: Vec<std::path::PathBuf> = extra
                .iter()
                .filter_map(|waiting| waiting.shadowed_by.clone())
                .collect();
            records.retain(|r| !(r.shadowed_by.is_some() && kept.contains(&r.path)));
            records.extend(extra);
            let resolution = resolve_records(&mut records);
            let registry = Registry::new(records);
            let changes = catalog_changes(old, &registry);
            let settings = load_settings(&self.config, &registry, &state.session);
            state.settings = settings;
            state.registry = registry;
            state.resolution = resolution;
            // The editor and the manager hear of what appeared, went away or changed state.
            for change in &changes {
                self.publish(change);
            }
            to_reload
        };
        let mut reloaded = Vec::new();
        for id in to_reload {
            match self.reload_from_disk(&id).await {
                Ok(ids) => reloaded.extend(ids),
                Err(error) => tracing::warn!(%id, %error, "the upgraded extension did not reload"),
            }
        }
        reloaded
    }

    /// The wire description of the extension that runs for `id`.
    pub fn extension_info(&self, id: &str) -> Option<ExtensionInfo> {
        self.lock().registry.get(id).map(ExtensionRecord::info)
    }
}

/// What a new discovery changed, as state changes to announce: an extension that appeared (its state), one
/// that went away (`unloaded`: uninstalled and not running, so no longer listed), one whose state changed
/// and one that now waits for a restart (`restartRequired`). Shadowed folders are not announced (the id's
/// own record stands for them).
fn catalog_changes(old: &Registry, new: &Registry) -> Vec<StateChange> {
    let mut changes = Vec::new();
    for id in new.ids() {
        let Some(record) = new.get(id) else {
            continue;
        };
        let before = old
            .get(id)
            .map(|previous| (previous.state, previous.restart_required));
        if before != Some((record.state, record.restart_required)) {
            changes.push(StateChange {
                id: id.to_owned(),
                state: record.state,
                error: record.error.clone(),
                restart_required: record.restart_required,
            });
        }
    }
    for id in old.ids() {
        if new.get(id).is_none() {
            changes.push(StateChange {
                id: id.to_owned(),
                state: ExtensionState::Unloaded,
                error: None,
                restart_required: false,
            });
        }
    }
    changes
}
