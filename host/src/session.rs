//! The editor session in one replayable place: what `initialize` said, which documents are open, which
//! extensions the editor enabled or disabled, and which activation events have fired.
//!
//! A restarted host (or, later, a worker restarted by the supervisor) is brought back to where the editor
//! left it by replaying this state; nothing else about the session may live elsewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One open text document as the editor last described it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenDocument {
    /// The document's URI.
    pub uri: String,
    /// Its language id.
    pub language_id: String,
    /// The editor's version number.
    pub version: i64,
    /// The full text.
    pub text: crate::documents::DocumentText,
}

/// What the editor told this host during the session.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionState {
    /// The `initialize` request's params, verbatim.
    pub initialize_params: Option<Value>,
    /// Whether `initialized` arrived.
    pub initialized: bool,
    /// Open documents by URI.
    pub documents: BTreeMap<String, OpenDocument>,
    /// Extensions the editor explicitly enabled (`exthost/enable`).
    pub enabled: BTreeSet<String>,
    /// Extensions the editor explicitly disabled (`exthost/disable`); they do not activate on events.
    pub disabled: BTreeSet<String>,
    /// Activation events fired so far, in order, without repeats.
    pub fired_events: Vec<String>,
    /// The editor's active text editor: `{uri, selections: [LSP Range]}`, or `None`.
    pub active_editor: Option<Value>,
    /// Whether the editor reports its active editor (`exthost/didChangeActiveEditor`); until it does, the
    /// document opened last is taken as the active one.
    pub editor_reports_active: bool,
    /// Settings the editor sent (`workspace/didChangeConfiguration`, `workspace/configuration`), nested.
    pub editor_settings: Vec<(String, Value)>,
}

impl SessionState {
    /// Records that `event` fired; answers whether it is the first time.
    pub fn record_event(&mut self, event: &str) -> bool {
        if self.fired_events.iter().any(|fired| fired == event) {
            return false;
        }
        self.fired_events.push(event.to_owned());
        true
    }

    /// Records an explicit enable (and forgets an earlier disable).
    pub fn record_enabled(&mut self, id: &str) {
        self.disabled.remove(id);
        self.enabled.insert(id.to_owned());
    }

    /// Records an explicit disable (and forgets an earlier enable).
    pub fn record_disabled(&mut self, id: &str) {
        self.enabled.remove(id);
        self.disabled.insert(id.to_owned());
    }

    /// The workspace folders `initialize` named (`workspaceFolders`, else `rootUri`, else `rootPath`),
    /// as local paths; non-`file:` URIs are skipped.
    pub fn workspace_folders(&self) -> Vec<PathBuf> {
        let Some(params) = &self.initialize_params else {
            return Vec::new();
        };
        if let Some(folders) = params.get("workspaceFolders").and_then(Value::as_array) {
            return folders
                .iter()
                .filter_map(|folder| folder.get("uri")?.as_str())
                .filter_map(file_uri_to_path)
                .collect();
        }
        if let Some(uri) = params.get("rootUri").and_then(Value::as_str) {
            return file_uri_to_path(uri).into_iter().collect();
        }
        params
            .get("rootPath")
            .and_then(Value::as_str)
            .map(PathBuf::from)
            .into_iter()
            .collect()
    }

    /// The client capability at a dotted path under `initialize`'s `capabilities` (e.g.
    /// `textDocument.hover.dynamicRegistration`), or `null`.
    pub fn client_capability(&self, path: &str) -> Value {
        let mut value = self
            .initialize_params
            .as_ref()
            .and_then(|params| params.get("capabilities"))
            .cloned()
            .unwrap_or(Value::Null);
        for key in path.split('.') {
            value = value.get(key).cloned().unwrap_or(Value::Null);
        }
        value
    }

    /// The `initialize` request's `initializationOptions`, typed (defaults before `initialize`).
    pub fn initialization_options(&self) -> crate::config::InitializationOptions {
        crate::config::InitializationOptions::from_initialize_params(
            self.initialize_params.as_ref(),
        )
    }
}

/// Converts a `file:` URI to a local path, decoding percent escapes. Other schemes, and `file:` URIs
/// naming another host (`file://server/share/x`, a network share, not a local file), give `None`.
pub fn file_uri_to_path(uri: &str) -> Option<PathBuf> {
    let url = url::Url::parse(uri).ok()?;
    if url.scheme() != "file" {
        return None;
    }
    url.to_file_path().ok()
}

/// Converts a local path to a `file:` URI, percent-encoding what URIs do not allow. A relative path is
/// made absolute first (against the current folder), since a `file:` URI always names an absolute path.
pub fn path_to_file_uri(path: &std::path::Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match url::Url::from_file_path(&absolute) {
        Ok(url) => url.into(),
        // Only a path that is still not absolute fails; keep the old lossless spelling for it.
        Err(()) => format!("file://{}", absolute.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn file_uris_round_trip_with_escapes() {
        let path = PathBuf::from("/tmp/a b/ü#1");
        let uri = path_to_file_uri(&path);
        assert_eq!(uri, "file:///tmp/a%20b/%C3%BC%231");
        assert_eq!(file_uri_to_path(&uri), Some(path));
        assert_eq!(file_uri_to_path("untitled:Untitled-1"), None);
        // A URI naming another host is a network share, not a local (relative or absolute) path.
        assert_eq!(file_uri_to_path("file://host/share/x"), None);
        assert_eq!(
            file_uri_to_path("file://localhost/etc/x"),
            Some(PathBuf::from("/etc/x"))
        );
    }

    #[test]
    fn workspace_folders_prefer_the_list_then_root_uri_then_root_path() {
        let mut state = SessionState {
            initialize_params: Some(json!({
                "rootUri": "file:///r",
                "workspaceFolders": [{"uri": "file:///a", "name": "a"}, {"uri": "file:///b", "name": "b"}]
            })),
            ..SessionState::default()
        };
        assert_eq!(
            state.workspace_folders(),
            [PathBuf::from("/a"), PathBuf::from("/b")]
        );
        state.initialize_params = Some(json!({"rootUri": "file:///r", "workspaceFolders": null}));
        assert_eq!(state.workspace_folders(), [PathBuf::from("/r")]);
        state.initialize_params = Some(json!({"rootPath": "/p"}));
        assert_eq!(state.workspace_folders(), [PathBuf::from("/p")]);
    }

    #[test]
    fn events_are_recorded_once_and_enable_disable_are_exclusive() {
        let mut state = SessionState::default();
        assert!(state.record_event("*"));
        assert!(!state.record_event("*"));
        state.record_disabled("a.b");
        state.record_enabled("a.b");
        assert!(state.enabled.contains("a.b") && !state.disabled.contains("a.b"));
    }
}
