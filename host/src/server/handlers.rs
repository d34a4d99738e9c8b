//! One `handle_<method>` per request and notification the host understands, and the one place where
//! lifecycle errors become JSON-RPC error codes.

use std::sync::Arc;

use exthost_protocol::error_code;
use exthost_protocol::methods::{
    ActivateParams, ActivateResult, ChangedResult, IdParams, ListExtensionsResult, ReloadResult,
    RestartHostParams, RestartHostResult, TrustWorkspaceParams, TrustWorkspaceResult,
};
use exthost_protocol::methods::{
    ExtensionInfo, InstallParams, InstallResult, UninstallParams, UninstallResult, UpgradeParams,
    UpgradeResult,
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
pub(crate) fn lifecycle_error(error: LifecycleError) -> ResponseError {
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
            self.engines.clone(),
            self.editor.clone(),
            session,
        );
        *self
            .dev_watcher
            .lock()
            .expect("invariant: the watcher lock is never poisoned") =
            super::dev_reload::start(&lifecycle);
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
        "exthost/install" | "exthost/uninstall" | "exthost/upgrade" => {
            handle_package_request(server, lifecycle, method, raw).await
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

// ---- Package management (contract §9): exthost/install, exthost/uninstall, exthost/upgrade ----------

/// A package refusal or failure: -32803 with the message naming the reason, and `data.reason` its code.
fn package_error(error: crate::package::PackageError) -> ResponseError {
    ResponseError::new(error_code::REQUEST_FAILED, error.to_string())
        .with_data(json!({"reason": error.reason_code()}))
}

/// Runs blocking package work (file and network I/O) off the async threads.
async fn package_work<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, crate::package::PackageError> + Send + 'static,
) -> Result<T, ResponseError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ResponseError::internal(format!("the package task failed: {error}")))?
        .map_err(package_error)
}

/// LSP work-done progress for one package operation: used when the request carries a `workDoneToken`,
/// or the editor declared `window.workDoneProgress` (the host then creates a token).
struct PackageProgress {
    editor: crate::editor::EditorHandle,
    token: Option<Value>,
}

static NEXT_PACKAGE_TOKEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl PackageProgress {
    async fn begin(
        server: &Arc<Server>,
        lifecycle: &Arc<Lifecycle>,
        raw: Option<&Value>,
        title: String,
    ) -> Self {
        let editor = server.editor.clone();
        let mut token = raw.and_then(|params| params.get("workDoneToken")).cloned();
        let supported = lifecycle.with_session(|session| {
            session
                .initialize_params
                .as_ref()
                .and_then(|p| p.pointer("/capabilities/window/workDoneProgress"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        });
        if token.is_none() && supported {
            let created = json!(format!(
                "exthost/package/{}",
                NEXT_PACKAGE_TOKEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            match editor
                .request("window/workDoneProgress/create", json!({"token": created}))
                .await
            {
                Ok(_) => token = Some(created),
                Err(error) => {
                    tracing::warn!(message = %error.message, "the editor refused a progress token")
                }
            }
        }
        if let Some(token) = &token {
            editor.notify(
                "$/progress",
                json!({"token": token, "value": {"kind": "begin", "title": title, "cancellable": false}}),
            );
        }
        PackageProgress { editor, token }
    }

    /// Where the package operation's steps go: `report` notifications.
    fn sink(&self) -> Option<crate::package::npm::ProgressSink> {
        let token = self.token.clone()?;
        let editor = self.editor.clone();
        Some(Arc::new(
            move |event: &crate::package::npm::ProgressEvent| {
                let value = match event {
                    crate::package::npm::ProgressEvent::Step(text) => {
                        json!({"kind": "report", "message": text})
                    }
                    crate::package::npm::ProgressEvent::Download { done, total } => {
                        match total.filter(|total| *total > 0) {
                            Some(total) => json!({"kind": "report",
                                "message": format!("downloaded {done} of {total} bytes"),
                                "percentage": done.saturating_mul(100) / total}),
                            None => {
                                json!({"kind": "report", "message": format!("downloaded {done} bytes")})
                            }
                        }
                    }
                };
                editor.notify("$/progress", json!({"token": token, "value": value}));
            },
        ))
    }

    fn end(&self, message: &str) {
        if let Some(token) = &self.token {
            self.editor.notify(
                "$/progress",
                json!({"token": token, "value": {"kind": "end", "message": message}}),
            );
        }
    }
}

/// The wire description of an installed folder, with `restartRequired` when the version that runs for
/// its id waits for a restart to give way to it.
fn installed_info(
    lifecycle: &Lifecycle,
    id: &str,
    folder: &std::path::Path,
) -> Option<ExtensionInfo> {
    let running = lifecycle.extension_info(id);
    let folder = folder.display().to_string();
    let mut info = lifecycle
        .list()
        .into_iter()
        .find(|info| info.id == id && info.path == folder)
        .or_else(|| running.clone())?;
    if running.is_some_and(|running| running.restart_required) {
        info.restart_required = true;
    }
    Some(info)
}

/// Installs `params.source` (contract §9) and picks the result up at once: the catalogue is discovered
/// again (the editor and the manager hear of every state that changed) and warnings go to the editor's
/// log. Used by the editor's `exthost/install` and the manager's.
pub(crate) async fn install_package(
    lifecycle: &Arc<Lifecycle>,
    params: InstallParams,
    progress: Option<crate::package::npm::ProgressSink>,
) -> Result<InstallResult, ResponseError> {
    let InstallParams {
        source,
        force,
        registry,
    } = params;
    let options = crate::package::InstallOptions {
        force,
        registry,
        progress,
    };
    let installed = package_work(move || crate::package::install(&source, &options)).await?;
    for warning in &installed.warnings {
        lifecycle
            .editor()
            .notify("window/logMessage", json!({"type": 2, "message": warning}));
    }
    lifecycle.refresh_catalog().await;
    let info = installed_info(lifecycle, &installed.id, &installed.folder).ok_or_else(|| {
        ResponseError::internal(format!(
            "{} was installed but is not discovered",
            installed.id
        ))
    })?;
    Ok(InstallResult { installed: info })
}

/// Uninstalls `params.id` (contract §9) and discovers again. Used by the editor and the manager.
pub(crate) async fn uninstall_package(
    lifecycle: &Arc<Lifecycle>,
    params: UninstallParams,
) -> Result<UninstallResult, ResponseError> {
    let UninstallParams { id, force } = params;
    let target = id.clone();
    package_work(move || crate::package::uninstall(&target, force)).await?;
    lifecycle.refresh_catalog().await;
    Ok(UninstallResult {
        uninstalled: vec![id],
    })
}

/// Upgrades `params.id` (or every installed extension) within its recorded range and discovers again
/// when anything changed. Used by the editor and the manager.
pub(crate) async fn upgrade_packages(
    lifecycle: &Arc<Lifecycle>,
    params: UpgradeParams,
    progress: Option<crate::package::npm::ProgressSink>,
) -> Result<UpgradeResult, ResponseError> {
    let UpgradeParams { id } = params;
    let options = crate::package::InstallOptions {
        force: false,
        registry: None,
        progress,
    };
    let upgraded: Vec<crate::package::Installed> =
        package_work(move || crate::package::upgrade(id.as_deref(), &options))
            .await?
            .into_iter()
            .filter_map(|outcome| match outcome {
                crate::package::install::UpgradeOutcome::Upgraded(installed) => Some(*installed),
                crate::package::install::UpgradeOutcome::UpToDate { .. } => None,
            })
            .collect();
    if !upgraded.is_empty() {
        lifecycle.refresh_catalog().await;
    }
    let upgraded = upgraded
        .iter()
        .filter_map(|installed| installed_info(lifecycle, &installed.id, &installed.folder))
        .collect();
    Ok(UpgradeResult { upgraded })
}

async fn handle_package_request(
    server: &Arc<Server>,
    lifecycle: &Arc<Lifecycle>,
    method: &str,
    raw: Option<Value>,
) -> Result<Value, ResponseError> {
    match method {
        "exthost/install" => {
            let install: InstallParams = params(raw.clone())?;
            let title = format!("Installing {}", install.source);
            let progress = PackageProgress::begin(server, lifecycle, raw.as_ref(), title).await;
            let outcome = install_package(lifecycle, install, progress.sink()).await;
            progress.end(match &outcome {
                Ok(_) => "installed",
                Err(error) => &error.message,
            });
            to_value(outcome?)
        }
        "exthost/uninstall" => {
            let uninstall: UninstallParams = params(raw.clone())?;
            let title = format!("Uninstalling {}", uninstall.id);
            let progress = PackageProgress::begin(server, lifecycle, raw.as_ref(), title).await;
            let outcome = uninstall_package(lifecycle, uninstall).await;
            progress.end(match &outcome {
                Ok(_) => "uninstalled",
                Err(error) => &error.message,
            });
            to_value(outcome?)
        }
        "exthost/upgrade" => {
            let upgrade: UpgradeParams = params(raw.clone())?;
            let title = match &upgrade.id {
                Some(id) => format!("Upgrading {id}"),
                None => "Upgrading extensions".to_owned(),
            };
            let progress = PackageProgress::begin(server, lifecycle, raw.as_ref(), title).await;
            let outcome = upgrade_packages(lifecycle, upgrade, progress.sink()).await;
            progress.end(match &outcome {
                Ok(_) => "done",
                Err(error) => &error.message,
            });
            to_value(outcome?)
        }
        _ => Err(ResponseError::method_not_found(method)),
    }
}
