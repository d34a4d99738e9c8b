//! One `handle_<method>` per request and notification the host understands, and the one place where
//! lifecycle errors become JSON-RPC error codes.

use std::sync::Arc;

use exthost_protocol::error_code;
use exthost_protocol::methods::{
    ActivateParams, ActivateResult, ChangedResult, IdParams, ListExtensionsResult, ReloadResult,
    RestartHostParams, RestartHostResult, TrustWorkspaceParams, TrustWorkspaceResult,
};
use exthost_protocol::{Notification, ResponseError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{Phase, Server};
use crate::bridge::{RESOLVE_METHODS, provider_method};
use crate::config::HOST_VERSION;
use crate::documents::ContentChange;
use crate::lifecycle::{Lifecycle, LifecycleError};
use crate::session::{OpenDocument, SessionState};
use crate::workspace_scan::{ScanBudget, matching_patterns};

/// Parses params into `T`; absent params read as `null`. A mismatch is -32602 naming what is wrong.
fn params<T: DeserializeOwned>(params: Option<Value>) -> Result<T, ResponseError> {
    serde_json::from_value(params.unwrap_or(Value::Null))
        .map_err(|error| ResponseError::invalid_params(format!("invalid params: {error}")))
}

fn to_value<T: serde::Serialize>(value: T) -> Result<Value, ResponseError> {
    serde_json::to_value(value).map_err(|error| ResponseError::internal(error.to_string()))
}

/// Params of a request about one document: `textDocument.uri` is required.
fn document_params(raw: Option<Value>) -> Result<Value, ResponseError> {
    let params: Value = params(raw)?;
    if params
        .pointer("/textDocument/uri")
        .and_then(Value::as_str)
        .is_none()
    {
        return Err(ResponseError::invalid_params(
            "textDocument.uri is required",
        ));
    }
    Ok(params)
}

/// Maps a lifecycle error to its JSON-RPC error.
fn lifecycle_error(error: LifecycleError) -> ResponseError {
    let code = match &error {
        LifecycleError::UnknownExtension { .. } => error_code::INVALID_PARAMS,
        LifecycleError::CommandNotFound { .. } => error_code::METHOD_NOT_FOUND,
        _ => error_code::REQUEST_FAILED,
    };
    let data = match &error {
        LifecycleError::Runtime { id, error: runtime } => Some(json!({
            "extension": id,
            "stack": match runtime { crate::runtime::RuntimeError::Threw { stack, .. } => stack.clone(), _ => None },
        })),
        LifecycleError::Failed { id, .. }
        | LifecycleError::Disabled { id }
        | LifecycleError::ReloadNotSupported { id }
        | LifecycleError::DisableNotSupported { id }
        | LifecycleError::CommandDisabled { id, .. } => Some(json!({"extension": id})),
        _ => None,
    };
    let response = ResponseError::new(code, error.to_string());
    match data {
        Some(data) => response.with_data(data),
        None => response,
    }
}

impl Server {
    fn lifecycle(&self) -> Result<&Arc<Lifecycle>, ResponseError> {
        self.lifecycle
            .get()
            .ok_or_else(ResponseError::not_initialized)
    }

    /// `initialize`: records the params, discovers extensions and advertises what they provide.
    pub(super) async fn initialize(
        self: &Arc<Self>,
        raw: Option<Value>,
    ) -> Result<Value, ResponseError> {
        let params = raw.unwrap_or(Value::Null);
        if !params.is_object() {
            return Err(ResponseError::invalid_params(
                "initialize params must be an object",
            ));
        }
        let session = SessionState {
            initialize_params: Some(params),
            ..SessionState::default()
        };
        let lifecycle = Lifecycle::start(
            self.config.clone(),
            Arc::clone(&self.engine),
            self.editor.clone(),
            session,
        );
        match crate::dev_watch::watch(&lifecycle) {
            Ok(watcher) => lifecycle.keep_watcher(watcher),
            Err(error) => {
                tracing::warn!(%error, "cannot watch the --dev extensions; they will not reload on change")
            }
        }
        let commands = lifecycle.contributed_commands();
        let mut capabilities = lifecycle.provider_capabilities();
        let _ = self.lifecycle.set(lifecycle);
        self.set_phase(Phase::Running);
        let fixed = json!({
            "textDocumentSync": {"openClose": true, "change": 2, "save": {"includeText": false}},
            "executeCommandProvider": {"commands": commands},
            "workspace": {"workspaceFolders": {"supported": true, "changeNotifications": true}},
        });
        if let Value::Object(fixed) = fixed {
            capabilities.extend(fixed);
        }
        Ok(json!({
            "capabilities": capabilities,
            "serverInfo": {"name": "exthost", "version": HOST_VERSION},
        }))
    }
}

/// Runs one request (after `initialize`, before `shutdown`).
pub(super) async fn handle_request(
    server: &Arc<Server>,
    method: &str,
    raw: Option<Value>,
) -> Result<Value, ResponseError> {
    let lifecycle = server.lifecycle()?;
    match method {
        "exthost/listExtensions" => to_value(ListExtensionsResult {
            extensions: lifecycle.list(),
        }),
        "exthost/enable" => {
            let IdParams { id } = params(raw)?;
            let changed = lifecycle.enable(&id).await.map_err(lifecycle_error)?;
            to_value(ChangedResult { changed })
        }
        "exthost/disable" => {
            let IdParams { id } = params(raw)?;
            let changed = lifecycle.disable(&id).await.map_err(lifecycle_error)?;
            to_value(ChangedResult { changed })
        }
        "exthost/reload" => {
            let IdParams { id } = params(raw)?;
            let reloaded = lifecycle.reload(&id).await.map_err(lifecycle_error)?;
            to_value(ReloadResult { reloaded })
        }
        "exthost/activate" => {
            let ActivateParams { event } = params(raw)?;
            if event.trim().is_empty() {
                return Err(ResponseError::invalid_params("event must not be empty"));
            }
            let activated = lifecycle.fire(&event).await;
            to_value(ActivateResult { activated })
        }
        "exthost/trustWorkspace" => {
            let TrustWorkspaceParams { uri } = params(raw)?;
            let folder = crate::session::file_uri_to_path(&uri).ok_or_else(|| {
                ResponseError::invalid_params(format!("uri must be a file: URI, not {uri}"))
            })?;
            lifecycle.trust_workspace(&folder).await.map_err(|error| {
                ResponseError::internal(format!("cannot keep the answer: {error}"))
            })?;
            to_value(TrustWorkspaceResult { trusted: true })
        }
        "exthost/restartHost" => {
            let _: RestartHostParams = params(raw)?;
            lifecycle.restart("requested by the editor").await;
            to_value(RestartHostResult { restarted: true })
        }
        "workspace/executeCommand" => handle_execute_command(lifecycle, params(raw)?).await,
        "textDocument/prepareRename" => {
            let params = document_params(raw)?;
            Ok(lifecycle.prepare_rename(params).await)
        }
        "workspace/symbol" => Ok(lifecycle.provide(method, params(raw)?).await),
        _ if provider_method(method).is_some() => {
            let params = document_params(raw)?;
            Ok(lifecycle.provide(method, params).await)
        }
        _ if RESOLVE_METHODS
            .iter()
            .any(|(resolve, _)| *resolve == method) =>
        {
            let item: Value = params(raw)?;
            if !item.is_object() {
                return Err(ResponseError::invalid_params(
                    "the item to resolve must be an object",
                ));
            }
            Ok(lifecycle.resolve(method, item).await)
        }
        _ => Err(ResponseError::method_not_found(method)),
    }
}

/// LSP `ExecuteCommandParams`.
#[derive(Debug, Deserialize)]
struct ExecuteCommandParams {
    command: String,
    #[serde(default)]
    arguments: Vec<Value>,
}

async fn handle_execute_command(
    lifecycle: &Arc<Lifecycle>,
    params: ExecuteCommandParams,
) -> Result<Value, ResponseError> {
    lifecycle
        .execute_command(&params.command, params.arguments)
        .await
        .map_err(lifecycle_error)
}

/// Runs one notification, in arrival order. Unknown notifications are ignored, as LSP asks.
pub(super) async fn handle_notification(server: &Arc<Server>, notification: Notification) {
    let Ok(lifecycle) = server.lifecycle() else {
        return;
    };
    let Notification {
        method,
        params: raw,
    } = notification;
    let outcome = match method.as_str() {
        "initialized" => {
            handle_initialized(lifecycle);
            Ok(())
        }
        "$/cancelRequest" => params::<CancelParams>(raw).map(|p| server.cancel(p.id)),
        "textDocument/didOpen" => {
            params(raw).map(|p: DidOpenParams| lifecycle.document_opened(p.text_document))
        }
        "textDocument/didChange" => params(raw).map(|p: DidChangeParams| {
            lifecycle.document_changed(
                &p.text_document.uri,
                p.text_document.version,
                p.content_changes,
            )
        }),
        "textDocument/didClose" => {
            params(raw).map(|p: DocumentParams| lifecycle.document_closed(&p.text_document.uri))
        }
        "textDocument/didSave" => {
            params(raw).map(|p: DocumentParams| lifecycle.document_saved(&p.text_document.uri))
        }
        "workspace/didChangeConfiguration" => params(raw).map(|p: ConfigurationParams| {
            if p.settings.is_object() {
                lifecycle.editor_settings_changed("", p.settings);
            } else {
                // A client that sends no settings expects the server to pull them.
                let lifecycle = Arc::clone(lifecycle);
                tokio::spawn(async move { lifecycle.pull_editor_settings().await });
            }
        }),
        "workspace/didChangeWorkspaceFolders" => params(raw).map(|p: FoldersParams| {
            lifecycle.workspace_folders_changed(p.event.added, p.event.removed)
        }),
        "exthost/didChangeActiveEditor" => params(raw).map(|p: ActiveEditorParams| {
            lifecycle.active_editor_reported(p.uri.map(
                |uri| json!({"uri": uri, "selections": p.selections.unwrap_or_else(|| json!([]))}),
            ))
        }),
        "exthost/didChangeSelection" => {
            params(raw).map(|p: SelectionParams| lifecycle.selection_changed(&p.uri, p.selections))
        }
        "window/workDoneProgress/cancel" => {
            params(raw).map(|p: ProgressCancelParams| match p.token {
                Value::String(token) => lifecycle.cancel_progress(&token),
                other => lifecycle.cancel_progress(&other.to_string()),
            })
        }
        _ => {
            tracing::debug!(%method, "notification ignored");
            Ok(())
        }
    };
    if let Err(error) = outcome {
        tracing::warn!(%method, message = %error.message, "bad notification params");
    }
}

#[derive(Debug, Deserialize)]
struct ConfigurationParams {
    #[serde(default)]
    settings: Value,
}

#[derive(Debug, Deserialize)]
struct FoldersChange {
    #[serde(default)]
    added: Vec<Value>,
    #[serde(default)]
    removed: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct FoldersParams {
    event: FoldersChange,
}

/// `exthost/didChangeActiveEditor`: `uri` null means no editor is active.
#[derive(Debug, Deserialize)]
struct ActiveEditorParams {
    uri: Option<String>,
    selections: Option<Value>,
}

/// `exthost/didChangeSelection`.
#[derive(Debug, Deserialize)]
struct SelectionParams {
    uri: String,
    selections: Value,
}

#[derive(Debug, Deserialize)]
struct ProgressCancelParams {
    token: Value,
}

#[derive(Debug, Deserialize)]
struct CancelParams {
    id: exthost_protocol::Id,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DidOpenParams {
    text_document: OpenDocument,
}

#[derive(Debug, Deserialize)]
struct DocumentUri {
    uri: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocumentParams {
    text_document: DocumentUri,
}

#[derive(Debug, Deserialize)]
struct VersionedDocument {
    uri: String,
    version: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DidChangeParams {
    text_document: VersionedDocument,
    content_changes: Vec<ContentChange>,
}

/// `initialized`: checks `workspaceContains:` patterns, fires `*`, then `onStartupFinished` once every
/// `*` activation has finished. Runs in the background so the reader keeps serving.
fn handle_initialized(lifecycle: &Arc<Lifecycle>) {
    let lifecycle = Arc::clone(lifecycle);
    lifecycle.with_session(|session| session.initialized = true);
    tokio::spawn(async move {
        let folders = lifecycle.workspace_folders();
        let patterns = lifecycle.workspace_contains_patterns();
        if !patterns.is_empty() && !folders.is_empty() {
            let matched = tokio::task::spawn_blocking(move || {
                matching_patterns(&folders, &patterns, ScanBudget::default())
            })
            .await
            .unwrap_or_default();
            for pattern in matched {
                lifecycle
                    .fire(&format!("workspaceContains:{pattern}"))
                    .await;
            }
        }
        lifecycle.pull_editor_settings().await;
        lifecycle.fire("*").await;
        lifecycle.fire("onStartupFinished").await;
        // The workspace's own extensions wait for the user's trust (contract §12).
        lifecycle.ask_trust().await;
    });
}
