//! The extension side of a request: decode the host's JSON, run the extension's code with every panic
//! caught, encode the answer. Shared by the C entry points and [`testing::TestHost`](crate::testing).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Once;

use serde_json::{Value, json};

use exthost_abi::{ExtensionRequest, HostOperation};

use crate::Extension;
use crate::context::{Call, Context, Registry};
use crate::host::Host;
use crate::providers::ProviderRequest;

/// One extension instance as the entry points see it (type-erased).
pub(crate) trait Dispatch {
    /// Serves one JSON request; answers `{"ok": …}` or `{"error": {"kind", "message"}}`. Never panics.
    fn handle(&self, request: &[u8]) -> Value;
    /// Drops the extension and everything it registered (with panics caught), then detaches the host
    /// handle so no later use reaches a freed vtable.
    fn shutdown(&self);
}

/// An instance of `E`, created by `factory` on `activate`.
pub(crate) struct Instance<E, F> {
    registry: Rc<Registry>,
    factory: RefCell<F>,
    extension: RefCell<Option<E>>,
}

impl<E, F> Instance<E, F>
where
    E: Extension,
    F: FnMut() -> E,
{
    pub(crate) fn new(host: Host, factory: F) -> Self {
        Self {
            registry: Rc::new(Registry::new(host)),
            factory: RefCell::new(factory),
            extension: RefCell::new(None),
        }
    }

    fn activate(&self, extension_id: String, extension_path: PathBuf, development: bool) -> Value {
        let Ok(mut slot) = self.extension.try_borrow_mut() else {
            return failure(
                "threw",
                "activate was called while the extension is busy activating or deactivating",
            );
        };
        if slot.is_some() {
            return failure("threw", "the extension is already active");
        }
        let Ok(mut factory) = self.factory.try_borrow_mut() else {
            return failure("threw", "activate was called re-entrantly");
        };
        let mut extension = match guarded(&mut *factory) {
            Ok(extension) => extension,
            Err(panic) => return failure("panic", &panic),
        };
        drop(factory);
        // The SDK has no document-change API: the host may hold changes back from this extension and
        // deliver them (merged) before its next call. A host that does not know the operation ignores it.
        let _ = self
            .registry
            .host
            .request(&HostOperation::DocumentChangeListeners { listening: false });
        let mut context = Context::new(
            Rc::clone(&self.registry),
            extension_id,
            extension_path,
            development,
        );
        match guarded(|| extension.activate(&mut context)) {
            Ok(Ok(())) => {
                *slot = Some(extension);
                ok(self.registry.exports_value())
            }
            // The activation's own failure is what the host must hear; a panic while dropping the
            // half-activated value after it would only hide it.
            Ok(Err(error)) => {
                drop(slot);
                let _ = self.discard(extension);
                failure("threw", &error.to_string())
            }
            Err(panic) => {
                drop(slot);
                let _ = self.discard(extension);
                failure("panic", &panic)
            }
        }
    }

    fn deactivate(&self) -> Value {
        let Ok(mut slot) = self.extension.try_borrow_mut() else {
            return failure(
                "threw",
                "deactivate was called while the extension is busy activating or deactivating",
            );
        };
        let Some(mut extension) = slot.take() else {
            return ok(Value::Null);
        };
        let outcome = guarded(|| extension.deactivate(&self.registry.host));
        drop(slot);
        let dropped = self.discard(extension);
        match (outcome, dropped) {
            (Ok(Ok(())), Ok(())) => ok(Value::Null),
            (Ok(Err(error)), _) => failure("threw", &error.to_string()),
            (Err(panic), _) | (_, Err(panic)) => failure("panic", &panic),
        }
    }

    /// Drops an extension value and forgets what it registered, catching a panic in its `Drop`.
    fn discard(&self, extension: E) -> Result<(), String> {
        let dropped = guarded(move || drop(extension));
        let cleared = guarded(|| self.registry.clear());
        dropped.and(cleared)
    }

    fn run_handler(&self, name: &str, arguments: &[Value], functions: bool) -> Value {
        let table = if functions {
            &self.registry.functions
        } else {
            &self.registry.commands
        };
        let handler = table.borrow().get(name).cloned();
        let Some(handler) = handler else {
            return if functions {
                failure(
                    "threw",
                    &format!("this native extension exports no function at {name}"),
                )
            } else {
                json!({"error": {
                    "kind": "unknownCommand",
                    "command": name,
                    "message": format!("command not found: {name}"),
                }})
            };
        };
        let call = Call::new(name, arguments, &self.registry.host);
        answer(guarded(|| handler(&call)))
    }

    fn call_export(&self, path: &[String], arguments: &[Value]) -> Value {
        match path {
            [name] => self.run_handler(name, arguments, true),
            _ => failure(
                "threw",
                &format!(
                    "this native extension exports no function at {}",
                    if path.is_empty() {
                        "(the exports)".to_owned()
                    } else {
                        path.join(".")
                    }
                ),
            ),
        }
    }

    fn invoke_provider(&self, provider_id: u64, method: &str, params: &Value) -> Value {
        let provider = self.registry.providers.borrow().get(&provider_id).cloned();
        let Some(provider) = provider else {
            return failure("threw", &format!("no provider {provider_id} is registered"));
        };
        if method.ends_with("/resolve") && method != provider.method {
            // `completionItem/resolve`, `codeLens/resolve`: the SDK's providers answer complete items, so
            // there is nothing to add; `null` tells the host to keep the item as it is.
            return ok(Value::Null);
        }
        if !method.is_empty() && method != provider.method {
            return failure(
                "threw",
                &format!(
                    "provider {provider_id} answers {}, not {method}",
                    provider.method
                ),
            );
        }
        let request = ProviderRequest::new(&provider.method, params, &self.registry.host);
        answer(guarded(|| (provider.handler)(&request)))
    }
}

impl<E, F> Dispatch for Instance<E, F>
where
    E: Extension,
    F: FnMut() -> E,
{
    fn handle(&self, request: &[u8]) -> Value {
        let request: ExtensionRequest = match serde_json::from_slice(request) {
            Ok(request) => request,
            Err(error) => {
                return failure(
                    "invalidRequest",
                    &format!("the request is not one this extension knows: {error}"),
                );
            }
        };
        match request {
            ExtensionRequest::Activate {
                extension_id,
                extension_path,
                development,
            } => self.activate(extension_id, extension_path, development),
            ExtensionRequest::Deactivate => self.deactivate(),
            ExtensionRequest::ExecuteCommand { command, arguments } => {
                self.run_handler(&command, &arguments, false)
            }
            ExtensionRequest::CallExport { path, arguments } => self.call_export(&path, &arguments),
            ExtensionRequest::InvokeProvider {
                provider,
                method,
                params,
            } => self.invoke_provider(provider, &method, &params),
            // Nothing to interrupt (a native call runs to its end) and no event API yet: `null`, as the
            // host itself answers them.
            ExtensionRequest::Cancel { .. } | ExtensionRequest::Event { .. } => ok(Value::Null),
        }
    }

    fn shutdown(&self) {
        if let Ok(mut slot) = self.extension.try_borrow_mut()
            && let Some(extension) = slot.take()
        {
            drop(slot);
            if let Err(panic) = self.discard(extension) {
                self.registry
                    .host
                    .error(format!("dropping the extension panicked: {panic}"));
            }
        }
        let _ = guarded(|| self.registry.clear());
        self.registry.host.detach();
    }
}

/// `{"ok": value}`.
pub(crate) fn ok(value: Value) -> Value {
    json!({ "ok": value })
}

/// `{"error": {"kind": kind, "message": message}}`.
pub(crate) fn failure(kind: &str, message: &str) -> Value {
    json!({"error": {"kind": kind, "message": message}})
}

/// The answer for a handler's outcome.
fn answer(outcome: Result<crate::Result<Value>, String>) -> Value {
    match outcome {
        Ok(Ok(value)) => ok(value),
        Ok(Err(error)) => failure("threw", &error.to_string()),
        Err(panic) => failure("panic", &panic),
    }
}

thread_local! {
    /// How many guarded calls are running on this thread (more than one when re-entrant).
    static GUARD_DEPTH: Cell<u32> = const { Cell::new(0) };
    /// The message and location of the last panic inside a guarded call, recorded by the hook.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static PANIC_HOOK: Once = Once::new();

/// Installs (once per library) a panic hook that records panics inside guarded calls — message and
/// location, for the error the host receives — instead of printing them, and hands every other panic to
/// the previous hook. A cdylib carries its own copy of `std`, so this hook only sees the library's panics.
pub(crate) fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let guarded = GUARD_DEPTH
                .try_with(|depth| depth.get() > 0)
                .unwrap_or(false);
            if !guarded {
                previous(info);
                return;
            }
            let message = payload_message(info.payload());
            let described = match info.location() {
                Some(location) => format!("{message} (at {location})"),
                None => message,
            };
            let _ = LAST_PANIC.try_with(|last| *last.borrow_mut() = Some(described));
        }));
    });
}

/// Runs `body`, catching a panic; answers the panic's message (with its location when the hook saw it).
pub(crate) fn guarded<T>(body: impl FnOnce() -> T) -> Result<T, String> {
    GUARD_DEPTH.with(|depth| depth.set(depth.get() + 1));
    let outcome = catch_unwind(AssertUnwindSafe(body));
    GUARD_DEPTH.with(|depth| depth.set(depth.get().saturating_sub(1)));
    outcome.map_err(|payload| {
        LAST_PANIC
            .with(|last| last.borrow_mut().take())
            .unwrap_or_else(|| payload_message(payload.as_ref()))
    })
}

/// The text of a panic payload (`panic!("…")` makes a `&str` or a `String`).
fn payload_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with a non-text payload".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guarded_reports_the_message_and_location_of_a_panic() {
        install_panic_hook();
        let outcome = guarded(|| -> u32 { panic!("boom {}", 7) });
        let message = outcome.expect_err("the panic is caught");
        assert!(message.starts_with("boom 7 (at "), "{message}");
        assert!(message.contains("dispatch.rs"), "{message}");
        assert_eq!(guarded(|| 5), Ok(5));
    }

    #[test]
    fn nested_guards_each_report_their_own_panic() {
        install_panic_hook();
        let outer = guarded(|| {
            let inner = guarded(|| panic!("inner"));
            assert!(inner.is_err_and(|message| message.starts_with("inner")));
            panic!("outer");
        });
        assert!(outer.is_err_and(|message| message.starts_with("outer")));
    }
}
