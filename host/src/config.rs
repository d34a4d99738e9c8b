//! Host configuration: where extensions are looked for and the default limits, from the command line,
//! the environment and `initialize`'s `initializationOptions`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use semver::Version;

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

    /// Overrides the default limits from `{memoryMb, activateTimeoutMs, callTimeoutMs,
    /// deactivateTimeoutMs, permissionQuestionMs}` (command-line flags, or `initializationOptions.limits`); absent keys keep
    /// their value, and every value is capped as a manifest's would be.
    pub fn apply_limit_overrides(&mut self, overrides: &serde_json::Value) {
        let number = |key: &str| overrides.get(key).and_then(serde_json::Value::as_u64);
        if let Some(megabytes) = number("memoryMb") {
            self.limits.memory_bytes = (megabytes.clamp(1, MAX_MEMORY_MB) * 1024 * 1024) as usize;
        }
        if let Some(ms) = number("activateTimeoutMs") {
            self.limits.activate_timeout = Duration::from_millis(ms.clamp(1, MAX_TIMEOUT_MS));
        }
        if let Some(ms) = number("callTimeoutMs") {
            self.limits.call_timeout = Duration::from_millis(ms.clamp(1, MAX_TIMEOUT_MS));
        }
        if let Some(ms) = number("deactivateTimeoutMs") {
            self.limits.deactivate_timeout = Duration::from_millis(ms.clamp(1, MAX_TIMEOUT_MS));
        }
        if let Some(ms) = number("permissionQuestionMs") {
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
