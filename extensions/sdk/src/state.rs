//! An extension's persisted key-value state ([`Memento`]): `globalState` and `workspaceState`, the same
//! files under `$EXTHOST_HOME` that JavaScript extensions' `context.globalState` and
//! `context.workspaceState` use, through the host operations `extensionState` and `stateUpdate`.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use exthost_abi::{HostOperation, StateScope};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::host::Host;

/// What an extension's state starts from, asked of the host once per instance (operation
/// `extensionState`): `None` when the host keeps no state (no home), and the values then live in memory.
#[derive(Default)]
pub(crate) struct StartState {
    global: Rc<RefCell<Map<String, Value>>>,
    workspace: Rc<RefCell<Map<String, Value>>>,
    persisted: bool,
}

impl StartState {
    /// Asks `host` for the extension's state.
    pub(crate) fn ask(host: &Host) -> Result<Self> {
        let state = host.request(&HostOperation::ExtensionState)?;
        let values = |key: &str| -> Rc<RefCell<Map<String, Value>>> {
            let map = match state.get(key) {
                Some(Value::Object(map)) => map.clone(),
                _ => Map::new(),
            };
            Rc::new(RefCell::new(map))
        };
        Ok(Self {
            global: values("globalState"),
            workspace: values("workspaceState"),
            persisted: !state.is_null(),
        })
    }

    /// The memento of `scope` (global or workspace).
    pub(crate) fn memento(&self, host: &Host, scope: StateScope) -> Memento {
        let values = match scope {
            StateScope::Workspace => Rc::clone(&self.workspace),
            _ => Rc::clone(&self.global),
        };
        Memento {
            host: host.clone(),
            scope,
            values,
            persisted: self.persisted,
        }
    }
}

/// A persisted key-value store of JSON values, as VS Code's `Memento`: [`Context::global_state`]
/// (per extension, every workspace) and [`Context::workspace_state`] (per extension and set of workspace
/// folders). Values are read from a copy loaded when the instance first asked for its state, so
/// [`Memento::get`] does not call the host; [`Memento::update`] writes through to the host and returns
/// once the value is on disk (the write is atomic: after a crash the file holds the last completed write).
/// The files are the ones JavaScript extensions' mementos use, so a value survives `exthost/restartHost`,
/// a crashed worker and the next session. Cheap to clone; clones share the values.
///
/// [`Context::global_state`]: crate::Context::global_state
/// [`Context::workspace_state`]: crate::Context::workspace_state
#[derive(Clone)]
pub struct Memento {
    host: Host,
    scope: StateScope,
    values: Rc<RefCell<Map<String, Value>>>,
    persisted: bool,
}

impl fmt::Debug for Memento {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Memento")
            .field("scope", &self.scope)
            .field("keys", &self.keys())
            .field("persisted", &self.persisted)
            .finish()
    }
}

impl Memento {
    /// The value stored under `key`, if any.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.values.borrow().get(key).cloned()
    }

    /// The value stored under `key` as a `T`; `Ok(None)` when there is none, an error when it is not a `T`.
    ///
    /// ```no_run
    /// # fn example(state: &exthost_sdk::Memento) -> exthost_sdk::Result<()> {
    /// let count: u64 = state.get_as("count")?.unwrap_or(0);
    /// state.update("count", count + 1)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.get(key)
            .map(|value| {
                serde_json::from_value(value).map_err(|error| {
                    Error::new(format!("the state {key:?} is not readable: {error}"))
                })
            })
            .transpose()
    }

    /// Stores `value` (any serialisable value; `null` is stored as `null`) under `key`; returns once the
    /// host has written it to disk. On an error the stored value is unchanged.
    pub fn update(&self, key: &str, value: impl Serialize) -> Result<()> {
        let value = serde_json::to_value(value)?;
        self.write(key, Some(value))
    }

    /// Removes `key` (as `update(key, undefined)` does in JavaScript); returns once it is gone from disk.
    pub fn remove(&self, key: &str) -> Result<()> {
        self.write(key, None)
    }

    /// Every key stored, in order.
    pub fn keys(&self) -> Vec<String> {
        self.values.borrow().keys().cloned().collect()
    }

    /// Accepted and ignored, as there is no settings sync (VS Code's `setKeysForSync`).
    pub fn set_keys_for_sync(&self, keys: &[&str]) {
        let _ = keys;
    }

    fn write(&self, key: &str, value: Option<Value>) -> Result<()> {
        if self.persisted {
            self.host.request(&HostOperation::StateUpdate {
                scope: self.scope,
                key: key.to_owned(),
                value: value.clone().unwrap_or(Value::Null),
                delete: value.is_none(),
            })?;
        }
        let mut values = self.values.borrow_mut();
        match value {
            Some(value) => values.insert(key.to_owned(), value),
            None => values.remove(key),
        };
        Ok(())
    }
}
