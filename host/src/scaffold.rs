//! `exthost new`: writes a working extension — JavaScript or native Rust — with one contributed command
//! (`<name>.hello`), a README and a test, from the templates in `scaffold/`.
//!
//! Names derive from the folder: `hello-native/` gives the extension name `hello-native`, the id
//! `local.hello-native`, the command `hello-native.hello` and, for Rust, the crate `hello-native`, whose
//! library is `hello_native` (`libhello_native.so`). The folder's name must therefore be lower-case
//! letters, digits and `-`, starting with a letter.

use std::path::{Path, PathBuf};

/// Which kind of extension to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaffoldKind {
    /// A native extension: a Rust `cdylib` crate using `exthost-sdk`.
    Rust,
    /// A JavaScript extension using the `vscode` API.
    Js,
}

/// Why nothing (or not everything) was written.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The folder's name cannot name an extension.
    #[error(
        "cannot name an extension after the folder {dir}: \"{name}\" must be lower-case letters, digits and '-', \
         starting with a letter and not ending with '-' (e.g. hello-native)"
    )]
    InvalidName {
        /// The folder asked for.
        dir: PathBuf,
        /// Its last component.
        name: String,
    },
    /// The folder exists and has files in it.
    #[error("{dir} already exists and is not empty: choose a new folder")]
    NotEmpty {
        /// The folder asked for.
        dir: PathBuf,
    },
    /// `--sdk` does not point at the SDK crate.
    #[error(
        "--sdk {path}: no Cargo.toml there; point it at the exthost-sdk crate (extensions/sdk in the exthost repository)"
    )]
    SdkNotFound {
        /// The path given.
        path: PathBuf,
    },
    /// `--sdk` was given for a JavaScript extension.
    #[error("--sdk only applies to a Rust extension (--rust)")]
    SdkWithoutRust,
    /// Reading or writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
}

/// The templates of a Rust extension: (path in the new folder, text).
const RUST_TEMPLATES: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("scaffold/rust/Cargo.toml.template"),
    ),
    ("src/lib.rs", include_str!("scaffold/rust/lib.rs.template")),
    (
        "exthost.json",
        include_str!("scaffold/rust/exthost.json.template"),
    ),
    (
        "README.md",
        include_str!("scaffold/rust/README.md.template"),
    ),
    (
        ".gitignore",
        include_str!("scaffold/rust/gitignore.template"),
    ),
];

/// The templates of a JavaScript extension.
const JS_TEMPLATES: &[(&str, &str)] = &[
    (
        "exthost.json",
        include_str!("scaffold/js/exthost.json.template"),
    ),
    (
        "extension.js",
        include_str!("scaffold/js/extension.js.template"),
    ),
    ("README.md", include_str!("scaffold/js/README.md.template")),
    (
        "test/extension.test.js",
        include_str!("scaffold/js/extension.test.js.template"),
    ),
];

/// Writes a new extension of `kind` into `dir` (created if missing; it must be empty). For Rust, `sdk` makes
/// the crate depend on the SDK at that path (absolute in `Cargo.toml`), else on `exthost-sdk` from the
/// registry. Answers the files written.
pub fn scaffold(
    kind: ScaffoldKind,
    dir: &Path,
    sdk: Option<&Path>,
) -> Result<Vec<PathBuf>, ScaffoldError> {
    let name = extension_name(dir)?;
    let sdk_dependency = match (kind, sdk) {
        (ScaffoldKind::Js, Some(_)) => return Err(ScaffoldError::SdkWithoutRust),
        (_, Some(sdk)) => {
            let absolute = sdk
                .canonicalize()
                .ok()
                .filter(|path| path.join("Cargo.toml").is_file())
                .ok_or_else(|| ScaffoldError::SdkNotFound {
                    path: sdk.to_path_buf(),
                })?;
            format!(
                "exthost-sdk = {{ path = {} }}",
                toml_string(&absolute.display().to_string())
            )
        }
        (_, None) => format!(
            "exthost-sdk = \"{}.{}\"",
            env!("CARGO_PKG_VERSION_MAJOR"),
            env!("CARGO_PKG_VERSION_MINOR")
        ),
    };
    ensure_empty(dir)?;
    let library = name.replace('-', "_");
    let library_file = format!(
        "{}{library}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let host_version = format!(
        "{}.{}",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR")
    );
    let values = [
        ("name", name.clone()),
        ("id", format!("local.{name}")),
        ("command", format!("{name}.hello")),
        ("type", type_name(&name)),
        ("library", library),
        ("library_file", library_file),
        ("sdk_dependency", sdk_dependency),
        ("host_version", host_version),
    ];
    let templates = match kind {
        ScaffoldKind::Rust => RUST_TEMPLATES,
        ScaffoldKind::Js => JS_TEMPLATES,
    };
    let mut written = Vec::new();
    for (relative, template) in templates {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ScaffoldError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, render(template, &values)).map_err(|source| ScaffoldError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// The extension's name: the folder's last component, checked.
fn extension_name(dir: &Path) -> Result<String, ScaffoldError> {
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(name)
    } else {
        Err(ScaffoldError::InvalidName {
            dir: dir.to_path_buf(),
            name,
        })
    }
}

/// Fails unless `dir` is missing or an empty folder.
fn ensure_empty(dir: &Path) -> Result<(), ScaffoldError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                Err(ScaffoldError::NotEmpty {
                    dir: dir.to_path_buf(),
                })
            } else {
                Ok(())
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ScaffoldError::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

/// `hello-native` → `HelloNative`.
fn type_name(name: &str) -> String {
    name.split('-')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut characters = part.chars();
            characters
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + characters.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

/// Replaces every `{{key}}` in `template`.
fn render(template: &str, values: &[(&str, String)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (key, value)| {
            text.replace(&format!("{{{{{key}}}}}"), value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn a_rust_extension_is_written_with_names_from_the_folder() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("hello-native");
        let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../extensions/sdk");
        let written = scaffold(ScaffoldKind::Rust, &dir, Some(&sdk)).unwrap();
        let relative: Vec<_> = written
            .iter()
            .map(|path| path.strip_prefix(&dir).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            relative,
            [
                "Cargo.toml",
                "src/lib.rs",
                "exthost.json",
                "README.md",
                ".gitignore"
            ]
            .map(PathBuf::from)
        );
        for path in &written {
            assert!(
                !read(path).contains("{{"),
                "{} keeps a placeholder",
                path.display()
            );
        }
        let cargo = read(&dir.join("Cargo.toml"));
        assert!(cargo.contains("name = \"hello-native\""), "{cargo}");
        let canonical_sdk = sdk.canonicalize().unwrap();
        assert!(
            cargo.contains(&format!(
                "exthost-sdk = {{ path = {} }}",
                toml_string(&canonical_sdk.display().to_string())
            )),
            "{cargo}"
        );
        assert!(cargo.contains("\n[workspace]\n"), "{cargo}");
        let manifest: serde_json::Value =
            serde_json::from_str(&read(&dir.join("exthost.json"))).unwrap();
        assert_eq!(manifest["id"], "local.hello-native");
        assert_eq!(manifest["native"]["library"], "hello_native");
        assert_eq!(
            manifest["contributes"]["commands"][0]["command"],
            "hello-native.hello"
        );
        let lib = read(&dir.join("src/lib.rs"));
        assert!(lib.contains("pub struct HelloNative;"), "{lib}");
        assert!(
            lib.contains("export_extension!(HelloNative::default);"),
            "{lib}"
        );
    }

    #[test]
    fn the_manifests_are_valid() {
        let root = tempfile::tempdir().unwrap();
        for (kind, folder) in [
            (ScaffoldKind::Rust, "rusty"),
            (ScaffoldKind::Js, "scripted"),
        ] {
            let dir = root.path().join(folder);
            scaffold(kind, &dir, None).unwrap();
            let checked = crate::manifest::load_manifest(&dir, &crate::config::manifest_context());
            assert!(checked.is_ok(), "{folder}: {checked:?}");
        }
    }

    #[test]
    fn without_sdk_the_crate_depends_on_the_published_sdk() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("plain");
        scaffold(ScaffoldKind::Rust, &dir, None).unwrap();
        assert!(read(&dir.join("Cargo.toml")).contains("exthost-sdk = \"0.1\""));
    }

    #[test]
    fn a_js_extension_is_written_with_a_node_test() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("hello-js");
        let written = scaffold(ScaffoldKind::Js, &dir, None).unwrap();
        assert_eq!(written.len(), 4);
        let manifest: serde_json::Value =
            serde_json::from_str(&read(&dir.join("exthost.json"))).unwrap();
        assert_eq!(manifest["main"], "extension.js");
        assert_eq!(manifest["activationEvents"][0], "onCommand:hello-js.hello");
        assert!(read(&dir.join("extension.js")).contains("'hello-js.hello'"));
        assert!(read(&dir.join("test/extension.test.js")).contains("'hello-js.hello'"));
    }

    #[test]
    fn bad_requests_are_refused_before_anything_is_written() {
        let root = tempfile::tempdir().unwrap();
        for name in ["Hello", "1st", "with space", "trailing-", "dots.in.it"] {
            let error = scaffold(ScaffoldKind::Js, &root.path().join(name), None).unwrap_err();
            assert!(
                matches!(&error, ScaffoldError::InvalidName { name: found, .. } if found == name),
                "{name}: {error}"
            );
        }
        let busy = root.path().join("busy");
        std::fs::create_dir_all(&busy).unwrap();
        std::fs::write(busy.join("keep.txt"), "mine").unwrap();
        assert!(matches!(
            scaffold(ScaffoldKind::Rust, &busy, None),
            Err(ScaffoldError::NotEmpty { .. })
        ));
        assert!(matches!(
            scaffold(ScaffoldKind::Js, &root.path().join("js"), Some(root.path())),
            Err(ScaffoldError::SdkWithoutRust)
        ));
        let missing = scaffold(
            ScaffoldKind::Rust,
            &root.path().join("rust"),
            Some(&root.path().join("no-sdk")),
        )
        .unwrap_err();
        assert!(missing.to_string().contains("no-sdk"), "{missing}");
        assert!(!root.path().join("rust").exists());
        // An existing empty folder is fine.
        let empty = root.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        assert!(scaffold(ScaffoldKind::Js, &empty, None).is_ok());
    }

    #[test]
    fn type_names_are_pascal_case() {
        assert_eq!(type_name("hello-native"), "HelloNative");
        assert_eq!(type_name("a2-b"), "A2B");
        assert_eq!(type_name("words"), "Words");
    }
}
