//! One `handle_<method>` per request and notification the host understands, and the one place where
//! lifecycle errors become JSON-RPC error codes.

use std::sync::Arc;

use exthost_protocol::error_code;
use exthost_protocol::methods::{
    ActivateParams, ActivateResult, ChangedResult, IdParams, ListExtensionsResult, ReloadResult,
    RestartHostParams, RestartHostResult,
};
use exthost_protocol::{Notification, ResponseError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{Phase, Server};
use crate::config::HOST_VERSION;
use crate::documents::{ContentChange, apply_changes};
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
        let commands = lifecycle.contributed_commands();
        let _ = self.lifecycle.set(lifecycle);
        self.set_phase(Phase::Running);
        Ok(json!({
            "capabilities": {
                "textDocumentSync": {"openClose": true, "change": 2, "save": {"includeText": false}},
                "executeCommandProvider": {"commands": commands},
                "workspace": {"workspaceFolders": {"supported": true, "changeNotifications": true}},
            },
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
        "exthost/restartHost" => {
            let _: RestartHostParams = params(raw)?;
            lifecycle.restart("requested by the editor").await;
            to_value(RestartHostResult { restarted: true })
        }
        "workspace/executeCommand" => handle_execute_command(lifecycle, params(raw)?).await,
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
        "textDocument/didOpen" => params(raw).map(|p| handle_did_open(lifecycle, p)),
        "textDocument/didChange" => params(raw).map(|p| handle_did_change(lifecycle, p)),
        "textDocument/didClose" => params(raw).map(|p: DocumentParams| {
            lifecycle.with_session(|session| session.documents.remove(&p.text_document.uri));
        }),
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
        lifecycle.fire("*").await;
        lifecycle.fire("onStartupFinished").await;
    });
}

/// `textDocument/didOpen`: stores the document and fires `onLanguage:<languageId>` in the background.
fn handle_did_open(lifecycle: &Arc<Lifecycle>, params: DidOpenParams) {
    let language = params.text_document.language_id.clone();
    lifecycle.with_session(|session| {
        session
            .documents
            .insert(params.text_document.uri.clone(), params.text_document);
    });
    let lifecycle = Arc::clone(lifecycle);
    tokio::spawn(async move {
        lifecycle.fire(&format!("onLanguage:{language}")).await;
    });
}

/// `textDocument/didChange`: applies full or incremental changes to the stored text.
fn handle_did_change(lifecycle: &Arc<Lifecycle>, params: DidChangeParams) {
    lifecycle.with_session(|session| {
        match session.documents.get_mut(&params.text_document.uri) {
            Some(document) => {
                apply_changes(&mut document.text, &params.content_changes);
                document.version = params.text_document.version;
            }
            None => tracing::warn!(uri = %params.text_document.uri, "didChange for a document that is not open"),
        }
    });
}
