//! Keeping extensions in step with the editor session: the snapshot a runtime starts from, the events
//! forwarded to running extensions (documents, editors, settings, folders), settings written by extensions,
//! and the editor notifications and requests extensions may send.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Lifecycle;
use crate::runtime::{RuntimeRequest, SessionEvent};
use crate::session::OpenDocument;
use crate::settings::{SettingTarget, contributed_sections};
use crate::to_proto;
use ls_types::TextDocumentContentChangeEvent;

/// Notifications extension code may send to the editor (contract: docs/protocol.md).
pub const EDITOR_NOTIFICATIONS: &[&str] = &[
    "window/showMessage",
    "window/logMessage",
    "$/progress",
    "exthost/statusBarItem",
    "exthost/statusBarMessage",
    "exthost/decorationType",
    "exthost/decorations",
    "exthost/revealRange",
];

/// Requests extension code may send to the editor (contract: docs/protocol.md).
pub const EDITOR_REQUESTS: &[&str] = &[
    "window/showMessageRequest",
    "window/workDoneProgress/create",
    "window/showDocument",
    "workspace/applyEdit",
    "workspace/configuration",
    "exthost/showQuickPick",
    "exthost/showInputBox",
    "workspace/codeLens/refresh",
    "workspace/semanticTokens/refresh",
];

impl Lifecycle {
    /// What a starting extension needs to know about the session (see `HostRequest::Snapshot`).
    pub(super) fn snapshot(&self) -> Value {
        let state = self.lock();
        let folders: Vec<Value> = self
            .workspace_folders_locked(&state.session)
            .iter()
            .enumerate()
            .map(|(index, path)| {
                json!({
                    "uri": crate::session::path_to_file_uri(path),
                    "name": folder_name(&state.session, path),
                    "index": index,
                })
            })
            .collect();
        let params = state
            .session
            .initialize_params
            .clone()
            .unwrap_or(Value::Null);
        json!({
            "initializeParams": params,
            "clientCapabilities": params.get("capabilities").cloned().unwrap_or(Value::Null),
            "workspaceFolders": folders,
            "documents": state.session.documents.values().collect::<Vec<_>>(),
            "settings": state.settings.effective(),
            "defaults": state.settings.defaults(),
            "activeEditor": state.session.active_editor.clone().unwrap_or(Value::Null),
        })
    }

    /// Sends a session event to every running extension, in order.
    pub(super) fn broadcast(&self, name: &str, payload: Value) {
        let state = self.lock();
        for running in state.running.values() {
            if let Some(runtime) = &running.runtime {
                // Nobody waits for the answer; queueing keeps the order of events per extension.
                drop(runtime.send(RuntimeRequest::Event {
                    name: name.to_owned(),
                    payload: payload.clone(),
                }));
            }
        }
    }

    /// `textDocument/didOpen`: stores the document, tells running extensions, makes it the active editor
    /// when the editor does not report one, and fires `onLanguage:<languageId>`.
    pub fn document_opened(self: &Arc<Self>, document: OpenDocument) {
        let language = document.language_id.clone();
        let payload = serde_json::to_value(&document).expect("invariant: documents serialise");
        let uri = document.uri.clone();
        let becomes_active = {
            let mut state = self.lock();
            state.session.documents.insert(uri.clone(), document);
            !state.session.editor_reports_active
        };
        self.broadcast(SessionEvent::DOCUMENT_OPENED, payload);
        if becomes_active {
            self.set_active_editor(Some(
                json!({"uri": uri, "selections": [to_proto::zero_range()]}),
            ));
        }
        // Started now, so a request that follows the didOpen sees the activations under way.
        let begun = self.begin_event(&format!("onLanguage:{language}"));
        if begun.iter().any(|(_, started)| started.is_err()) {
            tracing::debug!(%language, "some onLanguage activations could not start");
        }
    }

    /// `textDocument/didChange`: applies the changes and sends them (not the whole text) to running
    /// extensions, which apply them to their own model of the document: a change costs the same whatever
    /// the document's size.
    pub fn document_changed(
        &self,
        uri: &str,
        version: i64,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) {
        {
            let mut state = self.lock();
            let Some(document) = state.session.documents.get_mut(uri) else {
                tracing::warn!(%uri, "didChange for a document that is not open");
                return;
            };
            document.text.apply(&changes);
            document.version = version;
        }
        let changes = to_proto::content_changes(&changes);
        self.broadcast(
            SessionEvent::DOCUMENT_CHANGED,
            json!({"uri": uri, "version": version, "changes": changes}),
        );
    }

    /// `textDocument/didClose`.
    pub fn document_closed(&self, uri: &str) {
        let was_active = {
            let mut state = self.lock();
            state.session.documents.remove(uri);
            state
                .session
                .active_editor
                .as_ref()
                .is_some_and(|active| active["uri"] == uri)
        };
        self.broadcast(SessionEvent::DOCUMENT_CLOSED, json!({"uri": uri}));
        if was_active && !self.lock().session.editor_reports_active {
            self.set_active_editor(None);
        }
    }

    /// `textDocument/didSave`.
    pub fn document_saved(&self, uri: &str) {
        self.broadcast(SessionEvent::DOCUMENT_SAVED, json!({"uri": uri}));
    }

    /// `exthost/didChangeActiveEditor` (`editor` is `{uri, selections}` or `None`).
    pub fn active_editor_reported(&self, editor: Option<Value>) {
        self.lock().session.editor_reports_active = true;
        self.set_active_editor(editor);
    }

    fn set_active_editor(&self, editor: Option<Value>) {
        self.lock().session.active_editor = editor.clone();
        self.broadcast(
            SessionEvent::ACTIVE_EDITOR_CHANGED,
            editor.unwrap_or(Value::Null),
        );
    }

    /// `exthost/didChangeSelection {uri, selections}`.
    pub fn selection_changed(&self, uri: &str, selections: Value) {
        {
            let mut state = self.lock();
            if let Some(active) = state.session.active_editor.as_mut()
                && active["uri"] == uri
            {
                active["selections"] = selections.clone();
            }
        }
        self.broadcast(
            SessionEvent::SELECTION_CHANGED,
            json!({"uri": uri, "selections": selections}),
        );
    }

    /// `workspace/didChangeWorkspaceFolders {event: {added, removed}}`: updates the session's folder list.
    pub fn workspace_folders_changed(&self, added: Vec<Value>, removed: Vec<Value>) {
        {
            let mut state = self.lock();
            let params = state
                .session
                .initialize_params
                .get_or_insert_with(|| json!({}));
            let mut folders: Vec<Value> = params
                .get("workspaceFolders")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            folders.retain(|folder| !removed.iter().any(|gone| gone["uri"] == folder["uri"]));
            folders.extend(added.iter().cloned());
            params["workspaceFolders"] = Value::Array(folders);
        }
        self.broadcast(
            SessionEvent::WORKSPACE_FOLDERS_CHANGED,
            json!({"added": added, "removed": removed}),
        );
    }

    /// Settings the editor sent, under `section` (empty for the root); tells running extensions.
    pub fn editor_settings_changed(&self, section: &str, settings: Value) {
        let effective = {
            let mut state = self.lock();
            // One entry per section: the latest settings the editor sent for it.
            let editor_settings = &mut state.session.editor_settings;
            editor_settings.retain(|(known, _)| known != section);
            editor_settings.push((section.to_owned(), settings.clone()));
            state.settings.merge_editor(section, &settings);
            state.settings.effective()
        };
        self.broadcast(
            SessionEvent::CONFIGURATION_CHANGED,
            json!({"settings": effective}),
        );
    }

    /// Asks the editor (`workspace/configuration`) for every section the extensions contribute, when it
    /// supports that; merges the answers.
    pub async fn pull_editor_settings(self: &Arc<Self>) {
        let (supported, sections) = {
            let state = self.lock();
            let supported = state.session.client_capability("workspace.configuration") == true;
            (supported, contributed_sections(state.settings.defaults()))
        };
        if !supported || sections.is_empty() {
            return;
        }
        // Bounded by the request's deadline: an editor that never answers leaves the settings as they
        // are, and the `*` and `onStartupFinished` activations that wait for this go ahead.
        match self
            .editor
            .request(
                to_proto::method::WORKSPACE_CONFIGURATION,
                to_proto::configuration_request(&sections),
            )
            .await
        {
            Ok(Value::Array(values)) => {
                for (section, value) in sections.iter().zip(values) {
                    if value.is_object() {
                        self.editor_settings_changed(section, value);
                    }
                }
            }
            Ok(other) => {
                tracing::warn!(answer = %other, "workspace/configuration answered no list")
            }
            Err(error) => tracing::warn!(?error, "workspace/configuration failed"),
        }
    }

    /// `WorkspaceConfiguration.update`: writes the setting and tells running extensions.
    pub(super) fn update_setting(
        &self,
        key: &str,
        value: Value,
        target: u8,
    ) -> Result<Value, String> {
        let failed = |error: std::io::Error| format!("cannot write setting {key}: {error}");
        // One writer at a time, so the files are written in the order the values were set; the
        // lifecycle's lock is not held while the disk is written.
        let _in_order = self
            .settings_writes
            .lock()
            .expect("invariant: the settings-write lock is never poisoned");
        let (pending, effective) = {
            let mut state = self.lock();
            let pending = state
                .settings
                .set(key, value, SettingTarget::from_number(target))
                .map_err(failed)?;
            (pending, state.settings.effective())
        };
        if let Some(pending) = pending {
            super::disk_access("write a settings file");
            pending.commit().map_err(failed)?;
        }
        self.broadcast(
            SessionEvent::CONFIGURATION_CHANGED,
            json!({"settings": effective}),
        );
        Ok(Value::Null)
    }

    /// Forwards an allowed notification from extension `from` to the editor.
    pub(super) fn editor_notify(
        &self,
        from: &str,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        if !EDITOR_NOTIFICATIONS.contains(&method) {
            return Err(format!(
                "exthost: extensions may not send {method} to the editor"
            ));
        }
        tracing::debug!(extension = %from, %method, "notification to the editor");
        self.editor.notify(method, params);
        Ok(Value::Null)
    }

    /// Forwards an allowed request from extension `from` to the editor and answers its result.
    pub(super) async fn editor_request(
        &self,
        from: &str,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        if !EDITOR_REQUESTS.contains(&method) {
            return Err(format!(
                "exthost: extensions may not send {method} to the editor"
            ));
        }
        tracing::debug!(extension = %from, %method, "request to the editor");
        self.editor.request(method, params).await.map_err(|error| {
            format!(
                "the editor answered {method} with error {}: {}",
                error.code, error.message
            )
        })
    }

    /// The workspace folders with the session lock already held.
    pub(super) fn workspace_folders_locked(
        &self,
        session: &crate::session::SessionState,
    ) -> Vec<std::path::PathBuf> {
        let mut folders = session.workspace_folders();
        if let Some(workspace) = &self.config.workspace
            && !folders.contains(workspace)
        {
            folders.insert(0, workspace.clone());
        }
        folders
    }
}

/// A workspace folder's name as the editor gave it (`workspaceFolders[].name`), else its last path part.
fn folder_name(session: &crate::session::SessionState, path: &std::path::Path) -> String {
    let given = session
        .initialize_params
        .as_ref()
        .and_then(|params| params.get("workspaceFolders")?.as_array())
        .into_iter()
        .flatten()
        .find(|folder| {
            folder
                .get("uri")
                .and_then(Value::as_str)
                .and_then(crate::session::file_uri_to_path)
                .as_deref()
                == Some(path)
        })
        .and_then(|folder| folder.get("name")?.as_str().map(str::to_owned));
    given.unwrap_or_else(|| {
        path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        )
    })
}
