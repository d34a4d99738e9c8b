//! The lifecycle: the one owner through which every extension is activated, enabled, disabled, reloaded
//! and failed, in dependency order, with each state change published to the editor.
//!
//! It owns the [`Registry`] (states), the dependency [`Resolution`], the running runtimes, the command
//! table and the [`SessionState`]. Locks are short and never held across an `await`; management operations
//! (enable, disable, reload, restart) are serialised by one async lock; activations of one extension are
//! shared, so concurrent triggers activate it once.
//!
//! This file keeps the struct, its state, the errors and the small helpers every part shares; the jobs
//! live in submodules: `catalog` (discovery, settings layers, dependency resolution, re-reading a
//! manifest), `catalog_refresh` (the catalog read again while running), `activation` (shared
//! activations, engine choice, activation events), `commands` (`executeCommand` routing), `management`
//! (enable, disable, reload, stop, restart), `host_calls` (what extensions ask of the host),
//! `language_features` (providers and diagnostics), `session_sync` (editor session → runtimes) and
//! `workspace` (trust and `workspaceContains:` folders).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use exthost_protocol::methods::{
    ErrorInfo, ExtensionInfo, ExtensionState, ExtensionStateChangedParams, ManagerEvent,
};
use futures::future::{BoxFuture, Shared};
use serde_json::Value;

mod activation;
mod catalog;
mod catalog_refresh;
mod commands;
mod dev_rollback;
mod engines;
mod gather;
mod host_calls;
mod language_features;
mod management;
mod persisted_state;
mod session_sync;
#[cfg(test)]
mod tests;
mod workspace;

pub use catalog::load_catalog;
use catalog::load_settings;
pub use engines::Engines;
use host_calls::CallLoop;

use crate::bridge::{DiagnosticsStore, Providers};
use crate::config::HostConfig;
use crate::editor::EditorHandle;
use crate::graph::Resolution;
use crate::manifest::Manifest;
use crate::registry::{Registry, StateChange};
use crate::runtime::{RuntimeError, RuntimeGeneration, RuntimeHandle, RuntimeRequest};
use crate::session::SessionState;
use crate::settings::Settings;
use crate::to_proto;

/// Extra time the host grants a runtime beyond its own limit before giving up on it from outside.
const OUTSIDE_GRACE: Duration = Duration::from_secs(2);

/// How often the host looks at a request still waiting in its runtime's queue, and at one whose extension
/// waits on the host (both move its deadline).
const QUEUE_LOOK: Duration = Duration::from_millis(100);

/// How many events a slow subscriber of [`Lifecycle::subscribe_events`] may fall behind before it skips.
const EVENT_BACKLOG: usize = 1024;

/// Why a lifecycle operation did not succeed; the server turns each into a JSON-RPC error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LifecycleError {
    /// No extension has that id.
    #[error("no extension with id {id}")]
    UnknownExtension {
        /// The id asked for.
        id: String,
    },
    /// The extension is failed (bad manifest, dependency problem, or a crash) and cannot do this.
    #[error("extension {id} failed: {message}")]
    Failed {
        /// The extension.
        id: String,
        /// Why it failed.
        message: String,
    },
    /// The extension is disabled.
    #[error("extension {id} is disabled")]
    Disabled {
        /// The extension.
        id: String,
    },
    /// Hot reload asked of an extension that does not support it.
    #[error(
        "extension {id} does not support hot reload (capabilities.supportsHotReload is false): restart the host to load its new code"
    )]
    ReloadNotSupported {
        /// The extension.
        id: String,
    },
    /// The extension declares `capabilities.supportsDisable: false`.
    #[error("extension {id} cannot be disabled (capabilities.supportsDisable is false)")]
    DisableNotSupported {
        /// The extension.
        id: String,
    },
    /// No extension registered or declares the command.
    #[error("command not found: {command}")]
    CommandNotFound {
        /// The command id.
        command: String,
    },
    /// The command belongs to a disabled extension.
    #[error("command {command} belongs to extension {id}, which is disabled")]
    CommandDisabled {
        /// The command id.
        command: String,
        /// Its extension.
        id: String,
    },
    /// The activation was cancelled: the host restarted while it was under way.
    #[error("the activation of extension {id} was cancelled: the host restarted")]
    Cancelled {
        /// The extension.
        id: String,
    },
    /// The extension's code failed in this call (it threw, or broke a limit).
    #[error("{error}")]
    Runtime {
        /// The extension.
        id: String,
        /// What happened.
        error: RuntimeError,
    },
}

/// A running extension.
struct Running {
    /// `None` for an extension without code (a VS Code extension that only contributes).
    runtime: Option<RuntimeHandle>,
    /// The (copied) value `activate` returned.
    exports: Value,
    /// The generation of `runtime` (`None` without one): only its host calls count as this extension's.
    generation: Option<RuntimeGeneration>,
}

type ActivationFuture = Shared<BoxFuture<'static, Result<Value, LifecycleError>>>;

/// An activation under way, shared by every trigger that waits for it.
struct Activation {
    future: ActivationFuture,
    /// Cancels it (`exthost/restartHost` replaces the registry it would write its result to).
    abort: futures::future::AbortHandle,
}

/// An activation that was asked for: already done, or under way.
pub(super) enum Begun {
    /// The extension is enabled; its exports.
    Ready(Value),
    /// The activation under way.
    Pending(ActivationFuture),
}

/// Everything behind the lifecycle's lock.
struct LifecycleState {
    registry: Registry,
    resolution: Resolution,
    running: HashMap<String, Running>,
    activations: HashMap<String, Activation>,
    /// command id → the extension that registered it.
    commands: BTreeMap<String, String>,
    /// Language feature providers extensions registered.
    providers: Providers,
    /// Diagnostics extensions published.
    diagnostics: DiagnosticsStore,
    /// Settings: contributed defaults and every layer of values.
    settings: Settings,
    session: SessionState,
}

/// The owner of every extension's lifecycle. Shared as `Arc<Lifecycle>`.
pub struct Lifecycle {
    config: HostConfig,
    /// The engines extensions run in (injected: the real ones, or a test's).
    engines: Engines,
    editor: EditorHandle,
    state: Mutex<LifecycleState>,
    /// Held while a setting is set and its file written: files are written in order, outside `state`.
    settings_writes: Mutex<()>,
    /// The generation the next launched runtime gets.
    next_generation: std::sync::atomic::AtomicU64,
    /// The call loop of every runtime whose calls may still arrive (see `host_calls`).
    call_loops: Mutex<Vec<CallLoop>>,
    management: tokio::sync::Mutex<()>,
    /// Cancellation token ids for provider calls.
    next_token: std::sync::atomic::AtomicU64,
    /// The last version of each `--dev` extension that activated (see `dev_rollback`).
    last_good: dev_rollback::LastGoodCopies,
    /// State changes, restarts and log lines, for the manager endpoint (besides the editor's notifications).
    events: tokio::sync::broadcast::Sender<ManagerEvent>,
    /// Extensions' persisted state (Mementos, secrets, storage folders); `None` without a home.
    extension_storage: Option<Arc<crate::extension_state::ExtensionStorage>>,
    /// The secrets each extension was last told of, and the watcher that finds another host's writes
    /// (see `persisted_state`).
    secrets_seen: persisted_state::SecretsSeen,
}

impl std::fmt::Debug for Lifecycle {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Lifecycle")
            .field("engines", &self.engines)
            .finish_non_exhaustive()
    }
}

impl Lifecycle {
    /// Creates the lifecycle: discovers extensions for the session; each runtime launched later has its
    /// calls to the host served by a loop of its own. Must be called inside a tokio runtime.
    pub fn start(
        config: HostConfig,
        engines: impl Into<Engines>,
        editor: EditorHandle,
        session: SessionState,
    ) -> Arc<Self> {
        let config = config.with_initialization(&session.initialization_options());
        let (registry, resolution) = load_catalog(&config, &session);
        let settings = load_settings(&config, &registry, &session);
        let extension_storage = persisted_state::storage_for_home(&editor);
        Arc::new(Self {
            config,
            engines: engines.into(),
            editor,
            settings_writes: Mutex::new(()),
            next_generation: std::sync::atomic::AtomicU64::new(1),
            call_loops: Mutex::new(Vec::new()),
            state: Mutex::new(LifecycleState {
                registry,
                resolution,
                running: HashMap::new(),
                activations: HashMap::new(),
                commands: BTreeMap::new(),
                providers: Providers::default(),
                diagnostics: DiagnosticsStore::default(),
                settings,
                session,
            }),
            management: tokio::sync::Mutex::new(()),
            next_token: std::sync::atomic::AtomicU64::new(1),
            last_good: Mutex::new(HashMap::new()),
            events: tokio::sync::broadcast::channel(EVENT_BACKLOG).0,
            extension_storage,
            secrets_seen: persisted_state::SecretsSeen::default(),
        })
    }

    fn lock(&self) -> StateGuard<'_> {
        let guard = self
            .state
            .lock()
            .expect("invariant: the lifecycle lock is never poisoned (no panics while held)");
        #[cfg(test)]
        lock_discipline::HELD.with(|held| held.set(held.get() + 1));
        StateGuard(guard)
    }

    /// The connection to the editor, for what is told to it outside a request (warnings, logs).
    pub fn editor(&self) -> &EditorHandle {
        &self.editor
    }

    /// Every later state change, host restart and extension log line (what the editor is told, as events).
    pub fn subscribe_events(&self) -> tokio::sync::broadcast::Receiver<ManagerEvent> {
        self.events.subscribe()
    }

    /// Reads the session state (for replay and for the server's document handling).
    pub fn with_session<T>(&self, read: impl FnOnce(&mut SessionState) -> T) -> T {
        read(&mut self.lock().session)
    }

    /// Every extension, shadowed ones included.
    pub fn list(&self) -> Vec<ExtensionInfo> {
        let state = self.lock();
        let mut infos = state.registry.infos();
        for info in &mut infos {
            if info.engine.is_none()
                && let Some(manifest) = state
                    .registry
                    .get(&info.id)
                    .and_then(|r| r.manifest.clone())
                && manifest.is_js()
            {
                info.engine = Some(self.js_engine_for(&manifest).name().to_owned());
            }
        }
        infos
    }

    /// The ids of commands contributed by extensions that can run (for `executeCommandProvider`).
    pub fn contributed_commands(&self) -> Vec<String> {
        let state = self.lock();
        let mut commands: Vec<String> = state
            .registry
            .ids()
            .filter_map(|id| state.registry.get(id))
            .filter(|record| record.state != ExtensionState::Failed)
            .filter_map(|record| record.manifest.as_ref())
            .flat_map(|manifest| {
                manifest
                    .contributes
                    .commands
                    .iter()
                    .map(|c| c.command.clone())
            })
            .collect();
        commands.sort();
        commands.dedup();
        commands
    }

    /// Applies a registry transition and publishes it.
    fn transition(
        &self,
        state: &mut LifecycleState,
        id: &str,
        to: ExtensionState,
        error: Option<String>,
    ) {
        match state.registry.transition(id, to, error) {
            Ok(Some(change)) => self.publish(&change),
            Ok(None) => {}
            Err(refused) => tracing::error!(%refused, "lifecycle bug: transition refused"),
        }
    }

    fn publish(&self, change: &StateChange) {
        tracing::info!(id = %change.id, state = %change.state, error = ?change.error, "extension state changed");
        let params = ExtensionStateChangedParams {
            id: change.id.clone(),
            state: change.state,
            error: change.error.clone().map(|message| ErrorInfo { message }),
            restart_required: change.restart_required,
        };
        self.editor.notify(
            "exthost/extensionStateChanged",
            serde_json::to_value(&params).expect("invariant: params serialise"),
        );
        let _ = self
            .events
            .send(ManagerEvent::ExtensionStateChanged(params));
    }

    /// Whether `generation` is the generation of `id`'s current runtime (calls from any other are stale).
    fn is_current(state: &LifecycleState, id: &str, generation: RuntimeGeneration) -> bool {
        state
            .running
            .get(id)
            .is_some_and(|running| running.generation == Some(generation))
    }

    /// Marks `id` failed, stops its runtime and forgets what it registered; tells the editor.
    fn fail(&self, id: &str, message: String) {
        self.fail_checked(id, None, message);
    }

    /// Fails `id` for a fatal error of a call made on `runtime` — unless that runtime is no longer the
    /// extension's current one (reloaded, restarted or stopped while the call ran): a replaced runtime's
    /// late failure changes nothing, as its late crash does not.
    fn fail_runtime(&self, id: &str, runtime: &RuntimeHandle, message: String) {
        self.fail_checked(id, Some(runtime), message);
    }

    fn fail_checked(&self, id: &str, only_if_current: Option<&RuntimeHandle>, message: String) {
        let runtime = {
            let mut state = self.lock();
            if let Some(caller) = only_if_current {
                let current = state
                    .running
                    .get(id)
                    .and_then(|running| running.runtime.as_ref())
                    .is_some_and(|current| current.is_same_runtime(caller));
                if !current {
                    tracing::debug!(extension = %id, %message, "failure of a replaced runtime ignored");
                    return;
                }
            }
            let running = state.running.remove(id);
            self.forget_registrations(&mut state, id);
            self.transition(
                &mut state,
                id,
                ExtensionState::Failed,
                Some(message.clone()),
            );
            running
        };
        drop(runtime);
        self.editor.notify(
            to_proto::method::SHOW_MESSAGE,
            to_proto::show_message(
                to_proto::MessageType::ERROR,
                format!("Extension {id} failed: {message}"),
            ),
        );
    }

    fn manifest(&self, id: &str) -> Result<Arc<Manifest>, LifecycleError> {
        let state = self.lock();
        let record = state
            .registry
            .get(id)
            .ok_or_else(|| LifecycleError::UnknownExtension { id: id.to_owned() })?;
        record
            .manifest
            .clone()
            .ok_or_else(|| LifecycleError::Failed {
                id: id.to_owned(),
                message: record.error.clone().unwrap_or_default(),
            })
    }
}

/// The lifecycle's lock, held: never across an `await`, and never around disk I/O (see
/// [`disk_access`]).
struct StateGuard<'a>(MutexGuard<'a, LifecycleState>);

impl std::ops::Deref for StateGuard<'_> {
    type Target = LifecycleState;

    fn deref(&self) -> &LifecycleState {
        &self.0
    }
}

impl std::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut LifecycleState {
        &mut self.0
    }
}

#[cfg(test)]
impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        lock_discipline::HELD.with(|held| held.set(held.get() - 1));
    }
}

/// Marks a disk read or write the lifecycle makes (`what`): it must not happen under the lifecycle's
/// lock, which every request and host call takes. Tests record each one made under it.
fn disk_access(what: &'static str) {
    #[cfg(test)]
    if lock_discipline::HELD.with(std::cell::Cell::get) > 0 {
        lock_discipline::UNDER_LOCK.with(|seen| seen.borrow_mut().push(what));
    }
    #[cfg(not(test))]
    let _ = what;
}

/// Sends `request` and waits at most the runtime's own limit plus a grace period: a runtime that does not
/// answer by then (its thread is wedged) is treated as having broken the limit.
///
/// The limit counts from when the request starts, not from when it is sent: while it waits in the
/// runtime's queue behind requests the runtime is working through (a burst of change events for a slow
/// listener, each within its own limit), the clock starts again at each look ([`QUEUE_LOOK`]). A runtime
/// that takes nothing from its queue for the limit plus the grace is wedged, and the request fails.
async fn call_with_grace(
    runtime: &RuntimeHandle,
    request: RuntimeRequest,
    limit: Duration,
    during: &str,
) -> Result<Value, RuntimeError> {
    // The time the extension spends waiting on the host does not count (see `HostWaitClock`).
    let clock = Arc::clone(runtime.host_waits());
    let waited_before = clock.total();
    let (ticket, answer) = runtime.call_queued(request);
    tokio::pin!(answer);
    // When the request last counted as starting: its sending, then each look that found it still queued
    // while the runtime took others.
    let mut started = tokio::time::Instant::now();
    let mut taken = runtime.requests_taken();
    loop {
        let waited = clock.total().saturating_sub(waited_before);
        let limit_ends = started + limit + OUTSIDE_GRACE + waited;
        let queued = !runtime.has_started(ticket);
        let now = tokio::time::Instant::now();
        let mut deadline = limit_ends;
        if queued {
            deadline = deadline.min(now + QUEUE_LOOK);
        }
        if clock.waiting() {
            // The deadline moves while the wait lasts: look again now and then, not in a tight loop.
            deadline = deadline.max(now + QUEUE_LOOK);
        }
        if let Ok(answer) = tokio::time::timeout_at(deadline, &mut answer).await {
            return answer;
        }
        let now_taken = runtime.requests_taken();
        if queued && now_taken != taken {
            // The runtime worked through its queue meanwhile: that wait was not this request's.
            taken = now_taken;
            started = tokio::time::Instant::now();
            continue;
        }
        // Waiting on the host meanwhile moved the deadline, or this was only a look: wait on.
        if clock.waiting()
            || clock.total().saturating_sub(waited_before) > waited
            || tokio::time::Instant::now() < limit_ends
        {
            continue;
        }
        return Err(RuntimeError::TimeLimit {
            limit,
            during: during.to_owned(),
        });
    }
}

/// The lock discipline as tests see it: the lifecycle locks this thread holds, and the disk accesses it
/// made while holding one (a `StateGuard` cannot leave its thread, so per thread is exact).
#[cfg(test)]
mod lock_discipline {
    thread_local! {
        /// How many lifecycle locks this thread holds.
        pub static HELD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
        /// The disk accesses made under the lock.
        pub static UNDER_LOCK: std::cell::RefCell<Vec<&'static str>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
}
