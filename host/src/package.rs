//! Packages (contract §9): the `.xpkg` format, `pack`, `keygen`, and installing, upgrading and uninstalling
//! extensions from `.xpkg` files, VS Code `.vsix` files, folders and the npm registry.
//!
//! Architecture invariant: an install writes nothing until the whole package has been read into memory
//! and checked (safe entries, sizes, checksums, signature, trust policy, manifest, engine range, platform);
//! it then extracts into a hidden temp folder inside `$EXTHOST_HOME/extensions` (which discovery skips),
//! and renames that folder into place, so a crash at any point leaves either the old state or the new one.

pub mod archive;
pub mod format;
pub mod install;
pub mod keys;
pub mod npm;
pub mod pack;
pub mod record;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use install::{InstallOptions, Installed, install, uninstall, upgrade};
pub use pack::{PackOptions, pack};

/// The trust policy for packages that are unsigned or signed by a key that is not trusted
/// (`$EXTHOST_HOME/config.json` `{"unsigned": …}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnsignedPolicy {
    /// Install without a word.
    Allow,
    /// Install, with a warning naming the package (the default).
    #[default]
    Warn,
    /// Refuse the install.
    Deny,
}

/// The limits safe extraction enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtractionLimits {
    /// The most bytes all entries may hold once uncompressed (default 256 MB).
    pub max_total_bytes: u64,
    /// The most entries a package may have (default 10,000).
    pub max_entries: usize,
    /// The highest ratio of uncompressed to compressed size (default 100).
    pub max_ratio: u64,
}

impl Default for ExtractionLimits {
    fn default() -> Self {
        ExtractionLimits {
            max_total_bytes: 256 * 1024 * 1024,
            max_entries: 10_000,
            max_ratio: 100,
        }
    }
}

/// What `$EXTHOST_HOME/config.json` says about packages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageConfig {
    /// `unsigned`: the trust policy.
    pub unsigned: UnsignedPolicy,
    /// `registry`: the npm registry URL.
    pub registry: Option<String>,
    /// `packageLimits` (`maxBytes`, `maxEntries`, `maxRatio`): extraction limits.
    pub limits: ExtractionLimits,
}

impl PackageConfig {
    /// Reads `<home>/config.json`; an absent file gives the defaults, an unreadable or invalid one is an
    /// error (a typo in a trust policy must not silently fall back to a weaker one).
    pub fn load(home: &Path) -> Result<Self, PackageError> {
        let file = home.join("config.json");
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(source) => return Err(PackageError::Io { path: file, source }),
        };
        let value: Value = serde_json::from_str(&text).map_err(|error| PackageError::Config {
            file: file.clone(),
            reason: error.to_string(),
        })?;
        let invalid = |reason: String| PackageError::Config {
            file: file.clone(),
            reason,
        };
        let unsigned = match value.get("unsigned") {
            None | Some(Value::Null) => UnsignedPolicy::default(),
            Some(Value::String(policy)) => match policy.as_str() {
                "allow" => UnsignedPolicy::Allow,
                "warn" => UnsignedPolicy::Warn,
                "deny" => UnsignedPolicy::Deny,
                other => {
                    return Err(invalid(format!(
                        "unsigned: expected \"allow\", \"warn\" or \"deny\", found \"{other}\""
                    )));
                }
            },
            Some(other) => {
                return Err(invalid(format!(
                    "unsigned: expected \"allow\", \"warn\" or \"deny\", found {other}"
                )));
            }
        };
        let registry = value
            .get("registry")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut limits = ExtractionLimits::default();
        if let Some(configured) = value.get("packageLimits") {
            if let Some(bytes) = configured.get("maxBytes").and_then(Value::as_u64) {
                limits.max_total_bytes = bytes;
            }
            if let Some(entries) = configured.get("maxEntries").and_then(Value::as_u64) {
                limits.max_entries = usize::try_from(entries).unwrap_or(usize::MAX);
            }
            if let Some(ratio) = configured.get("maxRatio").and_then(Value::as_u64) {
                limits.max_ratio = ratio;
            }
        }
        Ok(PackageConfig {
            unsigned,
            registry,
            limits,
        })
    }
}

/// Why a package operation was refused or failed. Every message names the file, entry or extension
/// concerned.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// A file or folder could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `config.json` is not valid.
    #[error("{}: {reason}", .file.display())]
    Config {
        /// The configuration file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The archive is not a readable zip or tar.
    #[error("{}: not a readable package: {reason}", .package)]
    Corrupt {
        /// The package.
        package: String,
        /// What the reader said.
        reason: String,
    },
    /// An entry is unsafe to extract (path escapes, links, devices, …).
    #[error("unsafe entry {entry:?} in {package}: {reason}")]
    UnsafeEntry {
        /// The package.
        package: String,
        /// The entry's name as stored.
        entry: String,
        /// Why it is refused.
        reason: String,
    },
    /// The package breaks a size limit (total size, ratio, number of entries).
    #[error("{package}: {reason}")]
    TooLarge {
        /// The package.
        package: String,
        /// Which limit, with the figures.
        reason: String,
    },
    /// A checksum problem: mismatch, unlisted file, missing file, malformed `CHECKSUMS`.
    #[error("checksum: {file}: {reason}")]
    Checksum {
        /// The file concerned (`CHECKSUMS` itself for a malformed list).
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// `SIGNATURE` does not verify, or is malformed.
    #[error("signature: SIGNATURE does not verify against CHECKSUMS: {reason}")]
    BadSignature {
        /// What is wrong.
        reason: String,
    },
    /// The trust policy refuses an unsigned or untrusted package.
    #[error(
        "signature: {package} is {what} and the trust policy (unsigned: \"deny\" in {}) refuses it",
        .config.display()
    )]
    Untrusted {
        /// The package.
        package: String,
        /// `unsigned`, or `signed by an untrusted key …`.
        what: String,
        /// The configuration file that sets the policy.
        config: PathBuf,
    },
    /// The package has no valid manifest, or its engine range does not fit.
    #[error("invalid manifest: {reason}")]
    InvalidManifest {
        /// Every problem, as `exthost check` prints them.
        reason: String,
    },
    /// The manifest's `engines` range does not admit this host.
    #[error("engine range: {reason}")]
    EngineRange {
        /// The manifest's problems, as `exthost check` prints them.
        reason: String,
    },
    /// The package was built for another platform, or lacks its native library.
    #[error("platform: {reason}")]
    Platform {
        /// What is wrong.
        reason: String,
    },
    /// The same id and version is installed already (use `--force`).
    #[error(
        "{id} {version} is already installed in {}; use --force to replace it",
        .folder.display()
    )]
    AlreadyInstalled {
        /// The extension.
        id: String,
        /// Its version.
        version: String,
        /// Where it is.
        folder: PathBuf,
    },
    /// Nothing with that id is installed.
    #[error("{id} is not installed in {}", .folder.display())]
    NotInstalled {
        /// The id asked for.
        id: String,
        /// The user extensions folder.
        folder: PathBuf,
    },
    /// Other installed extensions depend on the one to uninstall.
    #[error("dependents: {id} is needed by {}; uninstall them first or use --force", .dependents.join(", "))]
    HasDependents {
        /// The extension.
        id: String,
        /// The extensions that depend on it.
        dependents: Vec<String>,
    },
    /// The source is not something exthost can install.
    #[error("{source_text}: {reason}")]
    BadSource {
        /// The source as given.
        source_text: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The npm registry could not be asked, or answered something unusable.
    #[error("registry {registry}: {reason}")]
    Registry {
        /// The registry URL.
        registry: String,
        /// What went wrong.
        reason: String,
    },
    /// The tarball's SRI integrity does not match.
    #[error(
        "integrity: {package}: the tarball's sha512 does not match the registry's integrity {expected}"
    )]
    Integrity {
        /// The package and version.
        package: String,
        /// The registry's `dist.integrity`.
        expected: String,
    },
    /// A key file could not be used.
    #[error("{}: {reason}", .file.display())]
    Key {
        /// The key file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The extension folder to pack cannot be packed.
    #[error("cannot pack {}: {reason}", .dir.display())]
    Pack {
        /// The folder.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
    /// `$EXTHOST_HOME` (or `~`) is not known.
    #[error("no home folder: set EXTHOST_HOME or HOME")]
    NoHome,
}

impl PackageError {
    /// A short name of the reason, for the `data.reason` of a JSON-RPC refusal: `checksum`, `signature`,
    /// `unsafeEntry`, `tooLarge`, `invalidManifest`, `engineRange`, `platform`, `dependents`, `integrity`,
    /// `registry`, `alreadyInstalled`, `notInstalled`, `source`, `config` or `io`.
    pub fn reason_code(&self) -> &'static str {
        match self {
            PackageError::Io { .. } | PackageError::NoHome => "io",
            PackageError::Config { .. } => "config",
            PackageError::Corrupt { .. } | PackageError::UnsafeEntry { .. } => "unsafeEntry",
            PackageError::TooLarge { .. } => "tooLarge",
            PackageError::Checksum { .. } => "checksum",
            PackageError::BadSignature { .. } | PackageError::Untrusted { .. } => "signature",
            PackageError::InvalidManifest { .. } | PackageError::Pack { .. } => "invalidManifest",
            PackageError::EngineRange { .. } => "engineRange",
            PackageError::Platform { .. } => "platform",
            PackageError::AlreadyInstalled { .. } => "alreadyInstalled",
            PackageError::NotInstalled { .. } => "notInstalled",
            PackageError::HasDependents { .. } => "dependents",
            PackageError::BadSource { .. } | PackageError::Key { .. } => "source",
            PackageError::Registry { .. } => "registry",
            PackageError::Integrity { .. } => "integrity",
        }
    }

    /// An I/O error on `path`.
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PackageError + '_ {
        move |source| PackageError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// `$EXTHOST_HOME` (default `~/.exthost`), or [`PackageError::NoHome`].
pub fn home() -> Result<PathBuf, PackageError> {
    crate::config::home_dir().ok_or(PackageError::NoHome)
}

/// The platform name recorded in packages with a native library: `linux-x64`, `darwin-arm64`, …
pub fn current_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "ia32",
        other => other,
    };
    format!("{os}-{arch}")
}
