//! One `handle_<method>` per request and notification the host understands, and the one place where
//! lifecycle errors become JSON-RPC error codes.

use std::sync::Arc;

use exthost_protocol::error_code;
use exthost_protocol::methods::{
    Activate, ActivateParams, ActivateResult, ChangedResult, Disable, Enable, IdParams,
    ListExtensions, ListExtensionsParams, ListExtensionsResult, Reload, ReloadResult, RestartHost,
    RestartHostParams, RestartHostResult, TrustWorkspace, TrustWorkspaceParams,
    TrustWorkspaceResult,
};
use exthost_protocol::methods::{
    ExtensionInfo, Install, InstallParams, InstallResult, Uninstall, UninstallParams,
    UninstallResult, Upgrade, UpgradeParams, UpgradeResult,
};
use exthost_protocol::{Notification, ResponseError};
use serde::Deserialize;
use serde_json::{Value, json};

use super::dispatch::{Call, Dispatched, RequestDispatcher, parse as params};
use super::{Phase, Server};
use crate::bridge::{RESOLVE_METHODS, provider_method};
use crate::config::HOST_VERSION;
use crate::lifecycle::{Lifecycle, LifecycleError};
use crate::session::{OpenDocument, SessionState};
use crate::to_proto::{self, ProgressStep, ProgressToken};
use crate::workspace_scan::{ScanBudget, matching_patterns};
use ls_types as lsp;

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
    pub(super) fn lifecycle(&self) -> Result<&Arc<Lifecycle>, ResponseError> {
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
        let capabilities =
            crate::to_proto::server_capabilities(lifecycle.static_features(), commands);
        let _ = self.lifecycle.set(lifecycle);
        self.set_phase(Phase::Running);
        Ok(crate::to_proto::initialize_result(
            capabilities,
            HOST_VERSION,
        ))
    }
}

/// Matches a request (after `initialize`, before `shutdown`) to its handler: every `exthost/*` method of
/// the catalogue and `workspace/executeCommand` typed, the language features by name.
pub(super) fn dispatch(server: &Arc<Server>, method: &str, raw: Option<Value>) -> Dispatched {
    RequestDispatcher::new(server, method, raw)
        .on::<ListExtensions, _, _>(list_extensions)
        .on::<Enable, _, _>(enable)
        .on::<Disable, _, _>(disable)
        .on::<Reload, _, _>(reload)
        .on::<Activate, _, _>(activate)
        .on::<TrustWorkspace, _, _>(trust_workspace)
        .on::<RestartHost, _, _>(restart_host)
        .on::<Install, _, _>(install)
        .on::<Uninstall, _, _>(uninstall)
        .on::<Upgrade, _, _>(upgrade)
        .on_lsp::<ls_types::request::ExecuteCommand, _, _>(execute_command)
        .finish(|server, method, raw| async move { language_feature(&server, &method, raw).await })
}

async fn list_extensions(
    call: Call,
    _: ListExtensionsParams,
) -> Result<ListExtensionsResult, ResponseError> {
    Ok(ListExtensionsResult {
        extensions: call.lifecycle.list(),
    })
}

async fn enable(call: Call, IdParams { id }: IdParams) -> Result<ChangedResult, ResponseError> {
    let changed = call.lifecycle.enable(&id).await.map_err(lifecycle_error)?;
    Ok(ChangedResult { changed })
}

async fn disable(call: Call, IdParams { id }: IdParams) -> Result<ChangedResult, ResponseError> {
    let changed = call.lifecycle.disable(&id).await.map_err(lifecycle_error)?;
    Ok(ChangedResult { changed })
}

async fn reload(call: Call, IdParams { id }: IdParams) -> Result<ReloadResult, ResponseError> {
    let reloaded = call.lifecycle.reload(&id).await.map_err(lifecycle_error)?;
    Ok(ReloadResult { reloaded })
}

async fn activate(
    call: Call,
    ActivateParams { event }: ActivateParams,
) -> Result<ActivateResult, ResponseError> {
    if event.trim().is_empty() {
        return Err(ResponseError::invalid_params("event must not be empty"));
    }
    let activated = call.lifecycle.fire(&event).await;
    Ok(ActivateResult { activated })
}

async fn trust_workspace(
    call: Call,
    TrustWorkspaceParams { uri }: TrustWorkspaceParams,
) -> Result<TrustWorkspaceResult, ResponseError> {
    let folder = crate::session::file_uri_to_path(&uri).ok_or_else(|| {
        ResponseError::invalid_params(format!("uri must be a file: URI, not {uri}"))
    })?;
    call.lifecycle
        .trust_workspace(&folder)
        .await
        .map_err(|error| ResponseError::internal(format!("cannot keep the answer: {error}")))?;
    Ok(TrustWorkspaceResult { trusted: true })
}

async fn restart_host(
    call: Call,
    _: RestartHostParams,
) -> Result<RestartHostResult, ResponseError> {
    call.lifecycle.restart("requested by the editor").await;
    Ok(RestartHostResult { restarted: true })
}

/// The language features the bridge forwards (`textDocument/*`, `workspace/symbol`, the resolve
/// methods), by name; anything else is -32601.
async fn language_feature(
    server: &Arc<Server>,
    method: &str,
    raw: Option<Value>,
) -> Result<Value, ResponseError> {
    let lifecycle = server.lifecycle()?;
    match method {
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

/// `workspace/executeCommand` (LSP's `ExecuteCommandParams`; the result is the command's).
async fn execute_command(
    call: Call,
    params: ls_types::ExecuteCommandParams,
) -> Result<Option<Value>, ResponseError> {
    call.lifecycle
        .execute_command(&params.command, params.arguments)
        .await
        .map(Some)
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
        "textDocument/didOpen" => params(raw).map(|p: lsp::DidOpenTextDocumentParams| {
            let document = p.text_document;
            lifecycle.document_opened(OpenDocument {
                uri: document.uri.as_str().to_owned(),
                language_id: document.language_id,
                version: document.version.into(),
                text: crate::documents::DocumentText::new(&document.text),
            })
        }),
        "textDocument/didChange" => params(raw).map(|p: lsp::DidChangeTextDocumentParams| {
            lifecycle.document_changed(
                p.text_document.uri.as_str(),
                p.text_document.version.into(),
                p.content_changes,
            )
        }),
        "textDocument/didClose" => params(raw).map(|p: lsp::DidCloseTextDocumentParams| {
            lifecycle.document_closed(p.text_document.uri.as_str())
        }),
        "textDocument/didSave" => params(raw).map(|p: lsp::DidSaveTextDocumentParams| {
            lifecycle.document_saved(p.text_document.uri.as_str())
        }),
        "workspace/didChangeConfiguration" => params(raw).map(|p: ConfigurationParams| {
            if p.settings.is_object() {
                lifecycle.editor_settings_changed("", p.settings);
            } else {
                // A client that sends no settings expects the server to pull them.
                let lifecycle = Arc::clone(lifecycle);
                tokio::spawn(async move { lifecycle.pull_editor_settings().await });
            }
        }),
        "workspace/didChangeWorkspaceFolders" => {
            params(raw).map(|p: lsp::DidChangeWorkspaceFoldersParams| {
                let values = |folders: Vec<lsp::WorkspaceFolder>| -> Vec<Value> {
                    folders
                        .iter()
                        .filter_map(|folder| serde_json::to_value(folder).ok())
                        .collect()
                };
                lifecycle.workspace_folders_changed(values(p.event.added), values(p.event.removed))
            })
        }
        "exthost/didChangeActiveEditor" => params(raw).map(|p: ActiveEditorParams| {
            lifecycle.active_editor_reported(p.uri.map(
                |uri| json!({"uri": uri, "selections": p.selections.unwrap_or_else(|| json!([]))}),
            ))
        }),
        "exthost/didChangeSelection" => {
            params(raw).map(|p: SelectionParams| lifecycle.selection_changed(&p.uri, p.selections))
        }
        "window/workDoneProgress/cancel" => {
            params(raw).map(|p: lsp::WorkDoneProgressCancelParams| match p.token {
                lsp::NumberOrString::String(token) => lifecycle.cancel_progress(&token),
                lsp::NumberOrString::Number(token) => lifecycle.cancel_progress(&token.to_string()),
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

/// `workspace/didChangeConfiguration`'s params: a missing `settings` is read as `null` (the editor expects
/// the host to pull them), where `ls-types`' `DidChangeConfigurationParams` requires it.
#[derive(Debug, Deserialize)]
struct ConfigurationParams {
    #[serde(default)]
    settings: Value,
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

/// `$/cancelRequest`'s params: the id as a JSON-RPC id (any number or string), where `ls-types`'
/// `CancelParams` takes only 32-bit numbers.
#[derive(Debug, Deserialize)]
struct CancelParams {
    id: exthost_protocol::Id,
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
    token: Option<ProgressToken>,
}

static NEXT_PACKAGE_TOKEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl PackageProgress {
    async fn begin(call: &Call, title: String) -> Self {
        let editor = call.server.editor.clone();
        let mut token = call
            .work_done_token
            .clone()
            .and_then(|token| serde_json::from_value::<ProgressToken>(token).ok());
        let supported = call.lifecycle.with_session(|session| {
            session
                .initialize_params
                .as_ref()
                .and_then(|p| p.pointer("/capabilities/window/workDoneProgress"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        });
        if token.is_none() && supported {
            let created = ProgressToken::String(format!(
                "exthost/package/{}",
                NEXT_PACKAGE_TOKEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            match editor
                .request(
                    to_proto::method::WORK_DONE_PROGRESS_CREATE,
                    to_proto::work_done_progress_create(&created),
                )
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
                to_proto::method::PROGRESS,
                to_proto::progress(token, ProgressStep::Begin { title }),
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
                let step = match event {
                    crate::package::npm::ProgressEvent::Step(text) => ProgressStep::Report {
                        message: text.clone(),
                        percentage: None,
                    },
                    crate::package::npm::ProgressEvent::Download { done, total } => {
                        match total.filter(|total| *total > 0) {
                            Some(total) => ProgressStep::Report {
                                message: format!("downloaded {done} of {total} bytes"),
                                percentage: u32::try_from(done.saturating_mul(100) / total).ok(),
                            },
                            None => ProgressStep::Report {
                                message: format!("downloaded {done} bytes"),
                                percentage: None,
                            },
                        }
                    }
                };
                editor.notify(to_proto::method::PROGRESS, to_proto::progress(&token, step));
            },
        ))
    }

    fn end(&self, message: &str) {
        if let Some(token) = &self.token {
            self.editor.notify(
                to_proto::method::PROGRESS,
                to_proto::progress(
                    token,
                    ProgressStep::End {
                        message: message.to_owned(),
                    },
                ),
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
        lifecycle.editor().notify(
            to_proto::method::LOG_MESSAGE,
            to_proto::log_message(to_proto::MessageType::WARNING, warning.clone()),
        );
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

/// `exthost/install`, with work done progress.
async fn install(call: Call, install: InstallParams) -> Result<InstallResult, ResponseError> {
    let title = format!("Installing {}", install.source);
    let progress = PackageProgress::begin(&call, title).await;
    let outcome = install_package(&call.lifecycle, install, progress.sink()).await;
    progress.end(match &outcome {
        Ok(_) => "installed",
        Err(error) => &error.message,
    });
    outcome
}

/// `exthost/uninstall`, with work done progress.
async fn uninstall(
    call: Call,
    uninstall: UninstallParams,
) -> Result<UninstallResult, ResponseError> {
    let title = format!("Uninstalling {}", uninstall.id);
    let progress = PackageProgress::begin(&call, title).await;
    let outcome = uninstall_package(&call.lifecycle, uninstall).await;
    progress.end(match &outcome {
        Ok(_) => "uninstalled",
        Err(error) => &error.message,
    });
    outcome
}

/// `exthost/upgrade`, with work done progress.
async fn upgrade(call: Call, upgrade: UpgradeParams) -> Result<UpgradeResult, ResponseError> {
    let title = match &upgrade.id {
        Some(id) => format!("Upgrading {id}"),
        None => "Upgrading extensions".to_owned(),
    };
    let progress = PackageProgress::begin(&call, title).await;
    let outcome = upgrade_packages(&call.lifecycle, upgrade, progress.sink()).await;
    progress.end(match &outcome {
        Ok(_) => "done",
        Err(error) => &error.message,
    });
    outcome
}
