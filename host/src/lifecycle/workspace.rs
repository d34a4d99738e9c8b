//! The workspace: trust of its own extensions (contract §12) and the folders `workspaceContains:` checks.

use std::path::PathBuf;
use std::sync::Arc;

use exthost_protocol::methods::ExtensionState;
use serde_json::Value;

use super::Lifecycle;
use super::catalog::untrusted_workspace;
use crate::manifest::ActivationEvent;
use crate::to_proto;

impl Lifecycle {
    /// The workspace folder whose extensions are held back, untrusted, if any.
    pub fn untrusted_workspace(&self) -> Option<PathBuf> {
        let state = self.lock();
        let held_back = state
            .registry
            .records()
            .iter()
            .any(|record| record.error.as_deref() == Some(crate::trust::NOT_TRUSTED));
        if !held_back {
            return None;
        }
        untrusted_workspace(
            &self
                .config
                .discovery_roots(&state.session.workspace_folders()),
        )
    }

    /// Trusts `folder` (kept under `$EXTHOST_HOME`); when it is this session's workspace, its extensions
    /// are loaded — the host restarts, as VS Code's does (under a supervisor as a new worker, see
    /// [`Lifecycle::ask_supervisor_to_restart`]) — and the events fired so far fire again.
    pub async fn trust_workspace(
        self: &Arc<Self>,
        folder: &std::path::Path,
    ) -> std::io::Result<()> {
        let waiting = self.untrusted_workspace();
        if let Some(store) = crate::trust::TrustStore::current() {
            store.record(folder, true)?;
        }
        let same_folder = |waiting: &std::path::Path| {
            let canonical =
                |path: &std::path::Path| path.canonicalize().unwrap_or(path.to_path_buf());
            canonical(waiting) == canonical(folder)
        };
        if !waiting.as_deref().is_some_and(same_folder) {
            return Ok(());
        }
        // Under a supervisor a new worker starts them (its replay fires the events again); alone, the
        // host restarts in process.
        if self.ask_supervisor_to_restart(crate::supervisor::WORKSPACE_TRUSTED, None) {
            return Ok(());
        }
        self.restart(crate::supervisor::WORKSPACE_TRUSTED).await;
        let fired = self.lock().session.fired_events.clone();
        for event in fired {
            self.fire(&event).await;
        }
        Ok(())
    }

    /// Asks the user whether to trust the workspace, when its extensions are held back and the folder
    /// was never answered for; acts on the answer (and keeps it).
    pub async fn ask_trust(self: &Arc<Self>) {
        let Some(folder) = self.untrusted_workspace() else {
            tracing::debug!("no workspace extensions wait for trust");
            return;
        };
        let Some(store) = crate::trust::TrustStore::current() else {
            return;
        };
        if store.answer(&folder).is_some() {
            return;
        }
        let question = to_proto::show_message_request(
            to_proto::MessageType::WARNING,
            format!("Trust the extensions in {}?", folder.display()),
            &[crate::trust::TRUST_ACTION, crate::trust::DISTRUST_ACTION],
        );
        let answer = match self
            .editor
            .request(to_proto::method::SHOW_MESSAGE_REQUEST, question)
            .await
        {
            Ok(answer) => answer,
            Err(error) => {
                tracing::info!(?error, "the trust question got no answer");
                return;
            }
        };
        match answer.get("title").and_then(Value::as_str) {
            Some(crate::trust::TRUST_ACTION) => {
                if let Err(error) = self.trust_workspace(&folder).await {
                    tracing::warn!(%error, "cannot keep the trust answer");
                }
            }
            Some(crate::trust::DISTRUST_ACTION) => {
                if let Err(error) = store.record(&folder, false) {
                    tracing::warn!(%error, "cannot keep the trust answer");
                }
            }
            _ => {}
        }
    }

    /// The folders `workspaceContains:` patterns are checked against.
    pub fn workspace_folders(&self) -> Vec<PathBuf> {
        let state = self.lock();
        let mut folders = state.session.workspace_folders();
        if let Some(workspace) = &self.config.workspace
            && !folders.contains(workspace)
        {
            folders.insert(0, workspace.clone());
        }
        folders
    }

    /// Every `workspaceContains:<glob>` event declared by an extension that may still activate.
    pub fn workspace_contains_patterns(&self) -> Vec<String> {
        let state = self.lock();
        let mut patterns: Vec<String> = state
            .registry
            .ids()
            .filter_map(|id| state.registry.get(id))
            .filter(|record| record.state == ExtensionState::Discovered)
            .filter_map(|record| record.manifest.as_ref())
            .flat_map(|manifest| manifest.activation_events.iter())
            .filter_map(|event| match event {
                ActivationEvent::WorkspaceContains(glob) => Some(glob.clone()),
                _ => None,
            })
            .collect();
        patterns.sort();
        patterns.dedup();
        patterns
    }
}
