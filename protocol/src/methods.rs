//! The catalogue of `exthost/*` methods: one type per method with its name, params and result shapes.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer, Serialize};

/// A request method: its name and the shapes of its params and result.
pub trait RpcRequest {
    /// The method name on the wire.
    const METHOD: &'static str;
    /// The `params` member.
    type Params: Serialize + DeserializeOwned;
    /// The `result` member of a successful response.
    type Result: Serialize + DeserializeOwned;
}

/// A notification method: its name and the shape of its params.
pub trait RpcNotification {
    /// The method name on the wire.
    const METHOD: &'static str;
    /// The `params` member.
    type Params: Serialize + DeserializeOwned;
}

/// Where an extension is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExtensionState {
    /// On disk, not yet activated.
    Discovered,
    /// Code in memory.
    Loaded,
    /// Activated and running.
    Enabled,
    /// Turned off by the user.
    Disabled,
    /// Code removed from memory.
    Unloaded,
    /// Could not be read, resolved or activated; see the error.
    Failed,
}

impl ExtensionState {
    /// The wire name, e.g. `"enabled"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionState::Discovered => "discovered",
            ExtensionState::Loaded => "loaded",
            ExtensionState::Enabled => "enabled",
            ExtensionState::Disabled => "disabled",
            ExtensionState::Unloaded => "unloaded",
            ExtensionState::Failed => "failed",
        }
    }
}

impl fmt::Display for ExtensionState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Where an extension was discovered, in order of precedence: a later source shadows an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExtensionSource {
    /// Shipped with the binary.
    Builtin,
    /// The user's extensions folder (`$EXTHOST_HOME/extensions`).
    User,
    /// The workspace's `.exthost/extensions` folder.
    Project,
    /// A folder given with `--extensions-dir`.
    Dir,
    /// An extension folder given with `--dev`.
    Dev,
}

impl ExtensionSource {
    /// The wire name, e.g. `"builtin"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionSource::Builtin => "builtin",
            ExtensionSource::User => "user",
            ExtensionSource::Project => "project",
            ExtensionSource::Dir => "dir",
            ExtensionSource::Dev => "dev",
        }
    }
}

impl fmt::Display for ExtensionSource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Why an extension failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    /// A message naming the cause.
    pub message: String,
}

/// One discovered extension, as `exthost/listExtensions` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionInfo {
    /// The extension id, or the folder name when the manifest cannot be read.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The version.
    pub version: String,
    /// The lifecycle state.
    pub state: ExtensionState,
    /// Where it was discovered.
    pub source: ExtensionSource,
    /// The extension folder.
    pub path: String,
    /// The events that activate it, e.g. `onLanguage:rust`.
    pub activation_events: Vec<String>,
    /// Dependency id → version range.
    pub dependencies: BTreeMap<String, String>,
    /// Why it failed, when its state is `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// The path of the extension that shadows this one, when a later source has the same id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadowed_by: Option<String>,
}

/// Declares an empty params struct that serialises as `{}` and deserialises from any object or `null`,
/// so a request without params can be read as `null`.
macro_rules! empty_params {
    ($(#[$attribute:meta])* $name:ident) => {
        $(#[$attribute])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
        pub struct $name {}

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Option::<BTreeMap<String, IgnoredAny>>::deserialize(deserializer)?;
                Ok($name {})
            }
        }
    };
}

empty_params!(
    /// Params of `exthost/listExtensions`: `{}` (or absent).
    ListExtensionsParams
);

empty_params!(
    /// Params of `exthost/restartHost`: `{}` (or absent).
    RestartHostParams
);

/// Result of `exthost/listExtensions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListExtensionsResult {
    /// Every discovered extension, shadowed ones included.
    pub extensions: Vec<ExtensionInfo>,
}

/// Params naming one extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdParams {
    /// The extension id.
    pub id: String,
}

/// Result of `exthost/enable` and `exthost/disable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedResult {
    /// The ids whose state changed, in the order they changed.
    pub changed: Vec<String>,
}

/// Result of `exthost/reload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReloadResult {
    /// The ids reloaded.
    pub reloaded: Vec<String>,
}

/// Result of `exthost/restartHost`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestartHostResult {
    /// `true` once the new host is ready.
    pub restarted: bool,
}

/// Params of `exthost/activate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivateParams {
    /// The activation event, e.g. `onLanguage:rust`.
    pub event: String,
}

/// Result of `exthost/activate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivateResult {
    /// The ids activated by the event.
    pub activated: Vec<String>,
}

/// Params of `exthost/extensionStateChanged`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionStateChangedParams {
    /// The extension id.
    pub id: String,
    /// Its new state.
    pub state: ExtensionState,
    /// Why it failed, when the new state is `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
}

/// Params of `exthost/hostRestarted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostRestartedParams {
    /// Why the host restarted.
    pub reason: String,
}

/// `exthost/listExtensions`: every discovered extension with its state.
#[derive(Debug, Clone, Copy)]
pub struct ListExtensions;

impl RpcRequest for ListExtensions {
    const METHOD: &'static str = "exthost/listExtensions";
    type Params = ListExtensionsParams;
    type Result = ListExtensionsResult;
}

/// `exthost/enable`: enables an extension and its dependencies (dependencies first).
#[derive(Debug, Clone, Copy)]
pub struct Enable;

impl RpcRequest for Enable {
    const METHOD: &'static str = "exthost/enable";
    type Params = IdParams;
    type Result = ChangedResult;
}

/// `exthost/disable`: disables an extension and its dependents (dependents first).
#[derive(Debug, Clone, Copy)]
pub struct Disable;

impl RpcRequest for Disable {
    const METHOD: &'static str = "exthost/disable";
    type Params = IdParams;
    type Result = ChangedResult;
}

/// `exthost/reload`: reloads an extension that supports hot reload.
#[derive(Debug, Clone, Copy)]
pub struct Reload;

impl RpcRequest for Reload {
    const METHOD: &'static str = "exthost/reload";
    type Params = IdParams;
    type Result = ReloadResult;
}

/// `exthost/restartHost`: restarts the host, enabling again the extensions that were enabled.
#[derive(Debug, Clone, Copy)]
pub struct RestartHost;

impl RpcRequest for RestartHost {
    const METHOD: &'static str = "exthost/restartHost";
    type Params = RestartHostParams;
    type Result = RestartHostResult;
}

/// `exthost/activate`: fires an activation event.
#[derive(Debug, Clone, Copy)]
pub struct Activate;

impl RpcRequest for Activate {
    const METHOD: &'static str = "exthost/activate";
    type Params = ActivateParams;
    type Result = ActivateResult;
}

/// `exthost/extensionStateChanged` (host → editor): an extension changed state.
#[derive(Debug, Clone, Copy)]
pub struct ExtensionStateChanged;

impl RpcNotification for ExtensionStateChanged {
    const METHOD: &'static str = "exthost/extensionStateChanged";
    type Params = ExtensionStateChangedParams;
}

/// `exthost/hostRestarted` (host → editor): the host restarted.
#[derive(Debug, Clone, Copy)]
pub struct HostRestarted;

impl RpcNotification for HostRestarted {
    const METHOD: &'static str = "exthost/hostRestarted";
    type Params = HostRestartedParams;
}

/// Every `exthost/*` request method.
pub const REQUEST_METHODS: &[&str] = &[
    ListExtensions::METHOD,
    Enable::METHOD,
    Disable::METHOD,
    Reload::METHOD,
    RestartHost::METHOD,
    Activate::METHOD,
];

/// Every `exthost/*` notification method.
pub const NOTIFICATION_METHODS: &[&str] = &[ExtensionStateChanged::METHOD, HostRestarted::METHOD];

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn info() -> ExtensionInfo {
        ExtensionInfo {
            id: "com.example.hello".into(),
            name: "Hello".into(),
            version: "1.2.0".into(),
            state: ExtensionState::Enabled,
            source: ExtensionSource::Dir,
            path: "/extensions/hello".into(),
            activation_events: vec!["onCommand:hello.say".into()],
            dependencies: BTreeMap::from([("com.example.base".into(), "^1.0.0".into())]),
            error: None,
            shadowed_by: None,
        }
    }

    #[test]
    fn extension_info_shape() {
        let expected = json!({
            "id": "com.example.hello", "name": "Hello", "version": "1.2.0", "state": "enabled",
            "source": "dir", "path": "/extensions/hello", "activationEvents": ["onCommand:hello.say"],
            "dependencies": {"com.example.base": "^1.0.0"},
        });
        assert_eq!(serde_json::to_value(info()).unwrap(), expected);

        let failed = ExtensionInfo {
            state: ExtensionState::Failed,
            error: Some(ErrorInfo {
                message: "cycle".into(),
            }),
            shadowed_by: Some("/other".into()),
            ..info()
        };
        let value = serde_json::to_value(&failed).unwrap();
        assert_eq!(value["error"], json!({"message": "cycle"}));
        assert_eq!(value["shadowedBy"], "/other");
        assert_eq!(
            serde_json::from_value::<ExtensionInfo>(value).unwrap(),
            failed
        );
    }

    #[test]
    fn enums_use_wire_names() {
        for state in [
            ExtensionState::Discovered,
            ExtensionState::Loaded,
            ExtensionState::Enabled,
            ExtensionState::Disabled,
            ExtensionState::Unloaded,
            ExtensionState::Failed,
        ] {
            assert_eq!(serde_json::to_value(state).unwrap(), state.to_string());
        }
        let sources = [
            ExtensionSource::Builtin,
            ExtensionSource::User,
            ExtensionSource::Project,
            ExtensionSource::Dir,
            ExtensionSource::Dev,
        ];
        for source in sources {
            assert_eq!(serde_json::to_value(source).unwrap(), source.to_string());
        }
        assert!(sources.is_sorted(), "sources are ordered by precedence");
    }

    #[test]
    fn empty_params_are_tolerant() {
        for input in [json!({}), Value::Null, json!({"unexpected": 1})] {
            assert_eq!(
                serde_json::from_value::<ListExtensionsParams>(input).unwrap(),
                ListExtensionsParams {}
            );
        }
        assert!(serde_json::from_value::<RestartHostParams>(json!(3)).is_err());
        assert_eq!(
            serde_json::to_value(RestartHostParams {}).unwrap(),
            json!({})
        );
    }

    #[test]
    fn notification_shapes() {
        let changed = ExtensionStateChangedParams {
            id: "a".into(),
            state: ExtensionState::Disabled,
            error: None,
        };
        assert_eq!(
            serde_json::to_value(changed).unwrap(),
            json!({"id": "a", "state": "disabled"})
        );
        let restarted = HostRestartedParams {
            reason: "crash".into(),
        };
        assert_eq!(
            serde_json::to_value(restarted).unwrap(),
            json!({"reason": "crash"})
        );
    }

    #[test]
    fn methods_are_listed_once() {
        let all: Vec<&str> = REQUEST_METHODS
            .iter()
            .chain(NOTIFICATION_METHODS)
            .copied()
            .collect();
        assert_eq!(all.len(), 8);
        assert!(all.iter().all(|method| method.starts_with("exthost/")));
        let unique: std::collections::BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len());
    }
}
