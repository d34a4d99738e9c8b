//! [`TestHost`]: run an extension in a unit test, without the exthost binary — activate it, execute its
//! commands, see what it logged — through the same request handling the real host drives.
//!
//! ```
//! use exthost_sdk::testing::TestHost;
//! use exthost_sdk::{Context, Extension, Result, json};
//!
//! #[derive(Default)]
//! struct Greeter;
//!
//! impl Extension for Greeter {
//!     fn activate(&mut self, context: &mut Context) -> Result<()> {
//!         context.register_command("greeter.hello", |call| {
//!             let name: String = call.argument(0)?;
//!             Ok(json!(format!("Hello, {name}!")))
//!         })
//!     }
//! }
//!
//! let mut host = TestHost::new();
//! host.activate(Greeter).expect("activates");
//! assert_eq!(host.execute_command("greeter.hello", vec![json!("Ada")]), Ok(json!("Hello, Ada!")));
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use exthost_abi::{ExtensionRequest, HostCallError, HostOperation, StateScope};
use serde_json::{Map, Value, json};

use crate::Extension;
use crate::abi::{ABI_VERSION, Buffer, HostVTable};
use crate::dispatch::{Dispatch, Instance, failure, install_panic_hook, ok};
use crate::host::{Host, LogLevel, MessageLevel};

/// How a call into the extension failed, as the host would see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The extension returned an error.
    Threw,
    /// The extension panicked (the real host marks the extension failed).
    Panicked,
    /// No such command is registered.
    UnknownCommand,
    /// The request itself was wrong (e.g. activating twice).
    Invalid,
}

/// A failed call into the extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// The message the editor would see.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Failure {}

/// A command of another extension, faked by the test.
type FakeCommand = Box<dyn Fn(&[Value]) -> Result<Value, String>>;

/// The host's side of the test: what the extension registered and logged, and the fakes it can reach.
#[derive(Default)]
struct TestState {
    instance: RefCell<Option<Rc<dyn Dispatch>>>,
    registered: RefCell<Vec<String>>,
    providers: RefCell<BTreeMap<u64, (String, Value)>>,
    logs: RefCell<Vec<(LogLevel, String)>>,
    messages: RefCell<Vec<(MessageLevel, String)>>,
    fakes: BTreeMap<String, FakeCommand>,
    settings: Map<String, Value>,
    global_state: RefCell<Map<String, Value>>,
    workspace_state: RefCell<Map<String, Value>>,
}

/// A stand-in for the exthost host in unit tests.
///
/// It answers the extension's host operations like the real host does for one extension: commands it
/// registered run through it (re-entrantly, too), commands added with [`TestHost::with_command`] stand
/// for other extensions', settings come from [`TestHost::with_setting`], providers it registered answer
/// [`TestHost::hover`], [`TestHost::completion`] and [`TestHost::invoke_provider`], log lines and
/// messages are kept for [`TestHost::logs`] and [`TestHost::messages`], and the persisted state
/// ([`Context::global_state`](crate::Context::global_state), `workspace_state`) starts from
/// [`TestHost::with_global_state`] / [`TestHost::with_workspace_state`] and is read back with
/// [`TestHost::global_state`] / [`TestHost::workspace_state`].
pub struct TestHost {
    state: Box<TestState>,
    vtable: Box<HostVTable>,
}

impl fmt::Debug for TestHost {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("TestHost")
            .field("registered", &self.state.registered.borrow())
            .field("logs", &self.state.logs.borrow())
            .finish_non_exhaustive()
    }
}

impl Default for TestHost {
    fn default() -> Self {
        Self::new()
    }
}

impl TestHost {
    /// A host with no other extensions.
    pub fn new() -> Self {
        install_panic_hook();
        let state = Box::<TestState>::default();
        let vtable = Box::new(HostVTable {
            abi_version: ABI_VERSION,
            context: std::ptr::null_mut(),
            call: test_host_call,
            free_buffer: test_host_free,
        });
        let mut host = Self { state, vtable };
        host.relink();
        host
    }

    /// Points the vtable at the (boxed, so stable) state.
    fn relink(&mut self) {
        let state: *const TestState = &*self.state;
        self.vtable.context = state.cast_mut().cast::<c_void>();
    }

    /// Adds a command of "another extension": `executeCommand(command, …)` from the extension runs
    /// `handler`, whose `Err` becomes the host error the extension sees.
    pub fn with_command(
        mut self,
        command: impl Into<String>,
        handler: impl Fn(&[Value]) -> Result<Value, String> + 'static,
    ) -> Self {
        self.state_mut()
            .fakes
            .insert(command.into(), Box::new(handler));
        self
    }

    /// Sets the setting `key` (a dotted key such as `words.minimumLength`, as in `settings.json`) that
    /// [`Host::configuration`] reads.
    pub fn with_setting(mut self, key: impl Into<String>, value: Value) -> Self {
        self.state_mut().settings.insert(key.into(), value);
        self
    }

    /// Stores `value` under `key` in the extension's `globalState` before it activates (as an earlier
    /// session would have left it).
    pub fn with_global_state(mut self, key: impl Into<String>, value: Value) -> Self {
        self.state_mut()
            .global_state
            .get_mut()
            .insert(key.into(), value);
        self
    }

    /// [`TestHost::with_global_state`] for `workspaceState`.
    pub fn with_workspace_state(mut self, key: impl Into<String>, value: Value) -> Self {
        self.state_mut()
            .workspace_state
            .get_mut()
            .insert(key.into(), value);
        self
    }

    /// The extension's `globalState` as the host stored it (what the next session starts from).
    pub fn global_state(&self) -> Map<String, Value> {
        self.state.global_state.borrow().clone()
    }

    /// The extension's `workspaceState` as the host stored it.
    pub fn workspace_state(&self) -> Map<String, Value> {
        self.state.workspace_state.borrow().clone()
    }

    fn state_mut(&mut self) -> &mut TestState {
        // The state is only shared through the vtable while a call runs; builders run before any.
        &mut self.state
    }

    /// Activates `extension`; answers its exports (`null` when it exported nothing).
    pub fn activate<E: Extension + 'static>(&mut self, extension: E) -> Result<Value, Failure> {
        if self.state.instance.borrow().is_some() {
            return Err(Failure {
                kind: FailureKind::Invalid,
                message: "an extension is already activated in this TestHost".to_owned(),
            });
        }
        let mut slot = Some(extension);
        let host = Host::new(&*self.vtable);
        let instance: Rc<dyn Dispatch> = Rc::new(Instance::new(host, move || {
            slot.take()
                .expect("invariant: TestHost activates its extension once")
        }));
        *self.state.instance.borrow_mut() = Some(instance);
        self.send(&ExtensionRequest::Activate {
            extension_id: "test.extension".to_owned(),
            extension_path: std::env::current_dir().unwrap_or_default(),
            development: true,
        })
    }

    /// Executes `command` (one the extension registered, or a fake) as the editor would.
    pub fn execute_command(&self, command: &str, arguments: Vec<Value>) -> Result<Value, Failure> {
        self.send(&ExtensionRequest::ExecuteCommand {
            command: command.to_owned(),
            arguments,
        })
    }

    /// Calls the function the extension exported as `name`.
    pub fn call_export(&self, name: &str, arguments: Vec<Value>) -> Result<Value, Failure> {
        self.send(&ExtensionRequest::CallExport {
            path: vec![name.to_owned()],
            arguments,
        })
    }

    /// Asks every registered hover provider about `params` (LSP `TextDocumentPositionParams`); answers
    /// the non-null hovers in registration order. (Selectors are not checked: every provider is asked.)
    pub fn hover(&self, params: Value) -> Result<Vec<Value>, Failure> {
        self.invoke_provider("textDocument/hover", params)
    }

    /// Asks every registered completion provider about `params`; answers all their items.
    pub fn completion(&self, params: Value) -> Result<Vec<Value>, Failure> {
        let lists = self.invoke_provider("textDocument/completion", params)?;
        Ok(lists
            .into_iter()
            .flat_map(|list| match list {
                Value::Array(items) => items,
                other => vec![other],
            })
            .collect())
    }

    /// Asks every provider registered for the LSP `method` about `params`; answers the non-null answers
    /// in registration order.
    pub fn invoke_provider(&self, method: &str, params: Value) -> Result<Vec<Value>, Failure> {
        let providers: Vec<u64> = self
            .state
            .providers
            .borrow()
            .iter()
            .filter(|(_, (registered, _))| registered == method)
            .map(|(id, _)| *id)
            .collect();
        let mut answers = Vec::new();
        for provider in providers {
            let answer = self.send(&ExtensionRequest::InvokeProvider {
                provider,
                method: method.to_owned(),
                params: params.clone(),
            })?;
            if !answer.is_null() {
                answers.push(answer);
            }
        }
        Ok(answers)
    }

    /// Deactivates the extension (its `deactivate`, then every registration is dropped).
    pub fn deactivate(&mut self) -> Result<(), Failure> {
        let answer = self.send(&ExtensionRequest::Deactivate).map(drop);
        self.state.registered.borrow_mut().clear();
        self.state.providers.borrow_mut().clear();
        answer
    }

    /// The commands the extension has registered, in order.
    pub fn registered_commands(&self) -> Vec<String> {
        self.state.registered.borrow().clone()
    }

    /// Every line the extension logged, in order.
    pub fn logs(&self) -> Vec<(LogLevel, String)> {
        self.state.logs.borrow().clone()
    }

    /// Every message the extension showed the user, in order.
    pub fn messages(&self) -> Vec<(MessageLevel, String)> {
        self.state.messages.borrow().clone()
    }

    fn send(&self, request: &ExtensionRequest) -> Result<Value, Failure> {
        decode(self.state.dispatch(request))
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        let instance = self.state.instance.borrow_mut().take();
        if let Some(instance) = instance {
            instance.shutdown();
        }
    }
}

impl TestState {
    /// Sends a request into the extension; an answer of `{"error": …}` if none is activated.
    fn dispatch(&self, request: &ExtensionRequest) -> Value {
        let instance = self.instance.borrow().clone();
        match instance {
            Some(instance) => instance.handle(request.to_json().to_string().as_bytes()),
            None => failure(
                "invalidRequest",
                "no extension is activated in this TestHost",
            ),
        }
    }

    /// Answers one host operation from the extension.
    fn answer(&self, operation: HostOperation) -> Value {
        let failed = |message: String| HostCallError::failed(message).to_answer();
        match operation {
            HostOperation::RegisterCommand { command } => {
                if self.fakes.contains_key(&command) {
                    return failed(format!(
                        "command {command} is already registered by another extension"
                    ));
                }
                let mut registered = self.registered.borrow_mut();
                if !registered.contains(&command) {
                    registered.push(command);
                }
                ok(Value::Null)
            }
            HostOperation::UnregisterCommand { command } => {
                self.registered.borrow_mut().retain(|c| *c != command);
                ok(Value::Null)
            }
            HostOperation::ExecuteCommand { command, arguments } => {
                if self.registered.borrow().contains(&command) {
                    let answer =
                        self.dispatch(&ExtensionRequest::ExecuteCommand { command, arguments });
                    return match decode(answer) {
                        Ok(value) => ok(value),
                        Err(failure) => failed(failure.message),
                    };
                }
                match self.fakes.get(&command) {
                    Some(fake) => match fake(&arguments) {
                        Ok(value) => ok(value),
                        Err(message) => failed(message),
                    },
                    None => HostCallError::not_found(format!("command not found: {command}"))
                        .to_answer(),
                }
            }
            HostOperation::GetCommands => {
                let mut commands = self.registered.borrow().clone();
                commands.extend(self.fakes.keys().cloned());
                commands.sort();
                ok(json!(commands))
            }
            HostOperation::Log { level, message } => {
                self.logs.borrow_mut().push((level, message));
                ok(Value::Null)
            }
            HostOperation::ShowMessage {
                message_type,
                message,
            } => {
                let level = match message_type {
                    1 => MessageLevel::Error,
                    2 => MessageLevel::Warning,
                    _ => MessageLevel::Info,
                };
                self.messages.borrow_mut().push((level, message));
                ok(Value::Null)
            }
            HostOperation::Settings => ok(Value::Object(self.settings.clone())),
            HostOperation::RegisterProvider {
                handle,
                method,
                selector,
                ..
            } => {
                self.providers
                    .borrow_mut()
                    .insert(handle, (method, selector));
                ok(Value::Null)
            }
            HostOperation::UnregisterProvider { handle } => {
                self.providers.borrow_mut().remove(&handle);
                ok(Value::Null)
            }
            HostOperation::GetExtension { .. } => ok(Value::Null),
            HostOperation::ExtensionState => ok(json!({
                "globalState": Value::Object(self.global_state.borrow().clone()),
                "workspaceState": Value::Object(self.workspace_state.borrow().clone()),
            })),
            HostOperation::StateUpdate {
                scope,
                key,
                value,
                delete,
            } => {
                let store = match scope {
                    StateScope::Global => &self.global_state,
                    StateScope::Workspace => &self.workspace_state,
                    StateScope::Secrets => {
                        return HostCallError::unsupported("TestHost keeps no secrets").to_answer();
                    }
                };
                let mut store = store.borrow_mut();
                if delete {
                    store.remove(&key);
                } else {
                    store.insert(key, value);
                }
                ok(Value::Null)
            }
            operation @ (HostOperation::ActivateExtension { .. }
            | HostOperation::CallExport { .. }) => failed(format!(
                "{}: TestHost knows no other extension than the one under test",
                operation.name()
            )),
            operation => HostCallError::unsupported(format!(
                "TestHost does not know the operation {}",
                operation.name()
            ))
            .to_answer(),
        }
    }
}

/// Turns an answer (`{"ok"}` or `{"error"}`) into a result.
fn decode(mut answer: Value) -> Result<Value, Failure> {
    if let Some(value) = answer.get_mut("ok") {
        return Ok(value.take());
    }
    let error = &answer["error"];
    let kind = match error["kind"].as_str() {
        Some("panic") => FailureKind::Panicked,
        Some("unknownCommand") => FailureKind::UnknownCommand,
        Some("threw") => FailureKind::Threw,
        _ => FailureKind::Invalid,
    };
    Err(Failure {
        kind,
        message: error["message"].as_str().unwrap_or_default().to_owned(),
    })
}

/// The test host's [`HostVTable::call`].
unsafe extern "C" fn test_host_call(
    context: *mut c_void,
    request: *const u8,
    request_len: usize,
) -> Buffer {
    let answer = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `context` is the `TestState` the owning `TestHost` boxed; it outlives every instance
        // (the instance is shut down in `TestHost::drop` before the box is freed). Only shared references
        // are made, so re-entrant calls alias nothing mutably.
        let state = unsafe { &*context.cast_const().cast::<TestState>() };
        // SAFETY: the SDK passes a pointer to `request_len` bytes it owns for the duration of the call.
        let bytes = unsafe { std::slice::from_raw_parts(request, request_len) };
        match HostOperation::from_slice(bytes) {
            Ok(operation) => state.answer(operation),
            Err(error) => error.to_answer(),
        }
    }))
    .unwrap_or_else(|_| failure("failed", "TestHost panicked"));
    Buffer::from_vec(answer.to_string().into_bytes())
}

/// The test host's [`HostVTable::free_buffer`].
unsafe extern "C" fn test_host_free(buffer: Buffer) {
    // SAFETY: every buffer `test_host_call` answers comes from `Buffer::from_vec` in this crate.
    drop(unsafe { buffer.into_vec() });
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::providers::DocumentSelector;
    use crate::{Context, Error};

    /// An extension exercising every part of the API.
    #[derive(Default)]
    struct Sample {
        host: Option<Host>,
    }

    impl Extension for Sample {
        fn activate(&mut self, context: &mut Context) -> crate::Result<()> {
            self.host = Some(context.host().clone());
            let counter = Rc::new(Cell::new(0));
            context.register_command("sample.count", move |_| {
                counter.set(counter.get() + 1);
                Ok(json!(counter.get()))
            })?;
            context.register_command("sample.sum", |call| {
                let numbers: Vec<f64> = call.argument(0)?;
                Ok(json!(numbers.iter().sum::<f64>()))
            })?;
            context.register_command("sample.twice", |call| {
                let first = call.host().execute_command("sample.count", vec![])?;
                let second = call.host().execute_command("sample.count", vec![])?;
                Ok(json!([first, second]))
            })?;
            context.register_command("sample.other", |call| {
                call.host()
                    .execute_command("other.echo", call.arguments().to_vec())
            })?;
            context.register_command("sample.fail", |_| Err(Error::new("refused")))?;
            context.register_command("sample.panic", |_| panic!("command exploded"))?;
            context.export_value("version", json!(2));
            context.export_function("double", |call| {
                let number: i64 = call.argument(0)?;
                Ok(json!(number * 2))
            });
            context.host().info("activated");
            Ok(())
        }

        fn deactivate(&mut self, host: &Host) -> crate::Result<()> {
            host.info("deactivated");
            Ok(())
        }
    }

    #[test]
    fn an_extension_registers_runs_and_deactivates() {
        let mut host = TestHost::new()
            .with_command("other.echo", |arguments| Ok(json!({"echoed": arguments})));
        let exports = host.activate(Sample::default()).expect("activates");
        assert_eq!(
            exports,
            json!({"version": 2, "double": {"$exthostFunction": ["double"]}})
        );
        assert_eq!(
            host.registered_commands(),
            [
                "sample.count",
                "sample.sum",
                "sample.twice",
                "sample.other",
                "sample.fail",
                "sample.panic"
            ]
        );
        assert_eq!(
            host.execute_command("sample.sum", vec![json!([1, 2, 3.5])]),
            Ok(json!(6.5))
        );
        assert_eq!(host.execute_command("sample.count", vec![]), Ok(json!(1)));
        // Re-entrant: the command runs two commands of its own extension through the host.
        assert_eq!(
            host.execute_command("sample.twice", vec![]),
            Ok(json!([2, 3]))
        );
        assert_eq!(
            host.execute_command("sample.other", vec![json!(1)]),
            Ok(json!({"echoed": [1]}))
        );
        assert_eq!(host.call_export("double", vec![json!(21)]), Ok(json!(42)));
        assert_eq!(
            host.execute_command("sample.fail", vec![]),
            Err(Failure {
                kind: FailureKind::Threw,
                message: "refused".to_owned()
            })
        );
        let argument = host
            .execute_command("sample.sum", vec![json!("nope")])
            .expect_err("a bad argument fails the command");
        assert_eq!(argument.kind, FailureKind::Threw);
        assert!(argument.message.starts_with("argument 0: "), "{argument}");
        assert_eq!(
            host.execute_command("sample.missing", vec![])
                .map_err(|failure| failure.kind),
            Err(FailureKind::UnknownCommand)
        );
        host.deactivate().expect("deactivates");
        assert_eq!(
            host.logs(),
            [
                (LogLevel::Info, "activated".to_owned()),
                (LogLevel::Info, "deactivated".to_owned())
            ]
        );
        assert_eq!(
            host.execute_command("sample.count", vec![])
                .map_err(|failure| failure.kind),
            Err(FailureKind::UnknownCommand)
        );
    }

    #[test]
    fn a_panicking_command_is_reported_with_its_message_and_the_rest_keeps_working() {
        let mut host = TestHost::new().with_command("other.echo", |_| Ok(Value::Null));
        host.activate(Sample::default()).expect("activates");
        let panic = host
            .execute_command("sample.panic", vec![])
            .expect_err("the panic is caught");
        assert_eq!(panic.kind, FailureKind::Panicked);
        assert!(
            panic.message.starts_with("command exploded (at "),
            "{panic}"
        );
        assert_eq!(
            host.execute_command("sample.sum", vec![json!([1])]),
            Ok(json!(1.0))
        );
    }

    #[test]
    fn a_panic_in_activate_or_in_the_constructor_is_a_failure() {
        struct Exploding;
        impl Extension for Exploding {
            fn activate(&mut self, _: &mut Context) -> crate::Result<()> {
                panic!("activate exploded")
            }
        }
        let mut host = TestHost::new();
        let failure = host.activate(Exploding).expect_err("the panic is caught");
        assert_eq!(failure.kind, FailureKind::Panicked);
        assert!(failure.message.starts_with("activate exploded"));
    }

    #[test]
    fn a_taken_command_id_is_refused_and_not_kept() {
        struct Taker;
        impl Extension for Taker {
            fn activate(&mut self, context: &mut Context) -> crate::Result<()> {
                let refused = context.register_command("other.echo", |_| Ok(Value::Null));
                assert!(matches!(refused, Err(Error::Host { .. })), "{refused:?}");
                Ok(())
            }
        }
        let mut host = TestHost::new().with_command("other.echo", |_| Ok(json!("fake")));
        host.activate(Taker).expect("activates");
        assert!(host.registered_commands().is_empty());
    }

    #[test]
    fn providers_settings_and_messages_reach_the_test_host() {
        struct Languages;
        impl Extension for Languages {
            fn activate(&mut self, context: &mut Context) -> crate::Result<()> {
                context.register_hover_provider(DocumentSelector::language("rust"), |request| {
                    let line = request.position().map_or(0, |position| position.line);
                    Ok(Some(json!({"contents": format!("line {line}")})))
                })?;
                context.register_completion_provider(
                    DocumentSelector::language("rust"),
                    &["."],
                    |_| Ok(vec![json!({"label": "fn"})]),
                )?;
                let minimum = context.host().configuration("words.minimum")?;
                context
                    .host()
                    .show_message(crate::MessageLevel::Warning, format!("minimum {minimum}"))?;
                Ok(())
            }
        }
        let mut host = TestHost::new().with_setting("words.minimum", json!(2));
        host.activate(Languages).expect("activates");
        assert_eq!(
            host.messages(),
            [(crate::MessageLevel::Warning, "minimum 2".to_owned())]
        );
        let position = json!({"textDocument": {"uri": "file:///a.rs"}, "position": {"line": 4, "character": 0}});
        assert_eq!(
            host.hover(position.clone()),
            Ok(vec![json!({"contents": "line 4"})])
        );
        assert_eq!(host.completion(position), Ok(vec![json!({"label": "fn"})]));
    }

    #[test]
    fn global_and_workspace_state_start_from_the_host_and_write_through() {
        struct Counter;
        impl Extension for Counter {
            fn activate(&mut self, context: &mut Context) -> crate::Result<()> {
                let global = context.global_state()?;
                let workspace = context.workspace_state()?;
                let seen: u64 = global.get_as("count")?.unwrap_or(0);
                context.host().info(format!("started from {seen}"));
                context.register_command("counter.bump", move |call| {
                    let count: u64 = global.get_as("count")?.unwrap_or(0) + 1;
                    global.update("count", count)?;
                    workspace.update("last", call.arguments().first().cloned())?;
                    if count == 3 {
                        workspace.remove("old")?;
                    }
                    Ok(json!({"count": count, "keys": global.keys()}))
                })?;
                // A second handle shares the values.
                let again = context.global_state()?;
                context.register_command("counter.read", move |_| Ok(json!(again.get("count"))))?;
                Ok(())
            }
        }
        let mut host = TestHost::new()
            .with_global_state("count", json!(1))
            .with_global_state("name", json!("kept"))
            .with_workspace_state("old", json!(true));
        host.activate(Counter).expect("activates");
        assert_eq!(host.logs(), [(LogLevel::Info, "started from 1".to_owned())]);
        assert_eq!(
            host.execute_command("counter.bump", vec![json!("a")]),
            Ok(json!({"count": 2, "keys": ["count", "name"]}))
        );
        assert_eq!(host.execute_command("counter.read", vec![]), Ok(json!(2)));
        assert_eq!(host.global_state().get("count"), Some(&json!(2)));
        assert_eq!(
            host.execute_command("counter.bump", vec![json!({"b": 1})]),
            Ok(json!({"count": 3, "keys": ["count", "name"]}))
        );
        assert_eq!(
            Value::Object(host.workspace_state()),
            json!({"last": {"b": 1}})
        );
        assert_eq!(host.global_state().get("name"), Some(&json!("kept")));
        // A value of the wrong type is an error naming the key, not a panic.
        let wrong = TestHost::new().with_global_state("count", json!("many"));
        let mut wrong = wrong;
        let error = wrong
            .activate(Counter)
            .expect_err("activate reads the count");
        assert!(error.message.contains("\"count\""), "{error}");
    }
}
