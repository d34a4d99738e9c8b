//! Commands: routing `executeCommand` to the extension that registered the command, activating it on
//! `onCommand:` first.

use std::sync::Arc;

use exthost_protocol::methods::ExtensionState;
use serde_json::Value;

use super::{Lifecycle, LifecycleError, call_with_grace};
use crate::manifest::ActivationEvent;
use crate::runtime::RuntimeRequest;

impl Lifecycle {
    /// Runs a command: routes it to the extension that registered it, activating the extensions that
    /// declare `onCommand:<command>` first when nobody has registered it yet.
    pub async fn execute_command(
        self: &Arc<Self>,
        command: &str,
        arguments: Vec<Value>,
    ) -> Result<Value, LifecycleError> {
        if let Some(method) = builtin_provider_command(command) {
            return Ok(self.provide_for_command(method, &arguments).await);
        }
        let mut activation_failure = None;
        if self.command_owner(command).is_none() {
            let outcomes = self
                .fire_with_outcomes(&format!("onCommand:{command}"))
                .await;
            activation_failure = outcomes.into_iter().find_map(|(_, outcome)| outcome.err());
        }
        let Some(owner) = self.command_owner(command) else {
            // The extension meant to provide it failed to activate: that is the answer.
            return Err(activation_failure.unwrap_or_else(|| self.missing_command_error(command)));
        };
        let (runtime, limit) = {
            let state = self.lock();
            let runtime = state.running.get(&owner).and_then(|r| r.runtime.clone());
            let limit = state
                .registry
                .get(&owner)
                .and_then(|r| r.manifest.as_deref())
                .map(|m| self.config.limits_for(m).call_timeout)
                .unwrap_or(self.config.limits.call_timeout);
            (runtime, limit)
        };
        let Some(runtime) = runtime else {
            return Err(self.missing_command_error(command));
        };
        let request = RuntimeRequest::ExecuteCommand {
            command: command.to_owned(),
            arguments,
        };
        let during = format!("command {command}");
        match call_with_grace(&runtime, request, limit, &during).await {
            Ok(value) => Ok(value),
            Err(error) => {
                if error.is_fatal() {
                    self.fail_runtime(&owner, &runtime, error.to_string());
                }
                Err(LifecycleError::Runtime { id: owner, error })
            }
        }
    }

    pub(super) fn command_owner(&self, command: &str) -> Option<String> {
        self.lock().commands.get(command).cloned()
    }

    pub(super) fn missing_command_error(&self, command: &str) -> LifecycleError {
        let state = self.lock();
        let declaring = state
            .registry
            .ids()
            .filter_map(|id| state.registry.get(id))
            .find(|record| {
                matches!(
                    record.state,
                    ExtensionState::Disabled | ExtensionState::Failed
                ) && record.manifest.as_ref().is_some_and(|m| {
                    m.contributes.commands.iter().any(|c| c.command == command)
                        || m.activation_events
                            .iter()
                            .any(|e| *e == ActivationEvent::OnCommand(command.to_owned()))
                })
            });
        match declaring {
            Some(record) if record.state == ExtensionState::Disabled => {
                LifecycleError::CommandDisabled {
                    command: command.to_owned(),
                    id: record.id.clone(),
                }
            }
            Some(record) => LifecycleError::Failed {
                id: record.id.clone(),
                message: record.error.clone().unwrap_or_default(),
            },
            None => LifecycleError::CommandNotFound {
                command: command.to_owned(),
            },
        }
    }
}

/// VS Code's built-in commands that run the providers of a language feature (`vscode.execute*Provider`),
/// with the LSP method each maps to.
const BUILTIN_PROVIDER_COMMANDS: &[(&str, &str)] = &[
    ("vscode.executeHoverProvider", "textDocument/hover"),
    (
        "vscode.executeDefinitionProvider",
        "textDocument/definition",
    ),
    ("vscode.executeReferenceProvider", "textDocument/references"),
    (
        "vscode.executeDocumentSymbolProvider",
        "textDocument/documentSymbol",
    ),
    (
        "vscode.executeCompletionItemProvider",
        "textDocument/completion",
    ),
];

fn builtin_provider_command(command: &str) -> Option<&'static str> {
    BUILTIN_PROVIDER_COMMANDS
        .iter()
        .find(|(name, _)| *name == command)
        .map(|(_, method)| *method)
}
