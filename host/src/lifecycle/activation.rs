//! Activation: one shared activation per extension (dependencies first), the engine that runs it, and
//! activation events.

use std::sync::Arc;

use exthost_protocol::methods::{ExtensionSource, ExtensionState};
use futures::FutureExt;
use futures::future::{AbortHandle, Abortable, BoxFuture};
use serde_json::Value;

use super::{Activation, Begun, Lifecycle, LifecycleError, Running, call_with_grace};
use crate::manifest::{ActivationEvent, JsEngine, Manifest, ManifestKind};
use crate::runtime::{Engine, LaunchSpec, RuntimeError, RuntimeRequest};

impl Lifecycle {
    /// Activates `id` (its dependencies first) and answers its exports. Concurrent calls share one
    /// activation; an enabled extension answers at once.
    pub async fn activate(self: &Arc<Self>, id: &str) -> Result<Value, LifecycleError> {
        self.activate_with(id, false).await
    }

    /// Activation proper. `explicit` (an `exthost/enable`) may also start a disabled extension, or retry
    /// one whose failure came from running it.
    pub(super) async fn activate_with(
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
    pub(super) fn begin_activation(
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
            return Ok(Begun::Pending(activation.future.clone()));
        }
        let this = Arc::clone(self);
        let owned = id.to_owned();
        let cancelled = id.to_owned();
        let (abort, registration) = AbortHandle::new_pair();
        // Aborted (by a restart), it stops where it waits and writes nothing more: its runtime is dropped.
        let activation = Abortable::new(
            async move { this.run_activation(owned).await },
            registration,
        )
        .map(move |outcome| outcome.unwrap_or(Err(LifecycleError::Cancelled { id: cancelled })))
        .boxed()
        .shared();
        state.activations.insert(
            id.to_owned(),
            Activation {
                future: activation.clone(),
                abort,
            },
        );
        // Poll it once in the background so it makes progress even if every trigger stops waiting.
        tokio::spawn(activation.clone());
        Ok(Begun::Pending(activation))
    }

    /// [`Lifecycle::activate`] as a boxed `Send` future: activation recurses into dependencies, and the
    /// explicit type breaks the cycle the compiler cannot see through.
    pub(super) fn activate_boxed(
        self: Arc<Self>,
        id: String,
    ) -> BoxFuture<'static, Result<Value, LifecycleError>> {
        async move { self.activate(&id).await }.boxed()
    }

    pub(super) async fn run_activation(
        self: Arc<Self>,
        id: String,
    ) -> Result<Value, LifecycleError> {
        let result = match self.activate_now(&id).await {
            // Development mode: a rebuilt native library that does not load or activate gives way to
            // the last version that did (see `dev_rollback`).
            Err(error @ LifecycleError::Runtime { .. }) => match self.native_rollback_folder(&id) {
                Some(copy) => self.roll_back_native(&id, &copy, error).await,
                None => Err(error),
            },
            other => other,
        };
        self.lock().activations.remove(&id);
        result
    }

    /// Activates the dependencies, then launches and activates the extension itself.
    pub(super) async fn activate_now(self: &Arc<Self>, id: &str) -> Result<Value, LifecycleError> {
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
                    generation: None,
                },
            );
            self.transition(&mut state, id, ExtensionState::Enabled, None);
            return Ok(Value::Null);
        };
        let activate_limit = spec.limits.activate_timeout;
        // Development mode: the files this activation reads, kept should it work.
        let snapshot = self.snapshot_before_activation(&manifest);
        let generation = self.new_generation();
        let runtime = self
            .engine_for(&manifest)
            .launch(spec, self.serve_runtime_calls(generation));
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
                generation: Some(generation),
            },
        );
        let activated = match call_with_grace(
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
        };
        if activated.is_ok() {
            // Development mode: what just activated is the version a broken change rolls back to.
            self.keep_last_good(&manifest, snapshot).await;
        }
        activated
    }

    pub(super) fn launch_spec(&self, manifest: &Manifest) -> Option<LaunchSpec> {
        let folder = manifest.file.parent()?.to_path_buf();
        // The engine knows where its code starts; `None`: nothing to run (a contribution-only extension).
        let entry = self
            .engine_for(manifest)
            .resolve_entry(&folder, manifest.main.as_deref())?;
        Some(LaunchSpec {
            extension_id: manifest.id.clone(),
            extension_path: folder,
            entry,
            package_json: manifest.raw.clone(),
            limits: self.config.limits_for(manifest),
            development: self.is_development(&manifest.id),
        })
    }

    pub(super) fn is_development(&self, id: &str) -> bool {
        self.lock()
            .registry
            .get(id)
            .is_some_and(|record| match record.source {
                ExtensionSource::Dev => true,
                ExtensionSource::Builtin => crate::config::builtin_is_source_tree(),
                _ => false,
            })
    }

    /// Lets every engine that one of the discovered extensions would run in prepare ahead of its first
    /// launch ([`Engine::prepare`]). The server calls it once `initialize` is answered: a session
    /// without extensions for an engine never pays for that engine's preparation.
    pub fn prepare_engines(&self) {
        let manifests: Vec<Arc<Manifest>> = {
            let state = self.lock();
            state
                .registry
                .records()
                .iter()
                .filter(|record| record.is_active_candidate())
                .filter_map(|record| record.manifest.clone())
                .collect()
        };
        let mut prepared: Vec<&'static str> = Vec::new();
        for manifest in manifests {
            let engine = self.engine_for(&manifest);
            if !prepared.contains(&engine.name()) {
                prepared.push(engine.name());
                engine.prepare();
            }
        }
    }

    /// The engine that runs `manifest`'s code.
    pub(super) fn engine_for(&self, manifest: &Manifest) -> &dyn Engine {
        if manifest.is_native() {
            return self.engines.native.as_ref();
        }
        let chosen = self.js_engine_for(manifest);
        self.engines.javascript(chosen).as_ref()
    }

    /// Which engine runs a JS extension: the host setting `jsEngine` (`initializationOptions.jsEngine`,
    /// else `serve --js-engine`, merged in the configuration) when given; else the manifest's `engine`; else Deno for a VS Code
    /// `package.json` extension when Deno is available (they are written for Node), QuickJS otherwise.
    pub(super) fn js_engine_for(&self, manifest: &Manifest) -> JsEngine {
        if let Some(engine) = self.config.js_engine {
            return engine;
        }
        if let Some(engine) = manifest.engine {
            return engine;
        }
        if manifest.kind == ManifestKind::VsCode && self.engines.deno.is_available() {
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
    pub(super) async fn fire_with_outcomes(
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
}
