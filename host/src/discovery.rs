//! Discovery: finds extension folders in the five locations of contract §6, reads their manifests and
//! decides which one runs for each id (a later location shadows an earlier one).
//!
//! Discovery never fails as a whole: an unreadable folder or a broken manifest becomes a record marked
//! failed with its problems, and the others are returned as usual.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use exthost_protocol::methods::{ExtensionSource, ExtensionState};

use crate::manifest::{self, ManifestContext};
use crate::registry::ExtensionRecord;

/// The folders discovery looks in, by precedence (lowest first).
#[derive(Debug, Clone, Default)]
pub struct DiscoveryRoots {
    /// Extensions shipped with the binary.
    pub builtin: Option<PathBuf>,
    /// `$EXTHOST_HOME/extensions`.
    pub user: Option<PathBuf>,
    /// `<workspace>/.exthost/extensions`.
    pub project: Option<PathBuf>,
    /// `--extensions-dir` folders and `initializationOptions.extensionsDirs`.
    pub dirs: Vec<PathBuf>,
    /// `--dev` extension folders and `initializationOptions.devPaths` (each is one extension).
    pub dev: Vec<PathBuf>,
}

impl DiscoveryRoots {
    /// Every (source, folder-of-extensions) pair, lowest precedence first; dev paths are handled apart.
    fn containers(&self) -> Vec<(ExtensionSource, &Path)> {
        let mut containers = Vec::new();
        if let Some(path) = &self.builtin {
            containers.push((ExtensionSource::Builtin, path.as_path()));
        }
        if let Some(path) = &self.user {
            containers.push((ExtensionSource::User, path.as_path()));
        }
        if let Some(path) = &self.project {
            containers.push((ExtensionSource::Project, path.as_path()));
        }
        containers.extend(
            self.dirs
                .iter()
                .map(|path| (ExtensionSource::Dir, path.as_path())),
        );
        containers
    }
}

/// One entry of a folder of extensions: an extension folder to read, or something discovery must report
/// (a symbolic link loop, a dangling link, a folder of extensions that cannot be read).
enum Entry {
    Folder(PathBuf),
    Broken { path: PathBuf, reason: String },
}

/// The extension folders directly inside `container`, sorted by name; hidden entries and plain files are
/// skipped. A container that does not exist holds no extensions (an `--extensions-dir` that does not is
/// logged); one that cannot be read, and links that lead nowhere, are reported as broken entries.
fn extension_folders(source: ExtensionSource, container: &Path) -> Vec<Entry> {
    let entries = match std::fs::read_dir(container) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if source == ExtensionSource::Dir {
                tracing::warn!(container = %container.display(), "the extensions folder does not exist");
            } else {
                tracing::debug!(container = %container.display(), "extension folder absent");
            }
            return Vec::new();
        }
        Err(error) => {
            tracing::warn!(container = %container.display(), %error, "cannot read the extensions folder");
            return vec![Entry::Broken {
                path: container.to_path_buf(),
                reason: format!(
                    "cannot read the extensions folder {}: {error}",
                    container.display()
                ),
            }];
        }
    };
    let mut found: Vec<Entry> = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                tracing::warn!(container = %container.display(), %error, "cannot list the extensions folder");
                found.push(Entry::Broken {
                    path: container.to_path_buf(),
                    reason: format!(
                        "cannot list the extensions folder {}: {error}",
                        container.display()
                    ),
                });
                break;
            }
        };
        if entry.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = entry.path();
        match std::fs::metadata(&path) {
            Ok(metadata) if metadata.is_dir() => found.push(Entry::Folder(path)),
            Ok(_) => {}
            Err(error) => {
                // `metadata` follows links: a link that fails is a loop, a dangling link or unreadable.
                let reason = match std::fs::read_link(&path) {
                    Ok(target) if error.kind() == std::io::ErrorKind::NotFound => format!(
                        "{} is a symbolic link to {} which does not exist",
                        path.display(),
                        target.display()
                    ),
                    Ok(target) if error.raw_os_error() == Some(ELOOP) => format!(
                        "{} is a symbolic link to {} that loops",
                        path.display(),
                        target.display()
                    ),
                    _ => format!("cannot read {}: {error}", path.display()),
                };
                tracing::warn!(%reason, "skipped an extension folder");
                found.push(Entry::Broken { path, reason });
            }
        }
    }
    found.sort_by(|left, right| entry_path(left).cmp(entry_path(right)));
    found
}

/// `ELOOP`: too many levels of symbolic links.
#[cfg(unix)]
const ELOOP: i32 = libc::ELOOP;
#[cfg(not(unix))]
const ELOOP: i32 = -1;

fn entry_path(entry: &Entry) -> &Path {
    match entry {
        Entry::Folder(path) | Entry::Broken { path, .. } => path,
    }
}

/// A failed record for something discovery could not read, named after its folder.
fn broken_record(source: ExtensionSource, path: &Path, reason: String) -> ExtensionRecord {
    ExtensionRecord {
        id: folder_name(path),
        source,
        path: path.to_path_buf(),
        manifest: None,
        state: ExtensionState::Failed,
        error: Some(reason),
        shadowed_by: None,
        restart_required: false,
    }
}

/// The last component of `path` as text (lossy), or the whole path.
fn folder_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// Reads one extension folder into a record (state `discovered`, or `failed` with the manifest problems).
pub fn read_extension(
    source: ExtensionSource,
    folder: &Path,
    context: &ManifestContext,
) -> ExtensionRecord {
    let folder_name = folder_name(folder);
    // Paths cross into runtimes (JS strings, file URIs) as text: a path that is not UTF-8 cannot.
    if folder.to_str().is_none() {
        return broken_record(
            source,
            folder,
            format!(
                "the path {} is not valid UTF-8; rename the folder to load this extension",
                folder.display()
            ),
        );
    }
    match manifest::load_manifest(folder, context) {
        Ok(manifest) => ExtensionRecord {
            id: manifest.id.clone(),
            source,
            path: folder.to_path_buf(),
            manifest: Some(manifest.into()),
            state: ExtensionState::Discovered,
            error: None,
            shadowed_by: None,
            restart_required: false,
        },
        Err(error) => ExtensionRecord {
            id: error.id_hint().map_or(folder_name, str::to_owned),
            source,
            path: folder.to_path_buf(),
            manifest: None,
            state: ExtensionState::Failed,
            error: Some(error.to_string()),
            shadowed_by: None,
            restart_required: false,
        },
    }
}

/// Finds every extension under `roots`, in precedence order, and marks shadowed ones: for each id the
/// record from the highest-precedence location runs, and each other record with that id points to it (a
/// later `--extensions-dir` shadows an earlier one). Two folders of the same folder of extensions with
/// the same id: the first (by name) wins and the second is failed — except versions side by side in the
/// user folder, where the newest valid one wins and shadows the others.
pub fn discover(roots: &DiscoveryRoots, context: &ManifestContext) -> Vec<ExtensionRecord> {
    let mut records = Vec::new();
    // Which folder of extensions each record came from: duplicates are only an error within one.
    let mut containers = Vec::new();
    for (index, (source, container)) in roots.containers().into_iter().enumerate() {
        let first = records.len();
        let read = read_entries(source, extension_folders(source, container), context);
        containers.extend(std::iter::repeat_n(index, read.len()));
        records.extend(read);
        if source == ExtensionSource::User {
            prefer_newest_versions(&mut records[first..]);
        }
    }
    let first_dev = containers.len() + roots.dev.len();
    for (index, folder) in roots.dev.iter().enumerate() {
        records.push(read_extension(ExtensionSource::Dev, folder, context));
        containers.push(first_dev + index);
    }
    mark_shadowed(&mut records, &containers);
    records
}

/// Below this many extensions in one folder, they are read on the calling thread (a thread's start
/// costs more than reading a few manifests).
const PARALLEL_FROM: usize = 32;

/// The records of one folder's `entries`, in their order. Many are read by this thread and one more per
/// core, each taking the next unread entry (each manifest is a few system calls and a parse): discovery
/// sits between the editor's `initialize` and its answer. A helper thread that cannot start only leaves
/// more to this one.
fn read_entries(
    source: ExtensionSource,
    entries: Vec<Entry>,
    context: &ManifestContext,
) -> Vec<ExtensionRecord> {
    let read = |entry: &Entry| match entry {
        Entry::Folder(folder) => read_extension(source, folder, context),
        Entry::Broken { path, reason } => broken_record(source, path, reason.clone()),
    };
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if entries.len() < PARALLEL_FROM || threads < 2 {
        return entries.iter().map(read).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<ExtensionRecord>>> = entries
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    let work = || {
        loop {
            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(entry) = entries.get(index) else {
                break;
            };
            let record = read(entry);
            *slots[index]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(record);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            let started = std::thread::Builder::new()
                .name("exthost-discovery".to_owned())
                .spawn_scoped(scope, work);
            if let Err(error) = started {
                tracing::debug!(%error, "no discovery thread; reading on this one");
            }
        }
        work();
    });
    slots
        .into_iter()
        .zip(&entries)
        .map(|(slot, entry)| {
            slot.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .unwrap_or_else(|| read(entry))
        })
        .collect()
}

/// Several versions of one extension side by side in the user folder (installs go to `<id>-<version>`):
/// the newest that validates and fits the engine is the one discovered, and every other folder with that
/// id (older, or failing validation) is shadowed by it. Ids with no valid version are left as they are.
fn prefer_newest_versions(records: &mut [ExtensionRecord]) {
    let mut newest: BTreeMap<String, usize> = BTreeMap::new();
    for (index, record) in records.iter().enumerate() {
        let Some(manifest) = record.manifest.as_ref() else {
            continue;
        };
        if record.state == ExtensionState::Failed {
            continue;
        }
        let better = newest.get(&record.id).is_none_or(|&current| {
            records[current]
                .manifest
                .as_ref()
                .is_none_or(|best| manifest.version > best.version)
        });
        if better {
            newest.insert(record.id.clone(), index);
        }
    }
    for index in 0..records.len() {
        if let Some(&winner) = newest.get(&records[index].id)
            && winner != index
        {
            records[index].shadowed_by = Some(records[winner].path.clone());
        }
    }
}

/// Sets `shadowed_by` on every record that a later-precedence record with the same id overrides, and fails
/// duplicates within one folder of extensions (`containers[i]` names record `i`'s folder).
fn mark_shadowed(records: &mut [ExtensionRecord], containers: &[usize]) {
    // id → index of the record currently winning for that id.
    let mut winners: BTreeMap<String, usize> = BTreeMap::new();
    for index in 0..records.len() {
        if records[index].shadowed_by.is_some() {
            // An older version beside a newer one (see `prefer_newest_versions`).
            continue;
        }
        let id = records[index].id.clone();
        let Some(&previous) = winners.get(&id) else {
            winners.insert(id, index);
            continue;
        };
        if containers[previous] == containers[index] {
            let first_path = records[previous].path.clone();
            let first = first_path.display().to_string();
            let duplicate = &mut records[index];
            duplicate.state = ExtensionState::Failed;
            duplicate.error = Some(format!(
                "duplicate extension id {id}: already provided by {first}"
            ));
            duplicate.shadowed_by = Some(first_path);
            continue;
        }
        records[previous].shadowed_by = Some(records[index].path.clone());
        winners.insert(id, index);
    }
    // A record shadowed by one that is itself shadowed later points at the final winner.
    for index in 0..records.len() {
        if records[index].shadowed_by.is_some()
            && let Some(&winner) = winners.get(&records[index].id)
            && winner != index
            && records[index].state != ExtensionState::Failed
        {
            records[index].shadowed_by = Some(records[winner].path.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extension(parent: &Path, folder: &str, id: &str, version: &str) {
        let root = parent.join(folder);
        std::fs::create_dir_all(&root).unwrap();
        let manifest =
            format!(r#"{{"id": "{id}", "name": "x", "version": "{version}", "main": "x.js"}}"#);
        std::fs::write(root.join("exthost.json"), manifest).unwrap();
    }

    #[test]
    fn a_large_folder_is_read_in_parallel_in_folder_order_with_its_broken_entries() {
        let dir = tempfile::tempdir().unwrap();
        let count = PARALLEL_FROM * 3;
        for index in 0..count {
            extension(
                dir.path(),
                &format!("e{index:03}"),
                &format!("p.e{index:03}"),
                "1.0.0",
            );
        }
        // A broken manifest and a duplicate id among them keep their places and their verdicts.
        std::fs::write(dir.path().join("e007/exthost.json"), "{ not json").unwrap();
        extension(dir.path(), "e050", "p.e049", "1.0.0");
        let roots = DiscoveryRoots {
            dirs: vec![dir.path().to_path_buf()],
            ..DiscoveryRoots::default()
        };
        let records = discover(&roots, &crate::config::manifest_context());
        let folders: Vec<PathBuf> = records.iter().map(|r| r.path.clone()).collect();
        let expected: Vec<PathBuf> = (0..count)
            .map(|index| dir.path().join(format!("e{index:03}")))
            .collect();
        assert_eq!(folders, expected);
        for (index, record) in records.iter().enumerate() {
            let failed = index == 7 || index == 50;
            assert_eq!(
                record.state == ExtensionState::Failed,
                failed,
                "{index}: {record:?}"
            );
            if !failed {
                assert_eq!(record.id, format!("p.e{index:03}"));
            }
        }
    }

    #[test]
    fn later_folders_shadow_earlier_ones_and_duplicates_within_one_fail() {
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        extension(first.path(), "a", "same.id", "1.0.0");
        extension(second.path(), "a", "same.id", "2.0.0");
        extension(second.path(), "b", "twice.id", "1.0.0");
        extension(second.path(), "c", "twice.id", "1.0.0");
        let roots = DiscoveryRoots {
            dirs: vec![first.path().to_path_buf(), second.path().to_path_buf()],
            ..DiscoveryRoots::default()
        };
        let records = discover(&roots, &crate::config::manifest_context());
        let find = |id: &str, folder: &Path| {
            records
                .iter()
                .find(|r| r.id == id && r.path.starts_with(folder))
                .unwrap()
        };
        let shadowed = find("same.id", first.path());
        assert_eq!(shadowed.state, ExtensionState::Discovered);
        assert_eq!(
            shadowed.shadowed_by.as_deref(),
            Some(second.path().join("a").as_path())
        );
        assert_eq!(find("same.id", second.path()).shadowed_by, None);
        let duplicate = records
            .iter()
            .find(|r| r.path == second.path().join("c"))
            .unwrap();
        assert_eq!(duplicate.state, ExtensionState::Failed);
        assert!(
            duplicate
                .error
                .as_deref()
                .unwrap()
                .starts_with("duplicate extension id twice.id")
        );
    }
    #[test]
    fn the_newest_valid_version_in_the_user_folder_wins() {
        let user = tempfile::tempdir().unwrap();
        extension(user.path(), "x.y-1.0.0", "x.y", "1.0.0");
        extension(user.path(), "x.y-1.1.0", "x.y", "1.1.0");
        extension(user.path(), "x.y-1.10.0", "x.y", "1.10.0");
        extension(user.path(), "x.y-1.9.0", "x.y", "1.9.0");
        // The newest of all needs a newer host: the newest that fits wins.
        let too_new = user.path().join("x.y-2.0.0");
        std::fs::create_dir_all(&too_new).unwrap();
        std::fs::write(
            too_new.join("exthost.json"),
            r#"{"id": "x.y", "name": "x", "version": "2.0.0", "main": "x.js", "engines": {"exthost": ">=99"}}"#,
        )
        .unwrap();
        let roots = DiscoveryRoots {
            user: Some(user.path().to_path_buf()),
            ..DiscoveryRoots::default()
        };
        let records = discover(&roots, &crate::config::manifest_context());
        let winners: Vec<_> = records.iter().filter(|r| r.shadowed_by.is_none()).collect();
        assert_eq!(winners.len(), 1, "{records:#?}");
        assert_eq!(winners[0].path, user.path().join("x.y-1.10.0"));
        assert_eq!(winners[0].state, ExtensionState::Discovered);
        for record in &records {
            if record.path != winners[0].path {
                assert_eq!(
                    record.shadowed_by.as_deref(),
                    Some(winners[0].path.as_path())
                );
                assert!(
                    record
                        .error
                        .as_deref()
                        .is_none_or(|e| !e.contains("duplicate")),
                    "{record:?}"
                );
            }
        }
        let too_new = records
            .iter()
            .find(|r| r.path.ends_with("x.y-2.0.0"))
            .unwrap();
        assert_eq!(too_new.state, ExtensionState::Failed);
    }
}
