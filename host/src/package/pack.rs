//! `exthost pack`: an extension folder's files (minus `.exthostignore`, `.git`, dev dependencies'
//! `node_modules` and a Rust crate's `target`), plus the built native library for this platform, written
//! as a zip with `CHECKSUMS` (and `SIGNATURE` when signing) at its root.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;

use super::archive::{Entry, Files};
use super::format::{
    CHECKSUMS_FILE, IGNORE_FILE, PLATFORM_FILE, SIGNATURE_FILE, is_metadata, render_checksums,
    sha256_hex,
};
use super::{PackageError, current_platform, keys};
use crate::config::manifest_context;
use crate::manifest::{Manifest, load_manifest};

/// What `exthost pack` is asked for.
#[derive(Debug, Clone, Default)]
pub struct PackOptions {
    /// Where to write the package (default `<id>-<version>.xpkg` in the current folder).
    pub out: Option<PathBuf>,
    /// A private key file to sign the package with.
    pub sign: Option<PathBuf>,
}

/// What `exthost pack` wrote.
#[derive(Debug, Clone)]
pub struct Packed {
    /// The package file.
    pub file: PathBuf,
    /// The extension's manifest.
    pub manifest: Manifest,
    /// How many files it holds (metadata included).
    pub files: usize,
}

/// Packs `dir` into a `.xpkg` file.
pub fn pack(dir: &Path, options: &PackOptions) -> Result<Packed, PackageError> {
    let (manifest, files) = collect(dir)?;
    let signing_key = options
        .sign
        .as_deref()
        .map(keys::read_signing_key)
        .transpose()?;
    let files = with_metadata(files, signing_key.as_ref());
    let file = options.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}-{}.xpkg",
            manifest.id.replace('/', "_"),
            manifest.version
        ))
    });
    let bytes = zip_files(&files).map_err(|reason| PackageError::Pack {
        dir: dir.to_path_buf(),
        reason,
    })?;
    // Written beside its final name and renamed, so a half-written package never carries the name.
    let partial = {
        let mut name = file.as_os_str().to_owned();
        name.push(".partial");
        PathBuf::from(name)
    };
    std::fs::write(&partial, &bytes).map_err(PackageError::io(&partial))?;
    std::fs::rename(&partial, &file).map_err(PackageError::io(&file))?;
    Ok(Packed {
        file,
        manifest,
        files: files.len(),
    })
}

/// The extension's validated manifest and its files, as a package would hold them (metadata not yet
/// added): what `.exthostignore` and the default exclusions leave, and for a native extension the built
/// library for this platform at the root plus `PLATFORM`.
pub fn collect(dir: &Path) -> Result<(Manifest, Files), PackageError> {
    let cannot = |reason: String| PackageError::Pack {
        dir: dir.to_path_buf(),
        reason,
    };
    let manifest =
        load_manifest(dir, &manifest_context()).map_err(super::install::manifest_error)?;
    let excluded = default_exclusions(dir, &manifest);
    let mut walker = ignore::WalkBuilder::new(dir);
    walker
        .standard_filters(false)
        .follow_links(false)
        .add_custom_ignore_filename(IGNORE_FILE)
        .sort_by_file_name(|a, b| a.cmp(b));
    let root = dir.to_path_buf();
    walker.filter_entry(move |entry| {
        let relative = entry.path().strip_prefix(&root).unwrap_or(entry.path());
        !excluded.iter().any(|prefix| relative == prefix.as_path())
    });
    let mut files = Files::new();
    for entry in walker.build() {
        let entry = entry.map_err(|error| cannot(error.to_string()))?;
        let path = entry.path();
        let relative = path.strip_prefix(dir).unwrap_or(path);
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            continue;
        }
        let name = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if file_type.is_symlink() {
            tracing::warn!(file = %path.display(), "symbolic link not packed");
            continue;
        }
        if !file_type.is_file() {
            return Err(cannot(format!("{name} is not a regular file")));
        }
        if name == IGNORE_FILE {
            continue;
        }
        if is_metadata(&name) {
            return Err(cannot(format!(
                "{name} at the root is reserved for the package's metadata; rename it"
            )));
        }
        let data = std::fs::read(path).map_err(PackageError::io(path))?;
        files.insert(
            name,
            Entry {
                data,
                executable: is_executable(path),
            },
        );
    }
    if let Some(native) = &manifest.native {
        let cargo_target_dir = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from);
        let library = crate::runtime::native::library::locate_in(
            dir,
            &native.library,
            true,
            cargo_target_dir.as_deref(),
        )
        .map_err(|error| cannot(error.to_string()))?;
        let name = library
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| cannot("the native library has no file name".to_owned()))?;
        let data = std::fs::read(&library).map_err(PackageError::io(&library))?;
        files.insert(
            name,
            Entry {
                data,
                executable: true,
            },
        );
        files.insert(
            PLATFORM_FILE.to_owned(),
            Entry {
                data: format!("{}\n", current_platform()).into_bytes(),
                executable: false,
            },
        );
    }
    Ok((manifest, files))
}

/// Relative paths never packed: `.git`, `node_modules/<dev dependency>` for each of `package.json`'s
/// `devDependencies`, and `target` of a folder with a `Cargo.toml`.
fn default_exclusions(dir: &Path, manifest: &Manifest) -> Vec<PathBuf> {
    let mut excluded = vec![PathBuf::from(".git")];
    let package_json = if manifest.kind == crate::manifest::ManifestKind::VsCode {
        Some(manifest.raw.clone())
    } else {
        std::fs::read_to_string(dir.join("package.json"))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
    };
    if let Some(dev) = package_json
        .as_ref()
        .and_then(|json: &serde_json::Value| json.get("devDependencies"))
        .and_then(serde_json::Value::as_object)
    {
        excluded.extend(dev.keys().map(|name| Path::new("node_modules").join(name)));
    }
    if dir.join("Cargo.toml").is_file() {
        excluded.push(PathBuf::from("target"));
    }
    excluded
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_path: &Path) -> bool {
    false
}

/// `files` plus `CHECKSUMS` over all of them and, with a key, `SIGNATURE` over `CHECKSUMS`.
pub fn with_metadata(mut files: Files, key: Option<&ed25519_dalek::SigningKey>) -> Files {
    let checksums: BTreeMap<String, String> = files
        .iter()
        .map(|(path, entry)| (path.clone(), sha256_hex(&entry.data)))
        .collect();
    let list = render_checksums(&checksums);
    if let Some(key) = key {
        files.insert(
            SIGNATURE_FILE.to_owned(),
            Entry {
                data: keys::sign(key, list.as_bytes()).into_bytes(),
                executable: false,
            },
        );
    }
    files.insert(
        CHECKSUMS_FILE.to_owned(),
        Entry {
            data: list.into_bytes(),
            executable: false,
        },
    );
    files
}

/// A zip archive (deflate) of `files`.
pub fn zip_files(files: &Files) -> Result<Vec<u8>, String> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, entry) in files {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(if entry.executable { 0o755 } else { 0o644 });
        writer
            .start_file(path.as_str(), options)
            .map_err(|error| error.to_string())?;
        writer
            .write_all(&entry.data)
            .map_err(|error| error.to_string())?;
    }
    writer
        .finish()
        .map(std::io::Cursor::into_inner)
        .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_honours_exthostignore_and_skips_dev_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("package.json"),
            r#"{"name": "p", "publisher": "pub", "version": "1.0.0", "main": "out/a.js",
                "engines": {"vscode": "^1.80.0"}, "devDependencies": {"typescript": "1"},
                "dependencies": {"left-pad": "1"}}"#,
        )
        .unwrap();
        for file in [
            "out/a.js",
            "src/a.ts",
            "node_modules/typescript/index.js",
            "node_modules/left-pad/index.js",
            "notes.log",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, file).unwrap();
        }
        std::fs::write(root.join(IGNORE_FILE), "*.log\nsrc/\n").unwrap();
        let (manifest, files) = collect(root).unwrap();
        assert_eq!(manifest.id, "pub.p");
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            ["node_modules/left-pad/index.js", "out/a.js", "package.json"]
        );
        let files = with_metadata(files, None);
        let list = String::from_utf8(files[CHECKSUMS_FILE].data.clone()).unwrap();
        assert_eq!(list.lines().count(), 3);
        assert!(list.ends_with("  package.json\n"), "{list}");
    }
}
