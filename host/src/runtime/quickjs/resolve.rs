//! Module resolution for one extension: relative paths, `node_modules` packages and the built-in modules,
//! confined to the extension's folder. Shared by CommonJS `require` (through a native function) and the ES
//! module resolver, so both find the same files.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

/// Modules provided by the host itself rather than by a file.
pub(crate) const BUILTIN_MODULES: &[&str] = &[
    "vscode",
    "path",
    "assert",
    "assert/strict",
    "buffer",
    "events",
    "fs",
    "fs/promises",
    "os",
    "process",
    "querystring",
    "string_decoder",
    "sys",
    "timers",
    "timers/promises",
    "url",
    "util",
    "util/types",
];

/// What a specifier names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// A file inside the extension's folder (absolute, canonical).
    File(PathBuf),
    /// One of [`BUILTIN_MODULES`].
    Builtin(&'static str),
}

/// Why a specifier names nothing the extension may load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolveError {
    /// The specifier as written.
    pub module: String,
    /// Why it cannot be loaded.
    pub reason: String,
}

impl ResolveError {
    fn new(module: &str, reason: impl Into<String>) -> Self {
        Self {
            module: module.to_owned(),
            reason: reason.into(),
        }
    }

    fn unavailable(module: &str) -> Self {
        let name = module.strip_prefix("node:").unwrap_or(module);
        if NODE_BUILTINS.contains(&package_name(name)) {
            return Self::new(
                module,
                format!(
                    "exthost: Node's module '{name}' is not available in the QuickJS engine: this extension \
                     needs the Deno engine (\"engine\": \"deno\" in exthost.json; VS Code extensions run in \
                     Deno once it is installed: exthost setup deno)"
                ),
            );
        }
        Self::new(
            module,
            format!("exthost: module '{module}' is not available to extensions"),
        )
    }
}

/// Whether the code in `file` is an ES module: `.mjs`, or `.js` under a `package.json` (the nearest one
/// between the file and `root`) saying `"type": "module"`. `.cjs` and `.json` never are.
pub(crate) fn is_es_module(root: &Path, file: &Path) -> bool {
    match file.extension().and_then(|extension| extension.to_str()) {
        Some("mjs") => true,
        Some("js") => nearest_package_type(root, file).as_deref() == Some("module"),
        _ => false,
    }
}

fn nearest_package_type(root: &Path, file: &Path) -> Option<String> {
    let mut directory = file.parent();
    while let Some(current) = directory {
        if let Some(manifest) = read_json(&current.join("package.json")) {
            return manifest
                .get("type")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        if current == root || !current.starts_with(root) {
            break;
        }
        directory = current.parent();
    }
    None
}

/// Resolves `specifier` as written in a module in `from_dir`. `root` is the extension's folder
/// (canonical); nothing outside it is ever returned. `prefer_import` picks a package's `import` export
/// condition over `require`.
pub(crate) fn resolve(
    root: &Path,
    from_dir: &Path,
    specifier: &str,
    prefer_import: bool,
) -> Result<Resolved, ResolveError> {
    if let Some(builtin) = builtin(specifier) {
        return Ok(Resolved::Builtin(builtin));
    }
    if specifier.is_empty() {
        return Err(ResolveError::new(specifier, "empty module specifier"));
    }
    let is_path = specifier.starts_with("./")
        || specifier.starts_with("../")
        || specifier == "."
        || specifier == ".."
        || Path::new(specifier).is_absolute();
    if is_path {
        let candidate = normalize(&from_dir.join(specifier));
        // Outside the folder, the same answer whether the file exists or not.
        if !super::native::location(&candidate).starts_with(root) {
            return Err(ResolveError::new(
                specifier,
                format!(
                    "{} is outside the extension's folder {}",
                    candidate.display(),
                    root.display()
                ),
            ));
        }
        let found = resolve_file_or_directory(&candidate, prefer_import).ok_or_else(|| {
            ResolveError::new(specifier, format!("cannot find {}", candidate.display()))
        })?;
        return confine(root, specifier, &found);
    }
    if specifier.starts_with("node:") || NODE_BUILTINS.contains(&package_name(specifier)) {
        return Err(ResolveError::unavailable(specifier));
    }
    // A bare specifier: `node_modules` folders from `from_dir` up to the extension's root.
    let (package, subpath) = split_package(specifier);
    let mut directory = Some(from_dir);
    while let Some(current) = directory {
        if !current.starts_with(root) {
            break;
        }
        let package_dir = current.join("node_modules").join(package);
        if package_dir.is_dir() {
            let found = match subpath {
                Some(subpath) => {
                    resolve_file_or_directory(&package_dir.join(subpath), prefer_import)
                }
                None => resolve_directory(&package_dir, prefer_import),
            };
            if let Some(found) = found {
                return confine(root, specifier, &found);
            }
        }
        if current == root {
            break;
        }
        directory = current.parent();
    }
    Err(ResolveError::unavailable(specifier))
}

fn builtin(specifier: &str) -> Option<&'static str> {
    match specifier {
        "vscode" => Some("vscode"),
        "path" | "node:path" | "path/posix" | "node:path/posix" => Some("path"),
        other => {
            let name = other.strip_prefix("node:").unwrap_or(other);
            BUILTIN_MODULES
                .iter()
                .copied()
                .find(|builtin| *builtin == name && *builtin != "vscode")
        }
    }
}

/// Node's built-in module names (those in [`BUILTIN_MODULES`] are provided; the others need Deno).
const NODE_BUILTINS: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "domain",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "sys",
    "timers",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

fn package_name(specifier: &str) -> &str {
    split_package(specifier).0
}

/// `@scope/name/sub/path` → (`@scope/name`, `Some("sub/path")`); `name` → (`name`, `None`).
fn split_package(specifier: &str) -> (&str, Option<&str>) {
    let separator = if specifier.starts_with('@') {
        specifier.match_indices('/').nth(1).map(|(index, _)| index)
    } else {
        specifier.find('/')
    };
    match separator {
        Some(index) => (&specifier[..index], Some(&specifier[index + 1..])),
        None => (specifier, None),
    }
}

fn confine(root: &Path, specifier: &str, found: &Path) -> Result<Resolved, ResolveError> {
    let canonical = found
        .canonicalize()
        .map_err(|error| ResolveError::new(specifier, format!("{}: {error}", found.display())))?;
    if canonical.starts_with(root) {
        Ok(Resolved::File(canonical))
    } else {
        Err(ResolveError::new(
            specifier,
            format!(
                "{} is outside the extension's folder {}",
                canonical.display(),
                root.display()
            ),
        ))
    }
}

fn resolve_file_or_directory(candidate: &Path, prefer_import: bool) -> Option<PathBuf> {
    resolve_file(candidate).or_else(|| resolve_directory(candidate, prefer_import))
}

fn resolve_file(candidate: &Path) -> Option<PathBuf> {
    if candidate.is_file() {
        return Some(candidate.to_path_buf());
    }
    let name = candidate.file_name()?.to_str()?;
    ["js", "json", "mjs", "cjs"]
        .iter()
        .map(|extension| candidate.with_file_name(format!("{name}.{extension}")))
        .find(|path| path.is_file())
}

fn resolve_directory(directory: &Path, prefer_import: bool) -> Option<PathBuf> {
    if !directory.is_dir() {
        return None;
    }
    if let Some(manifest) = read_json(&directory.join("package.json")) {
        let target = package_entry(&manifest, prefer_import);
        if let Some(target) = target {
            let candidate = normalize(&directory.join(target));
            if let Some(found) = resolve_file(&candidate).or_else(|| index_file(&candidate)) {
                return Some(found);
            }
        }
    }
    index_file(directory)
}

fn index_file(directory: &Path) -> Option<PathBuf> {
    ["index.js", "index.json", "index.mjs", "index.cjs"]
        .iter()
        .map(|name| directory.join(name))
        .find(|path| path.is_file())
}

/// A package's entry: `exports["."]` (a string, or the `import`/`require`/`default` condition), then
/// `module` (for `import`), then `main`.
fn package_entry(manifest: &Value, prefer_import: bool) -> Option<String> {
    let conditions: &[&str] = if prefer_import {
        &["import", "node", "default", "require"]
    } else {
        &["require", "node", "default", "import"]
    };
    let exports = manifest.get("exports");
    let root_export = match exports {
        Some(Value::Object(map)) if map.contains_key(".") => map.get("."),
        other => other,
    };
    let mut export = root_export;
    // Conditions may nest (`{"import": {"default": "./x.mjs"}}`).
    for _ in 0..4 {
        match export {
            Some(Value::String(target)) => return Some(target.clone()),
            Some(Value::Object(map)) => {
                export = conditions.iter().find_map(|condition| map.get(*condition));
            }
            _ => break,
        }
    }
    let fields: &[&str] = if prefer_import {
        &["module", "main"]
    } else {
        &["main"]
    };
    fields
        .iter()
        .find_map(|field| manifest.get(*field).and_then(Value::as_str))
        .map(str::to_owned)
}

fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Removes `.` and `..` components without touching the file system.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normalized.pop();
            }
            other => normalized.push(other.as_os_str()),
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, relative: &str, text: &str) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn resolves_relative_node_modules_and_builtins() {
        let folder = tempfile::tempdir().expect("tempdir");
        let root = folder.path().canonicalize().expect("canonical");
        write(&root, "src/a.js", "");
        write(&root, "src/data.json", "{}");
        write(&root, "src/lib/index.js", "");
        write(
            &root,
            "node_modules/left/package.json",
            r#"{"main": "lib/main.js"}"#,
        );
        write(&root, "node_modules/left/lib/main.js", "");
        write(&root, "node_modules/@scope/pkg/index.js", "");
        write(&root, "node_modules/@scope/pkg/extra.js", "");
        write(
            &root,
            "node_modules/dual/package.json",
            r#"{"exports": {".": {"import": "./m.mjs", "require": "./c.cjs"}}}"#,
        );
        write(&root, "node_modules/dual/m.mjs", "");
        write(&root, "node_modules/dual/c.cjs", "");
        let src = root.join("src");
        let file = |relative: &str| Ok(Resolved::File(root.join(relative)));
        let cases: &[(&str, bool, Result<Resolved, ResolveError>)] = &[
            ("./a", false, file("src/a.js")),
            ("./a.js", false, file("src/a.js")),
            ("./data", false, file("src/data.json")),
            ("./lib", false, file("src/lib/index.js")),
            ("../src/lib/", false, file("src/lib/index.js")),
            ("left", false, file("node_modules/left/lib/main.js")),
            (
                "@scope/pkg",
                false,
                file("node_modules/@scope/pkg/index.js"),
            ),
            (
                "@scope/pkg/extra",
                false,
                file("node_modules/@scope/pkg/extra.js"),
            ),
            ("dual", false, file("node_modules/dual/c.cjs")),
            ("dual", true, file("node_modules/dual/m.mjs")),
            ("vscode", false, Ok(Resolved::Builtin("vscode"))),
            ("node:path", false, Ok(Resolved::Builtin("path"))),
            ("fs", false, Ok(Resolved::Builtin("fs"))),
            (
                "node:fs/promises",
                false,
                Ok(Resolved::Builtin("fs/promises")),
            ),
            ("node:os", false, Ok(Resolved::Builtin("os"))),
        ];
        for (specifier, prefer_import, expected) in cases {
            assert_eq!(
                &resolve(&root, &src, specifier, *prefer_import),
                expected,
                "{specifier}"
            );
        }
        let error = resolve(&root, &src, "node:child_process", false)
            .expect_err("child_process needs Deno");
        assert_eq!(
            error.reason,
            "exthost: Node's module 'child_process' is not available in the QuickJS engine: this \
             extension needs the Deno engine (\"engine\": \"deno\" in exthost.json; VS Code extensions \
             run in Deno once it is installed: exthost setup deno)"
        );
        assert!(resolve(&root, &src, "net", false).is_err());
        assert!(resolve(&root, &src, "not-installed", false).is_err());
        assert!(resolve(&root, &src, "./missing", false).is_err());
        let outside = resolve(&root, &src, "../../", false).expect_err("outside the folder");
        assert!(outside.reason.contains("cannot find") || outside.reason.contains("outside"));
    }

    #[test]
    fn detects_es_modules() {
        let folder = tempfile::tempdir().expect("tempdir");
        let root = folder.path().canonicalize().expect("canonical");
        write(&root, "package.json", r#"{"type": "module"}"#);
        write(&root, "cjs/package.json", r#"{"name": "inner"}"#);
        assert!(is_es_module(&root, &root.join("main.js")));
        assert!(is_es_module(&root, &root.join("cjs/x.mjs")));
        assert!(!is_es_module(&root, &root.join("cjs/x.js")));
        assert!(!is_es_module(&root, &root.join("x.cjs")));
    }
}
