//! `exthost install`, `uninstall` and `upgrade`: a source is read and checked whole ([`prepare`]), then
//! extracted into a hidden temp folder of `$EXTHOST_HOME/extensions` and renamed into
//! `<id>-<version>/` ([`commit`]), and the install is recorded in `installed.json`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::archive::{self, Files, sync_folder};
use super::format::{CHECKSUMS_FILE, PLATFORM_FILE, SIGNATURE_FILE, parse_checksums, sha256_hex};
use super::keys::{self, PackageSigner};
use super::npm::{self, ProgressEvent, ProgressSink};
use super::record::{InstallRecord, InstalledRecords, RecordedSource};
use super::{PackageConfig, PackageError, UnsignedPolicy, current_platform, home, pack};
use crate::config::manifest_context;
use crate::manifest::{
    MANIFEST_FILE, Manifest, ManifestError, ManifestKind, PACKAGE_JSON_FILE, load_manifest,
    parse_manifest,
};

/// Prefix of the temp folders an install extracts into (hidden, so discovery skips them).
pub const INSTALL_TEMP_PREFIX: &str = ".install-";

/// Prefix of the folders an uninstall or a forced reinstall moves aside before deleting them.
pub const REMOVE_TEMP_PREFIX: &str = ".remove-";

/// How an install is asked for.
#[derive(Clone, Default)]
pub struct InstallOptions {
    /// Replace the same id and version if it is installed already.
    pub force: bool,
    /// The npm registry (`--registry`), overriding the configuration.
    pub registry: Option<String>,
    /// Where progress goes.
    pub progress: Option<ProgressSink>,
}

impl std::fmt::Debug for InstallOptions {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("InstallOptions")
            .field("force", &self.force)
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

/// What an install did.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The extension id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// The folder it was installed to.
    pub folder: PathBuf,
    /// What the trust policy warned about (unsigned or untrusted packages under `warn`).
    pub warnings: Vec<String>,
    /// The record written to `installed.json`.
    pub record: InstallRecord,
}

/// A source as given to `exthost install`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A `.xpkg` (or any other zip file that is not a `.vsix`).
    Xpkg(PathBuf),
    /// A VS Code `.vsix`.
    Vsix(PathBuf),
    /// An extension folder.
    Folder(PathBuf),
    /// `npm:NAME[@RANGE]`.
    Npm {
        /// The package name.
        name: String,
        /// The range, if any.
        range: Option<String>,
    },
}

impl Source {
    /// Reads a source: `npm:…`, a folder, a `.vsix`, or a package file.
    pub fn parse(text: &str) -> Result<Source, PackageError> {
        if let Some(spec) = text.strip_prefix("npm:") {
            let (name, range) = npm::parse_spec(spec)?;
            return Ok(Source::Npm { name, range });
        }
        let path = crate::config::absolute(Path::new(text));
        if path.is_dir() {
            return Ok(Source::Folder(path));
        }
        if !path.is_file() {
            return Err(PackageError::BadSource {
                source_text: text.to_owned(),
                reason: "no such file or folder (npm packages are written npm:NAME[@RANGE])"
                    .to_owned(),
            });
        }
        let is_vsix = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("vsix"));
        Ok(if is_vsix {
            Source::Vsix(path)
        } else {
            Source::Xpkg(path)
        })
    }
}

/// A package read and checked whole, nothing written yet.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The validated manifest.
    pub manifest: Manifest,
    /// The extension's files (no package metadata).
    pub files: Files,
    /// `sha256:<hex>` of what was received.
    pub checksum: String,
    /// Who signed it.
    pub signer: Option<String>,
    /// Where it came from.
    pub source: RecordedSource,
    /// Trust-policy warnings.
    pub warnings: Vec<String>,
}

/// The user extensions folder of `home`.
pub fn extensions_dir(home: &Path) -> PathBuf {
    home.join("extensions")
}

/// Reads and checks `source` completely: safe entries, limits, checksums, signature and trust policy,
/// platform, manifest and engine range. Writes nothing.
pub fn prepare(
    source: &Source,
    home: &Path,
    config: &PackageConfig,
    options: &InstallOptions,
) -> Result<Prepared, PackageError> {
    let step = |text: String| {
        if let Some(progress) = &options.progress {
            progress(&ProgressEvent::Step(text));
        }
    };
    let limits = &config.limits;
    let trusted = home.join("trusted-keys");
    let config_file = home.join("config.json");
    let (label, files, checksum, require_checksums, recorded) = match source {
        Source::Folder(dir) => {
            step(format!("reading {}", dir.display()));
            let (_, files) = pack::collect(dir)?;
            let files = pack::with_metadata(files, None);
            let checksum = format!("sha256:{}", sha256_hex(&files[CHECKSUMS_FILE].data));
            let recorded = RecordedSource::Folder {
                path: dir.display().to_string(),
            };
            (dir.display().to_string(), files, checksum, true, recorded)
        }
        Source::Xpkg(path) | Source::Vsix(path) => {
            step(format!("reading {}", path.display()));
            let bytes = std::fs::read(path).map_err(PackageError::io(path))?;
            let label = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let files = archive::read_zip(&bytes, &label, limits)?;
            let checksum = format!("sha256:{}", sha256_hex(&bytes));
            let display = path.display().to_string();
            if matches!(source, Source::Vsix(_)) {
                let files = archive::subtree(files, "extension");
                (
                    label,
                    files,
                    checksum,
                    false,
                    RecordedSource::Vsix { path: display },
                )
            } else {
                (
                    label,
                    files,
                    checksum,
                    true,
                    RecordedSource::Xpkg { path: display },
                )
            }
        }
        Source::Npm { name, range } => {
            let registry = npm::registry_url(options.registry.as_deref(), config);
            let fetched = npm::fetch(
                name,
                range.as_deref(),
                &registry,
                limits.max_total_bytes,
                options.progress.as_ref(),
            )?;
            let label = format!("{name}@{}", fetched.version);
            let files = archive::read_tar_gz(&fetched.tarball, &label, limits)?;
            // npm tarballs keep their files under one top folder, `package/` by convention.
            let top: BTreeSet<&str> = files
                .keys()
                .map(|path| path.split('/').next().unwrap_or_default())
                .collect();
            let files = match top.into_iter().collect::<Vec<_>>().as_slice() {
                [single] if files.keys().all(|p| p.contains('/')) => {
                    let single = (*single).to_owned();
                    archive::subtree(files, &single)
                }
                _ => files,
            };
            let checksum = format!("sha256:{}", sha256_hex(&fetched.tarball));
            let recorded = RecordedSource::Npm {
                name: name.clone(),
                range: range.clone(),
                registry,
            };
            (label, files, checksum, false, recorded)
        }
    };
    step(format!("verifying {label}"));
    let mut files = files;
    let mut warnings = Vec::new();
    let signer = verify_contents(&mut files, &label, require_checksums, &trusted)?;
    let is_folder = matches!(source, Source::Folder(_));
    let untrusted = match &signer {
        Some(PackageSigner::Trusted(_)) => None,
        Some(PackageSigner::Untrusted(key)) => Some(format!("signed by an untrusted key ({key})")),
        // A folder is the user's own files, named by the user: the policy is about packages.
        None if is_folder => None,
        None => Some("unsigned".to_owned()),
    };
    if let Some(what) = untrusted {
        match config.unsigned {
            UnsignedPolicy::Allow => {}
            UnsignedPolicy::Warn => {
                let warning =
                    format!("{label} is {what}; installing it anyway (unsigned: \"warn\")");
                tracing::warn!("{warning}");
                warnings.push(warning);
            }
            UnsignedPolicy::Deny => {
                return Err(PackageError::Untrusted {
                    package: label,
                    what,
                    config: config_file,
                });
            }
        }
    }
    if let Some(platform) = files.remove(PLATFORM_FILE) {
        let platform = String::from_utf8_lossy(&platform.data).trim().to_owned();
        if platform != current_platform() {
            return Err(PackageError::Platform {
                reason: format!(
                    "{label} was built for {platform}, this machine is {}",
                    current_platform()
                ),
            });
        }
    }
    let manifest = manifest_of(&files, &label)?;
    if let Some(native) = &manifest.native {
        let names = crate::runtime::native::library::file_names(&native.library);
        if !names.iter().any(|name| files.contains_key(name)) {
            return Err(PackageError::Platform {
                reason: format!(
                    "{label} has no native library {} for {}",
                    names.join(" or "),
                    current_platform()
                ),
            });
        }
    }
    Ok(Prepared {
        manifest,
        files,
        checksum,
        signer: signer.map(|signer| match signer {
            PackageSigner::Trusted(name) => name,
            PackageSigner::Untrusted(key) => format!("untrusted: {key}"),
        }),
        source: recorded,
        warnings,
    })
}

/// Checks `CHECKSUMS` (required for a `.xpkg`) against every file, then `SIGNATURE`; removes both from
/// `files`. Answers the signer, if signed.
fn verify_contents(
    files: &mut Files,
    label: &str,
    require_checksums: bool,
    trusted: &Path,
) -> Result<Option<PackageSigner>, PackageError> {
    let signature = files.remove(SIGNATURE_FILE);
    let Some(list) = files.remove(CHECKSUMS_FILE) else {
        if require_checksums || signature.is_some() {
            return Err(PackageError::Checksum {
                file: CHECKSUMS_FILE.to_owned(),
                reason: format!("{label} has no CHECKSUMS at its root"),
            });
        }
        return Ok(None);
    };
    let text = String::from_utf8(list.data.clone()).map_err(|_| PackageError::Checksum {
        file: CHECKSUMS_FILE.to_owned(),
        reason: "not UTF-8".to_owned(),
    })?;
    let listed = parse_checksums(&text)?;
    for (path, entry) in files.iter() {
        match listed.get(path) {
            None => {
                return Err(PackageError::Checksum {
                    file: path.clone(),
                    reason: "present in the package but not listed in CHECKSUMS".to_owned(),
                });
            }
            Some(expected) if *expected != sha256_hex(&entry.data) => {
                return Err(PackageError::Checksum {
                    file: path.clone(),
                    reason: format!("does not match its checksum in CHECKSUMS ({expected})"),
                });
            }
            Some(_) => {}
        }
    }
    if let Some(missing) = listed.keys().find(|path| !files.contains_key(*path)) {
        return Err(PackageError::Checksum {
            file: missing.clone(),
            reason: "listed in CHECKSUMS but missing from the package".to_owned(),
        });
    }
    signature
        .map(|signature| {
            let signature_text = String::from_utf8_lossy(&signature.data);
            keys::verify(&signature_text, &list.data, trusted)
        })
        .transpose()
}

/// The manifest of a package's files, validated as `exthost check` validates a folder's.
fn manifest_of(files: &Files, label: &str) -> Result<Manifest, PackageError> {
    for kind in [ManifestKind::Exthost, ManifestKind::VsCode] {
        let name = match kind {
            ManifestKind::Exthost => MANIFEST_FILE,
            ManifestKind::VsCode => PACKAGE_JSON_FILE,
        };
        if let Some(entry) = files.get(name) {
            let text = String::from_utf8_lossy(&entry.data);
            let file = Path::new(label).join(name);
            return parse_manifest(&file, &text, kind, &manifest_context()).map_err(manifest_error);
        }
    }
    Err(PackageError::InvalidManifest {
        reason: format!("{label} has no {MANIFEST_FILE} or {PACKAGE_JSON_FILE} at its root"),
    })
}

/// A manifest that does not validate: an engine range that does not fit when that is all that is wrong,
/// else an invalid manifest.
pub(crate) fn manifest_error(error: ManifestError) -> PackageError {
    let engines_only = matches!(&error, ManifestError::Invalid { problems, .. }
        if problems.iter().all(|p| p.field.starts_with("engines")));
    if engines_only {
        PackageError::EngineRange {
            reason: error.to_string(),
        }
    } else {
        PackageError::InvalidManifest {
            reason: error.to_string(),
        }
    }
}

/// A fresh temp folder name in `extensions` with `prefix`, owned by this process.
fn temp_folder(extensions: &Path, prefix: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    extensions.join(format!("{prefix}{}-{nanos}", std::process::id()))
}

/// Whether process `pid` still runs (its temp folders are its own business).
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if proc.is_dir() {
        return proc.join(pid.to_string()).exists();
    }
    false
}

/// Removes the temp folders that installs and uninstalls of processes no longer running left behind
/// (a `kill -9` in the middle of one).
pub fn clean_stale_temp_folders(extensions: &Path) {
    let Ok(entries) = std::fs::read_dir(extensions) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name
            .strip_prefix(INSTALL_TEMP_PREFIX)
            .or_else(|| name.strip_prefix(REMOVE_TEMP_PREFIX))
        else {
            continue;
        };
        let pid = rest
            .split('-')
            .next()
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| pid == std::process::id() || process_alive(pid)) {
            continue;
        }
        tracing::info!(folder = %entry.path().display(), "removing an interrupted install's temp folder");
        if let Err(error) = std::fs::remove_dir_all(entry.path()) {
            tracing::warn!(folder = %entry.path().display(), %error, "cannot remove a stale temp folder");
        }
    }
}

/// Writes a prepared package into place: a temp folder, then a rename to `<id>-<version>`; a forced
/// reinstall moves the old folder aside first. Records the install.
pub fn commit(prepared: Prepared, home: &Path, force: bool) -> Result<Installed, PackageError> {
    let extensions = extensions_dir(home);
    let id = prepared.manifest.id.clone();
    let version = prepared.manifest.version.to_string();
    let folder_name = format!("{id}-{version}");
    let target = extensions.join(&folder_name);
    if target.exists() && !force {
        return Err(PackageError::AlreadyInstalled {
            id,
            version,
            folder: target,
        });
    }
    let temp = temp_folder(&extensions, INSTALL_TEMP_PREFIX);
    std::fs::create_dir(&temp).map_err(PackageError::io(&temp))?;
    if let Err(error) = archive::write_files(&temp, &prepared.files) {
        let _ = std::fs::remove_dir_all(&temp);
        return Err(error);
    }
    let aside = temp_folder(&extensions, REMOVE_TEMP_PREFIX);
    if target.exists() {
        std::fs::rename(&target, &aside).map_err(PackageError::io(&target))?;
    }
    std::fs::rename(&temp, &target).map_err(PackageError::io(&target))?;
    sync_folder(&extensions)?;
    if aside.exists() {
        let _ = std::fs::remove_dir_all(&aside);
    }
    let record = InstallRecord {
        id: id.clone(),
        version: version.clone(),
        folder: folder_name,
        source: prepared.source,
        checksum: prepared.checksum,
        signer: prepared.signer,
        installed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let mut records = InstalledRecords::load(&extensions);
    records.upsert(record.clone());
    records.save(&extensions)?;
    Ok(Installed {
        id,
        version,
        folder: target,
        warnings: prepared.warnings,
        record,
    })
}

/// The lock file that serialises package operations on one user folder, across processes (the CLI and
/// running hosts) and within one (concurrent RPC requests).
pub const LOCK_FILE: &str = ".lock";

/// The home folder and its configuration, with the extensions folder created, locked for this operation
/// (the lock is held as long as the returned file lives) and cleaned of stale temp folders.
fn open_home() -> Result<(PathBuf, PackageConfig, std::fs::File), PackageError> {
    let home = home()?;
    let config = PackageConfig::load(&home)?;
    let extensions = extensions_dir(&home);
    std::fs::create_dir_all(&extensions).map_err(PackageError::io(&extensions))?;
    let lock_path = extensions.join(LOCK_FILE);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(PackageError::io(&lock_path))?;
    lock.lock().map_err(PackageError::io(&lock_path))?;
    clean_stale_temp_folders(&extensions);
    Ok((home, config, lock))
}

/// `exthost install SRC`.
pub fn install(source: &str, options: &InstallOptions) -> Result<Installed, PackageError> {
    let source = Source::parse(source)?;
    let (home, config, _lock) = open_home()?;
    let prepared = prepare(&source, &home, &config, options)?;
    commit(prepared, &home, options.force)
}

/// An extension folder in the user folder, with its manifest.
struct InstalledFolder {
    folder: PathBuf,
    manifest: Manifest,
}

/// Every readable extension folder directly in `extensions` (hidden ones skipped).
fn installed_folders(extensions: &Path) -> Vec<InstalledFolder> {
    let Ok(entries) = std::fs::read_dir(extensions) else {
        return Vec::new();
    };
    let mut folders: Vec<InstalledFolder> = entries
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter_map(|folder| {
            let manifest = load_manifest(&folder, &manifest_context()).ok()?;
            Some(InstalledFolder { folder, manifest })
        })
        .collect();
    folders.sort_by(|a, b| a.folder.cmp(&b.folder));
    folders
}

/// `exthost uninstall ID`: removes every installed version of `id`. Refused while another installed
/// extension depends on it, unless `force`. Answers the folders removed.
pub fn uninstall(id: &str, force: bool) -> Result<Vec<PathBuf>, PackageError> {
    let (home, _, _lock) = open_home()?;
    let extensions = extensions_dir(&home);
    let folders = installed_folders(&extensions);
    let (mine, others): (Vec<_>, Vec<_>) = folders.into_iter().partition(|f| f.manifest.id == id);
    if mine.is_empty() {
        return Err(PackageError::NotInstalled {
            id: id.to_owned(),
            folder: extensions,
        });
    }
    let dependents: BTreeSet<String> = others
        .iter()
        .filter(|f| f.manifest.dependencies.contains_key(id))
        .map(|f| f.manifest.id.clone())
        .collect();
    if !dependents.is_empty() && !force {
        return Err(PackageError::HasDependents {
            id: id.to_owned(),
            dependents: dependents.into_iter().collect(),
        });
    }
    let mut removed = Vec::new();
    let mut records = InstalledRecords::load(&extensions);
    for installed in mine {
        // Out of discovery's sight in one rename, then deleted.
        let aside = temp_folder(&extensions, REMOVE_TEMP_PREFIX);
        std::fs::rename(&installed.folder, &aside).map_err(PackageError::io(&installed.folder))?;
        sync_folder(&extensions)?;
        std::fs::remove_dir_all(&aside).map_err(PackageError::io(&aside))?;
        let name = installed
            .folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        records.extensions.retain(|record| record.folder != name);
        removed.push(installed.folder);
    }
    records.save(&extensions)?;
    Ok(removed)
}

/// What `exthost upgrade` did for one extension.
#[derive(Debug, Clone)]
pub enum UpgradeOutcome {
    /// A newer version was installed.
    Upgraded(Box<Installed>),
    /// The newest version the source offers is installed already.
    UpToDate {
        /// The extension.
        id: String,
        /// The installed version.
        version: String,
    },
}

/// `exthost upgrade [ID]`: for each recorded install (or `id`'s), the newest version its source offers —
/// npm: the newest in the recorded range from the recorded registry; a file or folder: what it holds
/// now — installed beside the old one when it is newer.
pub fn upgrade(
    id: Option<&str>,
    options: &InstallOptions,
) -> Result<Vec<UpgradeOutcome>, PackageError> {
    let (home, config, _lock) = open_home()?;
    let extensions = extensions_dir(&home);
    let records = InstalledRecords::load(&extensions);
    // The newest install of each id.
    let mut newest: std::collections::BTreeMap<String, InstallRecord> = Default::default();
    for record in records.extensions {
        let parsed = semver::Version::parse(&record.version).ok();
        let keep = newest
            .get(&record.id)
            .is_none_or(|current| parsed > semver::Version::parse(&current.version).ok());
        if keep {
            newest.insert(record.id.clone(), record);
        }
    }
    if let Some(id) = id {
        newest.retain(|key, _| key == id);
        if newest.is_empty() {
            return Err(PackageError::NotInstalled {
                id: id.to_owned(),
                folder: extensions,
            });
        }
    }
    let mut outcomes = Vec::new();
    for (id, record) in newest {
        let (source, options) = match &record.source {
            RecordedSource::Npm {
                name,
                range,
                registry,
            } => (
                Source::Npm {
                    name: name.clone(),
                    range: range.clone(),
                },
                InstallOptions {
                    registry: options.registry.clone().or_else(|| Some(registry.clone())),
                    ..options.clone()
                },
            ),
            RecordedSource::Xpkg { path } => (Source::Xpkg(path.into()), options.clone()),
            RecordedSource::Vsix { path } => (Source::Vsix(path.into()), options.clone()),
            RecordedSource::Folder { path } => (Source::Folder(path.into()), options.clone()),
        };
        let prepared = prepare(&source, &home, &config, &options)?;
        let installed = semver::Version::parse(&record.version).ok();
        if Some(&prepared.manifest.version) > installed.as_ref() && prepared.manifest.id == id {
            outcomes.push(UpgradeOutcome::Upgraded(Box::new(commit(
                prepared, &home, false,
            )?)));
        } else {
            outcomes.push(UpgradeOutcome::UpToDate {
                id,
                version: record.version,
            });
        }
    }
    Ok(outcomes)
}
