//! Finding a native extension's library on disk and loading it: the ABI version is checked before any
//! other symbol is looked up, and every library stays mapped for the life of the process.
//!
//! Lookup (`native.library` is a base name such as `word_tools`; the platform's prefix and suffix are
//! added, and a name that already starts with the prefix is also tried as is):
//! 1. the extension's folder: `<folder>/libword_tools.so`;
//! 2. in development mode (`--dev`) only, the crate's cargo target folders, each in `release` and `debug`
//!    (the more recently built of the two wins): `$CARGO_TARGET_DIR` (relative to the extension's folder
//!    when relative), `<folder>/target`, and the `target` folder of the enclosing cargo workspace (the
//!    nearest ancestor whose `Cargo.toml` has a `[workspace]` table).
//!
//! Loading keeps one mapping per file version: loading the same unchanged file again reuses it (enabling
//! an extension again creates a fresh instance from the same code). A file that changed on disk since it
//! was loaded (rebuilt) is loaded from a private copy, because the platform loader would answer the old
//! mapping for the same path; old mappings are never unloaded (see the engine's documentation).
//! In development mode every library is loaded from a private copy, so a rebuild writing the file in
//! place never touches a mapped file; under a supervisor the copy is kept (in the folder the supervisor
//! owns, removed when it ends) so that the bytes that activated can become the last good version a broken
//! rebuild rolls back to ([`mapped_copy`], `lifecycle/dev_rollback.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use libloading::Library;

use super::abi::{
    ABI_VERSION, AbiVersionFunction, BufferFreeFunction, CallFunction, CreateFunction,
    DestroyFunction, symbols,
};
use crate::runtime::{LaunchSpec, RuntimeError};

/// The entry points of a loaded library whose ABI version matched. Plain function pointers into a library
/// that is never unloaded, so they are valid for the life of the process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Functions {
    pub(crate) create: CreateFunction,
    pub(crate) call: CallFunction,
    pub(crate) free: BufferFreeFunction,
    pub(crate) destroy: DestroyFunction,
}

/// What identifies one version of a file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    length: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
}

impl Fingerprint {
    fn of(path: &Path) -> std::io::Result<Self> {
        let metadata = std::fs::metadata(path)?;
        Ok(Self {
            length: metadata.len(),
            modified: metadata.modified().ok(),
            #[cfg(unix)]
            inode: {
                use std::os::unix::fs::MetadataExt;
                (metadata.dev(), metadata.ino())
            },
        })
    }
}

/// A library loaded (and leaked) once, by canonical path.
struct Loaded {
    fingerprint: Fingerprint,
    library: &'static Library,
    /// The private copy it was mapped from, while it is kept on disk.
    copy: Option<PathBuf>,
}

/// Every library this process has mapped, by canonical path: the latest version of each.
static LOADED: Mutex<BTreeMap<PathBuf, Loaded>> = Mutex::new(BTreeMap::new());

/// Numbers the private copies of rebuilt libraries.
static COPIES: AtomicU64 = AtomicU64::new(0);

/// The `native.library` of the extension's manifest.
pub(crate) fn library_name(spec: &LaunchSpec) -> Result<String, RuntimeError> {
    spec.package_json["native"]["library"]
        .as_str()
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| RuntimeError::Load {
            module: spec.extension_path.display().to_string(),
            reason: "the manifest has no native.library".to_owned(),
        })
}

/// The file names `library` may have on this platform: `lib<name>.so` (or `.dylib`, `<name>.dll`), and
/// `<name>.so` too when the name already starts with the prefix (`"libhello"`).
pub(crate) fn file_names(library: &str) -> Vec<String> {
    let prefix = std::env::consts::DLL_PREFIX;
    let suffix = std::env::consts::DLL_SUFFIX;
    let mut names = vec![format!("{prefix}{library}{suffix}")];
    if !prefix.is_empty() && library.starts_with(prefix) {
        names.push(format!("{library}{suffix}"));
    }
    names
}

/// The cargo target folders searched in development mode, in order, without duplicates.
pub(crate) fn target_folders(folder: &Path, cargo_target_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut folders = Vec::new();
    if let Some(target) = cargo_target_dir.filter(|target| !target.as_os_str().is_empty()) {
        folders.push(folder.join(target));
    }
    folders.push(folder.join("target"));
    if let Some(workspace) = folder
        .ancestors()
        .skip(1)
        .find(|ancestor| declares_workspace(&ancestor.join("Cargo.toml")))
    {
        folders.push(workspace.join("target"));
    }
    let mut unique: Vec<PathBuf> = Vec::new();
    for candidate in folders {
        if !unique.contains(&candidate) {
            unique.push(candidate);
        }
    }
    unique
}

/// Whether `manifest` is a `Cargo.toml` with a `[workspace]` table (a cheap line check, not a TOML parse).
fn declares_workspace(manifest: &Path) -> bool {
    std::fs::read_to_string(manifest)
        .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
}

/// Finds the library file for `spec`, or explains where it looked.
pub(crate) fn locate(spec: &LaunchSpec) -> Result<PathBuf, RuntimeError> {
    let library = library_name(spec)?;
    let cargo_target_dir = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from);
    locate_in(
        &spec.extension_path,
        &library,
        spec.development,
        cargo_target_dir.as_deref(),
    )
}

/// [`locate`] with the environment made explicit (for tests).
pub(crate) fn locate_in(
    folder: &Path,
    library: &str,
    development: bool,
    cargo_target_dir: Option<&Path>,
) -> Result<PathBuf, RuntimeError> {
    let names = file_names(library);
    let mut looked_in = vec![folder.to_path_buf()];
    if let Some(found) = names
        .iter()
        .map(|name| folder.join(name))
        .find(|path| path.is_file())
    {
        return Ok(found);
    }
    if development {
        for target in target_folders(folder, cargo_target_dir) {
            let target = &target;
            let builds: Vec<PathBuf> = ["release", "debug"]
                .iter()
                .flat_map(|profile| {
                    names
                        .iter()
                        .map(move |name| target.join(profile).join(name))
                })
                .filter(|path| path.is_file())
                .collect();
            looked_in.push(target.join("release"));
            looked_in.push(target.join("debug"));
            let newest = builds.into_iter().max_by_key(|path| {
                std::fs::metadata(path)
                    .and_then(|metadata| metadata.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH)
            });
            if let Some(newest) = newest {
                return Ok(newest);
            }
        }
    }
    let looked_in: Vec<String> = looked_in
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    let hint = if development {
        "build the crate (`cargo build --release`)"
    } else {
        "build the crate and copy the library next to exthost.json, or run the extension with `--dev`"
    };
    Err(RuntimeError::Load {
        module: library.to_owned(),
        reason: format!(
            "no native library {} found; looked in {}; {hint}",
            names.join(" or "),
            looked_in.join(", ")
        ),
    })
}

/// Loads the library at `path` (or reuses its mapping), checks its ABI version first, then resolves the
/// entry points. `development`: a new mapping is always made from a private copy (see the module's
/// documentation).
pub(crate) fn load(path: &Path, development: bool) -> Result<Functions, RuntimeError> {
    let load_error = |reason: String| RuntimeError::Load {
        module: path.display().to_string(),
        reason,
    };
    let canonical = path
        .canonicalize()
        .map_err(|error| load_error(format!("cannot read the library: {error}")))?;
    let fingerprint = Fingerprint::of(&canonical)
        .map_err(|error| load_error(format!("cannot read the library: {error}")))?;
    let library = {
        let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
        match loaded.get(&canonical) {
            Some(previous) if previous.fingerprint == fingerprint => previous.library,
            previous => {
                let (library, copy) = if previous.is_some() || development {
                    open_copy(&canonical, development).map_err(load_error)?
                } else {
                    (open(&canonical).map_err(load_error)?, None)
                };
                loaded.insert(
                    canonical.clone(),
                    Loaded {
                        fingerprint,
                        library,
                        copy,
                    },
                );
                library
            }
        }
    };
    check_and_resolve(library).map_err(load_error)
}

/// The private copy the current mapping of the library at `path` was made from, when it is still on disk
/// (development mode under a supervisor): the very bytes that run, whatever happened to `path` since.
pub(crate) fn mapped_copy(path: &Path) -> Option<PathBuf> {
    let canonical = path.canonicalize().ok()?;
    let loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    loaded
        .get(&canonical)?
        .copy
        .clone()
        .filter(|copy| copy.is_file())
}

/// Removes the kept private copy of the current mapping of the library at `path` (the mapping stays):
/// once its bytes were kept as the last good version, or once they failed.
pub(crate) fn release_copy(path: &Path) {
    let Ok(canonical) = path.canonicalize() else {
        return;
    };
    let copy = LOADED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_mut(&canonical)
        .and_then(|loaded| loaded.copy.take());
    if let Some(copy) = copy {
        let _ = std::fs::remove_file(copy);
    }
}

/// Maps the library at `path` for good.
fn open(path: &Path) -> Result<&'static Library, String> {
    // SAFETY: loading runs the library's initialisers in this process; that is the trust a native
    // extension is given (documented: native code shares the host's process).
    let library = unsafe { Library::new(path) }.map_err(|error| error.to_string())?;
    // Deliberately leaked: unloading Rust code in process is not safe (thread-locals, leaked statics,
    // function pointers handed out), so a library stays mapped until the process exits.
    Ok(Box::leak(Box::new(library)))
}

/// Maps a private copy of `path` (the platform loader would answer the stale mapping for the path itself,
/// and a rebuild in place must not write into a mapped file). With `keep` and a supervisor, the copy stays
/// on disk in the supervisor's folder and is answered with the mapping.
fn open_copy(path: &Path, keep: bool) -> Result<(&'static Library, Option<PathBuf>), String> {
    let kept_in = crate::supervisor::owned_folder()
        .filter(|_| keep)
        .map(|folder| folder.join("native-copies"));
    let folder = kept_in.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("exthost-native-{}", std::process::id()))
    });
    std::fs::create_dir_all(&folder)
        .map_err(|error| format!("cannot copy the library: {error}"))?;
    let number = COPIES.fetch_add(1, Ordering::Relaxed);
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let copy = folder.join(format!("{}-{number}-{file_name}", std::process::id()));
    std::fs::copy(path, &copy).map_err(|error| format!("cannot copy the library: {error}"))?;
    tracing::info!(library = %path.display(), copy = %copy.display(), "loading a native library from a private copy");
    let library = open(&copy);
    if kept_in.is_some() {
        if library.is_err() {
            let _ = std::fs::remove_file(&copy);
        }
        return library.map(|library| (library, Some(copy)));
    }
    // The mapping outlives the file on Unix; elsewhere the copy stays until the temp folder is cleaned.
    if cfg!(unix) {
        let _ = std::fs::remove_file(&copy);
        let _ = std::fs::remove_dir(&folder);
    }
    library.map(|library| (library, None))
}

/// Checks the ABI version — before looking up anything else — then resolves the entry points.
fn check_and_resolve(library: &'static Library) -> Result<Functions, String> {
    // SAFETY: the symbol is declared by the ABI as `extern "C" fn() -> u32`.
    let version =
        unsafe { library.get::<AbiVersionFunction>(symbols::ABI_VERSION) }.map_err(|_| {
            format!(
                "the library does not export {}: it is not an exthost native extension \
             (build it with exthost-sdk and `export_extension!`)",
                symbols::ABI_VERSION
            )
        })?;
    // The ABI declares the function safe to call: it takes nothing and answers a number.
    let version = version();
    if version != ABI_VERSION {
        return Err(format!(
            "ABI version mismatch: the library exports {version}, this host speaks {ABI_VERSION}; \
             rebuild it against an exthost-sdk for ABI version {ABI_VERSION}"
        ));
    }
    /// Resolves one entry point as a plain function pointer (valid forever: the library is leaked).
    fn resolve<T: Copy>(library: &'static Library, symbol: &str) -> Result<T, String> {
        // SAFETY: the ABI declares each symbol's signature; `T` is that signature.
        unsafe { library.get::<T>(symbol) }
            .map(|symbol| *symbol)
            .map_err(|_| format!("the library does not export {symbol}"))
    }
    Ok(Functions {
        create: resolve(library, symbols::CREATE)?,
        call: resolve(library, symbols::CALL)?,
        free: resolve(library, symbols::BUFFER_FREE)?,
        destroy: resolve(library, symbols::DESTROY)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library_file(name: &str) -> String {
        format!(
            "{}{name}{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        )
    }

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"not really a library").unwrap();
    }

    #[test]
    fn the_extension_folder_comes_first() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("words");
        touch(&folder.join(library_file("words")));
        touch(&folder.join("target/release").join(library_file("words")));
        assert_eq!(
            locate_in(&folder, "words", true, None).unwrap(),
            folder.join(library_file("words"))
        );
    }

    #[test]
    fn target_folders_are_searched_in_development_mode_only() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("words");
        std::fs::create_dir_all(&folder).unwrap();
        let built = folder.join("target/debug").join(library_file("words"));
        touch(&built);
        assert_eq!(locate_in(&folder, "words", true, None).unwrap(), built);
        let refused = locate_in(&folder, "words", false, None).unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains("no native library") && message.contains("--dev"),
            "{message}"
        );
    }

    #[test]
    fn cargo_target_dir_is_honoured_first_and_relative_to_the_folder() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("words");
        touch(&folder.join("target/release").join(library_file("words")));
        let shared = folder
            .join("../shared-target/release")
            .join(library_file("words"));
        touch(&shared);
        let found = locate_in(&folder, "words", true, Some(Path::new("../shared-target"))).unwrap();
        assert_eq!(found, shared);
        // A CARGO_TARGET_DIR without the library falls back to the crate's own target folder.
        let found = locate_in(&folder, "words", true, Some(Path::new("/nonexistent"))).unwrap();
        assert_eq!(
            found,
            folder.join("target/release").join(library_file("words"))
        );
    }

    #[test]
    fn the_enclosing_workspace_target_folder_is_searched() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"crates/*\"]\n",
        )
        .unwrap();
        let folder = root.path().join("crates/words");
        std::fs::create_dir_all(&folder).unwrap();
        let built = root
            .path()
            .join("target/release")
            .join(library_file("words"));
        touch(&built);
        assert_eq!(locate_in(&folder, "words", true, None).unwrap(), built);
    }

    #[test]
    fn the_newer_of_release_and_debug_wins() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("words");
        let release = folder.join("target/release").join(library_file("words"));
        let debug = folder.join("target/debug").join(library_file("words"));
        touch(&release);
        touch(&debug);
        let older = SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&release)
            .unwrap()
            .set_modified(older)
            .unwrap();
        assert_eq!(locate_in(&folder, "words", true, None).unwrap(), debug);
    }

    #[test]
    fn a_name_with_the_prefix_is_also_tried_as_is() {
        let names = file_names("libhello");
        assert_eq!(names[0], library_file("libhello"));
        if !std::env::consts::DLL_PREFIX.is_empty() {
            assert_eq!(
                names[1],
                format!("libhello{}", std::env::consts::DLL_SUFFIX)
            );
        }
    }

    #[test]
    fn a_file_that_is_not_a_library_is_refused_with_its_path() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join(library_file("broken"));
        touch(&path);
        let error = load(&path, false).unwrap_err();
        assert!(
            matches!(&error, RuntimeError::Load { module, .. } if module.contains("broken")),
            "{error:?}"
        );
    }
}
