//! Host calls: what extensions ask of the host (registrations, commands, exports, logs), answered at once
//! in arrival order or as a task of their own.

use std::sync::Arc;

use exthost_protocol::methods::{ExtensionState, LogLine, ManagerEvent};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::LifecycleError;
use super::{Lifecycle, call_with_grace};
use crate::runtime::{
    HostCall, HostCallError, HostRequest, HostSender, LogLevel, RuntimeError, RuntimeGeneration,
    RuntimeRequest,
};
use crate::to_proto;

/// The loop serving one runtime's calls (see [`Lifecycle::serve_runtime_calls`]).
pub(super) struct CallLoop {
    /// The runtime's channel to the host, without keeping it open (the runtime holds it).
    pub(super) sender: mpsc::WeakUnboundedSender<HostCall>,
    /// The loop; it ends once the runtime has gone and its last calls are served.
    pub(super) task: tokio::task::JoinHandle<()>,
}

impl Lifecycle {
    /// A new runtime generation, never given before.
    pub(super) fn new_generation(&self) -> RuntimeGeneration {
        RuntimeGeneration::new(
            self.next_generation
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        )
    }

    /// The loops serving runtimes' calls.
    pub(super) fn call_loops(&self) -> std::sync::MutexGuard<'_, Vec<CallLoop>> {
        self.call_loops
            .lock()
            .expect("invariant: the call-loop lock is never poisoned")
    }

    /// Starts serving the calls of the runtime about to be launched as `generation`, and answers the
    /// channel it sends them on: every call that arrives there is that generation's.
    pub(super) fn serve_runtime_calls(
        self: &Arc<Self>,
        generation: RuntimeGeneration,
    ) -> HostSender {
        let (sender, calls) = mpsc::unbounded_channel();
        let task = tokio::spawn(serve_host_calls(Arc::downgrade(self), generation, calls));
        let mut loops = self.call_loops();
        loops.retain(|call_loop| !call_loop.task.is_finished());
        loops.push(CallLoop {
            sender: sender.downgrade(),
            task,
        });
        sender
    }

    /// Answers the calls that need no waiting, at once and in arrival order (registrations must be in
    /// place before the extension's next step); hands back the others.
    pub(super) fn handle_immediate(
        self: &Arc<Self>,
        generation: RuntimeGeneration,
        call: HostCall,
    ) -> Option<HostCall> {
        // State updates are queued here, in arrival order, and answered once on disk.
        let call = self.handle_state_update(call)?;
        let from = call.from.as_str();
        tracing::trace!(%from, %generation, request = ?call.request, "host call");
        let registers = matches!(
            call.request,
            HostRequest::RegisterCommand { .. }
                | HostRequest::RegisterProvider { .. }
                | HostRequest::SetDiagnostics { .. }
        );
        let unregisters = matches!(
            call.request,
            HostRequest::UnregisterCommand { .. } | HostRequest::UnregisterProvider { .. }
        );
        if (registers || unregisters) && !Self::is_current(&self.lock(), from, generation) {
            // A late call from a runtime that was stopped (or replaced) registers nothing, and takes
            // nothing away from the runtime that replaced it.
            tracing::debug!(%from, %generation, request = ?call.request, "call from a stale runtime ignored");
            if let Some(reply) = call.reply {
                let answer = if registers {
                    Err(HostCallError::unavailable(format!(
                        "extension {from} is not running"
                    )))
                } else {
                    Ok(Value::Null)
                };
                let _ = reply.send(answer);
            }
            return None;
        }
        let answer = match &call.request {
            HostRequest::RegisterCommand { command } => {
                let mut state = self.lock();
                // A contributed command belongs to the extension that contributes it: nobody else may
                // take it first (its owner would then never activate on `onCommand:`).
                let contributors: Vec<String> = state
                    .registry
                    .records()
                    .iter()
                    .filter(|record| record.shadowed_by.is_none())
                    .filter(|record| {
                        record.manifest.as_ref().is_some_and(|manifest| {
                            manifest
                                .contributes
                                .commands
                                .iter()
                                .any(|c| c.command == *command)
                        })
                    })
                    .map(|record| record.id.clone())
                    .collect();
                let taken_from = (!contributors.is_empty()
                    && !contributors.iter().any(|id| id == from))
                .then(|| contributors.join(", "));
                match state.commands.get(command) {
                    _ if taken_from.is_some() => Err(HostCallError::failed(format!(
                        "command '{command}' is contributed by extension {}",
                        taken_from.unwrap_or_default()
                    ))),
                    Some(owner) if owner != from => Err(HostCallError::failed(format!(
                        "command '{command}' already exists (registered by extension {owner})"
                    ))),
                    _ => {
                        state.commands.insert(command.clone(), from.to_owned());
                        Ok(Value::Null)
                    }
                }
            }
            HostRequest::UnregisterCommand { command } => {
                let mut state = self.lock();
                if state.commands.get(command).map(String::as_str) == Some(from) {
                    state.commands.remove(command);
                }
                Ok(Value::Null)
            }
            HostRequest::GetCommands => Ok(json!(self.lock().commands.keys().collect::<Vec<_>>())),
            HostRequest::GetExtension { id } => Ok(self.describe(id)),
            HostRequest::AllExtensions => {
                let ids: Vec<String> = self.lock().registry.ids().map(str::to_owned).collect();
                Ok(Value::Array(
                    ids.iter().map(|id| self.describe(id)).collect(),
                ))
            }
            HostRequest::Log { level, message } => {
                self.log(from, *level, message);
                Ok(Value::Null)
            }
            HostRequest::DocumentChangeListeners { listening } => {
                // Only the current runtime's report counts (a stopped one's changes nothing).
                let runtime = self
                    .lock()
                    .running
                    .get(from)
                    .filter(|running| running.generation == Some(generation))
                    .and_then(|running| running.runtime.clone());
                if let Some(runtime) = runtime {
                    runtime.listen_to_document_changes(*listening);
                }
                Ok(Value::Null)
            }
            HostRequest::Snapshot => Ok(self.snapshot()),
            HostRequest::ExtensionState => Ok(self.extension_state_snapshot(from)),
            HostRequest::RegisterProvider {
                handle,
                method,
                selector,
                options,
            } => self
                .register_provider(from, *handle, method, selector, options)
                .map_err(HostCallError::from),
            HostRequest::UnregisterProvider { handle } => {
                self.unregister_provider(from, *handle);
                Ok(Value::Null)
            }
            HostRequest::SetDiagnostics {
                collection,
                uri,
                diagnostics,
            } => {
                self.set_diagnostics(from, collection, uri, diagnostics.clone());
                Ok(Value::Null)
            }
            HostRequest::UpdateSetting { key, value, target } => self
                .update_setting(key, value.clone(), *target)
                .map_err(HostCallError::from),
            HostRequest::EditorNotify { method, params } => {
                self.editor_notify(from, method, params.clone())
            }
            _ => return Some(call),
        };
        if let Some(reply) = call.reply {
            let _ = reply.send(answer);
        }
        None
    }

    /// Handles a call that may wait (on another extension, or on the editor).
    pub(super) async fn handle_host_call(
        self: &Arc<Self>,
        generation: RuntimeGeneration,
        call: HostCall,
    ) {
        let from = call.from;
        // Time waiting on the host (the editor, the user, another extension) is not the caller's running
        // time: its call limits pause meanwhile.
        let _waiting = (!matches!(call.request, HostRequest::Crashed { .. }))
            .then(|| {
                let state = self.lock();
                let running = state.running.get(&from)?;
                Some(running.runtime.as_ref()?.host_waits().begin())
            })
            .flatten();
        let answer = match call.request {
            HostRequest::ExecuteCommand { command, arguments } => self
                .execute_command(&command, arguments)
                .await
                .map_err(|error| host_call_error(&error)),
            HostRequest::ActivateExtension { id } => self
                .activate(&id)
                .await
                .map_err(|error| host_call_error(&error)),
            HostRequest::CallExport {
                id,
                path,
                arguments,
            } => self.call_export(&id, path, arguments).await,
            HostRequest::Crashed { error } => {
                if Self::is_current(&self.lock(), &from, generation) {
                    self.fail(&from, error.to_string());
                } else {
                    // A runtime that was stopped or replaced: the extension's current one is fine.
                    tracing::debug!(%from, %generation, %error, "crash of a stale runtime ignored");
                }
                Ok(Value::Null)
            }
            HostRequest::EditorRequest { method, params } => {
                self.editor_request(&from, &method, params).await
            }
            request @ (HostRequest::GetSecret { .. } | HostRequest::SecretKeys) => {
                self.secret_call(&from, request).await
            }
            other => Err(HostCallError::failed(format!(
                "exthost: {other:?} is answered without waiting"
            ))),
        };
        if let Some(reply) = call.reply {
            let _ = reply.send(answer);
        }
    }

    pub(super) async fn call_export(
        self: &Arc<Self>,
        id: &str,
        path: Vec<String>,
        arguments: Vec<Value>,
    ) -> Result<Value, HostCallError> {
        self.activate(id)
            .await
            .map_err(|error| host_call_error(&error))?;
        let (runtime, limit) = {
            let state = self.lock();
            let runtime = state.running.get(id).and_then(|r| r.runtime.clone());
            let limit = state
                .registry
                .get(id)
                .and_then(|r| r.manifest.as_deref())
                .map(|m| self.config.limits_for(m).call_timeout)
                .unwrap_or(self.config.limits.call_timeout);
            (runtime, limit)
        };
        let runtime = runtime.ok_or_else(|| {
            HostCallError::not_found(format!("extension {id} has no code to call"))
        })?;
        let during = format!("exports.{} of {id}", path.join("."));
        match call_with_grace(
            &runtime,
            RuntimeRequest::CallExport { path, arguments },
            limit,
            &during,
        )
        .await
        {
            Ok(value) => Ok(value),
            Err(error) => {
                if error.is_fatal() {
                    self.fail_runtime(id, &runtime, error.to_string());
                }
                Err(runtime_call_error(&error))
            }
        }
    }

    /// `{id, extensionPath, isActive, packageJSON, exports}` for `extensions.getExtension`, or `null`.
    pub(super) fn describe(&self, id: &str) -> Value {
        let state = self.lock();
        let Some(record) = state.registry.get(id) else {
            return Value::Null;
        };
        let is_active = record.state == ExtensionState::Enabled;
        json!({
            "id": record.id,
            "extensionPath": record.path,
            "isActive": is_active,
            "packageJSON": record.manifest.as_ref().map_or(Value::Null, |m| m.raw.clone()),
            "exports": if is_active { state.running.get(id).map_or(Value::Null, |r| r.exports.clone()) } else { Value::Null },
        })
    }

    pub(super) fn log(&self, from: &str, level: LogLevel, message: &str) {
        // Rate-limited per extension: a flood costs neither the log nor the editor's stream.
        let Some(dropped) = self.editor.admit_log(from, message.len()) else {
            return;
        };
        if dropped > 0 {
            tracing::warn!(extension = %from, dropped, "log lines dropped: the extension logs too fast");
            self.editor.notify(
                to_proto::method::LOG_MESSAGE,
                to_proto::log_message(
                    to_proto::MessageType::WARNING,
                    format!(
                        "[{from}] exthost: {dropped} log lines dropped (more than {} lines or {} KB a second)",
                        crate::editor::LOG_LINES_PER_SECOND,
                        crate::editor::LOG_BYTES_PER_SECOND / 1024.0
                    ),
                ),
            );
        }
        let (kind, level_name) = match level {
            LogLevel::Error => {
                tracing::error!(extension = %from, "{message}");
                (to_proto::MessageType::ERROR, "error")
            }
            LogLevel::Warn => {
                tracing::warn!(extension = %from, "{message}");
                (to_proto::MessageType::WARNING, "warn")
            }
            LogLevel::Info => {
                tracing::info!(extension = %from, "{message}");
                (to_proto::MessageType::INFO, "info")
            }
            LogLevel::Debug => {
                tracing::debug!(extension = %from, "{message}");
                (to_proto::MessageType::LOG, "debug")
            }
        };
        self.editor.notify(
            to_proto::method::LOG_MESSAGE,
            to_proto::log_message(kind, format!("[{from}] {message}")),
        );
        let _ = self.events.send(ManagerEvent::Log(LogLine {
            extension: from.to_owned(),
            level: level_name.to_owned(),
            message: message.to_owned(),
            time_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |since| since.as_millis() as u64),
        }));
    }
}

/// The host-call error an extension sees for a lifecycle failure: what does not exist is `notFound`, an
/// extension that cannot run now `unavailable`, a broken time limit `timedOut`.
pub(super) fn host_call_error(error: &LifecycleError) -> HostCallError {
    let message = error.to_string();
    match error {
        LifecycleError::UnknownExtension { .. } | LifecycleError::CommandNotFound { .. } => {
            HostCallError::not_found(message)
        }
        LifecycleError::Disabled { .. }
        | LifecycleError::CommandDisabled { .. }
        | LifecycleError::Failed { .. } => HostCallError::unavailable(message),
        LifecycleError::Runtime { error, .. } => runtime_call_error(error),
        _ => HostCallError::failed(message),
    }
}

/// The host-call error an extension sees when a call into another extension's runtime failed.
pub(super) fn runtime_call_error(error: &RuntimeError) -> HostCallError {
    let message = error.to_string();
    match error {
        RuntimeError::TimeLimit { .. } => HostCallError::timed_out(message),
        RuntimeError::UnknownCommand { .. } => HostCallError::not_found(message),
        RuntimeError::Stopped | RuntimeError::EngineExited { .. } => {
            HostCallError::unavailable(message)
        }
        _ => HostCallError::failed(message),
    }
}

/// Serves one runtime's calls (all of `generation`) until the runtime has gone or the lifecycle is
/// dropped; each call that may wait runs as its own task so a slow one (an `executeCommand` into another
/// extension) blocks no other.
async fn serve_host_calls(
    lifecycle: std::sync::Weak<Lifecycle>,
    generation: RuntimeGeneration,
    mut calls: mpsc::UnboundedReceiver<HostCall>,
) {
    while let Some(call) = calls.recv().await {
        let Some(lifecycle) = lifecycle.upgrade() else {
            break;
        };
        if let Some(call) = lifecycle.handle_immediate(generation, call) {
            tokio::spawn(async move { lifecycle.handle_host_call(generation, call).await });
        }
    }
}
