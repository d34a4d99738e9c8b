//! The registry: every known extension with its lifecycle state, and the one place where a state changes.
//!
//! Architecture invariant: the registry does no I/O and runs no extension code. It holds the table of
//! extensions, enforces which transitions are allowed ([`transition_allowed`]) and records each change as
//! an [`StateChange`] for the caller to publish (`exthost/extensionStateChanged`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use exthost_protocol::methods::{ErrorInfo, ExtensionInfo, ExtensionSource, ExtensionState};

use crate::manifest::Manifest;

/// Whether the lifecycle may move an extension from `from` to `to`.
///
/// ```text
/// discovered ─▶ loaded ─▶ enabled ─▶ disabled ─▶ loaded …
///      │           │         │  └──▶ unloaded ─▶ loaded …   (reload, restart)
///      └───────────┴─────────┴──▶ failed ─▶ loaded …        (enable retries a failed runtime)
/// discovered / loaded ─▶ disabled                        (disable before activation)
/// failed ─▶ disabled                                     (error recovery: disable a failing runtime)
/// ```
pub fn transition_allowed(from: ExtensionState, to: ExtensionState) -> bool {
    use ExtensionState::*;
    matches!(
        (from, to),
        (Discovered, Loaded)
            | (Discovered, Disabled)
            | (Discovered, Failed)
            | (Loaded, Enabled)
            | (Loaded, Disabled)
            | (Loaded, Failed)
            | (Loaded, Unloaded)
            | (Enabled, Disabled)
            | (Enabled, Unloaded)
            | (Enabled, Failed)
            | (Disabled, Loaded)
            | (Disabled, Failed)
            | (Unloaded, Loaded)
            | (Unloaded, Disabled)
            | (Unloaded, Failed)
            | (Failed, Loaded)
            | (Failed, Disabled)
    )
}

/// One extension as the registry knows it.
#[derive(Debug, Clone)]
pub struct ExtensionRecord {
    /// The id (for an unreadable manifest, the folder name).
    pub id: String,
    /// Where it was found.
    pub source: ExtensionSource,
    /// The extension folder.
    pub path: PathBuf,
    /// The validated manifest; `None` when it could not be read or validated.
    pub manifest: Option<Arc<Manifest>>,
    /// The current state.
    pub state: ExtensionState,
    /// Why it failed, when `state` is `failed`.
    pub error: Option<String>,
    /// The path of the extension that shadows this one (same id, higher precedence); shadowed extensions
    /// never run.
    pub shadowed_by: Option<PathBuf>,
    /// Whether a change to this running extension (an upgrade or uninstall) waits for a host restart.
    pub restart_required: bool,
}

impl ExtensionRecord {
    /// Whether this record is the one that runs for its id (not shadowed).
    pub fn is_active_candidate(&self) -> bool {
        self.shadowed_by.is_none()
    }

    /// The wire description of this extension.
    pub fn info(&self) -> ExtensionInfo {
        let manifest = self.manifest.as_deref();
        ExtensionInfo {
            id: self.id.clone(),
            name: manifest.map_or_else(|| self.id.clone(), |m| m.name.clone()),
            version: manifest.map_or_else(String::new, |m| m.version.to_string()),
            state: self.state,
            source: self.source,
            path: self.path.display().to_string(),
            activation_events: manifest
                .map(|m| {
                    m.activation_events
                        .iter()
                        .map(ToString::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            dependencies: manifest
                .map(|m| {
                    m.dependencies
                        .iter()
                        .map(|(id, range)| (id.clone(), range.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            error: self.error.clone().map(|message| ErrorInfo { message }),
            shadowed_by: self.shadowed_by.as_ref().map(|p| p.display().to_string()),
            restart_required: self.restart_required,
            // The lifecycle names the engine of JS extensions (it depends on settings and on Deno).
            engine: manifest
                .filter(|m| m.is_native())
                .map(|_| "native".to_owned()),
        }
    }
}

/// A state change the registry made, to be published to the editor.
#[derive(Debug, Clone, PartialEq)]
pub struct StateChange {
    /// The extension.
    pub id: String,
    /// Its new state.
    pub state: ExtensionState,
    /// The error, when the new state is `failed`.
    pub error: Option<String>,
    /// The change waits for a host restart.
    pub restart_required: bool,
}

/// Why the registry refused a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// No extension (that is not shadowed) has this id.
    #[error("no extension with id {id}")]
    UnknownExtension {
        /// The id asked for.
        id: String,
    },
    /// The lifecycle asked for a transition the state machine forbids (a bug in the caller).
    #[error("extension {id} cannot go from {from} to {to}")]
    TransitionNotAllowed {
        /// The extension.
        id: String,
        /// Its current state.
        from: ExtensionState,
        /// The state asked for.
        to: ExtensionState,
    },
}

/// The table of extensions. Shadowed records are kept (listed) but never addressed by id.
#[derive(Debug, Default)]
pub struct Registry {
    records: Vec<ExtensionRecord>,
    /// id → index into `records` of the record that runs for that id.
    by_id: BTreeMap<String, usize>,
}

impl Registry {
    /// Builds a registry from discovered records. Records must already carry `shadowed_by`; the first
    /// unshadowed record for an id is the one addressed by that id.
    pub fn new(records: Vec<ExtensionRecord>) -> Self {
        let mut by_id = BTreeMap::new();
        for (index, record) in records.iter().enumerate() {
            if record.is_active_candidate() {
                by_id.entry(record.id.clone()).or_insert(index);
            }
        }
        Self { records, by_id }
    }

    /// Every record, shadowed ones included, in discovery order.
    pub fn records(&self) -> &[ExtensionRecord] {
        &self.records
    }

    /// The record that runs for `id`.
    pub fn get(&self, id: &str) -> Option<&ExtensionRecord> {
        self.by_id.get(id).map(|&index| &self.records[index])
    }

    /// The ids of every unshadowed extension, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.by_id.keys().map(String::as_str)
    }

    /// The state of `id`.
    pub fn state(&self, id: &str) -> Result<ExtensionState, RegistryError> {
        self.get(id)
            .map(|record| record.state)
            .ok_or_else(|| RegistryError::UnknownExtension { id: id.to_owned() })
    }

    /// Moves `id` to `to` if the state machine allows it. Moving to the state it is already in is a
    /// no-op that returns `Ok(None)`. A failure's message is kept until the next transition.
    pub fn transition(
        &mut self,
        id: &str,
        to: ExtensionState,
        error: Option<String>,
    ) -> Result<Option<StateChange>, RegistryError> {
        let index = *self
            .by_id
            .get(id)
            .ok_or_else(|| RegistryError::UnknownExtension { id: id.to_owned() })?;
        let record = &mut self.records[index];
        if record.state == to && to != ExtensionState::Failed {
            return Ok(None);
        }
        if record.state != to && !transition_allowed(record.state, to) {
            return Err(RegistryError::TransitionNotAllowed {
                id: id.to_owned(),
                from: record.state,
                to,
            });
        }
        record.state = to;
        record.error = if to == ExtensionState::Failed {
            error
        } else {
            None
        };
        Ok(Some(StateChange {
            id: id.to_owned(),
            state: to,
            error: record.error.clone(),
            restart_required: record.restart_required,
        }))
    }

    /// Replaces the manifest of `id` (after hot reload re-read it from disk). The state is left as it is.
    pub fn replace_manifest(&mut self, id: &str, manifest: Arc<Manifest>) {
        if let Some(&index) = self.by_id.get(id) {
            self.records[index].manifest = Some(manifest);
        }
    }

    /// Wire descriptions of every record, shadowed ones included.
    pub fn infos(&self) -> Vec<ExtensionInfo> {
        self.records.iter().map(ExtensionRecord::info).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExtensionState::*;

    fn record(id: &str, state: ExtensionState) -> ExtensionRecord {
        ExtensionRecord {
            id: id.to_owned(),
            source: ExtensionSource::Dir,
            path: PathBuf::from(format!("/x/{id}")),
            manifest: None,
            state,
            error: None,
            shadowed_by: None,
            restart_required: false,
        }
    }

    #[test]
    fn the_transition_table_allows_the_lifecycle_paths_and_nothing_else() {
        let all = [Discovered, Loaded, Enabled, Disabled, Unloaded, Failed];
        let allowed: Vec<_> = all
            .iter()
            .flat_map(|&from| all.iter().map(move |&to| (from, to)))
            .filter(|&(from, to)| transition_allowed(from, to))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Discovered, Loaded),
                (Discovered, Disabled),
                (Discovered, Failed),
                (Loaded, Enabled),
                (Loaded, Disabled),
                (Loaded, Unloaded),
                (Loaded, Failed),
                (Enabled, Disabled),
                (Enabled, Unloaded),
                (Enabled, Failed),
                (Disabled, Loaded),
                (Disabled, Failed),
                (Unloaded, Loaded),
                (Unloaded, Disabled),
                (Unloaded, Failed),
                (Failed, Loaded),
                (Failed, Disabled),
            ]
        );
    }

    #[test]
    fn transitions_are_checked_recorded_and_idempotent() {
        let mut registry = Registry::new(vec![record("a.b", Discovered)]);
        assert_eq!(
            registry.transition("a.b", Enabled, None),
            Err(RegistryError::TransitionNotAllowed {
                id: "a.b".into(),
                from: Discovered,
                to: Enabled
            })
        );
        let change = registry.transition("a.b", Loaded, None).unwrap().unwrap();
        assert_eq!(change.state, Loaded);
        assert_eq!(registry.transition("a.b", Loaded, None).unwrap(), None);
        let change = registry
            .transition("a.b", Failed, Some("boom".into()))
            .unwrap()
            .unwrap();
        assert_eq!(change.error.as_deref(), Some("boom"));
        assert_eq!(registry.get("a.b").unwrap().error.as_deref(), Some("boom"));
        registry.transition("a.b", Loaded, None).unwrap();
        assert_eq!(registry.get("a.b").unwrap().error, None);
        assert!(matches!(
            registry.transition("nope.x", Loaded, None),
            Err(RegistryError::UnknownExtension { .. })
        ));
    }

    #[test]
    fn shadowed_records_are_listed_but_not_addressed() {
        let mut shadowed = record("a.b", Discovered);
        shadowed.shadowed_by = Some(PathBuf::from("/dev/a.b"));
        shadowed.path = PathBuf::from("/user/a.b");
        let winner = record("a.b", Discovered);
        let registry = Registry::new(vec![shadowed, winner]);
        assert_eq!(registry.records().len(), 2);
        assert_eq!(registry.get("a.b").unwrap().path, PathBuf::from("/x/a.b"));
        assert_eq!(registry.ids().collect::<Vec<_>>(), vec!["a.b"]);
        let infos = registry.infos();
        assert_eq!(infos[0].shadowed_by.as_deref(), Some("/dev/a.b"));
        assert_eq!(infos[1].shadowed_by, None);
    }
}
