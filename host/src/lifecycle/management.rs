//! Management: enable, disable, reload, stop and the in-process restart, serialised by one async lock.

use std::collections::HashMap;
use std::sync::Arc;

use exthost_protocol::methods::{ExtensionState, HostRestartedParams, ManagerEvent};
use serde_json::json;

use super::catalog::{load_catalog, load_settings};
use super::{Lifecycle, LifecycleError, LifecycleState, call_with_grace};
use crate::manifest::Manifest;
use crate::runtime::{HostCall, HostRequest, RuntimeRequest};

impl Lifecycle {
    /// `exthost/enable`: enables `id` and, first, every dependency that is not enabled. Answers the ids
    /// that changed state, dependencies first.
    pub async fn enable(self: &Arc<Self>, id: &str) -> Result<Vec<String>, LifecycleError> {
        let _one_at_a_time = self.management.lock().await;
        let chain = self.dependency_chain(id)?;
        let mut changed = Vec::new();
        for member in chain {
            let before = {
                let mut state = self.lock();
                state.session.record_enabled(&member);
                state.registry.state(&member).ok()
            };
            let outcome = self.activate_with(&member, true).await;
            if before != self.lock().registry.state(&member).ok() {
                changed.push(member.clone());
            }
            outcome?;
        }
        Ok(changed)
    }

    /// Whether a failed extension may be retried: only when its failure came from running it, not from
    /// its manifest or dependencies (those need the files fixed and a restart).
    pub(super) fn can_retry(&self, state: &LifecycleState, id: &str) -> bool {
        state
            .registry
            .get(id)
            .is_some_and(|record| record.manifest.is_some())
            && !state.resolution.problems.contains_key(id)
    }

    /// `id`'s transitive dependencies in dependency order, then `id`.
    pub(super) fn dependency_chain(&self, id: &str) -> Result<Vec<String>, LifecycleError> {
        let state = self.lock();
        let record = state
            .registry
            .get(id)
            .ok_or_else(|| LifecycleError::UnknownExtension { id: id.to_owned() })?;
        if let Some(problem) = state.resolution.problems.get(id) {
            return Err(LifecycleError::Failed {
                id: id.to_owned(),
                message: problem.to_string(),
            });
        }
        if record.manifest.is_none() {
            return Err(LifecycleError::Failed {
                id: id.to_owned(),
                message: record.error.clone().unwrap_or_default(),
            });
        }
        let mut needed = vec![id.to_owned()];
        let mut index = 0;
        while index < needed.len() {
            let dependencies: Vec<String> = state
                .registry
                .get(&needed[index])
                .and_then(|r| r.manifest.as_ref())
                .map(|m| m.dependency_ids().map(str::to_owned).collect())
                .unwrap_or_default();
            for dependency in dependencies {
                if !needed.contains(&dependency) {
                    needed.push(dependency);
                }
            }
            index += 1;
        }
        Ok(state
            .resolution
            .order
            .iter()
            .filter(|candidate| needed.contains(candidate))
            .cloned()
            .collect())
    }

    /// `exthost/disable`: disables every extension that depends on `id` (dependents first), then `id`.
    /// Running ones are deactivated and everything they registered is removed. Answers the ids that
    /// changed state, in that order.
    pub async fn disable(self: &Arc<Self>, id: &str) -> Result<Vec<String>, LifecycleError> {
        let _one_at_a_time = self.management.lock().await;
        let manifest = self.manifest(id);
        if let Ok(manifest) = &manifest
            && !manifest.capabilities.supports_disable
        {
            return Err(LifecycleError::DisableNotSupported { id: id.to_owned() });
        }
        let mut order = {
            let state = self.lock();
            state
                .registry
                .state(id)
                .map_err(|_| LifecycleError::UnknownExtension { id: id.to_owned() })?;
            state.resolution.transitive_dependents(id)
        };
        order.push(id.to_owned());
        self.lock().session.record_disabled(id);
        let mut changed = Vec::new();
        for member in order {
            if self.stop(&member, ExtensionState::Disabled).await {
                changed.push(member);
            }
        }
        Ok(changed)
    }

    /// Stops one extension and moves it to `to` (`disabled` or `unloaded`): waits for an activation in
    /// progress, deactivates it, drops its runtime and its commands. Answers whether its state changed.
    pub(super) async fn stop(self: &Arc<Self>, id: &str, to: ExtensionState) -> bool {
        let in_progress = self
            .lock()
            .activations
            .get(id)
            .map(|activation| activation.future.clone());
        if let Some(activation) = in_progress {
            let _ = activation.await;
        }
        let (running, limit) = {
            let mut state = self.lock();
            let before = state.registry.state(id).ok();
            // Error recovery: an extension whose code failed may be disabled (so nothing retries it);
            // one whose manifest or dependencies are broken stays failed.
            let recoverable = before == Some(ExtensionState::Failed)
                && to == ExtensionState::Disabled
                && self.can_retry(&state, id);
            if (matches!(before, Some(ExtensionState::Failed) | None) && !recoverable)
                || before == Some(to)
            {
                return false;
            }
            let limit = state
                .registry
                .get(id)
                .and_then(|r| r.manifest.as_deref())
                .map(|m| self.config.limits_for(m).deactivate_timeout)
                .unwrap_or(self.config.limits.deactivate_timeout);
            (state.running.remove(id), limit)
        };
        if let Some(runtime) = running.and_then(|r| r.runtime)
            && let Err(error) =
                call_with_grace(&runtime, RuntimeRequest::Deactivate, limit, "deactivate").await
        {
            tracing::warn!(%id, %error, "deactivate failed; the extension is stopped anyway");
        }
        let mut state = self.lock();
        self.forget_registrations(&mut state, id);
        let before = state.registry.state(id).ok();
        if to == ExtensionState::Disabled && before == Some(ExtensionState::Unloaded) {
            self.transition(&mut state, id, ExtensionState::Disabled, None);
        } else {
            self.transition(&mut state, id, to, None);
        }
        true
    }

    /// `exthost/reload`: for a `supportsHotReload` extension, stops it and its enabled dependents, re-reads
    /// its manifest and code from disk and activates them again in dependency order.
    pub async fn reload(self: &Arc<Self>, id: &str) -> Result<Vec<String>, LifecycleError> {
        let manifest = self.manifest(id)?;
        if !manifest.capabilities.supports_hot_reload {
            return Err(LifecycleError::ReloadNotSupported { id: id.to_owned() });
        }
        self.reload_from_disk(id).await
    }

    /// Reloads `id` from disk whatever its capabilities (development mode, `--dev`): a running extension
    /// (or one that failed while running) is stopped with its enabled dependents, its manifest and code are
    /// re-read, and they are activated again in dependency order; one that never ran only has its manifest
    /// re-read. Answers the ids activated again. When the new version of a `--dev` extension fails to
    /// load or activate, the last version that activated is activated again from its copy (rollback, see
    /// `dev_rollback`), the editor gets a `window/showMessage`, and the answer is the error.
    pub async fn reload_from_disk(
        self: &Arc<Self>,
        id: &str,
    ) -> Result<Vec<String>, LifecycleError> {
        let _one_at_a_time = self.management.lock().await;
        let (was_running, dependents) = {
            let state = self.lock();
            let current = state
                .registry
                .state(id)
                .map_err(|_| LifecycleError::UnknownExtension { id: id.to_owned() })?;
            let was_running = matches!(current, ExtensionState::Enabled | ExtensionState::Loaded)
                || (current == ExtensionState::Failed && self.can_retry(&state, id));
            let dependents: Vec<String> = state
                .resolution
                .transitive_dependents(id)
                .into_iter()
                .filter(|d| state.registry.state(d).ok() == Some(ExtensionState::Enabled))
                .collect();
            (was_running, dependents)
        };
        for member in dependents.iter().chain(std::iter::once(&id.to_owned())) {
            if matches!(
                self.lock().registry.state(member).ok(),
                Some(ExtensionState::Enabled | ExtensionState::Loaded)
            ) {
                self.stop(member, ExtensionState::Unloaded).await;
            }
        }
        let reread = self.reread_manifest(id);
        if !was_running {
            return reread.map(|()| Vec::new());
        }
        let activated = match reread {
            Ok(()) => self.activate_with(id, true).await.map(|_| ()),
            Err(error) => Err(error),
        };
        if let Err(error) = activated {
            // Development mode: the last version that worked comes back (see `dev_rollback`).
            let outcome = self.roll_back(id, error).await;
            for dependent in dependents.iter().rev() {
                let _ = self.activate(dependent).await;
            }
            return outcome.map(|()| Vec::new());
        }
        let mut reloaded = Vec::new();
        reloaded.push(id.to_owned());
        for dependent in dependents.iter().rev() {
            if self.activate(dependent).await.is_ok() {
                reloaded.push(dependent.clone());
            }
        }
        Ok(reloaded)
    }

    /// Stops every running extension (dependents first) — on shutdown and before a restart. Extensions
    /// stop concurrently in waves: one stops once every running extension that depends on it has.
    pub async fn stop_all(self: &Arc<Self>) {
        let waves: Vec<Vec<String>> = {
            let state = self.lock();
            // Dependents first, so an extension's wave is known before its dependencies are visited.
            let order: Vec<&String> = state
                .resolution
                .order
                .iter()
                .rev()
                .filter(|id| state.running.contains_key(*id))
                .collect();
            let mut wave_of: HashMap<&str, usize> = HashMap::new();
            let mut waves: Vec<Vec<String>> = Vec::new();
            for id in order {
                let wave = wave_of.get(id.as_str()).copied().unwrap_or(0);
                if waves.len() <= wave {
                    waves.resize_with(wave + 1, Vec::new);
                }
                waves[wave].push(id.clone());
                let manifest = state.registry.get(id).and_then(|r| r.manifest.as_deref());
                for dependency in manifest.into_iter().flat_map(Manifest::dependency_ids) {
                    let later = wave_of.entry(dependency).or_insert(0);
                    *later = (*later).max(wave + 1);
                }
            }
            waves
        };
        for wave in waves {
            futures::future::join_all(
                wave.iter()
                    .map(|id| self.stop(id, ExtensionState::Unloaded)),
            )
            .await;
        }
        self.drain_host_calls().await;
    }

    /// Waits until every call extensions sent before now has been handled (a `console.log` or a setting
    /// written just before `deactivate` returned travels on the call channel, not with the answer): a
    /// marker sent down each runtime's channel is answered in arrival order, after them; the loop of a
    /// runtime that has gone is awaited to its end.
    pub(super) async fn drain_host_calls(&self) {
        let loops = std::mem::take(&mut *self.call_loops());
        let mut markers = Vec::new();
        let mut ending = Vec::new();
        let mut kept = Vec::new();
        for call_loop in loops {
            match call_loop.sender.upgrade() {
                Some(sender) => {
                    let (reply, answered) = tokio::sync::oneshot::channel();
                    let marker = HostCall {
                        from: String::new(),
                        request: HostRequest::GetCommands,
                        reply: Some(reply),
                    };
                    if sender.send(marker).is_ok() {
                        markers.push(answered);
                    }
                    kept.push(call_loop);
                }
                None => ending.push(call_loop.task),
            }
        }
        let drained = async {
            futures::future::join_all(markers).await;
            futures::future::join_all(ending).await;
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), drained).await;
        self.call_loops().extend(kept);
    }

    /// Under a supervisor, asks it to replace this worker ([`crate::supervisor::RESTART_WORKER_METHOD`]:
    /// a new worker, the session replayed, then `exthost/hostRestarted {reason, detail?}`), handing it the
    /// session's enable/disable choices; answers whether it asked (false: no supervisor, restart in
    /// process with [`Lifecycle::restart`]).
    pub fn ask_supervisor_to_restart(&self, reason: &str, detail: Option<String>) -> bool {
        if !crate::supervisor::is_supervised() {
            return false;
        }
        let (enabled, disabled) = {
            let state = self.lock();
            (
                state.session.enabled.clone(),
                state.session.disabled.clone(),
            )
        };
        let mut params = json!({"reason": reason, "enabled": enabled, "disabled": disabled});
        if let Some(detail) = detail {
            params["detail"] = json!(detail);
        }
        tracing::info!(%reason, "asking the supervisor for a new worker");
        self.editor
            .notify(crate::supervisor::RESTART_WORKER_METHOD, params);
        true
    }

    /// `exthost/restartHost`, in process: stops every extension, discovers again from disk, replays the
    /// session (explicit disables stay disabled) and enables again every extension that was enabled.
    /// Tells the editor with `exthost/hostRestarted`. Answers the ids enabled again.
    pub async fn restart(self: &Arc<Self>, reason: &str) -> Vec<String> {
        let _one_at_a_time = self.management.lock().await;
        let was_enabled: Vec<String> = {
            let state = self.lock();
            state
                .resolution
                .order
                .iter()
                .filter(|id| state.registry.state(id).ok() == Some(ExtensionState::Enabled))
                .cloned()
                .collect()
        };
        self.stop_all().await;
        // Discovery reads the disk: do it before taking the lock.
        let session = self.lock().session.clone();
        let (registry, resolution) = load_catalog(&self.config, &session);
        let settings = load_settings(&self.config, &registry, &session);
        {
            let mut state = self.lock();
            state.settings = settings;
            state.registry = registry;
            state.resolution = resolution;
            state.running.clear();
            state.commands.clear();
            // Activations still under way (waiting on a dependency, or begun since the stop) belong to
            // the registry just replaced: cancelled, they write nothing into the new one.
            for (id, activation) in state.activations.drain() {
                tracing::debug!(%id, "activation cancelled by the restart");
                activation.abort.abort();
            }
            let disabled: Vec<String> = state.session.disabled.iter().cloned().collect();
            for id in disabled {
                if state.registry.state(&id).ok() == Some(ExtensionState::Discovered) {
                    self.transition(&mut state, &id, ExtensionState::Disabled, None);
                }
            }
        }
        // Concurrently: each activation waits for its own dependencies.
        let outcomes =
            futures::future::join_all(was_enabled.iter().map(|id| self.activate(id))).await;
        let mut enabled = Vec::new();
        for (id, outcome) in was_enabled.into_iter().zip(outcomes) {
            match outcome {
                Ok(_) => enabled.push(id),
                Err(error) => tracing::warn!(%id, %error, "not enabled again after restart"),
            }
        }
        self.editor
            .notify("exthost/hostRestarted", json!({"reason": reason}));
        let _ = self
            .events
            .send(ManagerEvent::HostRestarted(HostRestartedParams {
                reason: reason.to_owned(),
                detail: None,
            }));
        enabled
    }
}
