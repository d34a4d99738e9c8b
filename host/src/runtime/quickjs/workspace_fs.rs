//! Read-only file access for `vscode.workspace.fs` and `workspace.findFiles` on `file:` URIs, confined to
//! the folders the host named (after resolving symbolic links): the extension's own folder, the
//! workspace folders of the session and the folders of the extensions the host described to it. Errors
//! start with the `FileSystemError` code the shim turns them into (`FileNotFound: …`).
//!
//! The boundary is kept here, in Rust, from what the host itself said — its answers to the snapshot and
//! to `extensions.getExtension`/`all`, and the `workspaceFoldersChanged` events it sends — as the engine
//! relays them ([`WorkspaceFiles::learn_from_answer`], [`WorkspaceFiles::learn_from_event`]). Nothing the
//! extension's JS realm computes or sends can move it.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde_json::{Value as Json, json};

use crate::runtime::{HostRequest, SessionEvent};

/// The largest file `readFile` returns (bigger ones would break the extension's memory limit anyway).
const MAX_READ_BYTES: u64 = 32 * 1024 * 1024;

/// How many directory entries one `findFiles` may visit.
const MAX_VISITED: usize = 200_000;

/// `maxResults` when the extension gives none.
const DEFAULT_MAX_RESULTS: usize = 10_000;

/// VS Code's default `files.exclude`, applied when `findFiles` gets no `exclude` argument.
const DEFAULT_EXCLUDES: &[&str] = &[
    "**/.git",
    "**/.svn",
    "**/.hg",
    "**/CVS",
    "**/.DS_Store",
    "**/Thumbs.db",
];

/// `vscode.FileType` bits.
const FILE_TYPE_FILE: u64 = 1;
const FILE_TYPE_DIRECTORY: u64 = 2;
const FILE_TYPE_SYMBOLIC_LINK: u64 = 64;

/// The folders an extension may read, as the host named them.
#[derive(Debug, Default)]
pub(crate) struct WorkspaceFiles {
    /// The extension's own folder.
    own: PathBuf,
    /// The session's `file:` workspace folders, as paths (the snapshot, then folder events).
    workspace: RefCell<Vec<PathBuf>>,
    /// The folders of the extensions the host described to this one (VS Code lets an extension read
    /// another's files, such as a language configuration).
    extensions: RefCell<Vec<PathBuf>>,
    /// The most bytes `readFile` returns: [`MAX_READ_BYTES`], or less (the extension's memory limit).
    read_cap: std::cell::Cell<Option<u64>>,
}

/// Which host answers move the read boundary (see [`WorkspaceFiles::learn_from_answer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BoundarySource {
    /// The session snapshot: its `workspaceFolders`.
    Snapshot,
    /// One extension's description, or all of them: their `extensionPath`s.
    Extensions,
}

impl BoundarySource {
    /// Whether the host's answer to `request` names folders the extension may read.
    pub(crate) fn of(request: &HostRequest) -> Option<Self> {
        match request {
            HostRequest::Snapshot => Some(Self::Snapshot),
            HostRequest::GetExtension { .. } | HostRequest::AllExtensions => Some(Self::Extensions),
            _ => None,
        }
    }
}
/// A glob relative to a folder (`findFiles`' include, and its exclude when it has a base).
#[derive(Debug, Deserialize)]
struct Pattern {
    base: Option<PathBuf>,
    pattern: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FindRequest {
    include: Vec<Pattern>,
    /// `"default"` (VS Code's default `files.exclude`), `null` (nothing) or a [`Pattern`].
    #[serde(default)]
    exclude: Json,
    max_results: Option<usize>,
}

impl WorkspaceFiles {
    /// The boundary of an extension whose folder is `own`: that folder alone until the host names more.
    pub(crate) fn new(own: PathBuf) -> Self {
        Self {
            own,
            ..Self::default()
        }
    }

    /// Takes the folders out of the host's `answer` to a request of kind `source` (the engine calls this
    /// with what the host answered, before JS sees it).
    pub(crate) fn learn_from_answer(&self, source: BoundarySource, answer: &Json) {
        match source {
            BoundarySource::Snapshot => {
                *self.workspace.borrow_mut() = folder_paths(answer.get("workspaceFolders"));
            }
            BoundarySource::Extensions => {
                let descriptions = match answer {
                    Json::Array(all) => all.iter().collect(),
                    description => vec![description],
                };
                let mut extensions = self.extensions.borrow_mut();
                for path in descriptions
                    .into_iter()
                    .filter_map(|description| description.get("extensionPath")?.as_str())
                    .map(PathBuf::from)
                    .filter(|path| path.is_absolute())
                {
                    if !extensions.contains(&path) {
                        extensions.push(path);
                    }
                }
            }
        }
    }

    /// Applies a session event the host sent (`workspaceFoldersChanged`: `{added, removed}`).
    pub(crate) fn learn_from_event(&self, name: &str, payload: &Json) {
        if name != SessionEvent::WORKSPACE_FOLDERS_CHANGED {
            return;
        }
        let removed = folder_paths(payload.get("removed"));
        let mut workspace = self.workspace.borrow_mut();
        workspace.retain(|folder| !removed.contains(folder));
        for folder in folder_paths(payload.get("added")) {
            if !workspace.contains(&folder) {
                workspace.push(folder);
            }
        }
    }

    /// The folders that may be read now, canonical (those that do not exist are left out).
    fn roots(&self) -> Vec<PathBuf> {
        std::iter::once(&self.own)
            .chain(self.workspace.borrow().iter())
            .chain(self.extensions.borrow().iter())
            .filter_map(|path| path.canonicalize().ok())
            .collect()
    }

    /// Lowers the cap of `readFile` to `cap` bytes.
    pub(crate) fn set_read_cap(&self, cap: u64) {
        self.read_cap.set(Some(cap.min(MAX_READ_BYTES)));
    }

    /// `path`, canonical, when it lies inside a workspace folder. Outside them the answer is the same
    /// whether the file exists or not (nothing is learnt about what lies outside).
    fn confine(&self, path: &Path) -> Result<PathBuf, String> {
        let location = super::native::location(path);
        if !self.roots().iter().any(|root| location.starts_with(root)) {
            return Err(format!(
                "NoPermissions: {} is outside the workspace folders",
                path.display()
            ));
        }
        path.canonicalize()
            .map_err(|error| format!("FileNotFound: {}: {error}", path.display()))
    }

    /// `FileStat` as JSON: `{type, ctime, mtime, size}` (times in milliseconds since the epoch).
    pub(crate) fn stat(&self, path: &Path) -> Result<Json, String> {
        let canonical = self.confine(path)?;
        let link = std::fs::symlink_metadata(path)
            .map_err(|error| format!("FileNotFound: {}: {error}", path.display()))?;
        let metadata = std::fs::metadata(&canonical)
            .map_err(|error| format!("FileNotFound: {}: {error}", path.display()))?;
        let millis = |time: std::io::Result<std::time::SystemTime>| {
            time.ok()
                .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |duration| duration.as_millis() as u64)
        };
        let mut file_type = file_type(&metadata);
        if link.file_type().is_symlink() {
            file_type |= FILE_TYPE_SYMBOLIC_LINK;
        }
        Ok(json!({
            "type": file_type,
            "ctime": millis(metadata.created()),
            "mtime": millis(metadata.modified()),
            "size": metadata.len(),
        }))
    }

    /// The bytes of a file.
    pub(crate) fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        let canonical = self.confine(path)?;
        let metadata = std::fs::metadata(&canonical)
            .map_err(|error| format!("FileNotFound: {}: {error}", path.display()))?;
        if metadata.is_dir() {
            return Err(format!("FileIsADirectory: {}", path.display()));
        }
        let cap = self.read_cap.get().unwrap_or(MAX_READ_BYTES);
        if metadata.len() > cap {
            return Err(format!(
                "Unavailable: {} is larger than {} MB",
                path.display(),
                cap / (1024 * 1024)
            ));
        }
        // Only a regular file, capped (a FIFO would block, a device never ends).
        crate::regular_file::read(&canonical, cap)
            .map_err(|error| format!("Unavailable: {}: {}", path.display(), error.reason()))
    }

    /// `[[name, FileType]]` of a directory, sorted by name.
    pub(crate) fn read_directory(&self, path: &Path) -> Result<Json, String> {
        let canonical = self.confine(path)?;
        if !canonical.is_dir() {
            return Err(format!("FileNotADirectory: {}", path.display()));
        }
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(&canonical)
            .map_err(|error| format!("Unavailable: {}: {error}", path.display()))?
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(link) = entry.metadata() else { continue };
            let kind = if link.file_type().is_symlink() {
                std::fs::metadata(entry.path()).map_or(0, |target| file_type(&target))
                    | FILE_TYPE_SYMBOLIC_LINK
            } else {
                file_type(&link)
            };
            entries.push((name, kind));
        }
        entries.sort();
        Ok(Json::Array(
            entries
                .into_iter()
                .map(|(name, kind)| json!([name, kind]))
                .collect(),
        ))
    }

    /// `workspace.findFiles`: the files under each include base matching its glob and no exclude, as
    /// absolute paths, sorted, at most `maxResults`. The walk visits at most [`MAX_VISITED`] entries and
    /// does not follow symbolic links to directories.
    pub(crate) fn find_files(&self, request: &str) -> Result<Json, String> {
        let request: FindRequest =
            serde_json::from_str(request).map_err(|error| format!("findFiles: {error}"))?;
        let max_results = request.max_results.unwrap_or(DEFAULT_MAX_RESULTS);
        let excludes = Excludes::new(request.exclude)?;
        let mut found = Vec::new();
        let mut visited = 0;
        for include in &request.include {
            let Some(base) = &include.base else { continue };
            let Ok(base) = self.confine(base) else {
                continue;
            };
            let matcher = glob(&include.pattern)?;
            walk(
                &base,
                &base,
                &matcher,
                &excludes,
                &mut found,
                &mut visited,
                max_results,
            );
        }
        found.sort();
        found.dedup();
        found.truncate(max_results);
        Ok(json!(found))
    }
}

/// The absolute paths of the `file:` folders in a list of `{uri}` (others are left out: a path that is
/// not absolute would be read relative to the host's working folder).
fn folder_paths(folders: Option<&Json>) -> Vec<PathBuf> {
    folders
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|folder| folder.get("uri")?.as_str())
        .filter_map(crate::permissions::file_uri_path)
        .filter(|path| path.is_absolute())
        .collect()
}

fn file_type(metadata: &std::fs::Metadata) -> u64 {
    if metadata.is_dir() {
        FILE_TYPE_DIRECTORY
    } else if metadata.is_file() {
        FILE_TYPE_FILE
    } else {
        0
    }
}

/// A VS Code glob: `*` stops at `/`, `**` crosses it, `{a,b}` alternates.
fn glob(pattern: &str) -> Result<GlobMatcher, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|glob| glob.compile_matcher())
        .map_err(|error| format!("findFiles: invalid glob {pattern:?}: {error}"))
}

/// What `findFiles` leaves out: globs relative to the walk's base, or to an exclude pattern's own base.
struct Excludes {
    relative: Option<GlobSet>,
    based: Option<(PathBuf, GlobMatcher)>,
}

impl Excludes {
    fn new(exclude: Json) -> Result<Self, String> {
        let build = |patterns: &[&str]| -> Result<GlobSet, String> {
            let mut set = GlobSetBuilder::new();
            for pattern in patterns {
                set.add(Glob::new(pattern).map_err(|error| format!("findFiles: {error}"))?);
            }
            set.build().map_err(|error| format!("findFiles: {error}"))
        };
        if exclude.is_null() {
            return Ok(Self {
                relative: None,
                based: None,
            });
        }
        if exclude.as_str() == Some("default") {
            return Ok(Self {
                relative: Some(build(DEFAULT_EXCLUDES)?),
                based: None,
            });
        }
        let exclude: Pattern = serde_json::from_value(exclude)
            .map_err(|error| format!("findFiles: invalid exclude: {error}"))?;
        Ok(match exclude {
            Pattern {
                base: Some(base),
                pattern,
            } => Self {
                relative: None,
                based: Some((base.canonicalize().unwrap_or(base), glob(&pattern)?)),
            },
            Pattern {
                base: None,
                pattern,
            } => {
                let mut set = GlobSetBuilder::new();
                set.add(
                    GlobBuilder::new(&pattern)
                        .literal_separator(true)
                        .build()
                        .map_err(|error| format!("findFiles: invalid glob {pattern:?}: {error}"))?,
                );
                Self {
                    relative: Some(set.build().map_err(|error| format!("findFiles: {error}"))?),
                    based: None,
                }
            }
        })
    }

    fn excludes(&self, relative: &str, absolute: &Path) -> bool {
        if let Some(set) = &self.relative
            && set.is_match(relative)
        {
            return true;
        }
        if let Some((base, matcher)) = &self.based
            && let Ok(inside) = absolute.strip_prefix(base)
        {
            return matcher.is_match(slashed(inside));
        }
        false
    }
}

fn slashed(path: &Path) -> String {
    path.components()
        .map(|component| component.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn walk(
    base: &Path,
    directory: &Path,
    include: &GlobMatcher,
    excludes: &Excludes,
    found: &mut Vec<String>,
    visited: &mut usize,
    max_results: usize,
) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        if found.len() >= max_results || *visited >= MAX_VISITED {
            return;
        }
        *visited += 1;
        let path = entry.path();
        let Ok(relative) = path.strip_prefix(base) else {
            continue;
        };
        let relative = slashed(relative);
        if excludes.excludes(&relative, &path) {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(base, &path, include, excludes, found, visited, max_results);
        } else if (kind.is_file() || (kind.is_symlink() && path.is_file()))
            && include.is_match(&relative)
        {
            found.push(path.to_string_lossy().into_owned());
        }
    }
}
