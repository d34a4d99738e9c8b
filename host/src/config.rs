//! Host configuration: where extensions are looked for and the default limits, from the command line,
//! the environment and `initialize`'s `initializationOptions`.
//!
//! Two typed layers, as ripgrep's low-level and high-level arguments: the command line (clap, in
//! `cli.rs`) fills a [`HostConfig`]; at `initialize` the editor's [`InitializationOptions`] (serde) are
//! merged into it once ([`HostConfig::with_initialization`]), and the rest of the host reads only the
//! merged [`HostConfig`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use semver::Version;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::discovery::DiscoveryRoots;
use crate::manifest::{Manifest, ManifestContext};
use crate::runtime::Limits;

/// The host's own version (`engines.exthost` is checked against it).
pub const HOST_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The VS Code API version the `vscode` shim follows: the `@types/vscode` release whose classes, enums and
/// namespaces `vscode-shim/src/90_vscode.js` lists. The one definition: each runtime gets it as
/// `vscode.version`, and `engines.vscode` is checked against it.
pub const VSCODE_API_VERSION: &str = "1.140.0";

/// The most memory one extension may ask for in its manifest (`limits.memoryMb`).
pub const MAX_MEMORY_MB: u64 = 1024;

/// The longest time limit a manifest or the host configuration may set, in milliseconds.
pub const MAX_TIMEOUT_MS: u64 = 60_000;

/// Environment variable naming the user folder (default `~/.exthost`).
pub const HOME_ENV: &str = "EXTHOST_HOME";

/// Environment variable overriding the folder of built-in extensions (empty: no built-ins).
pub const BUILTIN_ENV: &str = "EXTHOST_BUILTIN_DIR";

/// Everything the host needs to know at start.
#[derive(Debug, Clone, Default)]
pub struct HostConfig {
    /// The workspace folder given on the command line (`--workspace`), if any.
    pub workspace: Option<PathBuf>,
    /// `--extensions-dir` folders.
    pub extensions_dirs: Vec<PathBuf>,
    /// `--dev` extension folders.
    pub dev_paths: Vec<PathBuf>,
    /// Default limits for every extension (a manifest may lower or raise them up to the caps).
    pub limits: Limits,
    /// `--manager [ADDR]`: start the manager endpoint (contract §10) at `initialize`.
    pub manager: Option<crate::manager::ManagerOptions>,
    /// The JavaScript engine for every JS extension (`serve --js-engine`), overriding manifests and the
    /// default choice; `initializationOptions.jsEngine` overrides it in turn.
    pub js_engine: Option<crate::manifest::JsEngine>,
}

/// Overrides of the default limits (`serve --memory-limit-mb` and friends, or
/// `initializationOptions.limits`); an absent value keeps the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitOverrides {
    /// `memoryMb`: each JS extension's heap limit, in MB (1 to [`MAX_MEMORY_MB`]).
    #[serde(default, deserialize_with = "lenient")]
    pub memory_mb: Option<u64>,
    /// `activateTimeoutMs`: the time limit of `activate`.
    #[serde(default, deserialize_with = "lenient")]
    pub activate_timeout_ms: Option<u64>,
    /// `callTimeoutMs`: the time limit of one command or provider call.
    #[serde(default, deserialize_with = "lenient")]
    pub call_timeout_ms: Option<u64>,
    /// `deactivateTimeoutMs`: the time limit of `deactivate`.
    #[serde(default, deserialize_with = "lenient")]
    pub deactivate_timeout_ms: Option<u64>,
    /// `permissionQuestionMs`: how long the user may take to answer a permission question before it
    /// counts as "Deny".
    #[serde(default, deserialize_with = "lenient")]
    pub permission_question_ms: Option<u64>,
    /// `unresponsiveMs`: how long the supervisor lets a worker stall before it restarts it (the
    /// supervisor's own limit; not an extension limit).
    #[serde(default, deserialize_with = "lenient")]
    pub unresponsive_ms: Option<u64>,
}

/// `initialize`'s `initializationOptions` (contract §3, `docs/protocol.md`), typed. Reading is lenient
/// as it always was: a value of the wrong type is ignored, as if absent (a path list keeps its strings).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializationOptions {
    /// `extensionsDirs`: more folders of extensions, after the command line's `--extensions-dir`.
    #[serde(default, deserialize_with = "lenient_paths")]
    pub extensions_dirs: Vec<PathBuf>,
    /// `devPaths`: more extension folders in development mode, after the command line's `--dev`.
    #[serde(default, deserialize_with = "lenient_paths")]
    pub dev_paths: Vec<PathBuf>,
    /// `jsEngine`: `quickjs` or `deno` for every JS extension (over `serve --js-engine`).
    #[serde(default, deserialize_with = "lenient")]
    pub js_engine: Option<crate::manifest::JsEngine>,
    /// `manager: true`: start the manager endpoint (on the default address) as `serve --manager` does.
    #[serde(default, deserialize_with = "lenient")]
    pub manager: bool,
    /// `limits`: overrides of the default limits.
    #[serde(default, deserialize_with = "lenient")]
    pub limits: LimitOverrides,
}

impl InitializationOptions {
    /// The `initializationOptions` of `initialize` params (defaults when absent or not an object).
    pub fn from_initialize_params(params: Option<&Value>) -> Self {
        params
            .and_then(|params| params.get("initializationOptions"))
            .and_then(|options| InitializationOptions::deserialize(options).ok())
            .unwrap_or_default()
    }
}

/// A value of type `T`, or `T`'s default when the JSON has another shape.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    deserializer: D,
) -> Result<T, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).unwrap_or_default())
}

/// The strings of a JSON array, as paths made [`absolute`]; anything else is skipped.
fn lenient_paths<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<PathBuf>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|path| absolute(Path::new(path)))
        .collect())
}

impl HostConfig {
    /// The discovery locations for this configuration and the given workspace folders.
    pub fn discovery_roots(&self, workspace_folders: &[PathBuf]) -> DiscoveryRoots {
        let project = self
            .workspace
            .iter()
            .chain(workspace_folders)
            .next()
            .map(|folder| folder.join(".exthost").join("extensions"));
        DiscoveryRoots {
            builtin: builtin_dir(),
            user: home_dir().map(|home| home.join("extensions")),
            project,
            dirs: self.extensions_dirs.clone(),
            dev: self.dev_paths.clone(),
        }
    }

    /// This configuration with the editor's `initializationOptions` merged in: its folders after the
    /// command line's, its `jsEngine` over `--js-engine`, its `manager: true` as `--manager` (when the
    /// command line did not set an address), its limits over the defaults. Done once, at `initialize`.
    pub fn with_initialization(mut self, options: &InitializationOptions) -> Self {
        self.extensions_dirs
            .extend(options.extensions_dirs.iter().cloned());
        self.dev_paths.extend(options.dev_paths.iter().cloned());
        self.js_engine = options.js_engine.or(self.js_engine);
        if options.manager && self.manager.is_none() {
            self.manager = Some(crate::manager::ManagerOptions::default());
        }
        self.apply_limit_overrides(&options.limits);
        self
    }

    /// Overrides the default limits (command-line flags, or `initializationOptions.limits`); absent
    /// values keep theirs, and every value is capped as a manifest's would be.
    pub fn apply_limit_overrides(&mut self, overrides: &LimitOverrides) {
        if let Some(megabytes) = overrides.memory_mb {
            self.limits.memory_bytes = (megabytes.clamp(1, MAX_MEMORY_MB) * 1024 * 1024) as usize;
        }
        if let Some(ms) = overrides.activate_timeout_ms {
            self.limits.activate_timeout = Duration::from_millis(ms.clamp(1, MAX_TIMEOUT_MS));
        }
        if let Some(ms) = overrides.call_timeout_ms {
            self.limits.call_timeout = Duration::from_millis(ms.clamp(1, MAX_TIMEOUT_MS));
        }
        if let Some(ms) = overrides.deactivate_timeout_ms {
            self.limits.deactivate_timeout = Duration::from_millis(ms.clamp(1, MAX_TIMEOUT_MS));
        }
        if let Some(ms) = overrides.permission_question_ms {
            self.limits.permission_question_timeout =
                Duration::from_millis(ms.clamp(1, MAX_TIMEOUT_MS));
        }
    }

    /// The limits for one extension: the host defaults, adjusted by the manifest's `limits`, capped.
    pub fn limits_for(&self, manifest: &Manifest) -> Limits {
        let mut limits = self.limits;
        if let Some(megabytes) = manifest.limits.memory_mb {
            limits.memory_bytes = (megabytes.min(MAX_MEMORY_MB) * 1024 * 1024) as usize;
        }
        if let Some(ms) = manifest.limits.activate_timeout_ms {
            limits.activate_timeout = Duration::from_millis(ms.min(MAX_TIMEOUT_MS));
        }
        if let Some(ms) = manifest.limits.call_timeout_ms {
            limits.call_timeout = Duration::from_millis(ms.min(MAX_TIMEOUT_MS));
        }
        limits
    }
}

/// `path` made absolute (symlinks resolved when it exists), so that it compares with the absolute paths
/// file watchers and URIs report, and shows unambiguously in `ExtensionInfo.path`.
pub fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// What manifests are validated against.
pub fn manifest_context() -> ManifestContext {
    ManifestContext {
        host_version: Version::parse(HOST_VERSION).expect("invariant: the crate version is semver"),
        vscode_api_version: Version::parse(VSCODE_API_VERSION)
            .expect("invariant: the shim version is semver"),
    }
}

/// `$EXTHOST_HOME`, else `~/.exthost`.
pub fn home_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os(HOME_ENV) {
        return Some(PathBuf::from(home));
    }
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".exthost"))
}

/// The built-in extensions: `$EXTHOST_BUILTIN_DIR` if set (empty means none); else `share/exthost/extensions`
/// beside the binary's folder when installed; else the examples of the source tree it was built from.
pub fn builtin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(BUILTIN_ENV) {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    let installed = std::env::current_exe().ok().and_then(|exe| {
        let share = exe.parent()?.parent()?.join("share/exthost/extensions");
        share.is_dir().then_some(share)
    });
    installed.or_else(|| {
        let source_tree = source_tree_examples();
        source_tree.is_dir().then_some(source_tree)
    })
}

/// The example extensions of the source tree this binary was built from.
fn source_tree_examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../extensions/examples")
}

/// Whether built-in extensions come from the source tree (a binary run where it was built): their native
/// libraries are then looked for in the cargo target folder too, as for `--dev` extensions.
pub fn builtin_is_source_tree() -> bool {
    builtin_dir().is_some_and(|dir| dir == source_tree_examples())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::JsEngine;
    use serde_json::json;

    #[test]
    fn initialization_options_are_read_leniently_field_by_field() {
        let params = json!({"initializationOptions": {
            "extensionsDirs": ["/one", 2, "/two"],
            "devPaths": "not a list",
            "jsEngine": "deno",
            "manager": "yes",
            "limits": {"memoryMb": 128, "callTimeoutMs": -1, "activateTimeoutMs": 1.5, "unresponsiveMs": 300},
        }});
        let options = InitializationOptions::from_initialize_params(Some(&params));
        assert_eq!(
            options.extensions_dirs,
            [absolute(Path::new("/one")), absolute(Path::new("/two"))]
        );
        assert!(options.dev_paths.is_empty());
        assert_eq!(options.js_engine, Some(JsEngine::Deno));
        assert!(!options.manager, "a non-boolean is ignored");
        assert_eq!(
            options.limits,
            LimitOverrides {
                memory_mb: Some(128),
                unresponsive_ms: Some(300),
                ..LimitOverrides::default()
            }
        );
        let odd = json!({"initializationOptions": {"jsEngine": "v8", "limits": 5}});
        assert_eq!(
            InitializationOptions::from_initialize_params(Some(&odd)),
            InitializationOptions::default()
        );
        assert_eq!(
            InitializationOptions::from_initialize_params(Some(
                &json!({"initializationOptions": 3})
            )),
            InitializationOptions::default()
        );
    }

    #[test]
    fn the_editors_options_merge_over_the_command_line() {
        let command_line = HostConfig {
            extensions_dirs: vec![PathBuf::from("/cli")],
            js_engine: Some(JsEngine::QuickJs),
            ..HostConfig::default()
        };
        let options = InitializationOptions {
            extensions_dirs: vec![PathBuf::from("/editor")],
            dev_paths: vec![PathBuf::from("/dev")],
            js_engine: Some(JsEngine::Deno),
            manager: true,
            limits: LimitOverrides {
                memory_mb: Some(1 << 20),
                deactivate_timeout_ms: Some(0),
                ..LimitOverrides::default()
            },
        };
        let merged = command_line.clone().with_initialization(&options);
        assert_eq!(
            merged.extensions_dirs,
            [PathBuf::from("/cli"), PathBuf::from("/editor")]
        );
        assert_eq!(merged.dev_paths, [PathBuf::from("/dev")]);
        assert_eq!(merged.js_engine, Some(JsEngine::Deno));
        assert!(merged.manager.is_some());
        assert_eq!(
            merged.limits.memory_bytes,
            (MAX_MEMORY_MB * 1024 * 1024) as usize,
            "capped"
        );
        assert_eq!(merged.limits.deactivate_timeout, Duration::from_millis(1));
        assert_eq!(merged.limits.call_timeout, Limits::default().call_timeout);
        let untouched = command_line.with_initialization(&InitializationOptions::default());
        assert_eq!(untouched.js_engine, Some(JsEngine::QuickJs));
        assert!(untouched.manager.is_none());
    }
}
