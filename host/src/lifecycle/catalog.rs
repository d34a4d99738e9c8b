//! The catalog: discovering extensions, their settings layers and dependency resolution, and re-reading
//! one extension's manifest from disk.

use std::path::PathBuf;
use std::sync::Arc;

use exthost_protocol::methods::{ExtensionSource, ExtensionState};

use super::{Lifecycle, LifecycleError, LifecycleState};
use crate::config::{HostConfig, home_dir, manifest_context};
use crate::discovery;
use crate::graph::{self, GraphNode, Resolution};
use crate::manifest::Manifest;
use crate::registry::{ExtensionRecord, Registry};
use crate::session::SessionState;
use crate::settings::Settings;

/// Discovers the extensions for `config` (with `initializationOptions` merged in) and `session`, resolves their dependencies and returns the
/// registry with every problem already recorded as a `failed` state.
pub fn load_catalog(config: &HostConfig, session: &SessionState) -> (Registry, Resolution) {
    let roots = config.discovery_roots(&session.workspace_folders());
    let mut records = discovery::discover(&roots, &manifest_context());
    let resolution = resolve_records(&mut records);
    quarantine_records(&mut records);
    // Contract §12: a workspace's own extensions wait until the user trusts the folder.
    if let Some(folder) = untrusted_workspace(&roots) {
        tracing::info!(folder = %folder.display(), "workspace not trusted: its extensions stay disabled");
        for record in &mut records {
            if record.source == ExtensionSource::Project && record.state != ExtensionState::Failed {
                record.state = ExtensionState::Disabled;
                record.error = Some(crate::trust::NOT_TRUSTED.to_owned());
            }
        }
    }
    (Registry::new(records), resolution)
}

/// Marks the extensions the supervisor quarantined (found running at two crashes) as failed, so they are
/// not loaded; `exthost/enable` lifts the quarantine (the supervisor removes it from the store first).
pub(super) fn quarantine_records(records: &mut [ExtensionRecord]) {
    let Some(store) = crate::state_store::StateStore::for_home() else {
        return;
    };
    let (quarantined, _) = store.quarantined();
    for record in records
        .iter_mut()
        .filter(|record| record.is_active_candidate() && quarantined.contains(&record.id))
    {
        record.state = ExtensionState::Failed;
        record.error = Some(crate::state_store::QUARANTINE_MESSAGE.to_owned());
    }
}

/// The workspace folder whose `.exthost/extensions` discovery reads, when it is not trusted.
pub(super) fn untrusted_workspace(roots: &discovery::DiscoveryRoots) -> Option<PathBuf> {
    let folder = roots.project.as_deref()?.parent()?.parent()?.to_path_buf();
    (!crate::trust::is_trusted(&folder)).then_some(folder)
}

/// The settings layers for the extensions that can run, the user and workspace files, and what the editor
/// sent so far.
pub(super) fn load_settings(
    config: &HostConfig,
    registry: &Registry,
    session: &SessionState,
) -> Settings {
    let manifests: Vec<Arc<Manifest>> = registry
        .ids()
        .filter_map(|id| registry.get(id))
        .filter(|record| record.state != ExtensionState::Failed)
        .filter_map(|record| record.manifest.clone())
        .collect();
    let workspace = config
        .workspace
        .clone()
        .or_else(|| session.workspace_folders().into_iter().next());
    let mut settings = Settings::load(
        manifests.iter().map(|m| m.as_ref()),
        home_dir().map(|home| home.join("settings.json")),
        workspace.map(|folder| folder.join(".exthost").join("settings.json")),
    );
    for (section, value) in &session.editor_settings {
        settings.merge_editor(section, value);
    }
    if untrusted_workspace(&config.discovery_roots(&session.workspace_folders())).is_some() {
        // Settings that grant or trust are the user's to give, never an untrusted folder's.
        settings.restrict_workspace(&["permissions", crate::trust::TRUSTED_FOLDERS_SETTING]);
    }
    settings
}

/// Runs the dependency graph over the unshadowed records and marks the ones it rejects as failed.
pub(super) fn resolve_records(records: &mut [ExtensionRecord]) -> Resolution {
    let nodes: Vec<GraphNode> = records
        .iter()
        .filter(|record| record.is_active_candidate())
        .map(|record| GraphNode {
            id: record.id.clone(),
            version: record.manifest.as_ref().map(|m| m.version.clone()),
            dependencies: record
                .manifest
                .as_ref()
                .map(|m| m.dependencies.clone())
                .unwrap_or_default(),
            failed: record.state == ExtensionState::Failed,
        })
        .collect();
    let resolution = graph::resolve(&nodes);
    for record in records.iter_mut().filter(|r| r.is_active_candidate()) {
        if let Some(problem) = resolution.problems.get(&record.id) {
            record.state = ExtensionState::Failed;
            record.error = Some(problem.to_string());
        }
    }
    resolution
}

impl Lifecycle {
    /// The id of the (unshadowed) extension whose folder is `folder`.
    pub fn extension_at(&self, folder: &std::path::Path) -> Option<String> {
        let state = self.lock();
        state
            .registry
            .records()
            .iter()
            .find(|record| record.is_active_candidate() && record.path == folder)
            .map(|record| record.id.clone())
    }

    /// The folders of the `--dev` extensions.
    pub fn development_folders(&self) -> Vec<PathBuf> {
        let state = self.lock();
        state
            .registry
            .records()
            .iter()
            .filter(|record| record.source == ExtensionSource::Dev)
            .map(|record| record.path.clone())
            .collect()
    }

    /// Re-reads `id`'s manifest from its folder (for hot reload); a broken new manifest fails it.
    pub(super) fn reread_manifest(&self, id: &str) -> Result<(), LifecycleError> {
        let (source, path) = {
            let state = self.lock();
            let Some(record) = state.registry.get(id) else {
                return Err(LifecycleError::UnknownExtension { id: id.to_owned() });
            };
            (record.source, record.path.clone())
        };
        // The disk is read outside the lock (management operations are serialised, so nobody else
        // replaces this manifest meanwhile).
        super::disk_access("read a manifest");
        let fresh = discovery::read_extension(source, &path, &manifest_context());
        let mut state = self.lock();
        let problem = match fresh.manifest {
            Some(manifest) if manifest.id == id => {
                state.registry.replace_manifest(id, manifest);
                // The new manifest may change dependencies: the graph must still accept it.
                self.resolve_again(&mut state);
                state.resolution.problems.get(id).map(ToString::to_string)
            }
            Some(manifest) => Some(format!(
                "the reloaded manifest changed the id to {}",
                manifest.id
            )),
            None => Some(fresh.error.unwrap_or_default()),
        };
        match problem {
            None => Ok(()),
            Some(message) => {
                self.transition(
                    &mut state,
                    id,
                    ExtensionState::Failed,
                    Some(message.clone()),
                );
                Err(LifecycleError::Failed {
                    id: id.to_owned(),
                    message,
                })
            }
        }
    }

    /// Resolves the dependency graph again from the registry's current manifests (after a reload changed
    /// one); extensions it now rejects are failed, and a failure clears nothing it did not cause.
    pub(super) fn resolve_again(&self, state: &mut LifecycleState) {
        let mut records: Vec<ExtensionRecord> = state.registry.records().to_vec();
        for record in &mut records {
            // Only what the manifests themselves say counts here; earlier dependency verdicts are redone.
            if record.manifest.is_some() && state.resolution.problems.contains_key(&record.id) {
                record.state = ExtensionState::Discovered;
            }
        }
        let resolution = resolve_records(&mut records);
        for (id, problem) in &resolution.problems {
            if state.registry.state(id).ok() != Some(ExtensionState::Failed) {
                let message = problem.to_string();
                self.transition(state, id, ExtensionState::Failed, Some(message));
            }
        }
        state.resolution = resolution;
    }
}
