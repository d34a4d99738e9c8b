//! What an extension registers while it activates: commands, exports and providers ([`Context`]), and
//! what a command handler receives ([`Call`]).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use exthost_abi::{HostOperation, StateScope};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::host::Host;
use crate::providers::{DocumentSelector, ProviderRequest};
use crate::state::{Memento, StartState};

/// A command (or exported function) handler.
pub(crate) type Handler = Rc<dyn Fn(&Call<'_>) -> Result<Value>>;
/// A language feature provider's handler.
pub(crate) type ProviderHandler = Rc<dyn Fn(&ProviderRequest<'_>) -> Result<Value>>;

/// A registered language feature provider: the LSP method it answers and its handler.
#[derive(Clone)]
pub(crate) struct Provider {
    pub(crate) method: String,
    pub(crate) handler: ProviderHandler,
}

/// Everything one extension instance registered, shared by its [`Context`] and the dispatcher that serves
/// the host's requests. Handlers are cloned out before they run, so a handler may run while another
/// waits on the host (re-entrant requests).
pub(crate) struct Registry {
    pub(crate) host: Host,
    pub(crate) commands: RefCell<BTreeMap<String, Handler>>,
    pub(crate) functions: RefCell<BTreeMap<String, Handler>>,
    pub(crate) exports: RefCell<Map<String, Value>>,
    pub(crate) providers: RefCell<BTreeMap<u64, Provider>>,
    next_provider: Cell<u64>,
    /// The persisted state, once asked for ([`Context::global_state`]).
    state: RefCell<Option<Rc<StartState>>>,
}

impl Registry {
    pub(crate) fn new(host: Host) -> Self {
        Self {
            host,
            commands: RefCell::default(),
            functions: RefCell::default(),
            exports: RefCell::default(),
            providers: RefCell::default(),
            next_provider: Cell::new(1),
            state: RefCell::default(),
        }
    }

    /// The exports `activate` answers: `null` when nothing was exported, else an object whose functions
    /// are markers JavaScript extensions turn into callable proxies.
    pub(crate) fn exports_value(&self) -> Value {
        let exports = self.exports.borrow();
        if exports.is_empty() {
            Value::Null
        } else {
            Value::Object(exports.clone())
        }
    }

    /// Forgets every registration (on deactivate and destroy). The handlers are dropped after the borrows
    /// end, so a handler's `Drop` may not observe a borrowed registry.
    pub(crate) fn clear(&self) {
        let commands = std::mem::take(&mut *self.commands.borrow_mut());
        let functions = std::mem::take(&mut *self.functions.borrow_mut());
        let providers = std::mem::take(&mut *self.providers.borrow_mut());
        self.exports.borrow_mut().clear();
        drop((commands, functions, providers));
    }

    /// The persisted state, asked of the host the first time.
    fn start_state(&self) -> Result<Rc<StartState>> {
        if let Some(state) = self.state.borrow().as_ref() {
            return Ok(Rc::clone(state));
        }
        let state = Rc::new(StartState::ask(&self.host)?);
        *self.state.borrow_mut() = Some(Rc::clone(&state));
        Ok(state)
    }

    fn next_provider_id(&self) -> u64 {
        let id = self.next_provider.get();
        self.next_provider.set(id + 1);
        id
    }
}

/// Marks a function in the exports for JavaScript extensions (the same marker the JS runtime uses).
const FUNCTION_MARKER: &str = "$exthostFunction";

/// What [`Extension::activate`](crate::Extension::activate) registers things with: commands, exports,
/// providers. Registrations last until the extension is deactivated (disabled, or the host stops).
pub struct Context {
    registry: Rc<Registry>,
    extension_id: String,
    extension_path: PathBuf,
    development: bool,
}

impl fmt::Debug for Context {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Context")
            .field("extension_id", &self.extension_id)
            .field("extension_path", &self.extension_path)
            .field("development", &self.development)
            .finish_non_exhaustive()
    }
}

impl Context {
    pub(crate) fn new(
        registry: Rc<Registry>,
        extension_id: String,
        extension_path: PathBuf,
        development: bool,
    ) -> Self {
        Self {
            registry,
            extension_id,
            extension_path,
            development,
        }
    }

    /// The handle on the host (clone it to keep it).
    pub fn host(&self) -> &Host {
        &self.registry.host
    }

    /// This extension's id, from its manifest.
    pub fn extension_id(&self) -> &str {
        &self.extension_id
    }

    /// This extension's folder (where its `exthost.json` is).
    pub fn extension_path(&self) -> &Path {
        &self.extension_path
    }

    /// Whether the host runs this extension in development mode (`exthost serve --dev`).
    pub fn is_development(&self) -> bool {
        self.development
    }

    /// This extension's `globalState`: JSON values kept per extension across sessions and workspaces, in
    /// the same file a JavaScript extension's `context.globalState` uses. Asks the host for the stored
    /// values the first time (later calls, and clones kept in handlers, share them). Without a home
    /// (`$EXTHOST_HOME` unusable) the values live in memory for this instance only.
    ///
    /// ```
    /// use exthost_sdk::{Context, Result, json};
    ///
    /// fn register(context: &mut Context) -> Result<()> {
    ///     let state = context.global_state()?;
    ///     context.register_command("counter.bump", move |_| {
    ///         let count: u64 = state.get_as("count")?.unwrap_or(0) + 1;
    ///         state.update("count", count)?;
    ///         Ok(json!(count))
    ///     })
    /// }
    /// ```
    pub fn global_state(&self) -> Result<Memento> {
        let state = self.registry.start_state()?;
        Ok(state.memento(&self.registry.host, StateScope::Global))
    }

    /// This extension's `workspaceState`: as [`Context::global_state`], kept per set of workspace folders.
    pub fn workspace_state(&self) -> Result<Memento> {
        let state = self.registry.start_state()?;
        Ok(state.memento(&self.registry.host, StateScope::Workspace))
    }

    /// Registers `command`: from now on the host routes `workspace/executeCommand` and other extensions'
    /// `executeCommand` for it to `handler`, which answers the command's result as JSON.
    ///
    /// Fails with [`Error::Host`] when another extension already registered the id.
    ///
    /// ```
    /// use exthost_sdk::{Context, Error, Result, json};
    ///
    /// fn register(context: &mut Context) -> Result<()> {
    ///     context.register_command("words.count", |call| {
    ///         let text: String = call.argument(0)?;
    ///         if text.is_empty() {
    ///             return Err(Error::new("nothing to count"));
    ///         }
    ///         Ok(json!(text.split_whitespace().count()))
    ///     })
    /// }
    /// ```
    pub fn register_command<F>(&mut self, command: impl Into<String>, handler: F) -> Result<()>
    where
        F: Fn(&Call<'_>) -> Result<Value> + 'static,
    {
        let command = command.into();
        let previous = self
            .registry
            .commands
            .borrow_mut()
            .insert(command.clone(), Rc::new(handler));
        match self.registry.host.request(&HostOperation::RegisterCommand {
            command: command.clone(),
        }) {
            Ok(_) => Ok(()),
            Err(error) => {
                let mut commands = self.registry.commands.borrow_mut();
                match previous {
                    Some(previous) => commands.insert(command, previous),
                    None => commands.remove(&command),
                };
                Err(error)
            }
        }
    }

    /// Withdraws a command this extension registered. (Deactivation withdraws every command anyway.)
    pub fn unregister_command(&mut self, command: &str) -> Result<()> {
        let removed = self.registry.commands.borrow_mut().remove(command);
        drop(removed);
        self.registry
            .host
            .request(&HostOperation::UnregisterCommand {
                command: command.to_owned(),
            })
            .map(drop)
    }

    /// Puts `value` in this extension's exports under `name`: other extensions read it from
    /// `vscode.extensions.getExtension(id).exports.<name>` (JavaScript) or
    /// [`Host::activate_extension`] (native).
    pub fn export_value(&mut self, name: impl Into<String>, value: Value) {
        let name = name.into();
        self.registry.functions.borrow_mut().remove(&name);
        self.registry.exports.borrow_mut().insert(name, value);
    }

    /// Exports a function under `name`: a JavaScript extension calls it as
    /// `(await vscode.extensions.getExtension(id).activate()).<name>(...args)` (it answers a promise), a
    /// native one with [`Host::call_export`]`(id, &[name], arguments)`.
    pub fn export_function<F>(&mut self, name: impl Into<String>, handler: F)
    where
        F: Fn(&Call<'_>) -> Result<Value> + 'static,
    {
        let name = name.into();
        self.registry
            .exports
            .borrow_mut()
            .insert(name.clone(), json!({ FUNCTION_MARKER: [name.clone()] }));
        self.registry
            .functions
            .borrow_mut()
            .insert(name, Rc::new(handler));
    }

    /// Registers a hover provider for documents matching `selector`: the editor's `textDocument/hover`
    /// reaches `handler`, which answers an LSP `Hover` (`{"contents": …}`) or `None`.
    ///
    /// ```
    /// use exthost_sdk::{Context, DocumentSelector, Result, json};
    ///
    /// fn register(context: &mut Context) -> Result<()> {
    ///     context.register_hover_provider(DocumentSelector::language("rust"), |request| {
    ///         let Some(position) = request.position() else { return Ok(None) };
    ///         Ok(Some(json!({"contents": format!("line {}", position.line + 1)})))
    ///     })
    /// }
    /// ```
    ///
    /// A host without a language bridge answers [`Error::Unsupported`] and the provider is not kept.
    pub fn register_hover_provider<F>(
        &mut self,
        selector: DocumentSelector,
        handler: F,
    ) -> Result<()>
    where
        F: Fn(&ProviderRequest<'_>) -> Result<Option<Value>> + 'static,
    {
        self.register_provider("textDocument/hover", selector, json!({}), move |request| {
            handler(request).map(|hover| hover.unwrap_or(Value::Null))
        })
    }

    /// Registers a completion provider for documents matching `selector`, triggered also by typing one of
    /// `trigger_characters`: `handler` answers LSP `CompletionItem`s (`{"label": …}`).
    ///
    /// A host without a language bridge answers [`Error::Unsupported`] and the provider is not kept.
    pub fn register_completion_provider<F>(
        &mut self,
        selector: DocumentSelector,
        trigger_characters: &[&str],
        handler: F,
    ) -> Result<()>
    where
        F: Fn(&ProviderRequest<'_>) -> Result<Vec<Value>> + 'static,
    {
        self.register_provider(
            "textDocument/completion",
            selector,
            json!({ "triggerCharacters": trigger_characters }),
            move |request| handler(request).map(Value::Array),
        )
    }

    /// Registers a provider for any LSP language feature the host routes (`textDocument/definition`,
    /// `textDocument/codeAction`, …): `handler` receives the LSP params and answers the LSP result as
    /// JSON. `options` are the method's registration options (`triggerCharacters`, `resolveProvider`, …;
    /// `{}` for none). Use it for features without a dedicated method here.
    pub fn register_provider<F>(
        &mut self,
        method: &str,
        selector: DocumentSelector,
        options: Value,
        handler: F,
    ) -> Result<()>
    where
        F: Fn(&ProviderRequest<'_>) -> Result<Value> + 'static,
    {
        let id = self.registry.next_provider_id();
        let provider = Provider {
            method: method.to_owned(),
            handler: Rc::new(handler),
        };
        self.registry.providers.borrow_mut().insert(id, provider);
        let request = HostOperation::RegisterProvider {
            handle: id,
            method: method.to_owned(),
            selector: selector.to_json(),
            options,
        };
        match self.registry.host.request(&request) {
            Ok(_) => Ok(()),
            Err(error) => {
                let removed = self.registry.providers.borrow_mut().remove(&id);
                drop(removed);
                Err(error)
            }
        }
    }
}

/// One call of a command or exported function: its arguments and the host.
#[derive(Debug)]
pub struct Call<'a> {
    name: &'a str,
    arguments: &'a [Value],
    host: &'a Host,
}

impl<'a> Call<'a> {
    pub(crate) fn new(name: &'a str, arguments: &'a [Value], host: &'a Host) -> Self {
        Self {
            name,
            arguments,
            host,
        }
    }

    /// The command id (or exported function's name) being called.
    pub fn name(&self) -> &str {
        self.name
    }

    /// The arguments, as JSON.
    pub fn arguments(&self) -> &[Value] {
        self.arguments
    }

    /// The argument at `index`, converted to `T`; [`Error::Argument`] when it is missing or has another
    /// shape.
    pub fn argument<T: DeserializeOwned>(&self, index: usize) -> Result<T> {
        let value = self.arguments.get(index).ok_or_else(|| Error::Argument {
            index,
            reason: format!("missing ({} argument(s) were given)", self.arguments.len()),
        })?;
        serde_json::from_value(value.clone()).map_err(|error| Error::Argument {
            index,
            reason: error.to_string(),
        })
    }

    /// The argument at `index` converted to `T`, or `None` when it is missing or `null`.
    pub fn optional_argument<T: DeserializeOwned>(&self, index: usize) -> Result<Option<T>> {
        match self.arguments.get(index) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.argument(index).map(Some),
        }
    }

    /// The handle on the host, e.g. to execute another command.
    pub fn host(&self) -> &Host {
        self.host
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_convert_or_name_the_problem() {
        let host = Host::new(std::ptr::null());
        let arguments = [json!("text"), json!(3), Value::Null];
        let call = Call::new("x.y", &arguments, &host);
        assert_eq!(call.name(), "x.y");
        assert_eq!(call.argument::<String>(0), Ok("text".to_owned()));
        assert_eq!(call.argument::<u32>(1), Ok(3));
        assert!(matches!(
            call.argument::<u32>(0),
            Err(Error::Argument { index: 0, reason }) if reason.contains("invalid type")
        ));
        assert!(matches!(
            call.argument::<u32>(5),
            Err(Error::Argument { index: 5, reason }) if reason.contains("missing")
        ));
        assert_eq!(call.optional_argument::<u32>(2), Ok(None));
        assert_eq!(call.optional_argument::<u32>(9), Ok(None));
        assert_eq!(call.optional_argument::<u32>(1), Ok(Some(3)));
    }
}
