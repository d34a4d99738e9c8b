//! The manager's JSON-RPC methods: the editor's `exthost/*` management methods, run by the same
//! [`Lifecycle`], plus what only the panel asks for (an extension's details and log) and the
//! `exthost/subscribe` stream of state changes, host restarts and log lines.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use exthost_protocol::methods::{
    ChangedResult, CommandInfo, Disable, Enable, Event, ExtensionDetails, ExtensionDetailsResult,
    ExtensionErrorDetails, ExtensionInfo, ExtensionLog, ExtensionLogResult, IdParams, Install,
    InstallParams, ListExtensions, ListExtensionsResult, LogLine, ManagerEvent, Reload,
    ReloadResult, RestartHost, RestartHostResult, RpcNotification, RpcRequest, Subscribe,
    Uninstall, UninstallParams, Unsubscribe, Upgrade, UpgradeParams,
};
use exthost_protocol::{ResponseError, error_code};
use jsonrpsee::server::{RpcModule, SubscriptionMessage};
use jsonrpsee::types::{ErrorObjectOwned, Params};
use tokio::sync::broadcast;

use super::uploads::Uploads;
use crate::config::manifest_context;
use crate::lifecycle::{Lifecycle, LifecycleError};

/// The log lines kept per extension.
const LOG_LINES_KEPT: usize = 500;

/// What every method call can reach.
pub struct ManagerContext {
    lifecycle: Arc<Lifecycle>,
    logs: Arc<LogStore>,
    uploads: Arc<Uploads>,
}

/// The most recent log lines of each extension, collected from the lifecycle's events since the endpoint
/// started.
#[derive(Debug, Default)]
pub struct LogStore {
    lines: Mutex<HashMap<String, VecDeque<LogLine>>>,
}

impl LogStore {
    fn push(&self, line: LogLine) {
        let mut lines = self
            .lines
            .lock()
            .expect("invariant: the log store's lock is never poisoned");
        let kept = lines.entry(line.extension.clone()).or_default();
        if kept.len() == LOG_LINES_KEPT {
            kept.pop_front();
        }
        kept.push_back(line);
    }

    fn lines(&self, id: &str) -> Vec<LogLine> {
        self.lines
            .lock()
            .expect("invariant: the log store's lock is never poisoned")
            .get(id)
            .map(|kept| kept.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Collects log lines from `events` until the lifecycle is gone.
    async fn collect(self: Arc<Self>, mut events: broadcast::Receiver<ManagerEvent>) {
        loop {
            match events.recv().await {
                Ok(ManagerEvent::Log(line)) => self.push(line),
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, "the manager's log store fell behind");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    }
}

/// A JSON-RPC error from the host's own error type.
fn rpc_error(error: ResponseError) -> ErrorObjectOwned {
    let code = i32::try_from(error.code).unwrap_or(error_code::INTERNAL_ERROR as i32);
    ErrorObjectOwned::owned(code, error.message, error.data)
}

/// The same mapping of lifecycle errors to codes as the editor's handlers.
fn lifecycle_error(error: LifecycleError) -> ErrorObjectOwned {
    rpc_error(crate::server::handlers::lifecycle_error(error))
}

/// The params of a package method, or -32602 naming what is wrong.
fn parse_params<T: serde::de::DeserializeOwned>(
    params: &Params<'_>,
) -> Result<T, ErrorObjectOwned> {
    params.parse::<T>().map_err(|error| {
        rpc_error(ResponseError::invalid_params(format!(
            "invalid params: {error}"
        )))
    })
}

fn parse_id(params: &Params<'_>) -> Result<String, ErrorObjectOwned> {
    params
        .parse::<IdParams>()
        .map(|IdParams { id }| id)
        .map_err(|error| {
            rpc_error(ResponseError::invalid_params(format!(
                "invalid params: {error}"
            )))
        })
}

/// Runs a management operation to completion in its own task: a panel that closes its WebSocket half-way
/// must not leave extensions half enabled (as the editor's handlers do for a cancelled request).
async fn to_completion<T: Send + 'static>(
    operation: impl Future<Output = T> + Send + 'static,
) -> Result<T, ErrorObjectOwned> {
    tokio::spawn(operation).await.map_err(|error| {
        rpc_error(ResponseError::internal(format!(
            "the operation stopped: {error}"
        )))
    })
}

/// The extension `id` as listed (the one in effect when several folders share the id).
fn find_extension(lifecycle: &Lifecycle, id: &str) -> Result<ExtensionInfo, ErrorObjectOwned> {
    let extensions = lifecycle.list();
    extensions
        .iter()
        .find(|info| info.id == id && info.shadowed_by.is_none())
        .or_else(|| extensions.iter().find(|info| info.id == id))
        .cloned()
        .ok_or_else(|| lifecycle_error(LifecycleError::UnknownExtension { id: id.to_owned() }))
}

/// The commands an extension's manifest contributes and whether it supports hot reload (read from its
/// folder; nothing if it cannot be read).
async fn manifest_facts(path: String) -> (Vec<CommandInfo>, bool) {
    tokio::task::spawn_blocking(move || {
        crate::manifest::load_manifest(std::path::Path::new(&path), &manifest_context())
            .map(|manifest| {
                let commands = manifest
                    .contributes
                    .commands
                    .iter()
                    .map(|command| CommandInfo {
                        command: command.command.clone(),
                        title: command.title.clone(),
                    })
                    .collect();
                (commands, manifest.capabilities.supports_hot_reload)
            })
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default()
}

/// The error's first line as the message, the lines after it (a stack, a cause) as the stack.
fn error_details(info: &ExtensionInfo) -> Option<ExtensionErrorDetails> {
    let message = &info.error.as_ref()?.message;
    let (first, rest) = message.split_once('\n').unwrap_or((message, ""));
    Some(ExtensionErrorDetails {
        message: first.to_owned(),
        stack: (!rest.trim().is_empty()).then(|| rest.to_owned()),
    })
}

/// The module the endpoint serves, on `lifecycle`; `exthost/install` also takes the packages in
/// `uploads` (`upload:ID`). Starts collecting log lines at once.
pub fn module(
    lifecycle: Arc<Lifecycle>,
    uploads: Arc<Uploads>,
) -> Result<RpcModule<ManagerContext>, jsonrpsee::core::RegisterMethodError> {
    let logs = Arc::new(LogStore::default());
    tokio::spawn(Arc::clone(&logs).collect(lifecycle.subscribe_events()));
    let mut module = RpcModule::new(ManagerContext {
        lifecycle,
        logs,
        uploads,
    });

    module.register_method(ListExtensions::METHOD, |_, context, _| {
        Ok::<_, ErrorObjectOwned>(ListExtensionsResult {
            extensions: context.lifecycle.list(),
        })
    })?;
    module.register_async_method(Enable::METHOD, |params, context, _| async move {
        let id = parse_id(&params)?;
        let lifecycle = Arc::clone(&context.lifecycle);
        let changed = to_completion(async move { lifecycle.enable(&id).await })
            .await?
            .map_err(lifecycle_error)?;
        Ok::<_, ErrorObjectOwned>(ChangedResult { changed })
    })?;
    module.register_async_method(Disable::METHOD, |params, context, _| async move {
        let id = parse_id(&params)?;
        let lifecycle = Arc::clone(&context.lifecycle);
        let changed = to_completion(async move { lifecycle.disable(&id).await })
            .await?
            .map_err(lifecycle_error)?;
        Ok::<_, ErrorObjectOwned>(ChangedResult { changed })
    })?;
    module.register_async_method(Reload::METHOD, |params, context, _| async move {
        let id = parse_id(&params)?;
        let lifecycle = Arc::clone(&context.lifecycle);
        let reloaded = to_completion(async move { lifecycle.reload(&id).await })
            .await?
            .map_err(lifecycle_error)?;
        Ok::<_, ErrorObjectOwned>(ReloadResult { reloaded })
    })?;
    module.register_async_method(RestartHost::METHOD, |_, context, _| async move {
        let lifecycle = Arc::clone(&context.lifecycle);
        // In process, even under a supervisor: this endpoint lives in the worker, so a new worker would
        // end the page's connection and its URL (a new port and token). The editor's `exthost/restartHost`
        // goes through the supervisor.
        to_completion(async move { lifecycle.restart("requested from the manager").await }).await?;
        Ok::<_, ErrorObjectOwned>(RestartHostResult { restarted: true })
    })?;
    // Packages (contract §9): the editor's own code, so the catalogue is discovered again and the editor
    // hears of every extension that appeared, went away or changed state.
    module.register_async_method(Install::METHOD, |params, context, _| async move {
        let install: InstallParams = parse_params(&params)?;
        let source = context.uploads.resolve(&install.source);
        let lifecycle = Arc::clone(&context.lifecycle);
        let uploads = Arc::clone(&context.uploads);
        let outcome = to_completion(async move {
            let outcome = crate::server::handlers::install_package(
                &lifecycle,
                InstallParams {
                    source: source.clone(),
                    ..install
                },
                None,
            )
            .await;
            uploads.forget(&source);
            outcome
        })
        .await?;
        outcome.map_err(rpc_error)
    })?;
    module.register_async_method(Uninstall::METHOD, |params, context, _| async move {
        let uninstall: UninstallParams = parse_params(&params)?;
        let lifecycle = Arc::clone(&context.lifecycle);
        to_completion(async move {
            crate::server::handlers::uninstall_package(&lifecycle, uninstall).await
        })
        .await?
        .map_err(rpc_error)
    })?;
    module.register_async_method(Upgrade::METHOD, |params, context, _| async move {
        let upgrade: UpgradeParams = if params.as_str().is_some() {
            parse_params(&params)?
        } else {
            UpgradeParams::default()
        };
        let lifecycle = Arc::clone(&context.lifecycle);
        to_completion(async move {
            crate::server::handlers::upgrade_packages(&lifecycle, upgrade, None).await
        })
        .await?
        .map_err(rpc_error)
    })?;
    module.register_async_method(ExtensionDetails::METHOD, |params, context, _| async move {
        let id = parse_id(&params)?;
        let extension = find_extension(&context.lifecycle, &id)?;
        let (commands, supports_hot_reload) = manifest_facts(extension.path.clone()).await;
        Ok::<_, ErrorObjectOwned>(ExtensionDetailsResult {
            error: error_details(&extension),
            extension,
            commands,
            supports_hot_reload,
        })
    })?;
    module.register_method(ExtensionLog::METHOD, |params, context, _| {
        let id = parse_id(&params)?;
        find_extension(&context.lifecycle, &id)?;
        Ok::<_, ErrorObjectOwned>(ExtensionLogResult {
            lines: context.logs.lines(&id),
        })
    })?;
    module.register_subscription(
        Subscribe::METHOD,
        Event::METHOD,
        Unsubscribe::METHOD,
        |_, pending, context, _| async move {
            let mut events = context.lifecycle.subscribe_events();
            let sink = pending.accept().await?;
            loop {
                let event = tokio::select! {
                    () = sink.closed() => break,
                    event = events.recv() => event,
                };
                match event {
                    Ok(event) => {
                        let message = serde_json::value::to_raw_value(&event)?;
                        sink.send(SubscriptionMessage::from(message)).await?;
                    }
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::warn!(skipped, "a manager subscriber fell behind");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
            Ok(())
        },
    )?;
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(extension: &str, message: &str) -> LogLine {
        LogLine {
            extension: extension.into(),
            level: "info".into(),
            message: message.into(),
            time_ms: 0,
        }
    }

    #[test]
    fn the_log_store_keeps_the_latest_lines_per_extension() {
        let store = LogStore::default();
        for index in 0..LOG_LINES_KEPT + 3 {
            store.push(line("a", &index.to_string()));
        }
        store.push(line("b", "only"));
        let kept = store.lines("a");
        assert_eq!(kept.len(), LOG_LINES_KEPT);
        assert_eq!(kept[0].message, "3");
        assert_eq!(store.lines("b").len(), 1);
        assert!(store.lines("c").is_empty());
    }
}
