//! The lifecycle: the one owner through which every extension is activated, enabled, disabled, reloaded
//! and failed, in dependency order, with each state change published to the editor.
//!
//! It owns the [`Registry`] (states), the dependency [`Resolution`], the running runtimes, the command
//! table and the [`SessionState`]. Locks are short and never held across an `await`; management operations
//! (enable, disable, reload, restart) are serialised by one async lock; activations of one extension are
//! shared, so concurrent triggers activate it once.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use exthost_protocol::methods::{
    ErrorInfo, ExtensionInfo, ExtensionSource, ExtensionState, ExtensionStateChangedParams,
    HostRestartedParams, LogLine, ManagerEvent,
};
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use serde_json::{Value, json};
use tokio::sync::mpsc;

mod catalog_refresh;
mod language_features;
mod session_sync;

use crate::bridge::{DiagnosticsStore, Providers};
use crate::config::{HostConfig, home_dir, manifest_context};
use crate::discovery;
use crate::editor::EditorHandle;
use crate::graph::{self, GraphNode, Resolution};
use crate::manifest::{ActivationEvent, Manifest};
use crate::manifest::{JsEngine, ManifestKind};
use crate::registry::{ExtensionRecord, Registry, StateChange};
use crate::runtime::deno::DenoEngine;
use crate::runtime::native::NativeEngine;
use crate::runtime::{
    Engine, HostCall, HostRequest, HostSender, LaunchSpec, LogLevel, RuntimeError, RuntimeHandle,
    RuntimeRequest,
};
use crate::session::SessionState;
use crate::settings::Settings;

/// Extra time the host grants a runtime beyond its own limit before giving up on it from outside.
const OUTSIDE_GRACE: Duration = Duration::from_secs(2);

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
}

type ActivationFuture = Shared<BoxFuture<'static, Result<Value, LifecycleError>>>;

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
    activations: HashMap<String, ActivationFuture>,
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
    /// The engine for JavaScript extensions.
    engine: Arc<dyn Engine>,
    /// The engine for native (Rust cdylib) extensions.
    native: NativeEngine,
    /// The Deno engine (for extensions that ask for it, and VS Code extensions when Deno is available).
    deno: DenoEngine,
    editor: EditorHandle,
    host_calls: HostSender,
    state: Mutex<LifecycleState>,
    management: tokio::sync::Mutex<()>,
    /// Cancellation token ids for provider calls.
    next_token: std::sync::atomic::AtomicU64,
    /// The watcher of `--dev` folders, kept alive as long as the lifecycle.
    dev_watcher: Mutex<Option<crate::dev_watch::DevWatcher>>,
    /// State changes, restarts and log lines, for the manager endpoint (besides the editor's notifications).
    events: tokio::sync::broadcast::Sender<ManagerEvent>,
}

impl std::fmt::Debug for Lifecycle {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Lifecycle")
            .field("engine", &self.engine.name())
            .finish_non_exhaustive()
    }
}

/// Discovers the extensions for `config` (with `initializationOptions` merged in) and `session`, resolves their dependencies and returns the
/// registry with every problem already recorded as a `failed` state.
pub fn load_catalog(config: &HostConfig, session: &SessionState) -> (Registry, Resolution) {
    let roots = config.discovery_roots(&session.workspace_folders());
    let mut records = discovery::discover(&roots, &manifest_context());
    let resolution = resolve_records(&mut records);
    quarantine_records(&mut records);
    // Contract §12: a workspace's own extensions wait until the user trusts the folder.
    if let Some(folder) = untrusted_workspace(&roots) {
        tracing::info!(folder = %folder.display(), "workspace not trusted: its extensions stay disabled");
        for record in &mut records {
            if record.source == ExtensionSource::Project && record.state != ExtensionState::Failed {
                record.state = ExtensionState::Disabled;
                record.error = Some(crate::trust::NOT_TRUSTED.to_owned());
            }
        }
    }
    (Registry::new(records), resolution)
}

/// Marks the extensions the supervisor quarantined (found running at two crashes) as failed, so they are
/// not loaded; `exthost/enable` lifts the quarantine (the supervisor removes it from the store first).
fn quarantine_records(records: &mut [ExtensionRecord]) {
    let Some(store) = crate::state_store::StateStore::for_home() else {
        return;
    };
    let (quarantined, _) = store.quarantined();
    for record in records
        .iter_mut()
        .filter(|record| record.is_active_candidate() && quarantined.contains(&record.id))
    {
        record.state = ExtensionState::Failed;
        record.error = Some(crate::state_store::QUARANTINE_MESSAGE.to_owned());
    }
}

/// The workspace folder whose `.exthost/extensions` discovery reads, when it is not trusted.
fn untrusted_workspace(roots: &discovery::DiscoveryRoots) -> Option<PathBuf> {
    let folder = roots.project.as_deref()?.parent()?.parent()?.to_path_buf();
    (!crate::trust::is_trusted(&folder)).then_some(folder)
}

/// The settings layers for the extensions that can run, the user and workspace files, and what the editor
/// sent so far.
fn load_settings(config: &HostConfig, registry: &Registry, session: &SessionState) -> Settings {
    let manifests: Vec<Arc<Manifest>> = registry
        .ids()
        .filter_map(|id| registry.get(id))
        .filter(|record| record.state != ExtensionState::Failed)
        .filter_map(|record| record.manifest.clone())
        .collect();
    let workspace = config
        .workspace
        .clone()
        .or_else(|| session.workspace_folders().into_iter().next());
    let mut settings = Settings::load(
        manifests.iter().map(|m| m.as_ref()),
        home_dir().map(|home| home.join("settings.json")),
        workspace.map(|folder| folder.join(".exthost").join("settings.json")),
    );
    for (section, value) in &session.editor_settings {
        settings.merge_editor(section, value);
    }
    if untrusted_workspace(&config.discovery_roots(&session.workspace_folders())).is_some() {
        // Settings that grant or trust are the user's to give, never an untrusted folder's.
        settings.restrict_workspace(&["permissions", crate::trust::TRUSTED_FOLDERS_SETTING]);
    }
    settings
}

/// Runs the dependency graph over the unshadowed records and marks the ones it rejects as failed.
fn resolve_records(records: &mut [ExtensionRecord]) -> Resolution {
    let nodes: Vec<GraphNode> = records
        .iter()
        .filter(|record| record.is_active_candidate())
        .map(|record| GraphNode {
            id: record.id.clone(),
            version: record.manifest.as_ref().map(|m| m.version.clone()),
            dependencies: record
                .manifest
                .as_ref()
                .map(|m| m.dependencies.clone())
                .unwrap_or_default(),
            failed: record.state == ExtensionState::Failed,
        })
        .collect();
    let resolution = graph::resolve(&nodes);
    for record in records.iter_mut().filter(|r| r.is_active_candidate()) {
        if let Some(problem) = resolution.problems.get(&record.id) {
            record.state = ExtensionState::Failed;
            record.error = Some(problem.to_string());
        }
    }
    resolution
}

impl Lifecycle {
    /// Creates the lifecycle: discovers extensions for the session and starts serving extensions' calls
    /// to the host. Must be called inside a tokio runtime.
    pub fn start(
        config: HostConfig,
        engine: Arc<dyn Engine>,
        editor: EditorHandle,
        session: SessionState,
    ) -> Arc<Self> {
        let config = config.with_initialization(&session.initialization_options());
        let (registry, resolution) = load_catalog(&config, &session);
        let settings = load_settings(&config, &registry, &session);
        let (host_calls, calls) = mpsc::unbounded_channel();
        let lifecycle = Arc::new(Self {
            config,
            engine,
            native: NativeEngine::new(),
            deno: DenoEngine::new(),
            editor,
            host_calls,
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
            dev_watcher: Mutex::new(None),
            events: tokio::sync::broadcast::channel(EVENT_BACKLOG).0,
        });
        tokio::spawn(serve_host_calls(Arc::downgrade(&lifecycle), calls));
        lifecycle
    }

    fn lock(&self) -> MutexGuard<'_, LifecycleState> {
        self.state
            .lock()
            .expect("invariant: the lifecycle lock is never poisoned (no panics while held)")
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

    /// Marks `id` failed, stops its runtime and forgets what it registered; tells the editor.
    fn fail(&self, id: &str, message: String) {
        let runtime = {
            let mut state = self.lock();
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
            "window/showMessage",
            json!({"type": 1, "message": format!("Extension {id} failed: {message}")}),
        );
    }

    /// Activates `id` (its dependencies first) and answers its exports. Concurrent calls share one
    /// activation; an enabled extension answers at once.
    pub async fn activate(self: &Arc<Self>, id: &str) -> Result<Value, LifecycleError> {
        self.activate_with(id, false).await
    }

    /// Activation proper. `explicit` (an `exthost/enable`) may also start a disabled extension, or retry
    /// one whose failure came from running it.
    async fn activate_with(
        self: &Arc<Self>,
        id: &str,
        explicit: bool,
    ) -> Result<Value, LifecycleError> {
        match self.begin_activation(id, explicit)? {
            Begun::Ready(exports) => Ok(exports),
            Begun::Pending(activation) => activation.await,
        }
    }

    /// Starts activating `id` now, without waiting: afterwards the activation is visible to every other
    /// trigger (and to requests that wait for activations in progress).
    fn begin_activation(
        self: &Arc<Self>,
        id: &str,
        explicit: bool,
    ) -> Result<Begun, LifecycleError> {
        let mut state = self.lock();
        let record = state
            .registry
            .get(id)
            .ok_or_else(|| LifecycleError::UnknownExtension { id: id.to_owned() })?;
        match record.state {
            ExtensionState::Enabled => {
                return Ok(Begun::Ready(
                    state
                        .running
                        .get(id)
                        .map_or(Value::Null, |r| r.exports.clone()),
                ));
            }
            ExtensionState::Disabled if !explicit => {
                return Err(LifecycleError::Disabled { id: id.to_owned() });
            }
            ExtensionState::Failed
                if !(state.activations.contains_key(id)
                    || explicit && self.can_retry(&state, id)) =>
            {
                return Err(LifecycleError::Failed {
                    id: id.to_owned(),
                    message: record.error.clone().unwrap_or_default(),
                });
            }
            _ => {}
        }
        if let Some(activation) = state.activations.get(id) {
            return Ok(Begun::Pending(activation.clone()));
        }
        let this = Arc::clone(self);
        let owned = id.to_owned();
        let activation = async move { this.run_activation(owned).await }
            .boxed()
            .shared();
        state.activations.insert(id.to_owned(), activation.clone());
        // Poll it once in the background so it makes progress even if every trigger stops waiting.
        tokio::spawn(activation.clone());
        Ok(Begun::Pending(activation))
    }

    /// [`Lifecycle::activate`] as a boxed `Send` future: activation recurses into dependencies, and the
    /// explicit type breaks the cycle the compiler cannot see through.
    fn activate_boxed(
        self: Arc<Self>,
        id: String,
    ) -> BoxFuture<'static, Result<Value, LifecycleError>> {
        async move { self.activate(&id).await }.boxed()
    }

    async fn run_activation(self: Arc<Self>, id: String) -> Result<Value, LifecycleError> {
        let result = self.activate_now(&id).await;
        self.lock().activations.remove(&id);
        result
    }

    /// Activates the dependencies, then launches and activates the extension itself.
    async fn activate_now(self: &Arc<Self>, id: &str) -> Result<Value, LifecycleError> {
        let manifest = self.manifest(id)?;
        for dependency in manifest.dependency_ids() {
            if let Err(error) = Arc::clone(self).activate_boxed(dependency.to_owned()).await {
                if let LifecycleError::Disabled { .. } = error {
                    return Err(error);
                }
                let message = format!("dependency {dependency} failed: {error}");
                self.fail(id, message.clone());
                return Err(LifecycleError::Failed {
                    id: id.to_owned(),
                    message,
                });
            }
        }
        {
            let mut state = self.lock();
            self.transition(&mut state, id, ExtensionState::Loaded, None);
        }
        let Some(spec) = self.launch_spec(&manifest) else {
            // Nothing to run: a contribution-only extension is enabled as soon as it is loaded.
            let mut state = self.lock();
            state.running.insert(
                id.to_owned(),
                Running {
                    runtime: None,
                    exports: Value::Null,
                },
            );
            self.transition(&mut state, id, ExtensionState::Enabled, None);
            return Ok(Value::Null);
        };
        let activate_limit = spec.limits.activate_timeout;
        let runtime = self
            .engine_for(&manifest)
            .launch(spec, self.host_calls.clone());
        let runtime = match runtime {
            Ok(runtime) => runtime,
            Err(error) => {
                self.fail(id, error.to_string());
                return Err(LifecycleError::Runtime {
                    id: id.to_owned(),
                    error,
                });
            }
        };
        self.lock().running.insert(
            id.to_owned(),
            Running {
                runtime: Some(runtime.clone()),
                exports: Value::Null,
            },
        );
        match call_with_grace(
            &runtime,
            RuntimeRequest::Activate,
            activate_limit,
            "activate",
        )
        .await
        {
            Ok(exports) => {
                let mut state = self.lock();
                let now = state.registry.get(id).map(|r| (r.state, r.error.clone()));
                if let Some((current, error)) =
                    now.filter(|(current, _)| *current != ExtensionState::Loaded)
                {
                    // Disabled (or failed) while activating: this runtime must not stay behind.
                    let stale = state.running.remove(id);
                    self.forget_registrations(&mut state, id);
                    drop(state);
                    drop(stale);
                    return Err(if current == ExtensionState::Failed {
                        LifecycleError::Failed {
                            id: id.to_owned(),
                            message: error.unwrap_or_default(),
                        }
                    } else {
                        LifecycleError::Disabled { id: id.to_owned() }
                    });
                }
                if let Some(running) = state.running.get_mut(id) {
                    running.exports = exports.clone();
                }
                self.transition(&mut state, id, ExtensionState::Enabled, None);
                Ok(exports)
            }
            Err(error) => {
                let message = match &error {
                    RuntimeError::Threw {
                        message,
                        stack: Some(stack),
                    } => {
                        format!("activate threw: {message}\n{stack}")
                    }
                    RuntimeError::Threw {
                        message,
                        stack: None,
                    } => format!("activate threw: {message}"),
                    other => other.to_string(),
                };
                self.fail(id, message);
                Err(LifecycleError::Runtime {
                    id: id.to_owned(),
                    error,
                })
            }
        }
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

    fn launch_spec(&self, manifest: &Manifest) -> Option<LaunchSpec> {
        let folder = manifest.file.parent()?.to_path_buf();
        let entry = if let Some(main) = &manifest.main {
            resolve_entry(&folder, main)
        } else if manifest.native.is_some() {
            folder.clone()
        } else {
            return None;
        };
        Some(LaunchSpec {
            extension_id: manifest.id.clone(),
            extension_path: folder,
            entry,
            package_json: manifest.raw.clone(),
            limits: self.config.limits_for(manifest),
            development: self.is_development(&manifest.id),
        })
    }

    fn is_development(&self, id: &str) -> bool {
        self.lock()
            .registry
            .get(id)
            .is_some_and(|record| match record.source {
                ExtensionSource::Dev => true,
                ExtensionSource::Builtin => crate::config::builtin_is_source_tree(),
                _ => false,
            })
    }

    fn engine_for(&self, manifest: &Manifest) -> &dyn Engine {
        if manifest.is_native() {
            return &self.native;
        }
        let chosen = self.js_engine_for(manifest);
        match chosen {
            JsEngine::Deno => &self.deno,
            JsEngine::QuickJs => self.engine.as_ref(),
        }
    }

    /// Which engine runs a JS extension: the host setting `jsEngine` (`initializationOptions.jsEngine`,
    /// else `serve --js-engine`, merged in the configuration) when given; else the manifest's `engine`; else Deno for a VS Code
    /// `package.json` extension when Deno is available (they are written for Node), QuickJS otherwise.
    fn js_engine_for(&self, manifest: &Manifest) -> JsEngine {
        if let Some(engine) = self.config.js_engine {
            return engine;
        }
        if let Some(engine) = manifest.engine {
            return engine;
        }
        if manifest.kind == ManifestKind::VsCode && self.deno.is_available() {
            JsEngine::Deno
        } else {
            JsEngine::QuickJs
        }
    }

    /// Fires an activation event: activates (concurrently) every extension that declares it and may run.
    /// Answers the ids that became enabled because of it.
    pub async fn fire(self: &Arc<Self>, event: &str) -> Vec<String> {
        self.fire_with_outcomes(event)
            .await
            .into_iter()
            .filter_map(|(id, outcome)| outcome.ok().map(|_| id))
            .collect()
    }

    /// [`Lifecycle::fire`], answering each candidate's outcome (failures are also published as states).
    async fn fire_with_outcomes(
        self: &Arc<Self>,
        event: &str,
    ) -> Vec<(String, Result<Value, LifecycleError>)> {
        let begun = self.begin_event(event);
        let mut outcomes = Vec::with_capacity(begun.len());
        for (id, started) in begun {
            let outcome = match started {
                Ok(Begun::Ready(exports)) => Ok(exports),
                Ok(Begun::Pending(activation)) => activation.await,
                Err(error) => Err(error),
            };
            if let Err(error) = &outcome {
                tracing::warn!(%id, %event, %error, "activation failed");
            }
            outcomes.push((id, outcome));
        }
        outcomes
    }

    /// Records `event` and starts (without waiting) every activation it triggers: the extensions that
    /// declare it and may run, plus those already activating that declare it.
    pub(super) fn begin_event(
        self: &Arc<Self>,
        event: &str,
    ) -> Vec<(String, Result<Begun, LifecycleError>)> {
        let candidates: Vec<String> = {
            let mut state = self.lock();
            state.session.record_event(event);
            let parsed = event.parse::<ActivationEvent>().ok();
            state
                .registry
                .ids()
                .filter_map(|id| state.registry.get(id))
                .filter(|record| {
                    // An activation already under way is joined, so this trigger waits for it too.
                    matches!(
                        record.state,
                        ExtensionState::Discovered | ExtensionState::Unloaded
                    ) || state.activations.contains_key(&record.id)
                })
                .filter(|record| {
                    record.manifest.as_ref().is_some_and(|manifest| {
                        manifest.activation_events.iter().any(|declared| {
                            parsed.as_ref() == Some(declared) || declared.to_string() == event
                        })
                    })
                })
                .map(|record| record.id.clone())
                .collect()
        };
        candidates
            .into_iter()
            .map(|id| {
                let begun = self.begin_activation(&id, false);
                (id, begun)
            })
            .collect()
    }

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
                    self.fail(&owner, error.to_string());
                }
                Err(LifecycleError::Runtime { id: owner, error })
            }
        }
    }

    fn command_owner(&self, command: &str) -> Option<String> {
        self.lock().commands.get(command).cloned()
    }

    fn missing_command_error(&self, command: &str) -> LifecycleError {
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
    fn can_retry(&self, state: &LifecycleState, id: &str) -> bool {
        state
            .registry
            .get(id)
            .is_some_and(|record| record.manifest.is_some())
            && !state.resolution.problems.contains_key(id)
    }

    /// `id`'s transitive dependencies in dependency order, then `id`.
    fn dependency_chain(&self, id: &str) -> Result<Vec<String>, LifecycleError> {
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
    async fn stop(self: &Arc<Self>, id: &str, to: ExtensionState) -> bool {
        let in_progress = self.lock().activations.get(id).cloned();
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
    /// re-read. Answers the ids activated again.
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
        self.reread_manifest(id)?;
        if !was_running {
            return Ok(Vec::new());
        }
        let mut reloaded = Vec::new();
        self.activate_with(id, true).await?;
        reloaded.push(id.to_owned());
        for dependent in dependents.iter().rev() {
            if self.activate(dependent).await.is_ok() {
                reloaded.push(dependent.clone());
            }
        }
        Ok(reloaded)
    }

    /// The id of the (unshadowed) extension whose folder is `folder`.
    pub fn extension_at(&self, folder: &std::path::Path) -> Option<String> {
        let state = self.lock();
        state
            .registry
            .records()
            .iter()
            .find(|record| record.is_active_candidate() && record.path == folder)
            .map(|record| record.id.clone())
    }

    /// Keeps the `--dev` folder watcher alive as long as this lifecycle.
    pub fn keep_watcher(&self, watcher: Option<crate::dev_watch::DevWatcher>) {
        *self
            .dev_watcher
            .lock()
            .expect("invariant: the watcher lock is never poisoned") = watcher;
    }

    /// The folders of the `--dev` extensions.
    pub fn development_folders(&self) -> Vec<PathBuf> {
        let state = self.lock();
        state
            .registry
            .records()
            .iter()
            .filter(|record| record.source == ExtensionSource::Dev)
            .map(|record| record.path.clone())
            .collect()
    }

    /// Re-reads `id`'s manifest from its folder (for hot reload); a broken new manifest fails it.
    fn reread_manifest(&self, id: &str) -> Result<(), LifecycleError> {
        let mut state = self.lock();
        let Some(record) = state.registry.get(id) else {
            return Err(LifecycleError::UnknownExtension { id: id.to_owned() });
        };
        let fresh =
            discovery::read_extension(record.source, &record.path.clone(), &manifest_context());
        let problem = match fresh.manifest {
            Some(manifest) if manifest.id == id => {
                state.registry.replace_manifest(id, manifest);
                // The new manifest may change dependencies: the graph must still accept it.
                self.resolve_again(&mut state);
                state.resolution.problems.get(id).map(ToString::to_string)
            }
            Some(manifest) => Some(format!(
                "the reloaded manifest changed the id to {}",
                manifest.id
            )),
            None => Some(fresh.error.unwrap_or_default()),
        };
        match problem {
            None => Ok(()),
            Some(message) => {
                self.transition(
                    &mut state,
                    id,
                    ExtensionState::Failed,
                    Some(message.clone()),
                );
                Err(LifecycleError::Failed {
                    id: id.to_owned(),
                    message,
                })
            }
        }
    }

    /// Resolves the dependency graph again from the registry's current manifests (after a reload changed
    /// one); extensions it now rejects are failed, and a failure clears nothing it did not cause.
    fn resolve_again(&self, state: &mut LifecycleState) {
        let mut records: Vec<ExtensionRecord> = state.registry.records().to_vec();
        for record in &mut records {
            // Only what the manifests themselves say counts here; earlier dependency verdicts are redone.
            if record.manifest.is_some() && state.resolution.problems.contains_key(&record.id) {
                record.state = ExtensionState::Discovered;
            }
        }
        let resolution = resolve_records(&mut records);
        for (id, problem) in &resolution.problems {
            if state.registry.state(id).ok() != Some(ExtensionState::Failed) {
                let message = problem.to_string();
                self.transition(state, id, ExtensionState::Failed, Some(message));
            }
        }
        state.resolution = resolution;
    }

    /// Answers the calls that need no waiting, at once and in arrival order (registrations must be in
    /// place before the extension's next step); hands back the others.
    fn handle_immediate(self: &Arc<Self>, call: HostCall) -> Option<HostCall> {
        let from = call.from.as_str();
        tracing::trace!(%from, request = ?call.request, "host call");
        let registers = matches!(
            call.request,
            HostRequest::RegisterCommand { .. }
                | HostRequest::RegisterProvider { .. }
                | HostRequest::SetDiagnostics { .. }
        );
        if registers && !self.lock().running.contains_key(from) {
            // A late call from a runtime that was stopped (or replaced) registers nothing.
            if let Some(reply) = call.reply {
                let _ = reply.send(Err(format!("extension {from} is not running")));
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
                    _ if taken_from.is_some() => Err(format!(
                        "command '{command}' is contributed by extension {}",
                        taken_from.unwrap_or_default()
                    )),
                    Some(owner) if owner != from => Err(format!(
                        "command '{command}' already exists (registered by extension {owner})"
                    )),
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
            HostRequest::Snapshot => Ok(self.snapshot()),
            HostRequest::RegisterProvider {
                handle,
                method,
                selector,
                options,
            } => self.register_provider(from, *handle, method, selector, options),
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
            HostRequest::UpdateSetting { key, value, target } => {
                self.update_setting(key, value.clone(), *target)
            }
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
    async fn handle_host_call(self: &Arc<Self>, call: HostCall) {
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
                .map_err(|error| error.to_string()),
            HostRequest::ActivateExtension { id } => {
                self.activate(&id).await.map_err(|error| error.to_string())
            }
            HostRequest::CallExport {
                id,
                path,
                arguments,
            } => self.call_export(&id, path, arguments).await,
            HostRequest::Crashed { error } => {
                self.fail(&from, error.to_string());
                Ok(Value::Null)
            }
            HostRequest::EditorRequest { method, params } => {
                self.editor_request(&from, &method, params).await
            }
            other => Err(format!("exthost: {other:?} is answered without waiting")),
        };
        if let Some(reply) = call.reply {
            let _ = reply.send(answer);
        }
    }

    async fn call_export(
        self: &Arc<Self>,
        id: &str,
        path: Vec<String>,
        arguments: Vec<Value>,
    ) -> Result<Value, String> {
        self.activate(id).await.map_err(|error| error.to_string())?;
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
        let runtime = runtime.ok_or_else(|| format!("extension {id} has no code to call"))?;
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
                    self.fail(id, error.to_string());
                }
                Err(error.to_string())
            }
        }
    }

    /// `{id, extensionPath, isActive, packageJSON, exports}` for `extensions.getExtension`, or `null`.
    fn describe(&self, id: &str) -> Value {
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

    fn log(&self, from: &str, level: LogLevel, message: &str) {
        // Rate-limited per extension: a flood costs neither the log nor the editor's stream.
        let Some(dropped) = self.editor.admit_log(from, message.len()) else {
            return;
        };
        if dropped > 0 {
            tracing::warn!(extension = %from, dropped, "log lines dropped: the extension logs too fast");
            self.editor.notify(
                "window/logMessage",
                json!({"type": 2, "message": format!(
                    "[{from}] exthost: {dropped} log lines dropped (more than {} lines or {} KB a second)",
                    crate::editor::LOG_LINES_PER_SECOND,
                    crate::editor::LOG_BYTES_PER_SECOND / 1024.0
                )}),
            );
        }
        let kind = match level {
            LogLevel::Error => {
                tracing::error!(extension = %from, "{message}");
                1
            }
            LogLevel::Warn => {
                tracing::warn!(extension = %from, "{message}");
                2
            }
            LogLevel::Info => {
                tracing::info!(extension = %from, "{message}");
                3
            }
            LogLevel::Debug => {
                tracing::debug!(extension = %from, "{message}");
                4
            }
        };
        self.editor.notify(
            "window/logMessage",
            json!({"type": kind, "message": format!("[{from}] {message}")}),
        );
        let _ = self.events.send(ManagerEvent::Log(LogLine {
            extension: from.to_owned(),
            level: ["error", "warn", "info", "debug"][kind - 1].to_owned(),
            message: message.to_owned(),
            time_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |since| since.as_millis() as u64),
        }));
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
    /// marker sent down the same channel is answered in arrival order, after them.
    async fn drain_host_calls(&self) {
        let (reply, answered) = tokio::sync::oneshot::channel();
        let marker = HostCall {
            from: String::new(),
            request: HostRequest::GetCommands,
            reply: Some(reply),
        };
        if self.host_calls.send(marker).is_ok() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), answered).await;
        }
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

    /// The workspace folder whose extensions are held back, untrusted, if any.
    pub fn untrusted_workspace(&self) -> Option<PathBuf> {
        let state = self.lock();
        let held_back = state
            .registry
            .records()
            .iter()
            .any(|record| record.error.as_deref() == Some(crate::trust::NOT_TRUSTED));
        if !held_back {
            return None;
        }
        untrusted_workspace(
            &self
                .config
                .discovery_roots(&state.session.workspace_folders()),
        )
    }

    /// Trusts `folder` (kept under `$EXTHOST_HOME`); when it is this session's workspace, its extensions
    /// are loaded — the host restarts, as VS Code's does — and the events fired so far fire again.
    pub async fn trust_workspace(
        self: &Arc<Self>,
        folder: &std::path::Path,
    ) -> std::io::Result<()> {
        let waiting = self.untrusted_workspace();
        if let Some(store) = crate::trust::TrustStore::current() {
            store.record(folder, true)?;
        }
        let same_folder = |waiting: &std::path::Path| {
            let canonical =
                |path: &std::path::Path| path.canonicalize().unwrap_or(path.to_path_buf());
            canonical(waiting) == canonical(folder)
        };
        if !waiting.as_deref().is_some_and(same_folder) {
            return Ok(());
        }
        self.restart("workspaceTrusted").await;
        let fired = self.lock().session.fired_events.clone();
        for event in fired {
            self.fire(&event).await;
        }
        Ok(())
    }

    /// Asks the user whether to trust the workspace, when its extensions are held back and the folder
    /// was never answered for; acts on the answer (and keeps it).
    pub async fn ask_trust(self: &Arc<Self>) {
        let Some(folder) = self.untrusted_workspace() else {
            tracing::debug!("no workspace extensions wait for trust");
            return;
        };
        let Some(store) = crate::trust::TrustStore::current() else {
            return;
        };
        if store.answer(&folder).is_some() {
            return;
        }
        let question = json!({
            "type": 2,
            "message": format!("Trust the extensions in {}?", folder.display()),
            "actions": [{"title": crate::trust::TRUST_ACTION}, {"title": crate::trust::DISTRUST_ACTION}],
        });
        let answer = match self
            .editor
            .request("window/showMessageRequest", question)
            .await
        {
            Ok(answer) => answer,
            Err(error) => {
                tracing::info!(?error, "the trust question got no answer");
                return;
            }
        };
        match answer.get("title").and_then(Value::as_str) {
            Some(crate::trust::TRUST_ACTION) => {
                if let Err(error) = self.trust_workspace(&folder).await {
                    tracing::warn!(%error, "cannot keep the trust answer");
                }
            }
            Some(crate::trust::DISTRUST_ACTION) => {
                if let Err(error) = store.record(&folder, false) {
                    tracing::warn!(%error, "cannot keep the trust answer");
                }
            }
            _ => {}
        }
    }

    /// The folders `workspaceContains:` patterns are checked against.
    pub fn workspace_folders(&self) -> Vec<PathBuf> {
        let state = self.lock();
        let mut folders = state.session.workspace_folders();
        if let Some(workspace) = &self.config.workspace
            && !folders.contains(workspace)
        {
            folders.insert(0, workspace.clone());
        }
        folders
    }

    /// Every `workspaceContains:<glob>` event declared by an extension that may still activate.
    pub fn workspace_contains_patterns(&self) -> Vec<String> {
        let state = self.lock();
        let mut patterns: Vec<String> = state
            .registry
            .ids()
            .filter_map(|id| state.registry.get(id))
            .filter(|record| record.state == ExtensionState::Discovered)
            .filter_map(|record| record.manifest.as_ref())
            .flat_map(|manifest| manifest.activation_events.iter())
            .filter_map(|event| match event {
                ActivationEvent::WorkspaceContains(glob) => Some(glob.clone()),
                _ => None,
            })
            .collect();
        patterns.sort();
        patterns.dedup();
        patterns
    }
}

/// Sends `request` and waits at most the runtime's own limit plus a grace period: a runtime that does not
/// answer by then (its thread is wedged) is treated as having broken the limit.
async fn call_with_grace(
    runtime: &RuntimeHandle,
    request: RuntimeRequest,
    limit: Duration,
    during: &str,
) -> Result<Value, RuntimeError> {
    // The time the extension spends waiting on the host does not count (see `HostWaitClock`).
    let clock = Arc::clone(runtime.host_waits());
    let waited_before = clock.total();
    let started = tokio::time::Instant::now();
    let answer = runtime.call(request);
    tokio::pin!(answer);
    loop {
        let waited = clock.total().saturating_sub(waited_before);
        let mut deadline = started + limit + OUTSIDE_GRACE + waited;
        if clock.waiting() {
            // The deadline moves while the wait lasts: look again now and then, not in a tight loop.
            deadline = deadline.max(tokio::time::Instant::now() + Duration::from_millis(100));
        }
        match tokio::time::timeout_at(deadline, &mut answer).await {
            Ok(answer) => return answer,
            // Waiting on the host meanwhile moved the deadline: look again.
            Err(_) if clock.waiting() || clock.total().saturating_sub(waited_before) > waited => {}
            Err(_) => {
                return Err(RuntimeError::TimeLimit {
                    limit,
                    during: during.to_owned(),
                });
            }
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

/// Resolves `main` as Node does: the path itself, else with `.js`, else `index.js` inside it.
fn resolve_entry(folder: &std::path::Path, main: &str) -> PathBuf {
    let direct = folder.join(main);
    let candidates = [
        direct.clone(),
        direct.with_extension("js"),
        direct.join("index.js"),
    ];
    let with_js = folder.join(format!("{main}.js"));
    std::iter::once(direct.clone())
        .chain(std::iter::once(with_js))
        .chain(candidates.into_iter().skip(2))
        .find(|candidate| candidate.is_file())
        .unwrap_or(direct)
}

/// Serves extensions' calls until the lifecycle is dropped; each call runs as its own task so a slow one
/// (an `executeCommand` into another extension) blocks no other.
async fn serve_host_calls(
    lifecycle: std::sync::Weak<Lifecycle>,
    mut calls: mpsc::UnboundedReceiver<HostCall>,
) {
    while let Some(call) = calls.recv().await {
        let Some(lifecycle) = lifecycle.upgrade() else {
            break;
        };
        if let Some(call) = lifecycle.handle_immediate(call) {
            tokio::spawn(async move { lifecycle.handle_host_call(call).await });
        }
    }
}
