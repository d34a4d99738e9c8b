//! Language features through extensions: providers registered (and announced to the editor), LSP
//! requests fanned out in parallel to the matching providers under their extension's time limit (for
//! completion, group by group of equal selector score, as VS Code does) and merged, resolve requests routed back, and diagnostics published as a union.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::Value;

use super::{Lifecycle, LifecycleState, call_with_grace};
use crate::bridge::{
    PROVIDER_METHODS, Provider, ProviderAnswer, RESOLVE_METHODS, asks_by_group, has_items,
    is_hierarchy_follow_up, merge, provider_method, registered_method, unwrap_route,
    wrap_hierarchy_routes, wrap_route,
};
use crate::client_capabilities::ClientCapabilities;
use crate::manifest::ActivationEvent;
use crate::runtime::{RuntimeHandle, RuntimeRequest};
use crate::to_proto;

/// Cancels the tokens of provider calls still running when the request is dropped (the editor sent
/// `$/cancelRequest`, so the server aborted the request's task).
/// A provider to ask, its extension's runtime and call limit.
type ProviderCall = (Provider, RuntimeHandle, std::time::Duration);

struct CancelOnDrop {
    calls: Vec<(RuntimeHandle, u64)>,
    finished: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        for (runtime, token) in &self.calls {
            drop(runtime.send(RuntimeRequest::Cancel { token: *token }));
        }
    }
}

impl Lifecycle {
    /// Whether the editor registers `method`'s capability dynamically (`client/registerCapability`).
    fn dynamic_registration(&self, state: &LifecycleState, method: &str) -> bool {
        provider_method(method).is_some_and(|provider| {
            state
                .session
                .client_capability(&format!("{}.dynamicRegistration", provider.capability))
                == true
        })
    }

    /// The language features to advertise statically in `initialize` (their provider methods): every
    /// feature the editor cannot register dynamically (extensions register providers only once they run,
    /// after `initialize`); the others are announced as providers appear.
    pub fn static_features(&self) -> Vec<&'static str> {
        let state = self.lock();
        PROVIDER_METHODS
            .iter()
            .filter(|provider| !self.dynamic_registration(&state, provider.method))
            .map(|provider| provider.method)
            .collect()
    }

    /// `languages.register*Provider`: records the provider and, when the editor supports it, registers
    /// the capability with the editor.
    pub(super) fn register_provider(
        &self,
        from: &str,
        handle: u64,
        method: &str,
        selector: &Value,
        options: &Value,
    ) -> Result<Value, String> {
        if provider_method(method).is_none() {
            return Err(format!("exthost: no LSP bridge for {method}"));
        }
        let provider = Provider {
            extension: from.to_owned(),
            handle,
            method: method.to_owned(),
            selector: selector.clone(),
            options: options.clone(),
        };
        let mut state = self.lock();
        state.providers.add(provider.clone());
        if self.dynamic_registration(&state, method) {
            // Queued while the lock is held, so registrations and unregistrations reach the editor in the
            // order the providers changed (a reloaded extension reuses registration ids).
            let answer = self.editor.start_request(
                to_proto::method::REGISTER_CAPABILITY,
                to_proto::register_capability(
                    provider.registration_id(),
                    method,
                    provider.register_options(),
                ),
            );
            drop(state);
            tokio::spawn(async move {
                if let Err(error) = answer.await {
                    tracing::warn!(?error, "client/registerCapability failed");
                }
            });
        }
        Ok(Value::Null)
    }

    /// Disposal of a provider.
    pub(super) fn unregister_provider(&self, from: &str, handle: u64) {
        let mut state = self.lock();
        if let Some(provider) = state.providers.remove(from, handle) {
            self.unregister_dynamically(&state, &[provider]);
        }
    }

    /// Tells the editor that `providers` are gone (those it registered dynamically). Called with the lock
    /// held, so the request is queued in order with the registrations.
    fn unregister_dynamically(&self, state: &LifecycleState, providers: &[Provider]) {
        let unregistrations: Vec<(String, String)> = providers
            .iter()
            .filter(|p| self.dynamic_registration(state, &p.method))
            .map(|p| (p.registration_id(), p.method.clone()))
            .collect();
        if unregistrations.is_empty() {
            return;
        }
        let answer = self.editor.start_request(
            to_proto::method::UNREGISTER_CAPABILITY,
            to_proto::unregister_capability(unregistrations),
        );
        tokio::spawn(async move {
            if let Err(error) = answer.await {
                tracing::warn!(?error, "client/unregisterCapability failed");
            }
        });
    }

    /// Forgets what a stopping extension registered: commands, providers, diagnostics (republished).
    pub(super) fn forget_registrations(&self, state: &mut LifecycleState, id: &str) {
        state.commands.retain(|_, owner| owner != id);
        let providers = state.providers.remove_extension(id);
        self.unregister_dynamically(state, &providers);
        for (uri, diagnostics) in state.diagnostics.clear_extension(id) {
            self.editor.notify(
                to_proto::method::PUBLISH_DIAGNOSTICS,
                to_proto::publish_diagnostics(&uri, &diagnostics, None),
            );
        }
    }

    /// `DiagnosticCollection.set`: stores and publishes the document's union of diagnostics.
    pub(super) fn set_diagnostics(
        &self,
        from: &str,
        collection: &str,
        uri: &str,
        diagnostics: Vec<Value>,
    ) {
        let (union, version) = {
            let mut state = self.lock();
            let union = state.diagnostics.set(from, collection, uri, diagnostics);
            let version = state.session.documents.get(uri).map(|d| d.version);
            (union, version)
        };
        self.editor.notify(
            to_proto::method::PUBLISH_DIAGNOSTICS,
            to_proto::publish_diagnostics(uri, &union, version),
        );
    }

    /// Answers a language feature request (`textDocument/hover`, …) from every matching provider, in
    /// parallel, each under its extension's call limit. A provider that throws or times out drops out of
    /// this answer only (a broken limit also fails its extension).
    pub async fn provide(self: &Arc<Self>, method: &str, params: Value) -> Value {
        self.provide_as(registered_method(method), method, params)
            .await
    }

    /// `textDocument/prepareRename`: asked of the rename providers; the best answer wins.
    pub async fn prepare_rename(self: &Arc<Self>, params: Value) -> Value {
        self.provide_as("textDocument/rename", "textDocument/prepareRename", params)
            .await
    }

    /// Asks the providers registered for `registered` with the LSP method `method`, and merges their
    /// answers by `method`'s rule.
    async fn provide_as(self: &Arc<Self>, registered: &str, method: &str, params: Value) -> Value {
        let uri = params
            .pointer("/textDocument/uri")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        // The `onLanguage:` activations under way for this document's language (from the didOpen just
        // before) may be about to register providers for this very request: answer once they have
        // finished, as an editor would expect. Other activations, however slow, are not waited for.
        let in_progress = self.language_activations(&uri);
        futures::future::join_all(in_progress).await;
        let groups: Vec<Vec<ProviderCall>> = {
            let state = self.lock();
            let language = state
                .session
                .documents
                .get(&uri)
                .map_or("plaintext", |d| d.language_id.as_str())
                .to_owned();
            let groups = state.providers.matching_groups(registered, &uri, &language);
            let groups = if asks_by_group(method) {
                groups
            } else {
                vec![groups.into_iter().flatten().collect()]
            };
            groups
                .into_iter()
                .map(|group| {
                    group
                        .into_iter()
                        .filter_map(|provider| {
                            let runtime =
                                state.running.get(&provider.extension)?.runtime.clone()?;
                            let limit = self.call_limit(&state, &provider.extension);
                            Some((provider, runtime, limit))
                        })
                        .collect()
                })
                .collect()
        };
        let mut merged = Value::Null;
        for group in groups {
            let answers = self.ask_providers(method, &params, group).await;
            merged = merge(method, answers);
            if has_items(method, &merged) {
                break;
            }
        }
        self.client_capabilities().adapt(method, &mut merged);
        merged
    }

    /// The activations under way of extensions that activate on the language of document `uri`
    /// (`onLanguage:<its language>`, or `onLanguage` for any).
    fn language_activations(&self, uri: &str) -> Vec<super::ActivationFuture> {
        let state = self.lock();
        let language = state
            .session
            .documents
            .get(uri)
            .map_or("plaintext", |document| document.language_id.as_str());
        state
            .activations
            .iter()
            .filter(|(id, _)| {
                let manifest = state.registry.get(id).and_then(|r| r.manifest.as_ref());
                manifest.is_some_and(|manifest| {
                    manifest.activation_events.iter().any(|event| match event {
                        ActivationEvent::OnLanguage(declared) => declared == language,
                        ActivationEvent::Other { kind, argument } => {
                            kind == "onLanguage" && argument.is_none()
                        }
                        _ => false,
                    })
                })
            })
            .map(|(_, activation)| activation.future.clone())
            .collect()
    }

    /// What the editor said it can take, from its `initialize` capabilities.
    fn client_capabilities(&self) -> ClientCapabilities {
        let state = self.lock();
        let capabilities = state
            .session
            .initialize_params
            .as_ref()
            .and_then(|params| params.get("capabilities"));
        ClientCapabilities::new(capabilities.unwrap_or(&Value::Null))
    }

    /// Asks `calls` in parallel, each under its extension's call limit; a provider that throws or times
    /// out drops out (a broken limit also fails its extension).
    async fn ask_providers(
        self: &Arc<Self>,
        method: &str,
        params: &Value,
        calls: Vec<ProviderCall>,
    ) -> Vec<ProviderAnswer> {
        let mut guard = CancelOnDrop {
            calls: Vec::new(),
            finished: false,
        };
        let mut pending = Vec::new();
        for (provider, runtime, limit) in calls {
            let token = self.next_token.fetch_add(1, Ordering::Relaxed);
            guard.calls.push((runtime.clone(), token));
            let request = RuntimeRequest::InvokeProvider {
                handle: provider.handle,
                method: method.to_owned(),
                params: params.clone(),
                token,
            };
            pending.push(async move {
                let during = format!("provider {method}");
                let outcome = call_with_grace(&runtime, request, limit, &during).await;
                (provider, runtime, outcome)
            });
        }
        // One wake-up of this task for all the answers (see `gather`), not one per provider.
        let outcomes = super::gather::gather(pending).await;
        guard.finished = true;
        let mut answers = Vec::new();
        for (provider, runtime, outcome) in outcomes {
            match outcome {
                Ok(result) => answers.push(ProviderAnswer {
                    extension: provider.extension,
                    handle: provider.handle,
                    result,
                }),
                Err(error) => {
                    tracing::warn!(extension = %provider.extension, %method, %error, "provider dropped out of this answer");
                    if error.is_fatal() {
                        self.fail_runtime(&provider.extension, &runtime, error.to_string());
                    }
                }
            }
        }
        answers
    }

    /// Runs a built-in `vscode.execute*Provider` command: arguments are `[uri, position?]` (a URI string or
    /// a `vscode.Uri` as JSON, an LSP position); the answer is the merged LSP result.
    pub(super) async fn provide_for_command(
        self: &Arc<Self>,
        method: &str,
        arguments: &[Value],
    ) -> Value {
        let uri = match arguments.first() {
            Some(Value::String(uri)) => uri.clone(),
            Some(other) => other
                .get("external")
                .or_else(|| other.get("uri"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_default(),
            None => String::new(),
        };
        let params = to_proto::document_position_params(
            &uri,
            arguments.get(1),
            method == "textDocument/references",
        );
        self.provide(method, params).await
    }

    /// Answers `codeLens/resolve` or `completionItem/resolve` by asking the provider that made the item.
    pub async fn resolve(self: &Arc<Self>, method: &str, mut item: Value) -> Value {
        if is_hierarchy_follow_up(method) {
            return self.hierarchy_follow_up(method, item).await;
        }
        let Some(route) = unwrap_route(&mut item) else {
            return item;
        };
        let runtime_and_limit = {
            let state = self.lock();
            state
                .providers
                .get(&route.extension, route.handle)
                .and_then(|_| state.running.get(&route.extension)?.runtime.clone())
                .map(|runtime| (runtime, self.call_limit(&state, &route.extension)))
        };
        let Some((runtime, limit)) = runtime_and_limit else {
            return item;
        };
        debug_assert!(
            RESOLVE_METHODS
                .iter()
                .any(|(resolve, _)| *resolve == method)
        );
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        let request = RuntimeRequest::InvokeProvider {
            handle: route.handle,
            method: method.to_owned(),
            params: item.clone(),
            token,
        };
        match call_with_grace(&runtime, request, limit, &format!("provider {method}")).await {
            Ok(mut resolved) if !resolved.is_null() => {
                wrap_route(&mut resolved, &route.extension, route.handle);
                self.client_capabilities().adapt(method, &mut resolved);
                resolved
            }
            Ok(_) => item,
            Err(error) => {
                tracing::warn!(extension = %route.extension, %method, %error, "resolve failed");
                if error.is_fatal() {
                    self.fail_runtime(&route.extension, &runtime, error.to_string());
                }
                item
            }
        }
    }

    /// `callHierarchy/incomingCalls` and the like: `{item}` goes to the provider that made the item; its
    /// answer's items are routed back to it in turn. `null` when the provider is gone.
    async fn hierarchy_follow_up(self: &Arc<Self>, method: &str, mut params: Value) -> Value {
        let Some(route) = params.get_mut("item").and_then(unwrap_route) else {
            return Value::Null;
        };
        let runtime_and_limit = {
            let state = self.lock();
            state
                .providers
                .get(&route.extension, route.handle)
                .and_then(|_| state.running.get(&route.extension)?.runtime.clone())
                .map(|runtime| (runtime, self.call_limit(&state, &route.extension)))
        };
        let Some((runtime, limit)) = runtime_and_limit else {
            return Value::Null;
        };
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        let request = RuntimeRequest::InvokeProvider {
            handle: route.handle,
            method: method.to_owned(),
            params,
            token,
        };
        match call_with_grace(&runtime, request, limit, &format!("provider {method}")).await {
            Ok(mut answer) => {
                wrap_hierarchy_routes(&mut answer, &route.extension, route.handle);
                answer
            }
            Err(error) => {
                tracing::warn!(extension = %route.extension, %method, %error, "hierarchy request failed");
                if error.is_fatal() {
                    self.fail_runtime(&route.extension, &runtime, error.to_string());
                }
                Value::Null
            }
        }
    }

    /// `window/workDoneProgress/cancel {token}` for a progress an extension started: the token on the
    /// wire is `<extension id>/<n>`; `n` is the extension's cancellation token.
    pub fn cancel_progress(&self, token: &str) {
        let Some((extension, number)) = token.rsplit_once('/') else {
            return;
        };
        let Ok(number) = number.parse::<u64>() else {
            return;
        };
        let runtime = self
            .lock()
            .running
            .get(extension)
            .and_then(|r| r.runtime.clone());
        if let Some(runtime) = runtime {
            drop(runtime.send(RuntimeRequest::Cancel { token: number }));
        }
    }

    fn call_limit(&self, state: &LifecycleState, id: &str) -> std::time::Duration {
        state
            .registry
            .get(id)
            .and_then(|r| r.manifest.as_deref())
            .map(|m| self.config.limits_for(m).call_timeout)
            .unwrap_or(self.config.limits.call_timeout)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::json;

    use super::*;
    use crate::config::HostConfig;
    use crate::editor::{EditorHandle, Outbox};
    use crate::runtime::quickjs::QuickJsEngine;
    use crate::session::SessionState;

    /// On a runtime worker — where the host's call loop runs — a task spawned last runs first (tokio's
    /// LIFO slot): registrations sent from spawned tasks reached the editor out of order.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn registrations_reach_the_editor_in_the_order_providers_change() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let outbox = Arc::new(Outbox::default());
        let config = HostConfig {
            extensions_dirs: vec![folder.path().to_path_buf()],
            ..HostConfig::default()
        };
        let session = SessionState {
            initialize_params: Some(
                json!({"capabilities": {"textDocument": {"hover": {"dynamicRegistration": true}}}}),
            ),
            ..SessionState::default()
        };
        let engine: Arc<dyn crate::runtime::Engine> = Arc::new(QuickJsEngine::new());
        let lifecycle = Lifecycle::start(
            config,
            engine,
            EditorHandle::new(Arc::clone(&outbox)),
            session,
        );
        let changing = Arc::clone(&lifecycle);
        tokio::spawn(async move {
            for handle in 1..=3 {
                changing
                    .register_provider(
                        "test.x",
                        handle,
                        "textDocument/hover",
                        &json!("plaintext"),
                        &json!({}),
                    )
                    .expect("hover has a bridge");
                changing.unregister_provider("test.x", handle);
            }
        })
        .await
        .expect("the changes ran");
        let mut seen = Vec::new();
        let started = Instant::now();
        while seen.len() < 6 && started.elapsed() < Duration::from_secs(5) {
            for request in crate::editor::tests::queued_requests(&outbox) {
                let params = request.params.unwrap_or(Value::Null);
                let change = match request.method.as_str() {
                    "client/registerCapability" => {
                        format!(
                            "+{}",
                            params["registrations"][0]["id"].as_str().unwrap_or("?")
                        )
                    }
                    _ => format!(
                        "-{}",
                        params["unregisterations"][0]["id"].as_str().unwrap_or("?")
                    ),
                };
                seen.push(change);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            seen,
            [
                "+test.x/1",
                "-test.x/1",
                "+test.x/2",
                "-test.x/2",
                "+test.x/3",
                "-test.x/3"
            ]
        );
        lifecycle.stop_all().await;
    }
}
